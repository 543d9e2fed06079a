// thaw's Python runtime (emulator/runtimes/python/bootstrap.py) running real handlers written
// for AWS's python runtimes (tests/integration/python/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "emulator/control/ids.h"
#include "nlohmann/json.hpp"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
// Named as well: a unity build compiles this file with the others of its binary.
namespace python_runtime_test {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string Config() {
  const std::string code = std::string(THAW_SOURCE_DIR) + "/tests/integration/python";
  std::string yaml = "functions:\n";
  auto fn = [&](const std::string& name, const std::string& handler) {
    yaml += "  " + name + ": {runtime: python3.12, handler: \"" + handler + "\", code: \"" + code +
            "\", timeout: 10}\n";
  };
  fn("py", "app.handler");
  fn("fails", "app.fails");
  fn("nested", "pkg.nested.handler");
  fn("syntax", "broken.handler");
  fn("missingdep", "missing_dep.handler");
  fn("nomodule", "nowhere.handler");
  fn("nohandler", "app.absent");
  fn("boto3", "uses_boto3.handler");
  // An interpreter without site-packages: boto3, which Lambda's runtime has, is missing.
  const std::filesystem::path bare =
      std::filesystem::temp_directory_path() / ("thaw-python-bare-" + std::to_string(::getpid()));
  std::ofstream(bare) << "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n";
  std::filesystem::permissions(bare, std::filesystem::perms::owner_all);
  yaml += "  noboto3: {runtime: python3.12, handler: uses_boto3.handler, code: \"" + code +
          "\", python: \"" + bare.string() + "\", timeout: 10}\n";
  return yaml;
}

class PythonRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto emu = TestEmulator::Start(Config());
    ASSERT_TRUE(emu.ok()) << emu.status();
    emu_ = *std::move(emu);
  }
  std::unique_ptr<TestEmulator> emu_;
};

TEST_F(PythonRuntimeTest, HandlerGetsTheEventAndTheContext) {
  const std::string client_context = R"({"custom":{"a":1}})";
  const HttpResult result =
      emu_->Invoke("py", R"({"x":1})", {{"X-Amz-Client-Context", Base64Encode(client_context)}});
  ASSERT_EQ(result.status, 200) << result.body;
  ASSERT_EQ(result.Header("X-Amz-Function-Error"), "") << result.body;
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["event"]["x"], 1);
  EXPECT_EQ(body["request_id"], result.Header("x-amzn-RequestId"));
  EXPECT_EQ(body["function_name"], "py");
  EXPECT_EQ(body["function_version"], "$LATEST");
  EXPECT_EQ(body["invoked_function_arn"], "arn:aws:lambda:us-east-1:123456789012:function:py");
  EXPECT_EQ(body["memory_limit_in_mb"], "128");
  EXPECT_EQ(body["log_group_name"], "/aws/lambda/py");
  EXPECT_GT(body["remaining"].get<long>(), 8000);
  EXPECT_EQ(body["client_context"]["custom"]["a"], 1);
  EXPECT_THAT(body["trace_id"].get<std::string>(), HasSubstr("Root=1-"));
  EXPECT_EQ(body["execution_env"], "AWS_Lambda_python3.12");
}

TEST_F(PythonRuntimeTest, ModuleScopeStateSurvivesAndOutputIsCaptured) {
  const auto first = nlohmann::json::parse(emu_->Invoke("py").body);
  const HttpResult second_result = emu_->Invoke("py");
  const auto second = nlohmann::json::parse(second_result.body);
  EXPECT_EQ(first["pid"], second["pid"]);
  EXPECT_EQ(second["invocations"], 2);
  const auto lines = emu_->logs().Lines();
  EXPECT_THAT(lines, Contains("hello from py"));
  EXPECT_THAT(lines,
              Contains(MatchesRegex("\\[WARNING\\]\t[0-9T:.-]+Z\t" +
                                    second_result.Header("x-amzn-RequestId") + "\ta warning")));
}

TEST_F(PythonRuntimeTest, ErrorsHaveThePythonShape) {
  const HttpResult result = emu_->Invoke("fails");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["errorType"], "ValueError");
  EXPECT_EQ(body["errorMessage"], "bad value");
  EXPECT_EQ(body["requestId"], result.Header("x-amzn-RequestId"));
  EXPECT_TRUE(body["stackTrace"].is_array());
}

TEST_F(PythonRuntimeTest, DottedPackagesAndInitErrors) {
  EXPECT_EQ(emu_->Invoke("nested").body, "\"nested\"");
  auto error_type = [&](const std::string& fn) {
    const HttpResult result = emu_->Invoke(fn);
    EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled") << fn;
    return nlohmann::json::parse(result.body, nullptr, false).value("errorType", "");
  };
  EXPECT_EQ(error_type("syntax"), "Runtime.UserCodeSyntaxError");
  EXPECT_EQ(error_type("missingdep"), "Runtime.ImportModuleError");
  EXPECT_EQ(error_type("nomodule"), "Runtime.ImportModuleError");
  EXPECT_EQ(error_type("nohandler"), "Runtime.HandlerNotFound");
}

// boto3 comes with the runtime, as in Lambda (Debian's python3-boto3, installed by
// scripts/install-deps.sh); an interpreter that lacks it gets an init error naming it.
TEST_F(PythonRuntimeTest, Boto3ComesWithTheRuntimeAndItsAbsenceIsNamed) {
  const HttpResult ok = emu_->Invoke("boto3");
  ASSERT_EQ(ok.Header("X-Amz-Function-Error"), "") << ok.body;
  EXPECT_FALSE(nlohmann::json::parse(ok.body).value("boto3", "").empty()) << ok.body;

  const HttpResult missing = emu_->Invoke("noboto3");
  EXPECT_EQ(missing.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(missing.body, nullptr, false);
  EXPECT_EQ(body.value("errorType", ""), "Runtime.ImportModuleError") << missing.body;
  EXPECT_THAT(body.value("errorMessage", ""),
              AllOf(HasSubstr("No module named 'boto3'"),
                    HasSubstr("Lambda's Python runtime includes boto3"),
                    HasSubstr("apt-get install python3-boto3")));
}

}  // namespace
}  // namespace python_runtime_test
}  // namespace thaw::testing
