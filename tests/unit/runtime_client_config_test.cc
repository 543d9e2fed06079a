// thaw.yaml's `runtime_client` key, per function and under `settings:`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "emulator/config/thaw_config.h"

namespace thaw {
namespace {

using ::testing::HasSubstr;

class RuntimeClientConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("thaw-runtime-client-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "code");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  absl::StatusOr<ThawConfig> Parse(const std::string& yaml) {
    return ParseConfig(yaml, "thaw.yaml", dir_);
  }

  std::filesystem::path dir_;
};

TEST_F(RuntimeClientConfigTest, DefaultsToThawsBootstrap) {
  auto config =
      Parse("functions:\n  f: {runtime: nodejs20.x, handler: index.handler, code: code}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->settings.runtime_client, "thaw");
  EXPECT_EQ(config->functions.at("f").runtime_client, "thaw");
}

TEST_F(RuntimeClientConfigTest, PerFunction) {
  auto config = Parse(R"(functions:
  ric: {runtime: nodejs20.x, handler: index.handler, code: code, runtime_client: aws-lambda-ric}
  own: {runtime: nodejs22.x, handler: index.handler, code: code, runtime_client: thaw}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->functions.at("ric").runtime_client, "aws-lambda-ric");
  EXPECT_EQ(config->functions.at("own").runtime_client, "thaw");
  // The loader leaves thaw's bootstrap in place; PrepareRuntimeClients swaps it.
  EXPECT_THAT(config->functions.at("ric").args.at(0), ::testing::EndsWith("bootstrap.mjs"));
}

TEST_F(RuntimeClientConfigTest, GloballyForTheNodeFunctionsAndOverridablePerFunction) {
  auto config = Parse(R"(settings:
  runtime_client: aws-lambda-ric
functions:
  a: {runtime: nodejs18.x, handler: index.handler, code: code}
  b: {runtime: nodejs20.x, handler: index.handler, code: code, runtime_client: thaw}
  py: {runtime: python3.12, handler: app.handler, code: code}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->functions.at("a").runtime_client, "aws-lambda-ric");
  EXPECT_EQ(config->functions.at("b").runtime_client, "thaw");
  EXPECT_EQ(config->functions.at("py").runtime_client, "thaw");
}

TEST_F(RuntimeClientConfigTest, OnlyNodeRuntimesAcceptTheOfficialClient) {
  auto config = Parse(R"(functions:
  py:
    runtime: python3.12
    handler: app.handler
    code: code
    runtime_client: aws-lambda-ric
)");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("thaw.yaml:6: functions.py.runtime_client: aws-lambda-ric runs Node.js "
                        "functions only"));
}

TEST_F(RuntimeClientConfigTest, UnknownClientsAreRefusedWithTheLine) {
  auto in_function = Parse(
      "functions:\n  f:\n    runtime: nodejs20.x\n    handler: index.handler\n    code: code\n"
      "    runtime_client: ric\n");
  ASSERT_FALSE(in_function.ok());
  EXPECT_THAT(std::string(in_function.status().message()),
              HasSubstr("thaw.yaml:6: functions.f.runtime_client: must be thaw or aws-lambda-ric"));
  auto in_settings = Parse(
      "settings:\n  runtime_client: official\n"
      "functions:\n  f: {runtime: nodejs20.x, handler: index.handler, code: code}\n");
  ASSERT_FALSE(in_settings.ok());
  EXPECT_THAT(std::string(in_settings.status().message()),
              HasSubstr("thaw.yaml:2: settings.runtime_client: must be thaw or aws-lambda-ric"));
}

}  // namespace
}  // namespace thaw
