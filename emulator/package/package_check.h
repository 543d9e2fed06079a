#ifndef THAW_EMULATOR_PACKAGE_PACKAGE_CHECK_H_
#define THAW_EMULATOR_PACKAGE_PACKAGE_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "emulator/config/thaw_config.h"
#include "emulator/config/zip_artifact.h"

namespace thaw::package {

// The packaging check: thaw runs a function's code on this machine, so it cannot see that a
// bundle was built on a Mac, for the other architecture, against a newer glibc or libstdc++ than
// the runtime's Amazon Linux, against musl, or for another Python or Node.js ABI, or that it needs
// a shared library Lambda does not have. This check reads the headers of every native binary in a
// function's code directory (binary_inspector.h) and compares them with the function's runtime
// (runtime_platform.h) and `architecture`.

// One thing wrong with (or worth saying about) a file of a function's package. Value type.
struct PackageProblem {
  enum class Severity {
    kError,  // will not load on Lambda: a Mach-O / PE / 32-bit / wrong-architecture / musl ELF,
             // a glibc or libstdc++ newer than the runtime's OS, a needed library neither in the
             // package nor on the OS, a Python or Node.js ABI mismatch
    kNote,   // could not be read or judged (corrupt header, too big, limits reached, a needed
             // library the OS usually but not surely has, ...)
  };
  std::string function;
  // Relative to the function's code directory ("node_modules/fsevents/fsevents.node"), or for a
  // layer's file "layer <dir>: <relative path>"; empty (or "layer <dir>") when the problem is
  // about the directory as a whole.
  std::string file;
  Severity severity = Severity::kError;
  std::string reason;
};

// What the check read and found. Value type.
struct PackageReport {
  std::vector<PackageProblem> problems;
  // Regular files whose first bytes were read, and of those the native binaries.
  int64_t files = 0;
  int64_t binaries = 0;

  int64_t errors() const;
};

// Limits on what one function's check reads, so that a huge or hostile tree stays cheap.
struct PackageCheckLimits {
  // Files looked at per function; past it the walk stops with a note.
  int64_t max_files = 100000;
  // Largest ELF file read whole (a bigger one is a note); Lambda's unzipped limit is 250 MB.
  uint64_t max_elf_bytes = 256ull << 20;
  // Lambda's limit on a function's unzipped size, its layers included: past it, a note.
  uint64_t max_unzipped_bytes = kMaxUnzippedPackageBytes;
};

// Checks the files under `fn.code` and then under each of `fn.layers` (their sizes added up
// against Lambda's unzipped limit, which counts the layers too; recursively; symbolic links
// are followed only to files inside the tree, never to directories, so there are no loops).
// `fn.architecture` is "x86_64" or "arm64"; `fn.runtime` picks the platform row (a runtime the
// table does not hold skips the glibc and ABI comparisons). Never fails: unreadable files and
// directories become notes. Thread-safe (reads the file system only).
PackageReport CheckFunctionPackage(const FunctionConfig& fn, const PackageCheckLimits& limits = {});

// CheckFunctionPackage for each function of `config` (only `function` when not empty), merged,
// in function-name order.
PackageReport CheckPackages(const ThawConfig& config, const std::string& function = "",
                            const PackageCheckLimits& limits = {});

// "orders: node_modules/fsevents/fsevents.node: built on macOS (Mach-O 64-bit arm64): will not
// load on Lambda's Amazon Linux".
std::string FormatProblem(const PackageProblem& problem);

}  // namespace thaw::package

#endif  // THAW_EMULATOR_PACKAGE_PACKAGE_CHECK_H_
