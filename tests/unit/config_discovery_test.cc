// Which file a directory stands for (emulator/config/config_discovery.h): `--config DIR`, and
// the current directory when no --config is given.
#include "emulator/config/config_discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "emulator/config/thaw_config.h"

namespace thaw {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

class ConfigDiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("thaw-discovery-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Touch(const std::filesystem::path& name) {
    std::filesystem::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << "x: 1\n";
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigDiscoveryTest, SamBuildsOutputWinsOverTheSourceTemplateWithANote) {
  Touch("template.yaml");
  Touch("serverless.yml");
  auto choice = ConfigFileIn(dir_);
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->file, dir_ / "template.yaml");
  EXPECT_FALSE(choice->note);

  Touch(".aws-sam/build/template.yaml");
  choice = ConfigFileIn(dir_);
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->file, dir_ / ".aws-sam/build/template.yaml");
  ASSERT_TRUE(choice->note);
  EXPECT_THAT(*choice->note, HasSubstr("read instead of template.yaml, as sam local does"));
  // sam build's output directory itself.
  choice = ConfigFileIn(dir_ / ".aws-sam" / "build");
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->file, dir_ / ".aws-sam/build/template.yaml");

  Touch("thaw.yaml");  // thaw's own file first
  choice = ConfigFileIn(dir_);
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->file, dir_ / "thaw.yaml");
}

TEST_F(ConfigDiscoveryTest, TheCurrentDirectorysFileIsNamedRelative) {
  Touch("serverless.yml");
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  auto choice = ConfigFileIn(".");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->file, "serverless.yml");
}

TEST_F(ConfigDiscoveryTest, AnEmptyDirectorySaysWhatWasLookedFor) {
  auto choice = ConfigFileIn(dir_);
  ASSERT_FALSE(choice.ok());
  EXPECT_THAT(choice.status().message(),
              AllOf(HasSubstr("no configuration in " + dir_.string()), HasSubstr("thaw.yaml"),
                    HasSubstr(".aws-sam/build/template.yaml"), HasSubstr("--config")));
  EXPECT_FALSE(LoadConfigFile(dir_).ok());
}

}  // namespace
}  // namespace thaw
