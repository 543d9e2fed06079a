#ifndef THAW_EMULATOR_PACKAGE_BINARY_INSPECTOR_H_
#define THAW_EMULATOR_PACKAGE_BINARY_INSPECTOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace thaw::package {

// What a native binary's headers say about where it can load. Plain value type.
struct BinaryInfo {
  enum class Format {
    kNotBinary,  // none of the formats below (a script, a text file, a DOS stub without PE)
    kElf,
    kMachO,  // thin 32/64-bit, either byte order, or a fat (universal) binary
    kPe,     // "MZ" with a "PE\0\0" header: a Windows DLL or executable
  };
  Format format = Format::kNotBinary;
  // kMachO: "Mach-O 64-bit", "Mach-O universal (2 architectures)", ...
  std::string description;

  // kElf only (the values below are read from the ELF headers).
  int elf_bits = 0;          // 32 or 64 (EI_CLASS)
  bool big_endian = false;   // EI_DATA
  uint16_t elf_type = 0;     // e_type: ET_EXEC, ET_DYN, ET_REL, ...
  uint16_t elf_machine = 0;  // e_machine: EM_X86_64 (62), EM_AARCH64 (183), ...
  // PT_INTERP, e.g. "/lib64/ld-linux-x86-64.so.2" or "/lib/ld-musl-x86_64.so.1"; empty when none.
  std::string interpreter;
  // DT_NEEDED entries of the dynamic section, in order.
  std::vector<std::string> needed;
  // The highest GLIBC_2.<minor> version the binary needs (.gnu.version_r), as the minor; empty
  // when it needs no versioned glibc symbol.
  std::optional<int> glibc_minor;
  // The library that version is needed from ("libc.so.6", "libm.so.6").
  std::string glibc_from;
  // The highest GLIBCXX_3.4.<N> / CXXABI_1.3.<N> version needed (libstdc++'s symbol versions),
  // as N; empty when none (a bare GLIBCXX_3.4 / CXXABI_1.3 counts as 0).
  std::optional<int> glibcxx_patch;
  std::optional<int> cxxabi_patch;
  // Node.js addons: N from an exported `node_register_module_v<N>` (the NODE_MODULE_VERSION it
  // was built for), if any.
  std::optional<int> node_module_version;
  // Exports `napi_register_module_v1` or imports `napi_*` functions: a Node-API addon, which
  // loads on any Node.js ABI.
  bool napi = false;
  // Imports `node_module_register`: an addon on Node's own (non Node-API) ABI that registers
  // through a static constructor; its NODE_MODULE_VERSION sits in data, not in a symbol.
  bool node_module_register = false;
  // Whether the dynamic symbol table was found (a stripped section table hides it).
  bool has_dynsym = false;
};

// The name of an ELF e_machine value: "x86_64", "aarch64", "i386", "arm", ... or "machine N".
std::string ElfMachineName(uint16_t machine);

// Whether `prefix` starts with the ELF magic (0x7f 'E' 'L' 'F'). InspectBinary needs the whole
// file for ELF, but only a prefix for the other formats (the first 4 KB hold a PE header in
// practice): callers read a prefix first and the whole file only when this holds.
bool IsElfMagic(std::string_view prefix);

// Reads the headers of the file whose bytes (or a prefix of them) are `bytes`. Files are hostile
// input: every offset and count is checked against `bytes` before it is used, and loops over
// linked lists are bounded. Returns:
// - Format::kNotBinary when the magic is none of ELF, Mach-O (0xfeedface, 0xfeedfacf, either
//   byte order; fat 0xcafebabe/0xcafebabf with 1-30 architectures, so a Java class file is not
//   mistaken for one) or PE;
// - for Mach-O and PE, the format (the rest of the file is not read);
// - for ELF, the class, byte order, type, machine, interpreter, needed libraries, highest
//   GLIBC_2.x, GLIBCXX_3.4.x and CXXABI_1.3.x version needs, and the Node.js addon symbols. `bytes`
//   must then be the whole file.
// InvalidArgument ("truncated ELF header", "section headers outside the file", ...) when an ELF
// or PE file is corrupt or cut short. Pure; thread-safe.
absl::StatusOr<BinaryInfo> InspectBinary(std::string_view bytes);

}  // namespace thaw::package

#endif  // THAW_EMULATOR_PACKAGE_BINARY_INSPECTOR_H_
