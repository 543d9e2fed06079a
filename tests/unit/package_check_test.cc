// The packaging check: hand-made binary headers (tests/util/binary_images), truncated and
// corrupt files, the runtime table, a function's code directory, and real files of this machine.
#include "emulator/package/package_check.h"

#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "emulator/package/binary_inspector.h"
#include "emulator/package/runtime_platform.h"
#include "tests/util/binary_images.h"

namespace thaw::package {

void PrintTo(const PackageProblem& p, std::ostream* os) {
  *os << (p.severity == PackageProblem::Severity::kError ? "error: " : "note: ")
      << FormatProblem(p);
}

namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using thaw::testing::ElfSpec;
using thaw::testing::MakeElf;

ElfSpec GlibcLibrary(const std::string& newest) {
  ElfSpec spec;
  spec.interpreter = "/lib64/ld-linux-x86-64.so.2";
  spec.needed = {"libm.so.6", "libc.so.6"};
  spec.version_needs = {{"libm.so.6", {"GLIBC_2.2.5", "GLIBC_2.15"}},
                        {"libc.so.6", {"GLIBC_2.2.5", newest, "GLIBC_2.14"}}};
  spec.undefined_symbols = {"memcpy", "exp"};
  return spec;
}

TEST(BinaryInspectorTest, ReadsAnElf64SharedLibrary) {
  auto info = InspectBinary(MakeElf(GlibcLibrary("GLIBC_2.34")));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->format, BinaryInfo::Format::kElf);
  EXPECT_EQ(info->elf_bits, 64);
  EXPECT_EQ(info->elf_type, ET_DYN);
  EXPECT_EQ(info->elf_machine, EM_X86_64);
  EXPECT_EQ(info->interpreter, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(info->needed, (std::vector<std::string>{"libm.so.6", "libc.so.6"}));
  EXPECT_EQ(info->glibc_minor, 34);
  EXPECT_EQ(info->glibc_from, "libc.so.6");
  EXPECT_TRUE(info->has_dynsym);
  EXPECT_FALSE(info->napi);
  EXPECT_FALSE(info->node_module_version);
}

TEST(BinaryInspectorTest, ReadsAnElf32Header) {
  ElfSpec spec = GlibcLibrary("GLIBC_2.17");
  spec.bits = 32;
  spec.machine = EM_386;
  auto info = InspectBinary(MakeElf(spec));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->elf_bits, 32);
  EXPECT_EQ(ElfMachineName(info->elf_machine), "i386");
  EXPECT_EQ(info->glibc_minor, 17);
  EXPECT_EQ(info->needed, (std::vector<std::string>{"libm.so.6", "libc.so.6"}));
}

TEST(BinaryInspectorTest, ReadsNodeAddonSymbols) {
  ElfSpec abi;
  abi.defined_symbols = {"node_register_module_v115", "_ZN4node6ObjectE"};
  abi.undefined_symbols = {"node_module_register_whatever"};
  auto info = InspectBinary(MakeElf(abi));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->node_module_version, 115);
  EXPECT_FALSE(info->napi);

  ElfSpec napi_export;
  napi_export.defined_symbols = {"napi_register_module_v1"};
  EXPECT_TRUE(InspectBinary(MakeElf(napi_export))->napi);
  ElfSpec napi_import;
  napi_import.undefined_symbols = {"napi_create_function", "napi_module_register"};
  EXPECT_TRUE(InspectBinary(MakeElf(napi_import))->napi);
  ElfSpec legacy;
  legacy.undefined_symbols = {"node_module_register"};
  EXPECT_TRUE(InspectBinary(MakeElf(legacy))->node_module_register);
  // An import of node_register_module_v108 (not exported) says nothing.
  ElfSpec imported;
  imported.undefined_symbols = {"node_register_module_v108"};
  EXPECT_FALSE(InspectBinary(MakeElf(imported))->node_module_version);
}

TEST(BinaryInspectorTest, ReadsLibstdcxxVersionNeeds) {
  ElfSpec spec;
  spec.needed = {"libstdc++.so.6", "libgcc_s.so.1"};
  spec.version_needs = {
      {"libstdc++.so.6",
       {"GLIBCXX_3.4", "GLIBCXX_3.4.30", "GLIBCXX_3.4.21", "CXXABI_1.3", "CXXABI_1.3.13"}},
      {"libgcc_s.so.1", {"GCC_3.0"}}};
  auto info = InspectBinary(MakeElf(spec));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->glibcxx_patch, 30);
  EXPECT_EQ(info->cxxabi_patch, 13);
  EXPECT_FALSE(info->glibc_minor);  // no GLIBC_2.x need

  ElfSpec bare;  // only the unnumbered versions; other GLIBCXX_* names are not GLIBCXX_3.4.N
  bare.version_needs = {{"libstdc++.so.6", {"GLIBCXX_3.4", "CXXABI_1.3", "GLIBCXX_LDBL_3.4.31"}}};
  info = InspectBinary(MakeElf(bare));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->glibcxx_patch, 0);
  EXPECT_EQ(info->cxxabi_patch, 0);

  info = InspectBinary(MakeElf(GlibcLibrary("GLIBC_2.34")));
  EXPECT_FALSE(info->glibcxx_patch);
  EXPECT_FALSE(info->cxxabi_patch);
}

TEST(BinaryInspectorTest, TellsMachOAndPeApart) {
  auto thin = InspectBinary(thaw::testing::MakeMachO64());
  ASSERT_TRUE(thin.ok());
  EXPECT_EQ(thin->format, BinaryInfo::Format::kMachO);
  EXPECT_EQ(thin->description, "Mach-O 64-bit arm64");
  auto fat = InspectBinary(thaw::testing::MakeFatMachO(2));
  ASSERT_TRUE(fat.ok());
  EXPECT_EQ(fat->format, BinaryInfo::Format::kMachO);
  EXPECT_EQ(fat->description, "Mach-O universal (2 architectures)");
  for (const char* magic : {"\xfe\xed\xfa\xce", "\xce\xfa\xed\xfe", "\xfe\xed\xfa\xcf"}) {
    EXPECT_EQ(InspectBinary(std::string(magic, 4) + std::string(28, '\0'))->format,
              BinaryInfo::Format::kMachO);
  }
  auto pe = InspectBinary(thaw::testing::MakePe());
  ASSERT_TRUE(pe.ok());
  EXPECT_EQ(pe->format, BinaryInfo::Format::kPe);
}

TEST(BinaryInspectorTest, OtherFilesAreNotBinaries) {
  // A Java class file shares the universal magic; its next word is the class version (52).
  const std::string java_class("\xca\xfe\xba\xbe\x00\x00\x00\x34", 8);
  for (const std::string& bytes :
       {std::string(), std::string("#!/bin/sh\necho hi\n"), std::string("{\"a\":1}"), java_class,
        std::string("MZ") + std::string(100, '\0'),  // a DOS stub with no PE header
        std::string("\x7f"
                    "EL",
                    3)}) {
    auto info = InspectBinary(bytes);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->format, BinaryInfo::Format::kNotBinary);
  }
}

TEST(BinaryInspectorTest, TruncatedOrCorruptHeadersAreErrorsNotCrashes) {
  EXPECT_THAT(InspectBinary(MakeElf(ElfSpec{}).substr(0, 20)).status().message(),
              HasSubstr("truncated ELF header"));
  EXPECT_THAT(InspectBinary(std::string("\xca\xfe\xba\xbe", 4)).status().message(),
              HasSubstr("truncated Mach-O universal header"));
  {
    std::string elf = MakeElf(GlibcLibrary("GLIBC_2.34"));
    Elf64_Ehdr eh;
    std::memcpy(&eh, elf.data(), sizeof(eh));
    eh.e_shoff = elf.size() - 10;
    std::memcpy(elf.data(), &eh, sizeof(eh));
    EXPECT_THAT(InspectBinary(elf).status().message(),
                HasSubstr("section headers outside the file"));
  }
  {
    std::string elf = MakeElf(GlibcLibrary("GLIBC_2.34"));
    elf[EI_CLASS] = 7;
    EXPECT_THAT(InspectBinary(elf).status().message(), HasSubstr("unknown class 7"));
  }
  // Every prefix of a valid image: OK or InvalidArgument, never out of bounds (run under ASan
  // by make test-sanitize).
  const std::string elf = MakeElf(GlibcLibrary("GLIBC_2.34"));
  for (size_t n = 0; n < elf.size(); ++n) {
    auto info = InspectBinary(std::string_view(elf).substr(0, n));
    if (!info.ok()) {
      EXPECT_TRUE(absl::IsInvalidArgument(info.status()));
    }
  }
  // Random bytes written over the headers and tables.
  std::mt19937 random(13);
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = elf;
    for (int k = 0; k < 8; ++k) {
      bytes[random() % bytes.size()] = static_cast<char>(random() & 0xff);
    }
    auto info = InspectBinary(bytes);
    if (!info.ok()) {
      EXPECT_TRUE(absl::IsInvalidArgument(info.status()));
    }
  }
}

TEST(RuntimePlatformTest, TheTable) {
  struct Row {
    const char* runtime;
    const char* os;
    int glibc;
    int node_abi;
    int python;
  };
  for (const Row& row : std::vector<Row>{
           {"nodejs18.x", "Amazon Linux 2", 26, 108, 0},
           {"nodejs20.x", "Amazon Linux 2023", 34, 115, 0},
           {"nodejs22.x", "Amazon Linux 2023", 34, 127, 0},
           {"python3.9", "Amazon Linux 2", 26, 0, 9},
           {"python3.11", "Amazon Linux 2", 26, 0, 11},
           {"python3.12", "Amazon Linux 2023", 34, 0, 12},
           {"python3.13", "Amazon Linux 2023", 34, 0, 13},
           {"java8.al2", "Amazon Linux 2", 26, 0, 0},
           {"java11", "Amazon Linux 2", 26, 0, 0},
           {"java17", "Amazon Linux 2", 26, 0, 0},
           {"java21", "Amazon Linux 2023", 34, 0, 0},
           {"provided.al2", "Amazon Linux 2", 26, 0, 0},
           {"provided.al2023", "Amazon Linux 2023", 34, 0, 0},
       }) {
    const RuntimePlatform* p = FindRuntimePlatform(row.runtime);
    ASSERT_NE(p, nullptr) << row.runtime;
    EXPECT_EQ(p->os, row.os) << row.runtime;
    EXPECT_EQ(p->glibc_minor, row.glibc) << row.runtime;
    EXPECT_EQ(p->node_abi, row.node_abi) << row.runtime;
    EXPECT_EQ(p->python_minor, row.python) << row.runtime;
  }
  EXPECT_EQ(FindRuntimePlatform("nodejs18.x")->node_major, 18);
  EXPECT_EQ(FindRuntimePlatform("go1.x"), nullptr);
  EXPECT_EQ(GlibcText(26), "glibc 2.26");
}

TEST(RuntimePlatformTest, TheOsLibraries) {
  const OsLibraries* al2 = FindOsLibraries("Amazon Linux 2");
  ASSERT_NE(al2, nullptr);
  EXPECT_EQ(al2->libstdcxx_gcc, 7);
  EXPECT_EQ(al2->glibcxx_patch, 24);
  EXPECT_EQ(al2->cxxabi_patch, 11);
  const OsLibraries* al2023 = FindOsLibraries(FindRuntimePlatform("python3.12")->os);
  ASSERT_NE(al2023, nullptr);
  EXPECT_EQ(al2023->libstdcxx_gcc, 11);
  EXPECT_EQ(al2023->glibcxx_patch, 29);
  EXPECT_EQ(al2023->cxxabi_patch, 13);
  for (const char* lib :
       {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libresolv.so.2",
        "libutil.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libgcc_s.so.1",
        "libstdc++.so.6", "libz.so.1"}) {
    EXPECT_THAT(al2->sonames, ::testing::Contains(lib));
    EXPECT_THAT(al2023->sonames, ::testing::Contains(lib));
  }
  EXPECT_THAT(al2->sonames,
              ::testing::IsSupersetOf({"libcrypt.so.1", "libcrypto.so.10", "libssl.so.10"}));
  EXPECT_THAT(al2023->sonames,
              ::testing::IsSupersetOf({"libcrypt.so.2", "libcrypto.so.3", "libssl.so.3"}));
  EXPECT_THAT(al2023->sonames, Not(::testing::Contains("libcrypt.so.1")));
  // Amazon Linux 2018.03 (provided): not in the table; the checks needing it are skipped.
  EXPECT_EQ(FindOsLibraries(FindRuntimePlatform("provided")->os), nullptr);
  EXPECT_EQ(GccOfGlibcxx(24), "GCC 7.2");
  EXPECT_EQ(GccOfGlibcxx(29), "GCC 11");
  EXPECT_EQ(GccOfGlibcxx(30), "GCC 12");
  EXPECT_EQ(GccOfGlibcxx(31), "GCC 13.1");
  EXPECT_EQ(GccOfGlibcxx(99), "");
}

// A function's code directory in a fresh temporary directory.
class PackageCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "thaw-package-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    fn_.name = "fn";
    fn_.code = root_ / "code";
    fs::create_directories(fn_.code);
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const std::string& rel, const std::string& bytes) {
    const fs::path path = fn_.code / rel;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }

  PackageReport Check(const std::string& runtime, const std::string& arch = "x86_64") {
    fn_.runtime = runtime;
    fn_.architecture = arch;
    return CheckFunctionPackage(fn_, limits_);
  }

  fs::path root_;
  FunctionConfig fn_;
  PackageCheckLimits limits_;
};

auto ErrorAbout(const std::string& file, const std::string& reason) {
  return AllOf(Field(&PackageProblem::file, file),
               Field(&PackageProblem::severity, PackageProblem::Severity::kError),
               Field(&PackageProblem::reason, HasSubstr(reason)));
}
auto NoteAbout(const std::string& file, const std::string& reason) {
  return AllOf(Field(&PackageProblem::file, file),
               Field(&PackageProblem::severity, PackageProblem::Severity::kNote),
               Field(&PackageProblem::reason, HasSubstr(reason)));
}

TEST_F(PackageCheckTest, ACleanPackageHasNoProblems) {
  Write("index.js", "exports.handler = async () => 1;\n");
  Write("lib/native.so", MakeElf(GlibcLibrary("GLIBC_2.17")));
  Write("bin/tool", MakeElf(GlibcLibrary("GLIBC_2.26")));
  PackageReport report = Check("nodejs18.x");
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_EQ(report.files, 3);
  EXPECT_EQ(report.binaries, 2);
  EXPECT_EQ(report.errors(), 0);
}

TEST_F(PackageCheckTest, MacAndWindowsBinariesAreErrors) {
  Write("node_modules/fsevents/fsevents.node", thaw::testing::MakeMachO64());
  Write("node_modules/x/universal.dylib", thaw::testing::MakeFatMachO(2));
  Write("win/native.dll", thaw::testing::MakePe());
  PackageReport report = Check("nodejs20.x");
  EXPECT_THAT(
      report.problems,
      ::testing::UnorderedElementsAre(
          ErrorAbout("node_modules/fsevents/fsevents.node",
                     "built on macOS (Mach-O 64-bit arm64): will not load on Lambda's Amazon "
                     "Linux"),
          ErrorAbout("node_modules/x/universal.dylib", "built on macOS (Mach-O universal"),
          ErrorAbout("win/native.dll", "a Windows binary (PE)")));
  EXPECT_EQ(report.errors(), 3);
  EXPECT_EQ(FormatProblem(report.problems[0]).substr(0, 4), "fn: ");
}

// A layer's files end up beside the function's (at /opt), so they are checked too, named by
// the layer's directory.
TEST_F(PackageCheckTest, LayersAreCheckedAndTheirFilesNamedByTheLayer) {
  Write("index.js", "exports.handler = async () => 1;\n");
  const fs::path layer = root_ / "layer";
  fs::create_directories(layer / "nodejs" / "node_modules" / "fsevents");
  std::ofstream(layer / "nodejs" / "node_modules" / "fsevents" / "fsevents.node", std::ios::binary)
      << thaw::testing::MakeMachO64();
  std::ofstream(layer / "README") << "not a binary\n";
  fn_.layers = {layer, root_ / "missing-layer"};
  PackageReport report = Check("nodejs20.x");
  EXPECT_THAT(report.problems,
              ::testing::UnorderedElementsAre(
                  ErrorAbout("layer " + layer.string() +
                                 ": nodejs/node_modules/fsevents/"
                                 "fsevents.node",
                             "built on macOS"),
                  NoteAbout("layer " + (root_ / "missing-layer").string(),
                            "the layer directory " + (root_ / "missing-layer").string() +
                                " cannot be read")));
  EXPECT_EQ(report.files, 3);
  EXPECT_EQ(report.errors(), 1);
  EXPECT_EQ(FormatProblem(report.problems[0]),
            "fn: layer " + layer.string() +
                ": nodejs/node_modules/fsevents/fsevents.node: built on macOS (Mach-O 64-bit "
                "arm64): will not load on Lambda's Amazon Linux");
}

TEST_F(PackageCheckTest, LambdasUnzippedLimitCountsTheLayers) {
  Write("index.js", std::string(600 << 10, 'x'));
  const fs::path layer = root_ / "layer";
  fs::create_directories(layer / "python");
  std::ofstream(layer / "python" / "big.py") << std::string(600 << 10, 'y');
  limits_.max_unzipped_bytes = 1 << 20;
  EXPECT_THAT(Check("python3.12").problems, IsEmpty());  // the code alone: within the limit
  fn_.layers = {layer};
  EXPECT_THAT(Check("python3.12").problems,
              ::testing::ElementsAre(NoteAbout("",
                                               "the code and its layers come to 1 MB unzipped, "
                                               "over the 1 MB Lambda allows (layers included)")));
}

TEST_F(PackageCheckTest, ArchitectureAnd32BitElf) {
  ElfSpec arm = GlibcLibrary("GLIBC_2.17");
  arm.machine = EM_AARCH64;
  Write("arm.so", MakeElf(arm));
  EXPECT_THAT(Check("provided.al2").problems,
              ::testing::ElementsAre(ErrorAbout(
                  "arm.so", "built for aarch64, but the function's architecture is x86_64")));
  EXPECT_THAT(Check("provided.al2", "arm64").problems, IsEmpty());
  fs::remove(fn_.code / "arm.so");

  Write("x86.so", MakeElf(GlibcLibrary("GLIBC_2.17")));
  EXPECT_THAT(Check("provided.al2", "arm64").problems,
              ::testing::ElementsAre(ErrorAbout(
                  "x86.so", "built for x86_64, but the function's architecture is arm64")));
  fs::remove(fn_.code / "x86.so");

  ElfSpec i386 = GlibcLibrary("GLIBC_2.17");
  i386.bits = 32;
  i386.machine = EM_386;
  Write("old.so", MakeElf(i386));
  EXPECT_THAT(Check("provided.al2").problems,
              ::testing::ElementsAre(ErrorAbout("old.so", "a 32-bit ELF (i386)")));
}

TEST_F(PackageCheckTest, GlibcNewerThanTheRuntimesOs) {
  Write("lib/libfast.so", MakeElf(GlibcLibrary("GLIBC_2.34")));
  EXPECT_THAT(Check("python3.11").problems,
              ::testing::ElementsAre(ErrorAbout(
                  "lib/libfast.so",
                  "needs glibc 2.34 (GLIBC_2.34 from libc.so.6), but python3.11 runs on Amazon "
                  "Linux 2 with glibc 2.26")));
  EXPECT_THAT(Check("python3.12").problems, IsEmpty());
  EXPECT_THAT(Check("provided.al2023").problems, IsEmpty());
  EXPECT_THAT(Check("nodejs18.x").problems, SizeIs(1));
  // A runtime the table does not hold: no glibc comparison.
  EXPECT_THAT(Check("go1.x").problems, IsEmpty());
}

TEST_F(PackageCheckTest, MuslBuilds) {
  ElfSpec interp;
  interp.interpreter = "/lib/ld-musl-x86_64.so.1";
  Write("bin/alpine-tool", MakeElf(interp));
  ElfSpec needed;
  needed.needed = {"libc.musl-x86_64.so.1"};
  Write("lib/alpine.so", MakeElf(needed));
  EXPECT_THAT(
      Check("provided.al2023").problems,
      ::testing::UnorderedElementsAre(
          ErrorAbout("bin/alpine-tool",
                     "built against musl (Alpine; its interpreter is "
                     "/lib/ld-musl-x86_64.so.1)"),
          ErrorAbout("lib/alpine.so", "built against musl (Alpine; it needs libc.musl-x86_64")));
}

TEST_F(PackageCheckTest, PythonExtensionForAnotherInterpreter) {
  Write("pkg/_speedups.cpython-312-x86_64-linux-gnu.so", MakeElf(GlibcLibrary("GLIBC_2.17")));
  Write("pkg/_stable.abi3.so", MakeElf(GlibcLibrary("GLIBC_2.17")));
  EXPECT_THAT(Check("python3.11").problems,
              ::testing::ElementsAre(ErrorAbout(
                  "pkg/_speedups.cpython-312-x86_64-linux-gnu.so",
                  "a CPython 3.12 extension (cpython-312 in its name), but the function's "
                  "runtime is python3.11")));
  EXPECT_THAT(Check("python3.12").problems, IsEmpty());
  EXPECT_THAT(Check("nodejs20.x").problems, IsEmpty());  // not a Python function
  // The name is the contract only for ELF files: a text file so named is not read as one.
  fs::remove(fn_.code / "pkg/_speedups.cpython-312-x86_64-linux-gnu.so");
  Write("pkg/readme.cpython-39.so", "not a binary");
  EXPECT_THAT(Check("python3.11").problems, IsEmpty());
}

TEST_F(PackageCheckTest, NodeAddonAbi) {
  ElfSpec v115;
  v115.defined_symbols = {"node_register_module_v115"};
  Write("node_modules/a/build/Release/a.node", MakeElf(v115));
  ElfSpec napi;
  napi.defined_symbols = {"napi_register_module_v1"};
  Write("node_modules/b/b.node", MakeElf(napi));
  ElfSpec legacy;
  legacy.undefined_symbols = {"node_module_register"};
  Write("node_modules/c/c.node", MakeElf(legacy));
  EXPECT_THAT(Check("nodejs18.x").problems,
              ::testing::UnorderedElementsAre(
                  ErrorAbout("node_modules/a/build/Release/a.node",
                             "a Node.js addon built for NODE_MODULE_VERSION 115 (Node.js 20), but "
                             "nodejs18.x runs Node.js 18 (ABI 108)"),
                  NoteAbout("node_modules/c/c.node", "built for Node.js 18")));
  PackageReport on20 = Check("nodejs20.x");
  EXPECT_THAT(on20.problems, ::testing::ElementsAre(NoteAbout("node_modules/c/c.node", "")));
  EXPECT_EQ(on20.errors(), 0);
}

// An ELF linked with a newer g++ than the runtime OS's: its libstdc++ lacks the symbol versions.
ElfSpec CxxLibrary(const std::string& glibcxx, const std::string& cxxabi = "CXXABI_1.3.9") {
  ElfSpec spec;
  spec.needed = {"libstdc++.so.6", "libgcc_s.so.1", "libc.so.6"};
  spec.version_needs = {{"libstdc++.so.6", {"GLIBCXX_3.4", glibcxx, "CXXABI_1.3", cxxabi}},
                        {"libc.so.6", {"GLIBC_2.2.5", "GLIBC_2.17"}}};
  return spec;
}

TEST_F(PackageCheckTest, LibstdcxxNewerThanTheRuntimesOs) {
  Write("lib/libfast.so", MakeElf(CxxLibrary("GLIBCXX_3.4.30")));
  EXPECT_THAT(Check("provided.al2023").problems,
              ::testing::ElementsAre(ErrorAbout(
                  "lib/libfast.so",
                  "needs GLIBCXX_3.4.30 (GCC 12's libstdc++); Amazon Linux 2023 has up to "
                  "GLIBCXX_3.4.29 (GCC 11's libstdc++): ship libstdc++.so.6 or link it "
                  "statically")));
  Write("lib/libfast.so", MakeElf(CxxLibrary("GLIBCXX_3.4.29")));
  EXPECT_THAT(Check("provided.al2023").problems, IsEmpty());
  EXPECT_THAT(Check("nodejs18.x").problems,
              ::testing::ElementsAre(
                  ErrorAbout("lib/libfast.so",
                             "needs GLIBCXX_3.4.29 (GCC 11's libstdc++); Amazon Linux 2 has up to "
                             "GLIBCXX_3.4.24 (GCC 7's libstdc++)")));
  Write("lib/libfast.so", MakeElf(CxxLibrary("GLIBCXX_3.4.24", "CXXABI_1.3.11")));
  EXPECT_THAT(Check("python3.11").problems, IsEmpty());
  // CXXABI alone too new.
  Write("lib/libfast.so", MakeElf(CxxLibrary("GLIBCXX_3.4.29", "CXXABI_1.3.14")));
  EXPECT_THAT(Check("python3.12").problems,
              ::testing::ElementsAre(ErrorAbout(
                  "lib/libfast.so",
                  "needs CXXABI_1.3.14 (libstdc++); Amazon Linux 2023 has up to CXXABI_1.3.13")));
  // Amazon Linux 2018.03 (provided) is not in the libraries table: not judged.
  Write("lib/libfast.so", MakeElf(CxxLibrary("GLIBCXX_3.4.30")));
  EXPECT_THAT(Check("provided").problems, IsEmpty());
  EXPECT_THAT(Check("go1.x").problems, IsEmpty());

  // The package ships its own libstdc++.so.6 (here in a layer, as a link to the real file):
  // the binary loads that one.
  const fs::path layer = root_ / "layer";
  fs::create_directories(layer / "lib");
  std::ofstream(layer / "lib/libstdc++.so.6.0.30", std::ios::binary) << MakeElf(ElfSpec{});
  fs::create_symlink("libstdc++.so.6.0.30", layer / "lib/libstdc++.so.6");
  fn_.layers = {layer};
  EXPECT_THAT(Check("provided.al2023").problems, IsEmpty());
  fn_.layers.clear();
  Write("libstdc++.so.6", MakeElf(ElfSpec{}));
  EXPECT_THAT(Check("provided.al2023").problems, IsEmpty());
}

TEST_F(PackageCheckTest, NeededLibrariesMissingFromThePackageAndTheOs) {
  ElfSpec sharp;
  sharp.defined_symbols = {"napi_register_module_v1"};
  sharp.needed = {"libvips-cpp.so.42", "libstdc++.so.6", "libz.so.1", "libc.so.6",
                  "ld-linux-x86-64.so.2"};
  Write("node_modules/sharp/build/Release/sharp.node", MakeElf(sharp));
  EXPECT_THAT(Check("nodejs20.x").problems,
              ::testing::ElementsAre(ErrorAbout(
                  "node_modules/sharp/build/Release/sharp.node",
                  "needs libvips-cpp.so.42, which is neither in the package nor on Amazon Linux "
                  "2023")));
  // Shipped anywhere in the package (a link to it counts too): fine.
  Write("node_modules/sharp/vendor/lib/libvips-cpp.so.8.14.2", "not read as a library");
  fs::create_symlink("libvips-cpp.so.8.14.2",
                     fn_.code / "node_modules/sharp/vendor/lib/libvips-cpp.so.42");
  EXPECT_THAT(Check("nodejs20.x").problems, IsEmpty());

  // OpenSSL: each OS has its own; another version is a note (thaw cannot be sure), as are
  // libraries the images usually carry.
  ElfSpec ssl;
  ssl.needed = {"libcrypto.so.10", "libssl.so.10", "libffi.so.6", "libcrypt.so.1"};
  Write("bin/tool", MakeElf(ssl));
  EXPECT_THAT(Check("nodejs18.x").problems,
              ::testing::ElementsAre(NoteAbout(
                  "bin/tool",
                  "needs libffi.so.6, which is not in the package; Amazon Linux 2 images usually "
                  "have libffi, but thaw cannot promise libffi.so.6 on Lambda: ship it to be "
                  "sure")));
  PackageReport al2023 = Check("nodejs20.x");
  EXPECT_THAT(al2023.problems,
              ::testing::UnorderedElementsAre(NoteAbout("bin/tool", "needs libcrypto.so.10"),
                                              NoteAbout("bin/tool", "needs libssl.so.10"),
                                              NoteAbout("bin/tool", "needs libffi.so.6"),
                                              NoteAbout("bin/tool", "needs libcrypt.so.1")));
  EXPECT_EQ(al2023.errors(), 0);
  fs::remove(fn_.code / "bin/tool");

  // The language runtime's own library (libpython for python3.x), and a path, are not judged.
  ElfSpec ext;
  ext.needed = {"libpython3.12.so.1.0", "./libhere.so", "libc.so.6"};
  Write("pkg/_ext.abi3.so", MakeElf(ext));
  EXPECT_THAT(Check("python3.12").problems, IsEmpty());
  EXPECT_THAT(Check("provided.al2023").problems,
              ::testing::ElementsAre(ErrorAbout("pkg/_ext.abi3.so", "needs libpython3.12.so.1.0")));
  // Amazon Linux 2018.03 (provided): no table of its libraries, not judged.
  EXPECT_THAT(Check("provided").problems, IsEmpty());
  // A walk cut short by the file limit does not know every file name: not judged either.
  limits_.max_files = 1;
  Write("pkg/zzz.txt", "x");
  EXPECT_THAT(Check("provided.al2023").problems,
              ::testing::ElementsAre(NoteAbout("", "stopped after 1 files")));
}

TEST_F(PackageCheckTest, CorruptFilesAreNotes) {
  Write("bad.so", MakeElf(GlibcLibrary("GLIBC_2.34")).substr(0, 30));
  Write("bad.node", std::string("\xca\xfe\xba\xbe", 4));
  EXPECT_THAT(Check("nodejs20.x").problems,
              ::testing::UnorderedElementsAre(
                  NoteAbout("bad.so", "cannot be judged: truncated ELF header"),
                  NoteAbout("bad.node", "cannot be judged: truncated Mach-O universal header")));
}

TEST_F(PackageCheckTest, LinksLoopsAndLimits) {
  Write("real/lib.so", MakeElf(GlibcLibrary("GLIBC_2.17")));
  fs::create_directory_symlink(fn_.code, fn_.code / "real/loop");  // a loop: not followed
  fs::create_directories(root_ / "outside");
  std::ofstream(root_ / "outside/mac.node", std::ios::binary) << thaw::testing::MakeMachO64();
  fs::create_symlink(root_ / "outside/mac.node", fn_.code / "linked.node");
  fs::create_symlink(fn_.code / "real/lib.so", fn_.code / "alias.so");
  PackageReport report = Check("nodejs20.x");
  EXPECT_THAT(report.problems,
              ::testing::ElementsAre(NoteAbout("", "1 symbolic link(s) leading out")));
  EXPECT_EQ(report.files, 1);

  for (int i = 0; i < 5; ++i) Write("many/" + std::to_string(i), "x");
  limits_.max_files = 3;
  EXPECT_THAT(Check("nodejs20.x").problems,
              ::testing::Contains(NoteAbout("", "stopped after 3 files")));
  limits_ = {};
  limits_.max_elf_bytes = 100;
  EXPECT_THAT(Check("nodejs20.x").problems,
              ::testing::Contains(NoteAbout("real/lib.so", "an ELF file larger than")));
}

TEST_F(PackageCheckTest, AMissingCodeDirectoryIsANote) {
  fn_.code = root_ / "nope";
  EXPECT_THAT(Check("nodejs20.x").problems,
              ::testing::ElementsAre(NoteAbout("", "cannot be read, so it was not checked")));
}

TEST(PackageCheckConfigTest, ChecksEveryFunctionOrOne) {
  std::string pattern = (fs::temp_directory_path() / "thaw-package-cfg-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  std::ofstream(dir / "mac.node", std::ios::binary) << thaw::testing::MakeMachO64();
  ThawConfig config;
  for (const char* name : {"a", "b"}) {
    FunctionConfig fn;
    fn.name = name;
    fn.runtime = "nodejs20.x";
    fn.code = dir;
    config.functions[name] = fn;
  }
  EXPECT_EQ(CheckPackages(config).errors(), 2);
  PackageReport one = CheckPackages(config, "b");
  ASSERT_THAT(one.problems, SizeIs(1));
  EXPECT_EQ(FormatProblem(one.problems[0]),
            "b: mac.node: built on macOS (Mach-O 64-bit arm64): will not load on Lambda's Amazon "
            "Linux");
  fs::remove_all(dir);
}

// The function's architecture, from each kind of definition (the check compares with it).
TEST(FunctionArchitectureTest, ReadFromThawYamlSamAndServerless) {
  std::string pattern = (fs::temp_directory_path() / "thaw-package-arch-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  std::ofstream(dir / "index.js") << "exports.handler = async () => 1;\n";
  auto thaw_yaml = ParseConfig(
      "functions:\n"
      "  a: {runtime: nodejs20.x, handler: index.handler, code: ., architecture: arm64}\n"
      "  b: {runtime: nodejs20.x, handler: index.handler, code: .}\n",
      "thaw.yaml", dir);
  ASSERT_TRUE(thaw_yaml.ok()) << thaw_yaml.status();
  EXPECT_EQ(thaw_yaml->functions.at("a").architecture, "arm64");
  EXPECT_EQ(thaw_yaml->functions.at("b").architecture, "x86_64");
  EXPECT_THAT(ParseConfig("functions:\n  a: {runtime: nodejs20.x, handler: index.handler, code: "
                          "., architecture: arm}\n",
                          "thaw.yaml", dir)
                  .status()
                  .message(),
              HasSubstr("functions.a.architecture: expected x86_64 or arm64, got 'arm'"));

  auto sam = ParseConfig(
      "Transform: AWS::Serverless-2016-10-31\n"
      "Resources:\n"
      "  Fn:\n"
      "    Type: AWS::Serverless::Function\n"
      "    Properties: {Runtime: nodejs20.x, Handler: index.handler, CodeUri: ., "
      "Architectures: [arm64]}\n",
      "template.yaml", dir);
  ASSERT_TRUE(sam.ok()) << sam.status();
  EXPECT_EQ(sam->functions.begin()->second.architecture, "arm64");

  auto sls = ParseConfig(
      "service: s\nprovider: {name: aws, runtime: nodejs20.x, architecture: arm64}\n"
      "functions:\n  f: {handler: index.handler}\n  g: {handler: index.handler, "
      "architecture: x86_64}\n",
      "serverless.yml", dir);
  ASSERT_TRUE(sls.ok()) << sls.status();
  EXPECT_EQ(sls->functions.at("s-dev-f").architecture, "arm64");
  EXPECT_EQ(sls->functions.at("s-dev-g").architecture, "x86_64");
  fs::remove_all(dir);
}

// Real files of this machine.
TEST(PackageRealFilesTest, HostTrueIsAnX86_64Elf) {
  std::ifstream in("/bin/true", std::ios::binary);
  ASSERT_TRUE(in);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto info = InspectBinary(bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->format, BinaryInfo::Format::kElf);
  EXPECT_EQ(info->elf_bits, 64);
#if defined(__x86_64__)
  EXPECT_EQ(info->elf_machine, EM_X86_64);
#endif
  EXPECT_THAT(info->interpreter, HasSubstr("ld-linux"));
  EXPECT_TRUE(info->glibc_minor.has_value());
}

TEST(PackageRealFilesTest, LibsslNeedsAGlibcNewerThanAmazonLinux2) {
  const fs::path libssl = "/usr/lib/x86_64-linux-gnu/libssl.so.3";
  if (!fs::exists(libssl)) GTEST_SKIP() << libssl << " is not installed";
  std::string pattern = (fs::temp_directory_path() / "thaw-package-ssl-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  fs::copy_file(libssl, fs::path(pattern) / "libssl.so.3");
  FunctionConfig fn;
  fn.name = "ssl";
  fn.code = pattern;
  fn.runtime = "python3.11";
  PackageReport al2 = CheckFunctionPackage(fn);
  fn.runtime = "python3.12";
  PackageReport al2023 = CheckFunctionPackage(fn);
  fs::remove_all(pattern);
  // Debian 12's libssl.so.3 needs GLIBC_2.33 (libc.so.6): too new for AL2's 2.26, fine on
  // AL2023's 2.34. Its libcrypto.so.3 is AL2023's OpenSSL, and not sure on AL2 (a note).
  ASSERT_EQ(al2.errors(), 1);
  EXPECT_THAT(al2.problems[0].reason, HasSubstr("needs glibc 2.3"));
  EXPECT_THAT(al2.problems[0].reason, HasSubstr("Amazon Linux 2 with glibc 2.26"));
  EXPECT_THAT(al2.problems, ::testing::Contains(NoteAbout("libssl.so.3", "needs libcrypto.so.3")));
  EXPECT_THAT(al2023.problems, IsEmpty());
}

// Debian 12's ICU is built with g++ 12: it needs GLIBCXX_3.4.30 and its data library.
TEST(PackageRealFilesTest, LibicuNeedsGcc12sLibstdcxxAndItsDataLibrary) {
  const fs::path lib = "/usr/lib/x86_64-linux-gnu";
  if (!fs::exists(lib / "libicuuc.so.72") || !fs::exists(lib / "libicudata.so.72") ||
      !fs::exists(lib / "libstdc++.so.6")) {
    GTEST_SKIP() << "Debian 12's libicu72 / libstdc++6 is not installed";
  }
  std::string pattern = (fs::temp_directory_path() / "thaw-package-icu-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  fs::copy_file(lib / "libicuuc.so.72", dir / "libicuuc.so.72");
  FunctionConfig fn;
  fn.name = "icu";
  fn.code = dir;
  fn.runtime = "provided.al2023";
  const PackageReport alone = CheckFunctionPackage(fn);
  // libstdc++ itself needs nothing from libstdc++, and nothing outside the base set.
  fs::copy_file(lib / "libstdc++.so.6", dir / "libstdc++.so.6");
  fs::copy_file(lib / "libicudata.so.72", dir / "libicudata.so.72");
  const PackageReport shipped = CheckFunctionPackage(fn);
  fs::remove_all(dir);
  EXPECT_THAT(alone.problems,
              ::testing::IsSupersetOf(
                  {ErrorAbout("libicuuc.so.72",
                              "needs GLIBCXX_3.4.30 (GCC 12's libstdc++); Amazon Linux 2023 has up "
                              "to GLIBCXX_3.4.29"),
                   ErrorAbout("libicuuc.so.72",
                              "needs libicudata.so.72, which is neither in the "
                              "package nor on Amazon Linux 2023")}));
  for (const PackageProblem& p : shipped.problems) {
    EXPECT_THAT(p.reason, Not(HasSubstr("GLIBCXX"))) << FormatProblem(p);
    EXPECT_THAT(p.reason, Not(HasSubstr("neither in the package"))) << FormatProblem(p);
  }
}

// The .node files npm installed in this tree (scripts/install-test-deps.sh); none: skipped.
TEST(PackageRealFilesTest, InstalledNodeAddonsAreReadable) {
  std::vector<fs::path> addons;
  const fs::path source = THAW_SOURCE_DIR;
  for (const char* dir : {"tests", "samples"}) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(source / dir, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->is_regular_file() && it->path().extension() == ".node") addons.push_back(it->path());
    }
  }
  if (addons.empty()) GTEST_SKIP() << "no .node file under tests/ or samples/ (npm ci not run)";
  for (const fs::path& addon : addons) {
    std::ifstream in(addon, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto info = InspectBinary(bytes);
    ASSERT_TRUE(info.ok()) << addon << ": " << info.status();
    EXPECT_EQ(info->format, BinaryInfo::Format::kElf) << addon;
    EXPECT_TRUE(info->napi || info->node_module_version || info->node_module_register) << addon;
  }
}

}  // namespace
}  // namespace thaw::package
