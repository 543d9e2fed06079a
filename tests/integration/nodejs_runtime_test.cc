// thaw's Node.js runtime (emulator/runtimes/nodejs/bootstrap.mjs) running real handlers
// written for AWS's nodejs runtimes (tests/integration/nodejs/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/text_file.h"
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
    yaml += "  " + name + ": {runtime: nodejs20.x, handler: \"" + handler + "\", code: \"" + code +
            "\", timeout: 10}\n";
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
  fn("initthrows", "init_throws.handler");
  fn("missingpkg", "missing_package.handler");
  fn("waits", "index.waitsForLoop");
  fn("nowait", "index.noWait");
  fn("asyncflag", "index.asyncIgnoresFlag");
  fn("never", "index.neverAnswers");
  fn("syncreturn", "index.syncReturn");
  fn("succeed", "index.succeedAtOnce");
  fn("failnoarg", "index.failNoArgument");
  fn("cbstring", "index.callbackString");
  fn("first", "index.firstAnswerWins");
  fn("neversettles", "index.neverSettles");
  fn("timerthrows", "index.timerThrows");
  fn("rejects", "index.rejectsUnhandled");
  fn("sdkesm", "sdk_esm.handler");
  fn("sdkcjs", "sdk_cjs.handler");
  fn("sdkmissing", "sdk_missing.handler");
  fn("flags", "index.lambdaFlags");
  auto wrapped = [&](const std::string& name, const std::string& wrapper) {
    yaml += "  " + name + ": {runtime: nodejs20.x, handler: index.lambdaFlags, code: \"" + code +
            "\", timeout: 10, memory: 1024, environment: {AWS_LAMBDA_EXEC_WRAPPER: \"" + wrapper +
            "\"}}\n";
  };
  wrapped("wrapped", code + "/exec_wrapper.sh");
  wrapped("nowrapper", "/nonexistent/wrapper");
  wrapped("wrapperbits", code + "/not_executable.sh");
  // A function that bundles its own (fake) @aws-sdk/client-sts, made here rather than kept in
  // the tree: node_modules is never tracked.
  const std::filesystem::path bundled =
      std::filesystem::temp_directory_path() / ("thaw-node-bundled-" + std::to_string(::getpid()));
  const std::filesystem::path package = bundled / "node_modules" / "@aws-sdk" / "client-sts";
  std::filesystem::create_directories(package);
  WriteTextFile((bundled / "own.mjs").string(),
                "import sts from '@aws-sdk/client-sts';\n"
                "export const handler = async () => ({ client: sts.marker });\n")
      .IgnoreError();
  WriteTextFile(
      (package / "package.json").string(),
      R"({"name": "@aws-sdk/client-sts", "version": "0.0.0-bundled", "main": "index.js"})")
      .IgnoreError();
  WriteTextFile((package / "index.js").string(), "module.exports = { marker: 'bundled' };\n")
      .IgnoreError();
  yaml += "  sdkbundled: {runtime: nodejs20.x, handler: own.handler, code: \"" + bundled.string() +
          "\", timeout: 10}\n";
  return yaml;
}

class NodeRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Momento listeners per instance: the frozen-timer test observes a connection in the ledger.
    auto emu = TestEmulator::Start(Config(), nullptr, /*momento=*/true);
    ASSERT_TRUE(emu.ok()) << emu.status();
    emu_ = *std::move(emu);
  }
  void TearDown() override {
    emu_.reset();
    std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                                ("thaw-node-bundled-" + std::to_string(::getpid())));
  }
  std::unique_ptr<TestEmulator> emu_;
};

TEST_F(NodeRuntimeTest, AsyncHandlerGetsTheEventAndTheContext) {
  const std::string client_context = R"({"custom":{"a":1}})";
  const HttpResult result =
      emu_->Invoke("node", R"({"x":1})", {{"X-Amz-Client-Context", Base64Encode(client_context)}});
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
  EXPECT_THAT(emu_->logs().Lines(), Contains(MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\t" +
                                                          id + "\tINFO\thello from node")));
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

// Lambda's Node.js runtimes include the AWS SDK v3: an ES module imports it and a CommonJS one
// requires it without bundling it, a bundled copy wins, and a package thaw's copy lacks is named
// in the init error.
TEST_F(NodeRuntimeTest, TheRuntimesSdkServesUnbundledHandlersAndABundledCopyWins) {
  ASSERT_TRUE(std::filesystem::exists(std::string(THAW_SOURCE_DIR) +
                                      "/emulator/runtimes/nodejs/sdk/node_modules/@aws-sdk"))
      << "thaw's copy of the SDK is not installed: make test-deps";
  const auto answer = [&](const std::string& fn) {
    return nlohmann::json::parse(emu_->Invoke(fn).body, nullptr, false);
  };
  EXPECT_EQ(answer("sdkesm")["client"], "STSClient");
  EXPECT_EQ(answer("sdkcjs")["client"], "STSClient");
  EXPECT_EQ(answer("sdkbundled")["client"], "bundled");
  const nlohmann::json missing = answer("sdkmissing");
  EXPECT_THAT(missing.value("errorMessage", ""),
              HasSubstr("Cannot find package '@aws-sdk/client-kinesis'"));
  EXPECT_THAT(missing.value("errorMessage", ""),
              HasSubstr("thaw: Lambda's Node.js runtime includes @aws-sdk/client-kinesis, and "
                        "thaw's copy of the AWS SDK v3 does not"));
}

TEST_F(NodeRuntimeTest, InitErrorsAreTheNodeRuntimesTypes) {
  // A mismatch shows the whole answer: a launch failure (Runtime.InvalidEntrypoint) carries why.
  auto expect_error_type = [&](const std::string& fn, const std::string& type) {
    const HttpResult result = emu_->Invoke(fn);
    EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled") << fn;
    EXPECT_EQ(nlohmann::json::parse(result.body, nullptr, false).value("errorType", ""), type)
        << fn << ": " << result.body;
  };
  expect_error_type("syntax", "Runtime.UserCodeSyntaxError");
  expect_error_type("missingdep", "Runtime.ImportModuleError");
  expect_error_type("nofile", "Runtime.ImportModuleError");
  expect_error_type("noexport", "Runtime.HandlerNotFound");
  // As aws-lambda-ric 3.x: only syntax errors and missing CommonJS modules are wrapped (their
  // text becomes the message); other errors are reported as they are.
  const auto syntax = nlohmann::json::parse(emu_->Invoke("syntax").body);
  EXPECT_THAT(syntax["errorMessage"].get<std::string>(), ::testing::StartsWith("SyntaxError: "));
  EXPECT_THAT(syntax["trace"][0].get<std::string>(),
              ::testing::StartsWith("Runtime.UserCodeSyntaxError: SyntaxError: "));
  const auto own = nlohmann::json::parse(emu_->Invoke("initthrows").body);
  EXPECT_EQ(own["errorType"], "TypeError");
  EXPECT_EQ(own["errorMessage"], "bad config");
  expect_error_type("missingpkg", "Error");
}

TEST_F(NodeRuntimeTest, NodeRunsWithLambdasFlags) {
  const HttpResult result = emu_->Invoke("flags");
  ASSERT_EQ(result.Header("X-Amz-Function-Error"), "") << result.body;
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["gc"], "function");  // --expose-gc
  EXPECT_EQ(body["maxHeaderSize"], 81920);
  // 128 MB: --max-old-space-size=116 --max-semi-space-size=6; V8 adds its young generation.
  EXPECT_GE(body["heapLimitMb"].get<int>(), 116);
  EXPECT_LE(body["heapLimitMb"].get<int>(), 160);
  EXPECT_EQ(body["wrappedBy"], nullptr);
}

TEST_F(NodeRuntimeTest, AnExecWrapperRunsWithTheRuntimesCommand) {
  const HttpResult result = emu_->Invoke("wrapped");
  ASSERT_EQ(result.Header("X-Amz-Function-Error"), "") << result.body;
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["wrappedBy"], "exec_wrapper.sh");
  EXPECT_THAT(body["execArgv"], Contains("--expose-gc"));
  EXPECT_THAT(body["execArgv"], Contains("--max-old-space-size=922"));  // 1024 MB
}

TEST_F(NodeRuntimeTest, AMissingOrNonExecutableWrapperFailsInitAsInLambda) {
  auto expect_exit = [&](const std::string& fn, int status, const std::string& line) {
    const HttpResult result = emu_->Invoke(fn);
    EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled") << fn;
    const auto body = nlohmann::json::parse(result.body, nullptr, false);
    EXPECT_EQ(body.value("errorType", ""), "Runtime.ExitError") << result.body;
    EXPECT_THAT(body.value("errorMessage", ""),
                HasSubstr("Runtime exited with error: exit status " + std::to_string(status)));
    EXPECT_THAT(emu_->logs().Lines(), Contains(line)) << fn;
  };
  expect_exit("nowrapper", 127, "/nonexistent/wrapper: does not exist");
  expect_exit("wrapperbits", 126,
              std::string(THAW_SOURCE_DIR) +
                  "/tests/integration/nodejs/not_executable.sh: is not an executable");
}

TEST_F(NodeRuntimeTest, CallbackAnswersOnceTheEventLoopIsEmpty) {
  // The handler calls back at once; its 50 ms timer marks the result before it is sent.
  const auto body = nlohmann::json::parse(emu_->Invoke("waits").body);
  EXPECT_EQ(body["waits"], true);  // the default
  EXPECT_EQ(body["timerDone"], true);
}

TEST_F(NodeRuntimeTest, CallbackWithoutWaitingAnswersAtOnceAndPendingWorkStaysFrozen) {
  const HttpResult first = emu_->Invoke("nowait");
  ASSERT_EQ(first.Header("X-Amz-Function-Error"), "") << first.body;
  EXPECT_EQ(nlohmann::json::parse(first.body)["timerDone"], false);
  auto frozen = emu_->WaitForEvent("instance.frozen", "nowait");
  ASSERT_TRUE(frozen.ok()) << frozen.status();
  // The handler's 300 ms timer does not run while the instance is frozen: no connection for
  // well past its delay (a wait for what must not happen, bounded).
  auto connection = [](const Event& e) {
    return e.kind == "momento.connection.opened" && e.function == "nowait";
  };
  EXPECT_FALSE(emu_->ledger().WaitFor(connection, std::chrono::milliseconds(1000)).ok());
  // It runs once the next event thaws the instance.
  const HttpResult second = emu_->Invoke("nowait", R"({"collect":true})");
  EXPECT_EQ(nlohmann::json::parse(second.body)["fired"], true) << second.body;
  auto thawed = emu_->WaitForEvent("instance.thawed", "nowait", frozen->seq);
  ASSERT_TRUE(thawed.ok()) << thawed.status();
  auto opened = emu_->ledger().WaitFor(connection, TestTimeout());
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_GT(opened->seq, thawed->seq);
  EXPECT_EQ(emu_->CountEvents("instance.spawned", "nowait"), 1u);
}

TEST_F(NodeRuntimeTest, AsyncHandlersAnswerWhenThePromiseResolves) {
  // callbackWaitsForEmptyEventLoop = true does not hold back an async handler's answer.
  EXPECT_EQ(nlohmann::json::parse(emu_->Invoke("asyncflag").body)["timerDone"], false);
  // Nor context.succeed's.
  EXPECT_EQ(nlohmann::json::parse(emu_->Invoke("succeed").body)["timerDone"], false);
}

TEST_F(NodeRuntimeTest, NoAnswerIsNullOnceTheEventLoopIsEmpty) {
  // As in Lambda's Node.js runtimes: a handler that never calls back, or a non-async one that
  // returns a value, answers null when nothing is left to run.
  const HttpResult never = emu_->Invoke("never");
  EXPECT_EQ(never.Header("X-Amz-Function-Error"), "");
  EXPECT_EQ(never.body, "null");
  EXPECT_EQ(emu_->Invoke("syncreturn").body, "null");
}

TEST_F(NodeRuntimeTest, ErrorsThatAreNotErrorObjects) {
  const auto text = nlohmann::json::parse(emu_->Invoke("cbstring").body);
  EXPECT_EQ(text["errorType"], "string");
  EXPECT_EQ(text["errorMessage"], "plain string");
  EXPECT_EQ(text["trace"], nlohmann::json::array());
  const auto handled = nlohmann::json::parse(emu_->Invoke("failnoarg").body);
  EXPECT_EQ(handled["errorType"], "string");
  EXPECT_EQ(handled["errorMessage"], "handled");
}

TEST_F(NodeRuntimeTest, OnlyTheFirstAnswerCounts) {
  EXPECT_EQ(emu_->Invoke("first").body, "\"first\"");
}

TEST_F(NodeRuntimeTest, AnAsyncHandlerWhosePromiseNeverSettlesFailsWithNodeJsExit) {
  const HttpResult result = emu_->Invoke("neversettles");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(nlohmann::json::parse(result.body)["errorType"], "Runtime.NodeJsExit");
}

TEST_F(NodeRuntimeTest, UncaughtExceptionsFailTheEventAndEndTheInstance) {
  const HttpResult thrown = emu_->Invoke("timerthrows");
  EXPECT_EQ(thrown.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(thrown.body);
  EXPECT_EQ(body["errorType"], "SyntaxError");
  EXPECT_EQ(body["errorMessage"], "late boom");
  // The runtime exits (129) after reporting; the next event gets a new instance.
  ASSERT_TRUE(emu_->WaitForEvent("instance.exited", "timerthrows").ok());
  emu_->Invoke("timerthrows");
  EXPECT_EQ(emu_->CountEvents("instance.spawned", "timerthrows"), 2u);

  const HttpResult rejected = emu_->Invoke("rejects");
  EXPECT_EQ(rejected.Header("X-Amz-Function-Error"), "Unhandled");
  const auto rejection = nlohmann::json::parse(rejected.body);
  EXPECT_EQ(rejection["errorType"], "Runtime.UnhandledPromiseRejection");
  EXPECT_EQ(rejection["errorMessage"], "Error: nobody handles");
}

TEST_F(NodeRuntimeTest, CallbackHandlersGetTheDeprecationWarningAtInit) {
  emu_->Invoke("callback");
  EXPECT_THAT(emu_->logs().Lines(),
              Contains(HasSubstr("\tundefined\tWARN\tAWS Lambda plans to remove support for "
                                 "callback-based function handlers starting with Node.js 24.")));
}

}  // namespace
}  // namespace thaw::testing
