// The packaging check through the `thaw` binary: `thaw check` fails a scenario whose function
// ships a Mac-built addon (the default rule package.errors == 0, naming the file and the
// reason), `thaw package-check`'s exit codes, and the warning `thaw invoke` prints at load.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "tests/util/binary_images.h"
#include "tests/util/run_thaw.h"
#include "tests/util/test_emulator.h"

namespace thaw {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunThaw;

constexpr char kMacAddon[] = "node_modules/fsevents/fsevents.node";

// A function whose code directory holds the echo test function's bootstrap (built on this
// machine: an x86_64 ELF needing glibc 2.34, fine for provided.al2023) and a Mach-O addon.
class PackageCheckCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "thaw-package-cli-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::create_directories(dir_ / "code/node_modules/fsevents");
    fs::copy_file(fs::path(testing::EchoDir()) / "bootstrap", dir_ / "code/bootstrap");
    std::ofstream(dir_ / "code" / kMacAddon, std::ios::binary) << testing::MakeMachO64();
    std::ofstream(dir_ / "thaw.yaml")
        << "functions:\n  echo: {runtime: provided.al2023, handler: echo, code: ./code}\n";
    std::ofstream(dir_ / "scenario.yaml") << "name: mac-bundle\nconfig: thaw.yaml\n"
                                          << "steps:\n  - invoke: echo\n"
                                          << "expect:\n  - invocations == 1\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(PackageCheckCliTest, CheckFailsAMacBuiltAddonNamingTheFileAndTheReason) {
  const testing::ThawRun r = RunThaw({"check", Path("scenario.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 expectations"));
  EXPECT_THAT(r.out, HasSubstr("package.errors == 0"));
  EXPECT_THAT(r.out, HasSubstr(std::string("echo: ") + kMacAddon +
                               ": built on macOS (Mach-O 64-bit arm64): will not load on "
                               "Lambda's Amazon Linux"));
  EXPECT_THAT(r.out, HasSubstr("FAILED mac-bundle: 1 of 2 expectations failed"));
  EXPECT_THAT(r.err, HasSubstr(std::string("thaw: warning: package: echo: ") + kMacAddon));

  fs::remove(dir_ / "code" / kMacAddon);
  const testing::ThawRun clean = RunThaw({"check", Path("scenario.yaml")});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_THAT(clean.out, HasSubstr("PASSED mac-bundle: all 2 expectations hold"));
  EXPECT_THAT(clean.err, Not(HasSubstr("package:")));
}

TEST_F(PackageCheckCliTest, AScenarioMayStateItsOwnPackageRule) {
  std::ofstream(dir_ / "scenario.yaml") << "name: tolerant\nconfig: thaw.yaml\n"
                                        << "steps:\n  - invoke: echo\n"
                                        << "expect:\n  - invocations == 1\n"
                                        << "  - package.errors <= 1\n";
  const testing::ThawRun r = RunThaw({"check", Path("scenario.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASSED tolerant: all 2 expectations hold"));
}

TEST_F(PackageCheckCliTest, PackageCheckExitCodes) {
  const testing::ThawRun bad = RunThaw({"package-check", "--config", Path("thaw.yaml")});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_THAT(bad.out, HasSubstr(std::string("error: echo: ") + kMacAddon + ": built on macOS"));
  EXPECT_THAT(bad.out, HasSubstr("thaw package-check: 1 function, 2 files, 2 native binaries: "
                                 "1 error, 0 notes"));
  EXPECT_EQ(
      RunThaw({"package-check", "--config", Path("thaw.yaml"), "--function", "echo"}).exit_code, 1);

  const testing::ThawRun unknown =
      RunThaw({"package-check", "--config", Path("thaw.yaml"), "--function", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("thaw: function 'nope' is not defined"));
  EXPECT_EQ(RunThaw({"package-check", "--config", Path("missing.yaml")}).exit_code, 2);
  EXPECT_EQ(RunThaw({"package-check", "--no-such-flag"}).exit_code, 2);

  const testing::ThawRun help = RunThaw({"package-check", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Exit code: 0 when no file is an error"));

  fs::remove(dir_ / "code" / kMacAddon);
  const testing::ThawRun clean = RunThaw({"package-check", "--config", Path("thaw.yaml")});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_THAT(clean.out, HasSubstr("0 errors, 0 notes"));

  // A 32-bit / arm64 view of the same bootstrap: the function's architecture decides.
  std::ofstream(dir_ / "thaw.yaml") << "functions:\n  echo: {runtime: provided.al2023, handler: "
                                       "echo, code: ./code, architecture: arm64}\n";
  const testing::ThawRun arm = RunThaw({"package-check", "--config", Path("thaw.yaml")});
  EXPECT_EQ(arm.exit_code, 1);
  EXPECT_THAT(arm.out, HasSubstr("error: echo: bootstrap: built for x86_64, but the function's "
                                 "architecture is arm64"));
}

TEST_F(PackageCheckCliTest, InvokeWarnsAtLoadAndStillRuns) {
  const testing::ThawRun r =
      RunThaw({"invoke", "echo", "--config", Path("thaw.yaml"), "--payload", "{\"a\":1}"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("{\"a\":1}"));
  EXPECT_THAT(r.err, HasSubstr(std::string("thaw: warning: package: echo: ") + kMacAddon +
                               ": built on macOS"));
}

// A layer of the template ends up at /opt beside the code, so `thaw package-check` reads it too
// and names its files by the layer's directory.
TEST_F(PackageCheckCliTest, AMacBuiltFileInALayerIsReported) {
  fs::remove(dir_ / "code" / kMacAddon);
  fs::create_directories(dir_ / "layer/nodejs/node_modules/fsevents");
  std::ofstream(dir_ / "layer/nodejs" / kMacAddon, std::ios::binary) << testing::MakeMachO64();
  std::ofstream(dir_ / "template.yaml") << "Transform: AWS::Serverless-2016-10-31\n"
                                        << "Resources:\n"
                                        << "  Echo:\n"
                                        << "    Type: AWS::Serverless::Function\n"
                                        << "    Properties: {Runtime: provided.al2023, Handler: "
                                           "echo, CodeUri: code, Layers: [!Ref Deps]}\n"
                                        << "  Deps:\n"
                                        << "    Type: AWS::Serverless::LayerVersion\n"
                                        << "    Properties: {ContentUri: layer}\n";
  const testing::ThawRun r = RunThaw({"package-check", "--config", Path("template.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("error: Echo: layer " + Path("layer") + ": nodejs/" + kMacAddon +
                               ": built on macOS"));
}

// A library built with g++ 12 that links libvips: both are errors under provided.al2023 until the
// package ships libstdc++.so.6 and libvips-cpp.so.42.
TEST_F(PackageCheckCliTest, ALibraryNeedingANewerLibstdcxxAndAnAbsentLibrary) {
  fs::remove(dir_ / "code" / kMacAddon);
  testing::ElfSpec image;
  image.needed = {"libvips-cpp.so.42", "libstdc++.so.6", "libc.so.6"};
  image.version_needs = {{"libstdc++.so.6", {"GLIBCXX_3.4", "GLIBCXX_3.4.30"}},
                         {"libc.so.6", {"GLIBC_2.2.5"}}};
  fs::create_directories(dir_ / "code/lib");
  std::ofstream(dir_ / "code/lib/libimage.so", std::ios::binary) << testing::MakeElf(image);
  const testing::ThawRun r = RunThaw({"package-check", "--config", Path("thaw.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("error: echo: lib/libimage.so: needs GLIBCXX_3.4.30 (GCC 12's "
                               "libstdc++); Amazon Linux 2023 has up to GLIBCXX_3.4.29"));
  EXPECT_THAT(r.out, HasSubstr("error: echo: lib/libimage.so: needs libvips-cpp.so.42, which is "
                               "neither in the package nor on Amazon Linux 2023"));
  EXPECT_THAT(r.out, HasSubstr("2 errors, 0 notes"));

  for (const char* shipped : {"libvips-cpp.so.42", "libstdc++.so.6"}) {
    std::ofstream(dir_ / "code/lib" / shipped, std::ios::binary)
        << testing::MakeElf(testing::ElfSpec{});
  }
  const testing::ThawRun fixed = RunThaw({"package-check", "--config", Path("thaw.yaml")});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  EXPECT_THAT(fixed.out, HasSubstr("0 errors, 0 notes"));
}

}  // namespace
}  // namespace thaw
