#ifndef THAW_TESTS_UTIL_BINARY_IMAGES_H_
#define THAW_TESTS_UTIL_BINARY_IMAGES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace thaw::testing {

// Hand-made native binaries for the packaging check's tests: the headers a loader or thaw reads,
// nothing runnable. Each returns the file's bytes.

// An ELF image: the ELF header, a PT_INTERP program header (when `interpreter` is set) and the
// sections .dynstr, .dynamic (DT_NEEDED), .dynsym and .gnu.version_r.
struct ElfSpec {
  int bits = 64;            // 32 or 64
  uint16_t machine = 62;    // EM_X86_64; EM_AARCH64 is 183, EM_386 is 3
  uint16_t type = 3;        // ET_DYN
  std::string interpreter;  // e.g. "/lib64/ld-linux-x86-64.so.2"; empty: no PT_INTERP
  std::vector<std::string> needed;
  // Per library, the versions needed from it: {"libc.so.6", {"GLIBC_2.2.5", "GLIBC_2.34"}}.
  std::vector<std::pair<std::string, std::vector<std::string>>> version_needs;
  std::vector<std::string> defined_symbols;    // exported (st_shndx != SHN_UNDEF)
  std::vector<std::string> undefined_symbols;  // imported
};
std::string MakeElf(const ElfSpec& spec);

// A 64-bit little-endian Mach-O header (cputype arm64) / a universal header with `count`
// architectures / a PE file (DOS header, e_lfanew, "PE\0\0").
std::string MakeMachO64();
std::string MakeFatMachO(uint32_t count = 2);
std::string MakePe();

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_BINARY_IMAGES_H_
