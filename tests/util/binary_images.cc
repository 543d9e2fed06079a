#include "tests/util/binary_images.h"

#include <elf.h>

#include <cstring>

namespace thaw::testing {
namespace {

template <typename T>
void Put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

void Align(std::string& out, size_t to) {
  while (out.size() % to != 0) out.push_back('\0');
}

template <typename Ehdr, typename Phdr, typename Shdr, typename Dyn, typename Sym>
std::string Build(const ElfSpec& spec, unsigned char elf_class) {
  std::string dynstr(1, '\0');
  auto add = [&dynstr](const std::string& s) {
    const auto at = static_cast<uint32_t>(dynstr.size());
    dynstr += s;
    dynstr.push_back('\0');
    return at;
  };
  std::vector<Dyn> dynamic;
  for (const std::string& lib : spec.needed) {
    Dyn d{};
    d.d_tag = DT_NEEDED;
    d.d_un.d_val = add(lib);
    dynamic.push_back(d);
  }
  dynamic.push_back(Dyn{});     // DT_NULL
  std::vector<Sym> symbols(1);  // index 0 is the null symbol
  for (const auto& [names, shndx] : {std::pair{&spec.defined_symbols, uint16_t{1}},
                                     std::pair{&spec.undefined_symbols, uint16_t{SHN_UNDEF}}}) {
    for (const std::string& name : *names) {
      Sym s{};
      s.st_name = add(name);
      s.st_shndx = shndx;
      symbols.push_back(s);
    }
  }
  std::string verneed;
  for (size_t i = 0; i < spec.version_needs.size(); ++i) {
    const auto& [file, versions] = spec.version_needs[i];
    Elf64_Verneed n{};
    n.vn_version = 1;
    n.vn_cnt = static_cast<uint16_t>(versions.size());
    n.vn_file = add(file);
    n.vn_aux = sizeof(Elf64_Verneed);
    n.vn_next = i + 1 == spec.version_needs.size()
                    ? 0
                    : static_cast<uint32_t>(sizeof(Elf64_Verneed) +
                                            versions.size() * sizeof(Elf64_Vernaux));
    Put(verneed, n);
    for (size_t j = 0; j < versions.size(); ++j) {
      Elf64_Vernaux a{};
      a.vna_name = add(versions[j]);
      a.vna_next = j + 1 == versions.size() ? 0 : sizeof(Elf64_Vernaux);
      Put(verneed, a);
    }
  }

  std::string out(sizeof(Ehdr), '\0');
  const size_t phoff = out.size();
  const bool interp = !spec.interpreter.empty();
  if (interp) out.append(sizeof(Phdr), '\0');
  const size_t interp_at = out.size();
  if (interp) out += spec.interpreter + '\0';
  const size_t dynstr_at = out.size();
  out += dynstr;
  Align(out, 8);
  const size_t dynamic_at = out.size();
  for (const Dyn& d : dynamic) Put(out, d);
  const size_t dynsym_at = out.size();
  for (const Sym& s : symbols) Put(out, s);
  const size_t verneed_at = out.size();
  out += verneed;
  Align(out, 8);
  const size_t shoff = out.size();

  std::vector<Shdr> sections(5);  // null, .dynstr, .dynamic, .dynsym, .gnu.version_r
  auto section = [&](int i, uint32_t type, size_t at, size_t size, size_t entsize) {
    sections[i].sh_type = type;
    sections[i].sh_offset = at;
    sections[i].sh_size = size;
    sections[i].sh_entsize = entsize;
    sections[i].sh_link = type == SHT_STRTAB ? 0 : 1;
  };
  section(1, SHT_STRTAB, dynstr_at, dynstr.size(), 0);
  section(2, SHT_DYNAMIC, dynamic_at, dynamic.size() * sizeof(Dyn), sizeof(Dyn));
  section(3, SHT_DYNSYM, dynsym_at, symbols.size() * sizeof(Sym), sizeof(Sym));
  section(4, SHT_GNU_verneed, verneed_at, verneed.size(), 0);
  sections[4].sh_info = static_cast<uint32_t>(spec.version_needs.size());
  for (const Shdr& s : sections) Put(out, s);

  Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = elf_class;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = spec.type;
  eh.e_machine = spec.machine;
  eh.e_version = EV_CURRENT;
  eh.e_ehsize = sizeof(Ehdr);
  eh.e_phoff = interp ? phoff : 0;
  eh.e_phentsize = sizeof(Phdr);
  eh.e_phnum = interp ? 1 : 0;
  eh.e_shoff = shoff;
  eh.e_shentsize = sizeof(Shdr);
  eh.e_shnum = static_cast<uint16_t>(sections.size());
  std::memcpy(out.data(), &eh, sizeof(eh));
  if (interp) {
    Phdr ph{};
    ph.p_type = PT_INTERP;
    ph.p_offset = interp_at;
    ph.p_filesz = spec.interpreter.size() + 1;
    std::memcpy(out.data() + phoff, &ph, sizeof(ph));
  }
  return out;
}

}  // namespace

std::string MakeElf(const ElfSpec& spec) {
  if (spec.bits == 32) {
    return Build<Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr, Elf32_Dyn, Elf32_Sym>(spec, ELFCLASS32);
  }
  return Build<Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr, Elf64_Dyn, Elf64_Sym>(spec, ELFCLASS64);
}

std::string MakeMachO64() {
  // mach_header_64, little-endian: magic, cputype (CPU_TYPE_ARM64), cpusubtype, filetype
  // (MH_BUNDLE), ncmds, sizeofcmds, flags, reserved.
  std::string out;
  for (uint32_t word : {0xfeedfacfu, 0x0100000cu, 0u, 8u, 0u, 0u, 0u, 0u}) Put(out, word);
  return out;
}

std::string MakeFatMachO(uint32_t count) {
  // fat_header is big-endian: FAT_MAGIC, nfat_arch; then nfat_arch fat_arch records.
  std::string out = {'\xca', '\xfe', '\xba', '\xbe'};
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>((count >> shift) & 0xff));
  out.append(20 * count, '\0');
  return out;
}

std::string MakePe() {
  std::string out(0x80, '\0');
  out[0] = 'M';
  out[1] = 'Z';
  const uint32_t lfanew = 0x40;
  std::memcpy(out.data() + 0x3c, &lfanew, 4);
  std::memcpy(out.data() + 0x40, "PE\0\0", 4);
  out[0x44] = '\x64';  // IMAGE_FILE_MACHINE_AMD64, little-endian
  out[0x45] = '\x86';
  return out;
}

}  // namespace thaw::testing
