// thaw's Node.js runtime (emulator/runtimes/nodejs/bootstrap.mjs) running real handlers
// written for AWS's nodejs runtimes (tests/integration/nodejs/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emulator/control/ids.h"
#include "nlohmann/json.hpp"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string Config() {
  const std::string code = std::string(THAW_SOURCE_DIR) + "/tests/integration/nodejs";
  std::string yaml = "functions:\n";
  auto fn = [&](const std::string& name, const std::string& handler) {
    yaml += "  " + name + ": {runtime: nodejs20.x, handler: \"" + handler + "\", code: \"" +
            code + "\", timeout: 10}\n";
  };
  fn("node", "index.handler");
  fn("callback", "index.callback");
  fn("callbackerror", "index.callbackError");
  fn("thrower", "index.thrower");
  fn("nested", "index.nested.deep.handler");
  fn("esm", "esm/app.handler");
  fn("mjs", "mjs.handler");
  fn("syntax", "broken.handler");
  fn("missingdep", "throws_at_init.handler");
  fn("nofile", "nowhere.handler");
  fn("noexport", "index.absent");
  return yaml;
}

class NodeRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto emu = TestEmulator::Start(Config());
    ASSERT_TRUE(emu.ok()) << emu.status();
    emu_ = *std::move(emu);
  }
  std::unique_ptr<TestEmulator> emu_;
};

TEST_F(NodeRuntimeTest, AsyncHandlerGetsTheEventAndTheContext) {
  const std::string client_context = R"({"custom":{"a":1}})";
  const HttpResult result = emu_->Invoke("node", R"({"x":1})",
                                         {{"X-Amz-Client-Context", Base64Encode(client_context)}});
  ASSERT_EQ(result.status, 200) << result.body;
  ASSERT_EQ(result.Header("X-Amz-Function-Error"), "") << result.body;
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["event"]["x"], 1);
  EXPECT_EQ(body["requestId"], result.Header("x-amzn-RequestId"));
  EXPECT_EQ(body["functionName"], "node");
  EXPECT_EQ(body["functionVersion"], "$LATEST");
  EXPECT_EQ(body["invokedFunctionArn"], "arn:aws:lambda:us-east-1:123456789012:function:node");
  EXPECT_EQ(body["memoryLimitInMB"], "128");
  EXPECT_EQ(body["logGroupName"], "/aws/lambda/node");
  EXPECT_GT(body["remaining"].get<long>(), 8000);
  EXPECT_LE(body["remaining"].get<long>(), 10000);
  EXPECT_EQ(body["clientContext"]["custom"]["a"], 1);
  EXPECT_THAT(body["traceId"].get<std::string>(), HasSubstr("Root=1-"));
  EXPECT_EQ(body["executionEnv"], "AWS_Lambda_nodejs20.x");
}

TEST_F(NodeRuntimeTest, ModuleScopeStateSurvivesAcrossEventsOfOneInstance) {
  const auto first = nlohmann::json::parse(emu_->Invoke("node").body);
  const auto second = nlohmann::json::parse(emu_->Invoke("node").body);
  EXPECT_EQ(first["pid"], second["pid"]);
  EXPECT_EQ(first["invocations"], 1);
  EXPECT_EQ(second["invocations"], 2);
}

TEST_F(NodeRuntimeTest, ConsoleLinesHaveTheNodeRuntimeFormat) {
  const HttpResult result = emu_->Invoke("node");
  const std::string id = result.Header("x-amzn-RequestId");
  EXPECT_THAT(emu_->logs().Lines(),
              Contains(MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\t" + id +
                                    "\tINFO\thello from node")));
}

TEST_F(NodeRuntimeTest, CallbackHandlers) {
  const auto ok = nlohmann::json::parse(emu_->Invoke("callback", R"({"y":2})").body);
  EXPECT_EQ(ok["via"], "callback");
  EXPECT_EQ(ok["event"]["y"], 2);
  const HttpResult failed = emu_->Invoke("callbackerror");
  EXPECT_EQ(failed.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(failed.body);
  EXPECT_EQ(body["errorType"], "TypeError");
  EXPECT_EQ(body["errorMessage"], "bad input");
  EXPECT_TRUE(body["trace"].is_array());
}

TEST_F(NodeRuntimeTest, ThrownErrorsHaveTheNodeErrorShape) {
  const HttpResult result = emu_->Invoke("thrower");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["errorType"], "RangeError");
  EXPECT_EQ(body["errorMessage"], "out of range");
  EXPECT_THAT(body["trace"][0].get<std::string>(), HasSubstr("RangeError: out of range"));
  // A function error keeps the instance.
  emu_->Invoke("thrower");
  EXPECT_EQ(emu_->CountEvents("instance.spawned", "thrower"), 1u);
}

TEST_F(NodeRuntimeTest, EsModulesAndNestedExports) {
  EXPECT_EQ(nlohmann::json::parse(emu_->Invoke("esm").body)["esm"], true);
  EXPECT_EQ(emu_->Invoke("mjs").body, "\"from .mjs\"");
  EXPECT_EQ(emu_->Invoke("nested").body, "\"nested\"");
}

TEST_F(NodeRuntimeTest, InitErrorsAreTheNodeRuntimesTypes) {
  auto error_type = [&](const std::string& fn) {
    const HttpResult result = emu_->Invoke(fn);
    EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled") << fn;
    return nlohmann::json::parse(result.body, nullptr, false).value("errorType", "");
  };
  EXPECT_EQ(error_type("syntax"), "Runtime.UserCodeSyntaxError");
  EXPECT_EQ(error_type("missingdep"), "Runtime.ImportModuleError");
  EXPECT_EQ(error_type("nofile"), "Runtime.ImportModuleError");
  EXPECT_EQ(error_type("noexport"), "Runtime.HandlerNotFound");
}

}  // namespace
}  // namespace thaw::testing
