#include "emulator/package/package_check.h"

#include <elf.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "emulator/package/binary_inspector.h"
#include "emulator/package/runtime_platform.h"

namespace thaw::package {
namespace {

namespace fs = std::filesystem;

// Non-ELF formats are told by their first bytes; a PE header usually sits within the first
// few hundred.
constexpr size_t kPrefixBytes = 4096;

std::string ReadPrefix(const fs::path& path, size_t limit, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(limit, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(limit));
  *ok = !in.bad() && (in.good() || in.eof());
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

std::string NodeVersionOfAbi(int abi) {
  for (const RuntimePlatform& p : RuntimePlatforms()) {
    if (p.node_abi == abi) return " (Node.js " + std::to_string(p.node_major) + ")";
  }
  return "";
}

class FunctionPackageChecker {
 public:
  FunctionPackageChecker(const FunctionConfig& fn, const PackageCheckLimits& limits)
      : fn_(fn), limits_(limits), platform_(FindRuntimePlatform(fn.runtime)) {}

  PackageReport Run() {
    bool complete = Walk(fn_.code, "", "the code directory");
    if (complete) {
      // The layers end up in the same environment (/opt), so their binaries must load too.
      for (const fs::path& layer : fn_.layers) {
        complete = Walk(layer, "layer " + layer.string(), "the layer directory");
        if (!complete) break;
      }
    }
    // Whether a needed library is in the package is known once every file name is: after a
    // walk cut short by the file limit, it is not judged.
    if (complete) {
      for (const PendingLinks& pending : pending_links_) CheckLinks(pending);
    }
    if (bytes_ > limits_.max_unzipped_bytes) {
      Add("", PackageProblem::Severity::kNote,
          "the code" + std::string(fn_.layers.empty() ? "" : " and its layers") + " come to " +
              std::to_string(bytes_ >> 20) + " MB unzipped, over the " +
              std::to_string(limits_.max_unzipped_bytes >> 20) +
              " MB Lambda allows (layers included): deploying it fails");
    }
    return std::move(report_);
  }

 private:
  // Checks the files under `dir`, naming them by their path relative to it, after "<label>: "
  // when `label` is not empty (problems with the directory as a whole are about `label`). False
  // when the file limit was reached (nothing more is read).
  bool Walk(const fs::path& dir, const std::string& label, const std::string& what) {
    const std::string prefix = label.empty() ? "" : label + ": ";
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(dir, ec);
    if (ec || !fs::is_directory(root, ec)) {
      Add(label, PackageProblem::Severity::kNote,
          what + " " + dir.string() + " cannot be read, so it was not checked");
      return true;
    }
    int64_t outside_links = 0;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const fs::directory_entry& entry = *it;
      std::error_code entry_ec;
      const fs::file_status status = entry.symlink_status(entry_ec);
      if (entry_ec) continue;
      if (fs::is_symlink(status)) {
        // Never followed: a link inside the tree reaches a file checked at its own path, and a
        // link to a directory could make a loop.
        const fs::path target = fs::weakly_canonical(entry.path(), entry_ec);
        const fs::path inside = target.lexically_relative(root);
        if (entry_ec || inside.empty() || *inside.begin() == "..") {
          ++outside_links;
        } else {
          file_names_.insert(entry.path().filename().string());  // libstdc++.so.6 -> .so.6.0.30
        }
        continue;
      }
      if (!fs::is_regular_file(status)) continue;
      if (report_.files >= limits_.max_files) {
        Add("", PackageProblem::Severity::kNote,
            "stopped after " + std::to_string(limits_.max_files) +
                " files; the rest were not read");
        return false;
      }
      ++report_.files;
      file_names_.insert(entry.path().filename().string());
      if (const uintmax_t size = entry.file_size(entry_ec); !entry_ec) bytes_ += size;
      CheckFile(entry.path(), prefix + entry.path().lexically_relative(root).generic_string());
    }
    if (ec) {
      Add(label, PackageProblem::Severity::kNote, "the walk stopped early: " + ec.message());
    }
    if (outside_links > 0) {
      Add(label, PackageProblem::Severity::kNote,
          std::to_string(outside_links) + " symbolic link(s) leading out of " + what +
              " were not followed; what they reach is not checked (and is not in the package "
              "Lambda gets)");
    }
    return true;
  }

  void Add(std::string file, PackageProblem::Severity severity, std::string reason) {
    report_.problems.push_back({fn_.name, std::move(file), severity, std::move(reason)});
  }
  void Error(const std::string& file, std::string reason) {
    Add(file, PackageProblem::Severity::kError, std::move(reason));
  }

  void CheckFile(const fs::path& path, const std::string& rel) {
    bool ok = false;
    std::string bytes = ReadPrefix(path, kPrefixBytes, &ok);
    if (!ok) {
      Add(rel, PackageProblem::Severity::kNote, "cannot be read");
      return;
    }
    if (IsElfMagic(bytes)) {
      std::error_code ec;
      const uintmax_t size = fs::file_size(path, ec);
      if (ec || size > limits_.max_elf_bytes) {
        Add(rel, PackageProblem::Severity::kNote,
            "an ELF file larger than " + std::to_string(limits_.max_elf_bytes >> 20) +
                " MB: not read");
        return;
      }
      if (size > bytes.size()) bytes = ReadPrefix(path, size, &ok);
      if (!ok) {
        Add(rel, PackageProblem::Severity::kNote, "cannot be read");
        return;
      }
    }
    absl::StatusOr<BinaryInfo> info = InspectBinary(bytes);
    if (!info.ok()) {
      Add(rel, PackageProblem::Severity::kNote,
          "cannot be judged: " + std::string(info.status().message()));
      return;
    }
    switch (info->format) {
      case BinaryInfo::Format::kNotBinary:
        return;
      case BinaryInfo::Format::kMachO:
        ++report_.binaries;
        Error(rel,
              "built on macOS (" + info->description + "): will not load on Lambda's Amazon Linux");
        return;
      case BinaryInfo::Format::kPe:
        ++report_.binaries;
        Error(rel, "a Windows binary (PE): will not load on Lambda's Amazon Linux");
        return;
      case BinaryInfo::Format::kElf:
        ++report_.binaries;
        CheckElf(*info, rel);
        return;
    }
  }

  void CheckElf(const BinaryInfo& elf, const std::string& rel) {
    // Object files, core dumps and the like are not loaded.
    if (elf.elf_type != ET_EXEC && elf.elf_type != ET_DYN) return;
    const std::string machine = ElfMachineName(elf.elf_machine);
    if (elf.elf_bits == 32) {
      Error(rel, "a 32-bit ELF (" + machine + "): Lambda runs 64-bit code only (x86_64 or arm64)");
      return;
    }
    const bool arm = fn_.architecture == "arm64";
    const uint16_t wanted = arm ? EM_AARCH64 : EM_X86_64;
    if (elf.elf_machine != wanted) {
      if (elf.elf_machine == EM_X86_64 || elf.elf_machine == EM_AARCH64) {
        Error(rel,
              "built for " + machine + ", but the function's architecture is " + fn_.architecture);
      } else {
        Error(rel, "built for " + machine + ": Lambda runs x86_64 or arm64 only");
      }
      return;
    }
    bool musl = elf.interpreter.find("ld-musl") != std::string::npos;
    std::string musl_what = "its interpreter is " + elf.interpreter;
    for (const std::string& lib : elf.needed) {
      if (lib.starts_with("libc.musl-")) {
        musl = true;
        musl_what = "it needs " + lib;
      }
    }
    if (musl) {
      Error(rel, "built against musl (Alpine; " + musl_what +
                     "): Lambda's Amazon Linux has glibc and no musl");
    }
    if (platform_ && elf.glibc_minor && *elf.glibc_minor > platform_->glibc_minor) {
      Error(rel, "needs " + GlibcText(*elf.glibc_minor) + " (GLIBC_2." +
                     std::to_string(*elf.glibc_minor) + " from " + elf.glibc_from + "), but " +
                     fn_.runtime + " runs on " + std::string(platform_->os) + " with " +
                     GlibcText(platform_->glibc_minor));
    }
    CheckPythonTag(rel);
    if (rel.ends_with(".node")) CheckNodeAddon(elf, rel);
    // A musl build's needs are moot (it is an error already).
    if (!musl && platform_) {
      pending_links_.push_back({rel, elf.needed, elf.glibcxx_patch, elf.cxxabi_patch});
    }
  }

  // The libraries an ELF of the package needs, judged after the walk against the file names of
  // the whole package (code and layers) and the runtime OS's libraries.
  struct PendingLinks {
    std::string rel;
    std::vector<std::string> needed;
    std::optional<int> glibcxx_patch;
    std::optional<int> cxxabi_patch;
  };

  // Whether the package holds a file (or a link to one inside it) named `soname`, anywhere:
  // the loader finds a bundled library through the binary's RUNPATH ($ORIGIN), Lambda's
  // LD_LIBRARY_PATH (/var/task/lib, /opt/lib) or a runtime's own search, which thaw does not
  // model, so any directory counts.
  bool Ships(const std::string& soname) const { return file_names_.contains(soname); }

  void CheckLinks(const PendingLinks& p) {
    const OsLibraries* os = FindOsLibraries(platform_->os);
    if (os == nullptr) return;  // Amazon Linux 2018.03: not in the table
    const std::string os_name(platform_->os);
    if (!Ships("libstdc++.so.6")) {
      if (p.glibcxx_patch && *p.glibcxx_patch > os->glibcxx_patch) {
        const std::string gcc = GccOfGlibcxx(*p.glibcxx_patch);
        Error(p.rel, "needs GLIBCXX_3.4." + std::to_string(*p.glibcxx_patch) +
                         (gcc.empty() ? "" : " (" + gcc + "'s libstdc++)") + "; " + os_name +
                         " has up to GLIBCXX_3.4." + std::to_string(os->glibcxx_patch) + " (GCC " +
                         std::to_string(os->libstdcxx_gcc) +
                         "'s libstdc++): ship libstdc++.so.6 or link it statically");
      } else if (p.cxxabi_patch && *p.cxxabi_patch > os->cxxabi_patch) {
        Error(p.rel, "needs CXXABI_1.3." + std::to_string(*p.cxxabi_patch) + " (libstdc++); " +
                         os_name + " has up to CXXABI_1.3." + std::to_string(os->cxxabi_patch) +
                         " (GCC " + std::to_string(os->libstdcxx_gcc) +
                         "'s libstdc++): ship libstdc++.so.6 or link it statically");
      }
    }
    for (const std::string& lib : p.needed) {
      if (lib.find('/') != std::string::npos || Ships(lib) || ProvidedByRuntime(lib)) continue;
      if (std::find(os->sonames.begin(), os->sonames.end(), lib) != os->sonames.end()) continue;
      const bool maybe =
          std::any_of(os->maybe_prefixes.begin(), os->maybe_prefixes.end(),
                      [&lib](std::string_view prefix) { return lib.starts_with(prefix); });
      if (maybe) {
        Add(p.rel, PackageProblem::Severity::kNote,
            "needs " + lib + ", which is not in the package; " + os_name + " images usually have " +
                lib.substr(0, lib.find(".so")) + ", but thaw cannot promise " + lib +
                " on Lambda: ship it to be sure");
      } else {
        Error(p.rel, "needs " + lib + ", which is neither in the package nor on " + os_name);
      }
    }
  }

  // Libraries the language runtime of the function brings itself (its interpreter or VM):
  // libpython3.X for python runtimes, the JVM's for java ones, libnode for nodejs ones. Also a
  // sanitizer's runtime (libasan, libubsan, libtsan, liblsan, libhwasan): a sanitized build is a
  // test build (thaw's own tests run one), not a deployment, so it is not judged.
  bool ProvidedByRuntime(const std::string& lib) const {
    for (std::string_view sanitizer :
         {"libasan.so", "libubsan.so", "libtsan.so", "liblsan.so", "libhwasan.so"}) {
      if (lib.starts_with(sanitizer)) return true;
    }
    if (fn_.runtime.starts_with("python")) return lib.starts_with("libpython3");
    if (fn_.runtime.starts_with("java")) {
      return lib == "libjvm.so" || lib == "libjava.so" || lib == "libjli.so";
    }
    if (fn_.runtime.starts_with("nodejs")) return lib.starts_with("libnode.so");
    return false;
  }

  // The one place where the file name is the contract: CPython loads `x.cpython-312-*.so` only
  // on 3.12 (PEP 3149); `x.abi3.so` loads on any 3.x.
  void CheckPythonTag(const std::string& rel) {
    if (!platform_ || platform_->python_minor == 0) return;
    static const std::regex kTag(R"(\.cpython-3(\d{1,2})[^/]*\.so$)");
    std::smatch m;
    if (!std::regex_search(rel, m, kTag)) return;
    const int minor = std::stoi(m[1].str());
    if (minor == platform_->python_minor) return;
    Error(rel, "a CPython 3." + std::to_string(minor) + " extension (cpython-3" + m[1].str() +
                   " in its name), but the function's runtime is " + fn_.runtime);
  }

  void CheckNodeAddon(const BinaryInfo& elf, const std::string& rel) {
    if (!platform_ || platform_->node_abi == 0 || elf.napi) return;
    const std::string runtime_text = fn_.runtime + " runs Node.js " +
                                     std::to_string(platform_->node_major) + " (ABI " +
                                     std::to_string(platform_->node_abi) + ")";
    if (elf.node_module_version) {
      if (*elf.node_module_version == platform_->node_abi) return;
      Error(rel, "a Node.js addon built for NODE_MODULE_VERSION " +
                     std::to_string(*elf.node_module_version) +
                     NodeVersionOfAbi(*elf.node_module_version) + ", but " + runtime_text +
                     "; rebuild it for that Node.js, or use a Node-API build");
      return;
    }
    if (elf.node_module_register) {
      Add(rel, PackageProblem::Severity::kNote,
          "a Node.js addon on Node's own ABI (node_module_register): its NODE_MODULE_VERSION "
          "is not in its headers; make sure it was built for Node.js " +
              std::to_string(platform_->node_major));
    }
  }

  const FunctionConfig& fn_;
  const PackageCheckLimits& limits_;
  const RuntimePlatform* platform_;
  PackageReport report_;
  // The regular files' sizes, code and layers.
  uint64_t bytes_ = 0;
  // The names of the package's files and of its links inside it, code and layers.
  std::set<std::string> file_names_;
  std::vector<PendingLinks> pending_links_;
};

}  // namespace

int64_t PackageReport::errors() const {
  int64_t n = 0;
  for (const PackageProblem& p : problems) n += p.severity == PackageProblem::Severity::kError;
  return n;
}

PackageReport CheckFunctionPackage(const FunctionConfig& fn, const PackageCheckLimits& limits) {
  return FunctionPackageChecker(fn, limits).Run();
}

PackageReport CheckPackages(const ThawConfig& config, const std::string& function,
                            const PackageCheckLimits& limits) {
  PackageReport all;
  for (const auto& [name, fn] : config.functions) {
    if (!function.empty() && name != function) continue;
    PackageReport one = CheckFunctionPackage(fn, limits);
    all.files += one.files;
    all.binaries += one.binaries;
    for (PackageProblem& p : one.problems) all.problems.push_back(std::move(p));
  }
  return all;
}

std::string FormatProblem(const PackageProblem& problem) {
  std::string text = problem.function + ": ";
  if (!problem.file.empty()) text += problem.file + ": ";
  return text + problem.reason;
}

}  // namespace thaw::package
