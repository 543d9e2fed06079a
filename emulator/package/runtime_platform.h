#ifndef THAW_EMULATOR_PACKAGE_RUNTIME_PLATFORM_H_
#define THAW_EMULATOR_PACKAGE_RUNTIME_PLATFORM_H_

#include <string>
#include <string_view>
#include <vector>

namespace thaw::package {

// What a Lambda managed runtime's machine offers the native code of a package: its operating
// system and that system's glibc, the Node.js ABI of a nodejs* runtime and the Python minor of
// a python3.x runtime. The one table of these facts (the README's "Packaging check" shows it);
// nothing else in thaw spells them. Plain value type.
struct RuntimePlatform {
  std::string_view runtime;  // "nodejs20.x"
  std::string_view os;       // "Amazon Linux 2023"
  int glibc_minor = 0;       // glibc 2.<glibc_minor> (the major is 2 on every Amazon Linux)
  int node_major = 0;        // 20 for nodejs20.x; 0 for other runtimes
  int node_abi = 0;          // NODE_MODULE_VERSION of that Node major (115); 0 for others
  int python_minor = 0;      // 12 for python3.12; 0 for other runtimes
};

// The platform of `runtime` ("python3.12", "provided.al2", ...), or nullptr for a name the table
// does not hold (the check then skips what depends on it). Thread-safe.
const RuntimePlatform* FindRuntimePlatform(std::string_view runtime);

// Every row of the table, in a stable order (for the README and the tests).
const std::vector<RuntimePlatform>& RuntimePlatforms();

// "glibc 2.26".
std::string GlibcText(int minor);

// The shared libraries one Amazon Linux release puts in every Lambda execution environment on
// it: its libstdc++ (whose symbol versions a C++ binary needs) and the sonames a binary of the
// package may need without shipping them. The second table of runtime_platform.cc, beside the
// runtimes'; its one home. Plain value type.
struct OsLibraries {
  std::string_view os;    // "Amazon Linux 2023", as RuntimePlatform::os
  int libstdcxx_gcc = 0;  // the GCC major whose libstdc++.so.6 the OS ships (11)
  int glibcxx_patch = 0;  // the newest GLIBCXX_3.4.<N> that libstdc++ defines (29)
  int cxxabi_patch = 0;   // the newest CXXABI_1.3.<N> it defines (13)
  // Sonames every Lambda image of the OS has (exact names: "libc.so.6"). Deliberately only the
  // part that is certain (glibc, the GCC runtime, zlib, OpenSSL); an image has more.
  std::vector<std::string_view> sonames;
  // Name prefixes of libraries an image of the OS usually has but that thaw cannot promise
  // ("libffi.so."): needing one the package does not ship is a note, not an error.
  std::vector<std::string_view> maybe_prefixes;
};

// The libraries of `os` (a RuntimePlatform::os), or nullptr when the table does not hold it
// (Amazon Linux 2018.03: the checks that need it are skipped). Thread-safe.
const OsLibraries* FindOsLibraries(std::string_view os);

// The GCC release that introduced libstdc++'s GLIBCXX_3.4.<patch> ("GCC 12" for 30), or "" for
// a patch the table does not name.
std::string GccOfGlibcxx(int patch);

}  // namespace thaw::package

#endif  // THAW_EMULATOR_PACKAGE_RUNTIME_PLATFORM_H_
