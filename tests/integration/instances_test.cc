// Real runtime processes (samples/echo, a custom runtime using thaw::runtime) driven through
// the real Invoke API and Runtime API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <future>
#include <set>

#include "emulator/control/ids.h"
#include "nlohmann/json.hpp"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kConfig[] = R"(
functions:
  echo:    {runtime: provided.al2023, handler: echo, code: "{{echo}}", environment: {GREETING: hi}}
  pid:     {runtime: provided.al2023, handler: pid, code: "{{echo}}"}
  sleep:   {runtime: provided.al2023, handler: sleep, code: "{{echo}}", timeout: 1}
  error:   {runtime: provided.al2023, handler: error, code: "{{echo}}"}
  crash:   {runtime: provided.al2023, handler: crash, code: "{{echo}}"}
  print:   {runtime: provided.al2023, handler: print, code: "{{echo}}"}
  env:     {runtime: provided.al2023, handler: env, code: "{{echo}}", memory: 512}
  context: {runtime: provided.al2023, handler: context, code: "{{echo}}", timeout: 7}
  big:     {runtime: provided.al2023, handler: big, code: "{{echo}}", timeout: 60}
  initerr: {runtime: provided.al2023, handler: init_error, code: "{{echo}}"}
  initcrash: {runtime: provided.al2023, handler: init_crash, code: "{{echo}}"}
settings:
  pass_env: [THAW_IT_PASSED]
)";

bool ProcessExists(int pid) { return pid > 0 && ::kill(pid, 0) == 0; }

class InstancesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto emu = TestEmulator::Start(kConfig);
    ASSERT_TRUE(emu.ok()) << emu.status();
    emu_ = *std::move(emu);
  }

  nlohmann::json InvokeJson(const std::string& fn, const std::string& payload = "{}") {
    const HttpResult result = emu_->Invoke(fn, payload);
    EXPECT_EQ(result.status, 200) << result.error << result.body;
    EXPECT_EQ(result.Header("X-Amz-Function-Error"), "") << result.body;
    return nlohmann::json::parse(result.body, nullptr, false);
  }

  std::unique_ptr<TestEmulator> emu_;
};

TEST_F(InstancesTest, EchoRoundTrip) {
  const HttpResult result = emu_->Invoke("echo", R"({"hello":"thaw"})");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, R"({"hello":"thaw"})");
}

TEST_F(InstancesTest, SequentialInvokesReuseOneProcess) {
  const auto first = InvokeJson("pid");
  const auto second = InvokeJson("pid");
  const auto third = InvokeJson("pid");
  EXPECT_EQ(first["pid"], second["pid"]);
  EXPECT_EQ(second["pid"], third["pid"]);
  // Module-scope state survives: the process counted three events.
  EXPECT_EQ(third["invocations"], 3);
  EXPECT_EQ(emu_->ledger().Count([](const Event& e) { return e.kind == "instance.spawned"; }), 1u);
}

TEST_F(InstancesTest, ConcurrentInvokesScaleOutToOneInstancePerEvent) {
  constexpr int kConcurrent = 4;
  std::vector<std::future<HttpResult>> calls;
  for (int i = 0; i < kConcurrent; ++i) {
    calls.push_back(
        std::async(std::launch::async, [this] { return emu_->Invoke("sleep", R"({"ms":600})"); }));
  }
  for (auto& call : calls) EXPECT_EQ(call.get().status, 200);
  const auto spawned = emu_->ledger().Select(
      [](const Event& e) { return e.kind == "instance.spawned" && e.function == "sleep"; });
  std::set<int> pids;
  for (const auto& e : spawned) pids.insert(e.attrs["pid"].get<int>());
  EXPECT_EQ(pids.size(), static_cast<size_t>(kConcurrent));
  // Every event ran on its own instance, and each instance served one event.
  const auto ends = emu_->ledger().Select([](const Event& e) { return e.kind == "invoke.end"; });
  std::set<int64_t> instances;
  for (const auto& e : ends) instances.insert(e.instance);
  EXPECT_EQ(instances.size(), static_cast<size_t>(kConcurrent));
}

TEST_F(InstancesTest, IdleInstanceIsReusedAfterAScaleOut) {
  std::vector<std::future<HttpResult>> calls;
  for (int i = 0; i < 2; ++i) {
    calls.push_back(
        std::async(std::launch::async, [this] { return emu_->Invoke("sleep", R"({"ms":300})"); }));
  }
  for (auto& call : calls) call.get();
  EXPECT_EQ(emu_->Invoke("sleep", R"({"ms":1})").status, 200);
  EXPECT_EQ(emu_->ledger().Count([](const Event& e) { return e.kind == "instance.spawned"; }), 2u);
}

TEST_F(InstancesTest, FunctionErrorIsUnhandledAndKeepsTheInstance) {
  const HttpResult result = emu_->Invoke("error");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["errorType"], "TestError");
  EXPECT_EQ(body["errorMessage"], "failed on purpose");
  EXPECT_EQ(emu_->Invoke("error").Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(emu_->ledger().Count([](const Event& e) { return e.kind == "instance.spawned"; }), 1u);
  auto end = emu_->WaitForEvent("invoke.end", "error");
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->attrs["outcome"], "function_error:Function.TestError");
}

TEST_F(InstancesTest, CrashIsRuntimeExitErrorAndTheNextInvokeIsACleanColdStart) {
  const HttpResult result = emu_->Invoke("crash");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["errorType"], "Runtime.ExitError");
  EXPECT_THAT(body["errorMessage"].get<std::string>(),
              MatchesRegex("RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit "
                           "status 42"));
  auto gone = emu_->WaitForEvent("instance.gone", "crash");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "exit");
  const int first_pid = emu_->ledger()
                            .Select([](const Event& e) { return e.kind == "instance.spawned"; })[0]
                            .attrs["pid"];
  EXPECT_FALSE(ProcessExists(first_pid) &&
               ::waitpid(first_pid, nullptr, WNOHANG) == 0);  // reaped, not a zombie
  emu_->Invoke("crash");
  EXPECT_EQ(emu_->ledger().Count([](const Event& e) { return e.kind == "instance.spawned"; }), 2u);
}

TEST_F(InstancesTest, TimeoutKillsTheProcessAndTheNextInvokeGetsANewOne) {
  const HttpResult result = emu_->Invoke("sleep", R"({"ms":5000})");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["errorType"], "Sandbox.Timedout");
  EXPECT_THAT(body["errorMessage"].get<std::string>(),
              HasSubstr("Task timed out after 1.00 seconds"));
  auto gone = emu_->WaitForEvent("instance.gone", "sleep");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "timeout");
  const auto second = InvokeJson("sleep", R"({"ms":1})");
  EXPECT_EQ(second["slept_ms"], 1);
  const auto spawned =
      emu_->ledger().Select([](const Event& e) { return e.kind == "instance.spawned"; });
  ASSERT_EQ(spawned.size(), 2u);
  EXPECT_NE(spawned[0].attrs["pid"], spawned[1].attrs["pid"]);
  EXPECT_THAT(emu_->logs().Lines(), Contains(HasSubstr("Task timed out after 1.00 seconds")));
}

TEST_F(InstancesTest, InitErrorIsServedToTheCaller) {
  const HttpResult result = emu_->Invoke("initerr");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["errorType"], "Runtime.TestInitError");
  EXPECT_EQ(body["errorMessage"], "init failed on purpose");
}

TEST_F(InstancesTest, ExitDuringInitIsRuntimeExitError) {
  const HttpResult result = emu_->Invoke("initcrash");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["errorType"], "Runtime.ExitError");
  EXPECT_THAT(body["errorMessage"].get<std::string>(), HasSubstr("exit status 3"));
}

TEST_F(InstancesTest, OutputIsCapturedAndTheTailIsTheInvocationsLog) {
  const HttpResult result = emu_->Invoke("print", R"({"lines":500})", {{"X-Amz-Log-Type", "Tail"}});
  ASSERT_EQ(result.status, 200);
  std::string log;
  ASSERT_TRUE(Base64Decode(result.Header("X-Amz-Log-Result"), log));
  EXPECT_LE(log.size(), 4096u);
  EXPECT_THAT(log, HasSubstr("line 499\n"));
  EXPECT_THAT(log, HasSubstr("END RequestId: " + result.Header("x-amzn-RequestId")));
  EXPECT_THAT(log, HasSubstr("REPORT RequestId: " + result.Header("x-amzn-RequestId")));
  const auto lines = emu_->logs().Lines();
  EXPECT_THAT(lines, Contains("stdout line 0"));
  EXPECT_THAT(lines, Contains("stderr line 499"));
}

TEST_F(InstancesTest, ReportHasInitDurationOnTheColdStartOnly) {
  InvokeJson("echo");
  InvokeJson("echo");
  std::vector<std::string> reports;
  for (const auto& line : emu_->logs().Lines()) {
    if (line.rfind("REPORT ", 0) == 0) reports.push_back(line);
  }
  ASSERT_EQ(reports.size(), 2u);
  const std::string fields =
      "REPORT RequestId: [0-9a-f-]{36}\tDuration: [0-9]+\\.[0-9]{2} ms\tBilled Duration: [0-9]+ "
      "ms\tMemory Size: 128 MB\tMax Memory Used: [1-9][0-9]* MB\t";
  EXPECT_THAT(reports[0], MatchesRegex(fields + "Init Duration: [0-9]+\\.[0-9]{2} ms\t"));
  EXPECT_THAT(reports[1], MatchesRegex(fields));
  EXPECT_THAT(emu_->logs().Lines(),
              Contains(MatchesRegex("START RequestId: [0-9a-f-]{36} Version: \\$LATEST")));
}

TEST_F(InstancesTest, EnvironmentIsBuiltNotInherited) {
  ::setenv("THAW_IT_PASSED", "passed", 1);
  ::setenv("THAW_IT_SECRET", "leak", 1);
  ::setenv("AWS_ACCESS_KEY_ID", "AKIAHOSTKEY", 1);
  const auto env = InvokeJson("env");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "env");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "512");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
  EXPECT_EQ(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/env");
  EXPECT_THAT(env["AWS_LAMBDA_LOG_STREAM_NAME"].get<std::string>(), HasSubstr("[$LATEST]"));
  EXPECT_EQ(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand");
  EXPECT_EQ(env["_HANDLER"], "env");
  EXPECT_EQ(env["LAMBDA_TASK_ROOT"], EchoDir());
  EXPECT_EQ(env["AWS_REGION"], "us-east-1");
  EXPECT_EQ(env["TZ"], ":UTC");
  EXPECT_EQ(env["THAW_IT_PASSED"], "passed");
  EXPECT_FALSE(env.contains("THAW_IT_SECRET"));
  EXPECT_FALSE(env.contains("AWS_ACCESS_KEY_ID"));
  EXPECT_FALSE(env.contains("HOME"));
  // The trace id of the current event is set by the runtime client.
  EXPECT_THAT(env["_X_AMZN_TRACE_ID"].get<std::string>(), HasSubstr("Root=1-"));
}

TEST_F(InstancesTest, LogStreamsAreUniquePerInstance) {
  std::vector<std::future<HttpResult>> calls;
  for (int i = 0; i < 2; ++i) {
    calls.push_back(
        std::async(std::launch::async, [this] { return emu_->Invoke("sleep", R"({"ms":300})"); }));
  }
  for (auto& call : calls) call.get();
  const auto spawned =
      emu_->ledger().Select([](const Event& e) { return e.kind == "instance.spawned"; });
  ASSERT_EQ(spawned.size(), 2u);
  EXPECT_NE(spawned[0].attrs["log_stream"], spawned[1].attrs["log_stream"]);
}

TEST_F(InstancesTest, ContextCarriesDeadlineArnAndClientContext) {
  const std::string client_context = R"({"client":{"app_title":"t"}})";
  const HttpResult result =
      emu_->Invoke("context", "{}", {{"X-Amz-Client-Context", Base64Encode(client_context)}});
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["request_id"], result.Header("x-amzn-RequestId"));
  EXPECT_EQ(body["function_arn"], "arn:aws:lambda:us-east-1:123456789012:function:context");
  EXPECT_THAT(body["trace_id"].get<std::string>(), HasSubstr("Root=1-"));
  EXPECT_EQ(body["client_context"], client_context);
  EXPECT_GT(body["remaining_ms"].get<long>(), 5000);
  EXPECT_LE(body["remaining_ms"].get<long>(), 7000);
}

TEST_F(InstancesTest, OversizedResponseIsFunctionResponseSizeTooLarge) {
  const HttpResult result = emu_->Invoke("big", R"({"bytes":7000000})");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(nlohmann::json::parse(result.body)["errorType"], "Function.ResponseSizeTooLarge");
  // The runtime survives a refused response.
  EXPECT_EQ(emu_->Invoke("big", R"({"bytes":10})").status, 200);
}

TEST_F(InstancesTest, ResponseJustUnderTheLimitPasses) {
  const HttpResult result = emu_->Invoke("big", R"({"bytes":6291556})");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "");
  EXPECT_EQ(result.body.size(), 6291556u);
}

TEST_F(InstancesTest, StoppingTheEmulatorLeavesNoProcessBehind) {
  InvokeJson("pid");
  // The runtime's pid in thaw's namespace (the handler's own is its sandbox's).
  auto spawned = emu_->WaitForEvent("instance.spawned", "pid");
  ASSERT_TRUE(spawned.ok()) << spawned.status();
  const int pid = spawned->attrs["pid"];
  ASSERT_TRUE(ProcessExists(pid));
  emu_.reset();
  // The child was SIGTERMed, then SIGKILLed, and reaped: kill(pid, 0) fails with ESRCH.
  EXPECT_FALSE(ProcessExists(pid));
}

}  // namespace
}  // namespace thaw::testing
