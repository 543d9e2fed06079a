#include "emulator/package/binary_inspector.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "absl/status/status.h"
#include "core/status_macros.h"

namespace thaw::package {
namespace {

// Loops over tables and linked lists stop here, whatever the file claims.
constexpr uint64_t kMaxEntries = 1 << 20;

// Bounds-checked reads of fixed-size structs out of a file's bytes, in the file's byte order.
class ByteReader {
 public:
  ByteReader(std::string_view bytes, bool big_endian) : bytes_(bytes), big_(big_endian) {}

  uint64_t size() const { return bytes_.size(); }

  // Whether [offset, offset + length) lies within the bytes (overflow-safe).
  bool Has(uint64_t offset, uint64_t length) const {
    return offset <= bytes_.size() && length <= bytes_.size() - offset;
  }

  // The struct at `offset`, fields still in the file's byte order (see Fix).
  template <typename T>
  std::optional<T> Struct(uint64_t offset) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!Has(offset, sizeof(T))) return std::nullopt;
    T value;
    std::memcpy(&value, bytes_.data() + offset, sizeof(T));
    return value;
  }

  // An integer field read by Struct, in host order.
  template <typename T>
  T Fix(T v) const {
    static_assert(std::is_integral_v<T>);
    if (!big_) return v;
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v);
    if constexpr (sizeof(T) == 2) u = __builtin_bswap16(u);
    if constexpr (sizeof(T) == 4) u = __builtin_bswap32(u);
    if constexpr (sizeof(T) == 8) u = __builtin_bswap64(u);
    return static_cast<T>(u);
  }

  // The NUL-terminated string starting at `offset`, which must end before `limit`.
  std::optional<std::string> CString(uint64_t offset, uint64_t limit) const {
    limit = std::min<uint64_t>(limit, bytes_.size());
    if (offset >= limit) return std::nullopt;
    const char* begin = bytes_.data() + offset;
    const void* nul = std::memchr(begin, '\0', limit - offset);
    if (nul == nullptr) return std::nullopt;
    return std::string(begin, static_cast<const char*>(nul));
  }

 private:
  std::string_view bytes_;
  bool big_;
};

uint32_t BigEndian32(std::string_view b, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[at + 3]));
}

uint32_t LittleEndian32(std::string_view b, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 3])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 2])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 1])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[at]));
}

absl::Status Corrupt(const std::string& what) {
  return absl::InvalidArgumentError("corrupt ELF file: " + what);
}

// Mach-O cputype values (<mach/machine.h>): CPU_ARCH_ABI64 | CPU_TYPE_X86 / CPU_TYPE_ARM.
std::string MachCpuName(uint32_t cputype) {
  switch (cputype) {
    case 0x01000007:
      return "x86_64";
    case 0x0100000c:
      return "arm64";
    case 7:
      return "i386";
    case 12:
      return "arm";
    default:
      return "";
  }
}

std::optional<BinaryInfo> InspectMachO(std::string_view bytes, absl::Status& error) {
  if (bytes.size() < 4) return std::nullopt;
  const uint32_t magic = BigEndian32(bytes, 0);
  BinaryInfo info;
  info.format = BinaryInfo::Format::kMachO;
  switch (magic) {
    case 0xfeedface:  // MH_MAGIC, big-endian file
    case 0xcefaedfe:  // MH_CIGAM: MH_MAGIC written little-endian
    case 0xfeedfacf:  // MH_MAGIC_64
    case 0xcffaedfe: {
      const bool is64 = magic == 0xfeedfacf || magic == 0xcffaedfe;
      info.description = is64 ? "Mach-O 64-bit" : "Mach-O 32-bit";
      if (bytes.size() >= 8) {
        const bool little = magic == 0xcefaedfe || magic == 0xcffaedfe;
        const std::string cpu =
            MachCpuName(little ? LittleEndian32(bytes, 4) : BigEndian32(bytes, 4));
        if (!cpu.empty()) info.description += " " + cpu;
      }
      return info;
    }
    case 0xcafebabe:  // FAT_MAGIC (always big-endian)
    case 0xcafebabf:  // FAT_MAGIC_64
    case 0xbebafeca:  // FAT_CIGAM
    case 0xbfbafeca: {
      if (bytes.size() < 8) {
        error = absl::InvalidArgumentError("truncated Mach-O universal header");
        return std::nullopt;
      }
      const bool swapped = magic == 0xbebafeca || magic == 0xbfbafeca;
      const uint32_t count = swapped ? LittleEndian32(bytes, 4) : BigEndian32(bytes, 4);
      // A Java class file shares 0xcafebabe; there the next word is its version (>= 45).
      if (count == 0 || count > 30) return std::nullopt;
      info.description = "Mach-O universal (" + std::to_string(count) + " architecture" +
                         (count == 1 ? "" : "s") + ")";
      return info;
    }
    default:
      return std::nullopt;
  }
}

std::optional<BinaryInfo> InspectPe(std::string_view bytes) {
  // IMAGE_DOS_HEADER: "MZ", e_lfanew (little-endian) at 0x3c; there, "PE\0\0".
  if (bytes.size() < 0x40 || bytes[0] != 'M' || bytes[1] != 'Z') return std::nullopt;
  const uint32_t pe = LittleEndian32(bytes, 0x3c);
  if (pe > bytes.size() || bytes.size() - pe < 4) return std::nullopt;
  if (bytes.substr(pe, 4) != std::string_view("PE\0\0", 4)) return std::nullopt;
  BinaryInfo info;
  info.format = BinaryInfo::Format::kPe;
  info.description = "PE (Windows)";
  return info;
}

// The number right after `prefix`: "GLIBC_2.34" with "GLIBC_2." -> 34, "GLIBC_2.2.5" -> 2,
// "GLIBCXX_3.4.30" with "GLIBCXX_3.4." -> 30; a name equal to `prefix` without its final dot
// ("GLIBCXX_3.4") -> 0; anything else -> nothing.
std::optional<int> VersionAfter(std::string_view name, std::string_view prefix) {
  if (name == prefix.substr(0, prefix.size() - 1)) return 0;
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  int minor = 0;
  size_t digits = 0;
  while (digits < name.size() && digits < 4 && name[digits] >= '0' && name[digits] <= '9') {
    minor = minor * 10 + (name[digits] - '0');
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  return minor;
}

// Raises `highest` to `value` when set and higher.
void KeepHighest(std::optional<int> value, std::optional<int>& highest) {
  if (value && (!highest || *value > *highest)) highest = value;
}

template <typename Ehdr, typename Phdr, typename Shdr, typename Dyn, typename Sym>
class ElfParser {
 public:
  ElfParser(std::string_view bytes, bool big_endian) : r_(bytes, big_endian) {}

  absl::Status Parse(BinaryInfo& info) {
    const std::optional<Ehdr> eh = r_.template Struct<Ehdr>(0);
    if (!eh) return absl::InvalidArgumentError("truncated ELF header");
    info.elf_type = r_.Fix(eh->e_type);
    info.elf_machine = r_.Fix(eh->e_machine);
    if (absl::Status s = ReadProgramHeaders(*eh, info); !s.ok()) return s;
    return ReadSections(*eh, info);
  }

 private:
  struct Section {
    uint32_t type = 0;
    uint32_t link = 0;
    uint32_t info = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
    uint64_t entsize = 0;
  };

  absl::Status ReadProgramHeaders(const Ehdr& eh, BinaryInfo& info) {
    const uint64_t count = r_.Fix(eh.e_phnum);
    if (count == 0) return absl::OkStatus();
    const uint64_t entsize = r_.Fix(eh.e_phentsize);
    const uint64_t offset = r_.Fix(eh.e_phoff);
    if (entsize < sizeof(Phdr)) return Corrupt("program header entries too small");
    if (!r_.Has(offset, count * entsize)) return Corrupt("program headers outside the file");
    for (uint64_t i = 0; i < count; ++i) {
      const Phdr ph = *r_.template Struct<Phdr>(offset + i * entsize);
      if (r_.Fix(ph.p_type) != PT_INTERP) continue;
      const uint64_t at = r_.Fix(ph.p_offset);
      const uint64_t size = r_.Fix(ph.p_filesz);
      if (!r_.Has(at, size)) return Corrupt("PT_INTERP outside the file");
      std::optional<std::string> path = r_.CString(at, at + size);
      if (!path) return Corrupt("PT_INTERP is not a NUL-terminated path");
      info.interpreter = *path;
    }
    return absl::OkStatus();
  }

  absl::Status ReadSections(const Ehdr& eh, BinaryInfo& info) {
    const uint64_t offset = r_.Fix(eh.e_shoff);
    uint64_t count = r_.Fix(eh.e_shnum);
    const uint64_t entsize = r_.Fix(eh.e_shentsize);
    if (offset == 0) return absl::OkStatus();  // no section table (sstrip): nothing more to read
    if (entsize < sizeof(Shdr)) return Corrupt("section header entries too small");
    if (count == 0) {
      // Extended numbering: the count is in section 0's sh_size.
      const std::optional<Shdr> first = r_.template Struct<Shdr>(offset);
      if (!first) return Corrupt("section headers outside the file");
      count = r_.Fix(first->sh_size);
    }
    if (count > kMaxEntries || !r_.Has(offset, count * entsize)) {
      return Corrupt("section headers outside the file");
    }
    sections_.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      const Shdr sh = *r_.template Struct<Shdr>(offset + i * entsize);
      Section s;
      s.type = r_.Fix(sh.sh_type);
      s.link = r_.Fix(sh.sh_link);
      s.info = r_.Fix(sh.sh_info);
      s.offset = r_.Fix(sh.sh_offset);
      s.size = r_.Fix(sh.sh_size);
      s.entsize = r_.Fix(sh.sh_entsize);
      if (s.type != SHT_NOBITS && s.type != SHT_NULL && !r_.Has(s.offset, s.size)) {
        return Corrupt("section " + std::to_string(i) + " outside the file");
      }
      sections_.push_back(s);
    }
    for (const Section& s : sections_) {
      absl::Status status = absl::OkStatus();
      if (s.type == SHT_DYNAMIC) status = ReadDynamic(s, info);
      if (s.type == SHT_GNU_verneed) status = ReadVersionNeeds(s, info);
      if (s.type == SHT_DYNSYM) status = ReadDynamicSymbols(s, info);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  // The string table a section links to.
  absl::StatusOr<const Section*> StringTable(const Section& s, const char* what) {
    if (s.link >= sections_.size() || sections_[s.link].type != SHT_STRTAB) {
      return Corrupt(std::string(what) + " links to no string table");
    }
    return &sections_[s.link];
  }

  absl::StatusOr<std::string> StringAt(const Section& table, uint64_t index) {
    if (index >= table.size) return Corrupt("a name outside its string table");
    std::optional<std::string> text = r_.CString(table.offset + index, table.offset + table.size);
    if (!text) return Corrupt("an unterminated name in a string table");
    return *text;
  }

  absl::Status ReadDynamic(const Section& s, BinaryInfo& info) {
    ASSIGN_OR_RETURN(const Section* strtab, StringTable(s, ".dynamic"));
    const uint64_t count = std::min<uint64_t>(s.size / sizeof(Dyn), kMaxEntries);
    for (uint64_t i = 0; i < count; ++i) {
      const Dyn d = *r_.template Struct<Dyn>(s.offset + i * sizeof(Dyn));
      const auto tag = r_.Fix(d.d_tag);
      if (tag == DT_NULL) break;
      if (tag != DT_NEEDED) continue;
      ASSIGN_OR_RETURN(std::string name, StringAt(*strtab, r_.Fix(d.d_un.d_val)));
      info.needed.push_back(std::move(name));
    }
    return absl::OkStatus();
  }

  // .gnu.version_r: Elf*_Verneed records (one per library), each with a list of Elf*_Vernaux
  // (one per version needed from it). The 32- and 64-bit layouts are the same.
  absl::Status ReadVersionNeeds(const Section& s, BinaryInfo& info) {
    ASSIGN_OR_RETURN(const Section* strtab, StringTable(s, ".gnu.version_r"));
    if (s.size == 0) return absl::OkStatus();
    const uint64_t end = s.offset + s.size;
    uint64_t at = s.offset;
    const uint64_t records = s.info != 0 ? s.info : kMaxEntries;
    for (uint64_t i = 0; i < records && i < kMaxEntries; ++i) {
      if (at >= end || end - at < sizeof(Elf64_Verneed)) return Corrupt("truncated .gnu.version_r");
      const Elf64_Verneed need = *r_.template Struct<Elf64_Verneed>(at);
      ASSIGN_OR_RETURN(std::string file, StringAt(*strtab, r_.Fix(need.vn_file)));
      uint64_t aux = at + r_.Fix(need.vn_aux);
      for (uint64_t j = 0; j < r_.Fix(need.vn_cnt); ++j) {
        if (aux < s.offset || aux >= end || end - aux < sizeof(Elf64_Vernaux)) {
          return Corrupt("a version need outside .gnu.version_r");
        }
        const Elf64_Vernaux v = *r_.template Struct<Elf64_Vernaux>(aux);
        ASSIGN_OR_RETURN(std::string name, StringAt(*strtab, r_.Fix(v.vna_name)));
        if (std::optional<int> minor = VersionAfter(name, "GLIBC_2.");
            minor && name != "GLIBC_2" && (!info.glibc_minor || *minor > *info.glibc_minor)) {
          info.glibc_minor = minor;
          info.glibc_from = file;
        }
        KeepHighest(VersionAfter(name, "GLIBCXX_3.4."), info.glibcxx_patch);
        KeepHighest(VersionAfter(name, "CXXABI_1.3."), info.cxxabi_patch);
        const uint32_t next = r_.Fix(v.vna_next);
        if (next == 0) break;
        aux += next;
      }
      const uint32_t next = r_.Fix(need.vn_next);
      if (next == 0) break;
      at += next;
    }
    return absl::OkStatus();
  }

  absl::Status ReadDynamicSymbols(const Section& s, BinaryInfo& info) {
    ASSIGN_OR_RETURN(const Section* strtab, StringTable(s, ".dynsym"));
    const uint64_t entsize = s.entsize != 0 ? s.entsize : sizeof(Sym);
    if (entsize < sizeof(Sym)) return Corrupt(".dynsym entries too small");
    info.has_dynsym = true;
    constexpr std::string_view kNodeRegister = "node_register_module_v";
    const uint64_t count = std::min<uint64_t>(s.size / entsize, kMaxEntries);
    for (uint64_t i = 0; i < count; ++i) {
      const Sym sym = *r_.template Struct<Sym>(s.offset + i * entsize);
      const uint32_t name_index = r_.Fix(sym.st_name);
      if (name_index == 0) continue;
      ASSIGN_OR_RETURN(std::string name, StringAt(*strtab, name_index));
      const bool defined = r_.Fix(sym.st_shndx) != SHN_UNDEF;
      if (defined && name == "napi_register_module_v1") info.napi = true;
      if (!defined && name.starts_with("napi_")) info.napi = true;
      if (!defined && name == "node_module_register") info.node_module_register = true;
      if (defined && name.starts_with(kNodeRegister) && name.size() > kNodeRegister.size() &&
          name.size() <= kNodeRegister.size() + 4) {
        const std::string digits = name.substr(kNodeRegister.size());
        if (std::all_of(digits.begin(), digits.end(),
                        [](char c) { return c >= '0' && c <= '9'; })) {
          info.node_module_version = std::stoi(digits);
        }
      }
    }
    return absl::OkStatus();
  }

  ByteReader r_;
  std::vector<Section> sections_;
};

}  // namespace

std::string ElfMachineName(uint16_t machine) {
  switch (machine) {
    case EM_X86_64:
      return "x86_64";
    case EM_AARCH64:
      return "aarch64";
    case EM_386:
      return "i386";
    case EM_ARM:
      return "arm";
    case EM_PPC:
      return "ppc";
    case EM_PPC64:
      return "ppc64";
    case EM_S390:
      return "s390";
    case EM_MIPS:
      return "mips";
    case EM_RISCV:
      return "riscv";
    default:
      return "machine " + std::to_string(machine);
  }
}

bool IsElfMagic(std::string_view prefix) {
  return prefix.size() >= SELFMAG && std::memcmp(prefix.data(), ELFMAG, SELFMAG) == 0;
}

absl::StatusOr<BinaryInfo> InspectBinary(std::string_view bytes) {
  if (IsElfMagic(bytes)) {
    if (bytes.size() < EI_NIDENT) return absl::InvalidArgumentError("truncated ELF header");
    BinaryInfo info;
    info.format = BinaryInfo::Format::kElf;
    const unsigned char data = static_cast<unsigned char>(bytes[EI_DATA]);
    if (data != ELFDATA2LSB && data != ELFDATA2MSB) {
      return Corrupt("unknown byte order " + std::to_string(data));
    }
    info.big_endian = data == ELFDATA2MSB;
    absl::Status status;
    switch (static_cast<unsigned char>(bytes[EI_CLASS])) {
      case ELFCLASS32:
        info.elf_bits = 32;
        status = ElfParser<Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr, Elf32_Dyn, Elf32_Sym>(
                     bytes, info.big_endian)
                     .Parse(info);
        break;
      case ELFCLASS64:
        info.elf_bits = 64;
        status = ElfParser<Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr, Elf64_Dyn, Elf64_Sym>(
                     bytes, info.big_endian)
                     .Parse(info);
        break;
      default:
        return Corrupt("unknown class " + std::to_string(static_cast<uint8_t>(bytes[EI_CLASS])));
    }
    if (!status.ok()) return status;
    return info;
  }
  absl::Status error = absl::OkStatus();
  if (std::optional<BinaryInfo> macho = InspectMachO(bytes, error)) return *macho;
  if (!error.ok()) return error;
  if (std::optional<BinaryInfo> pe = InspectPe(bytes)) return *pe;
  return BinaryInfo{};
}

}  // namespace thaw::package
