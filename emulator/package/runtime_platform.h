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

}  // namespace thaw::package

#endif  // THAW_EMULATOR_PACKAGE_RUNTIME_PLATFORM_H_
