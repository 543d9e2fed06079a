// thaw::testing::Emulator driving real processes (samples/echo): invoke, clock, reap, kill,
// waits, accounting, the HTTP front, and the matchers' verdicts and explanations.
#include "testing/emulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "emulator/sandbox/sandbox.h"
#include "testing/emulator_fixture.h"
#include "testing/matchers.h"
#include "tests/util/http_client.h"

namespace thaw::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

// The light headers only (no tests/util/test_emulator.h): this file is the heaviest to compile.
constexpr char kEchoDir[] = THAW_BINARY_DIR "/samples/echo";

// One function per echo behaviour, named after it.
std::string EchoConfig(const std::string& settings = "") {
  std::string yaml = "functions:\n";
  for (const char* handler : {"echo", "pid", "sleep", "error", "crash", "env"}) {
    yaml += std::string("  ") + handler + ": {runtime: provided.al2023, handler: " + handler +
            ", code: \"" + kEchoDir + "\"}\n";
  }
  return yaml + settings;
}

std::unique_ptr<Emulator> StartOrDie(const std::string& yaml, EmulatorOptions options = {}) {
  auto emu = Emulator::Start(yaml, options);
  EXPECT_TRUE(emu.ok()) << emu.status();
  return emu.ok() ? *std::move(emu) : nullptr;
}

template <typename M, typename T>
std::string Explain(const M& matcher, const T& value) {
  ::testing::StringMatchResultListener listener;
  ::testing::ExplainMatchResult(matcher, value, &listener);
  return listener.str();
}

TEST(EmulatorTest, InvokesAndCountsOneColdStartPerInstance) {
  auto emu = StartOrDie(EchoConfig());
  ASSERT_NE(emu, nullptr);
  std::vector<int64_t> served;
  for (int i = 0; i < 3; ++i) {
    const InvokeResult r = emu->Invoke("echo", R"({"n":)" + std::to_string(i) + "}");
    ASSERT_THAT(r, Succeeded());
    EXPECT_EQ(r.Json()["n"], i);
    EXPECT_FALSE(r.request_id.empty());
    served.push_back(r.instance);
  }
  EXPECT_THAT(served, Each(Eq(served[0])));
  EXPECT_THAT(emu->Instances("echo"), ElementsAre(served[0]));
  EXPECT_EQ(emu->Invocations("echo"), 3);
  EXPECT_EQ(emu->ColdStarts("echo"), 1);
  EXPECT_EQ(emu->Throttles("echo"), 0);
  EXPECT_THAT(emu->Logs(), Contains(HasSubstr("REPORT RequestId: ")));
}

TEST(EmulatorTest, ConfigErrorsNameTheKey) {
  auto emu = Emulator::Start("functions:\n  f: {runtime: provided, handler: h, memry: 1}\n");
  ASSERT_FALSE(emu.ok());
  EXPECT_EQ(emu.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(emu.status().message()), HasSubstr("memry"));
  auto missing = Emulator::StartFromFile("/nonexistent/thaw.yaml");
  EXPECT_FALSE(missing.ok());
}

TEST(EmulatorTest, ApiErrorsAreTheInvokeApisOwn) {
  auto emu = StartOrDie(EchoConfig());
  ASSERT_NE(emu, nullptr);
  const InvokeResult unknown = emu->Invoke("nope");
  EXPECT_EQ(unknown.api_error, "ResourceNotFoundException");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown, FailedWith("ResourceNotFoundException"));
  const InvokeResult bad = emu->Invoke("echo", "{not json");
  EXPECT_EQ(bad.api_error, "InvalidRequestContentException");
  EXPECT_EQ(bad.status, 400);
  // An ARN names the function too.
  EXPECT_THAT(emu->Invoke("arn:aws:lambda:us-east-1:123456789012:function:echo"), Succeeded());
}

TEST(EmulatorTest, FunctionErrorsAndCrashesMatchFailedWith) {
  auto emu = StartOrDie(EchoConfig());
  ASSERT_NE(emu, nullptr);
  const InvokeResult error = emu->Invoke("error");
  EXPECT_EQ(error.function_error, "Unhandled");
  EXPECT_THAT(error, FailedWith("TestError"));
  EXPECT_THAT(error, Not(Succeeded()));
  EXPECT_THAT(Explain(Succeeded(), error), HasSubstr("the function failed (Unhandled)"));
  EXPECT_THAT(Explain(FailedWith("Other"), error), HasSubstr("its errorType is \"TestError\""));
  EXPECT_THAT(emu->Invoke("crash"), FailedWith("Runtime.ExitError"));
  EXPECT_THAT(Explain(FailedWith("X"), emu->Invoke("echo")), HasSubstr("it succeeded"));
  // A failed expectation on a result says what the function answered (not its bytes in hex).
  const std::string printed = ::testing::PrintToString(error);
  EXPECT_THAT(printed, HasSubstr("status 200"));
  EXPECT_THAT(printed, HasSubstr("function_error Unhandled"));
  EXPECT_THAT(printed, HasSubstr("instance " + std::to_string(error.instance)));
  EXPECT_THAT(printed, HasSubstr("TestError"));
  EXPECT_THAT(::testing::PrintToString(emu->Invoke("nope")),
              HasSubstr("status 404, api_error ResourceNotFoundException"));
}

TEST(EmulatorTest, AdvancingTheClockReapsIdleInstances) {
  auto emu = StartOrDie(EchoConfig("settings: {keepalive: 5m}\n"));
  ASSERT_NE(emu, nullptr);
  ASSERT_THAT(emu->Invoke("pid"), Succeeded());
  const uint64_t mark = emu->Mark();
  emu->AdvanceClock(std::chrono::minutes(4));
  EXPECT_THAT(emu->Events(EventFilter::Kind("instance.gone").After(mark)), SizeIs(0));
  emu->AdvanceClock(std::chrono::minutes(2));
  auto gone = emu->WaitForEvent(EventFilter::Kind("instance.gone").ForFunction("pid").After(mark));
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(gone->attrs["reason"], "idle");
  ASSERT_THAT(emu->Invoke("pid"), Succeeded());
  EXPECT_EQ(emu->ColdStarts("pid"), 2);
  EXPECT_THAT(emu->Instances("pid"), SizeIs(2));
}

TEST(EmulatorTest, ReapAndKill) {
  auto emu = StartOrDie(EchoConfig());
  ASSERT_NE(emu, nullptr);
  const InvokeResult first = emu->Invoke("pid");
  ASSERT_THAT(first, Succeeded());
  EXPECT_THAT(emu->Reap("echo"), ElementsAre());
  EXPECT_THAT(emu->Reap("pid"), ElementsAre(first.instance));
  auto gone = emu->WaitForEvent(EventFilter::Kind("instance.gone").ForInstance(first.instance));
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(gone->attrs["reason"], "manual");

  const InvokeResult second = emu->Invoke("pid");
  ASSERT_THAT(second, Succeeded());
  EXPECT_NE(second.instance, first.instance);
  EXPECT_TRUE(emu->KillInstance(second.instance));
  EXPECT_FALSE(emu->KillInstance(9999));
  auto killed = emu->WaitForEvent(EventFilter::Kind("instance.gone").ForInstance(second.instance));
  ASSERT_TRUE(killed.ok()) << killed.status();
  EXPECT_EQ(killed->attrs["reason"], "killed");
}

TEST(EmulatorTest, ConcurrentInvokesScaleOut) {
  auto emu = StartOrDie(EchoConfig());
  ASSERT_NE(emu, nullptr);
  const auto results = emu->InvokeConcurrently("sleep", 3, R"({"ms":500})");
  ASSERT_THAT(results, SizeIs(3));
  EXPECT_THAT(results, Each(Succeeded()));
  EXPECT_THAT(emu->Instances("sleep"), SizeIs(3));
  EXPECT_EQ(emu->ColdStarts("sleep"), 3);
  // The echo sample makes no Momento connection and fetches no secret: zeros, one per
  // instance, which the per-instance matchers refuse.
  EXPECT_THAT(emu->MomentoConnectionsPerInstance("sleep"), ElementsAre(0, 0, 0));
  EXPECT_THAT(emu->SecretFetchesPerInstance("sleep"), Not(OneFetchPerInstance()));
  EXPECT_THAT(emu->SecretFetchesPerInstance("sleep"), AtMostPerInstance(0));
}

TEST(EmulatorTest, WaitsTimeOutWithWhatTheyWaitedFor) {
  auto emu = StartOrDie(EchoConfig());
  ASSERT_NE(emu, nullptr);
  auto event = emu->WaitForEvent(EventFilter::Kind("invoke.end").ForFunction("echo"),
                                 std::chrono::milliseconds(50));
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(event.status().message()), HasSubstr("invoke.end of echo"));
  absl::Status until = emu->WaitUntil([] { return false; }, "never", std::chrono::milliseconds(50));
  EXPECT_EQ(until.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(until.message()), HasSubstr("never"));
}

TEST(EmulatorTest, WaitsWakeOnTheLedger) {
  auto emu = StartOrDie(EchoConfig());
  ASSERT_NE(emu, nullptr);
  const uint64_t mark = emu->Mark();
  std::thread invoker([&] {
    for (int i = 0; i < 2; ++i) EXPECT_THAT(emu->Invoke("echo"), Succeeded());
  });
  auto ends =
      emu->WaitForEvents(EventFilter::Kind("invoke.end").ForFunction("echo").After(mark), 2);
  invoker.join();
  ASSERT_TRUE(ends.ok()) << ends.status();
  EXPECT_THAT(*ends, SizeIs(2));
  EXPECT_TRUE(emu->WaitUntil([&] { return emu->Invocations("echo") == 2; }, "2 invocations").ok());
}

TEST(EmulatorTest, FaultsGoToTheFakesFaultTargets) {
  auto emu = StartOrDie(EchoConfig());
  ASSERT_NE(emu, nullptr);
  auto bad = emu->AddFault({{"service", "nowhere"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("nowhere"));
  EXPECT_FALSE(emu->AddFault(nlohmann::json::array()).ok());
  emu->ClearFaults();
  EXPECT_TRUE(emu->Faults().is_array());

  EmulatorOptions with_bad_fault;
  with_bad_fault.faults.push_back({{"service", "nowhere"}});
  auto refused = Emulator::Start(EchoConfig(), with_bad_fault);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("nowhere"));
}

TEST(EmulatorTest, ServesTheInvokeAndAdminApis) {
  auto emu = StartOrDie(EchoConfig());
  ASSERT_NE(emu, nullptr);
  ASSERT_NE(emu->port(), 0);
  HttpClient client(emu->port(), Emulator::DefaultTimeout());
  const HttpResult invoked =
      client.Post("/2015-03-31/functions/echo/invocations", R"({"via":"http"})");
  EXPECT_EQ(invoked.status, 200);
  EXPECT_EQ(nlohmann::json::parse(invoked.body)["via"], "http");
  EXPECT_EQ(emu->Invocations("echo"), 1);
  const HttpResult instances = client.Get("/_thaw/instances");
  EXPECT_EQ(instances.status, 200);
  EXPECT_THAT(nlohmann::json::parse(instances.body)["instances"], SizeIs(1));

  EmulatorOptions no_http;
  no_http.http = false;
  auto quiet = StartOrDie(EchoConfig(), no_http);
  ASSERT_NE(quiet, nullptr);
  EXPECT_EQ(quiet->port(), 0);
}

// In a sandbox (the default) an instance gets its own credentials and the run's CA, and no
// endpoint variable: the fakes' real names resolve to them there.
TEST(EmulatorTest, SeedsSecretsAndGivesInstancesCredentialsAndTrustButNoEndpoints) {
  {
    boost::asio::io_context io;
    if (!Sandbox::Probe(io).ok()) GTEST_SKIP() << "no namespaces here";
  }
  EmulatorOptions options;
  options.secrets["app/key"] = "s3cret";
  auto emu = StartOrDie(EchoConfig(), options);
  ASSERT_NE(emu, nullptr);
  const InvokeResult env = emu->Invoke("env");
  ASSERT_THAT(env, Succeeded());
  EXPECT_TRUE(env.Json().contains("AWS_ACCESS_KEY_ID")) << env.Json();
  EXPECT_TRUE(env.Json().contains("NODE_EXTRA_CA_CERTS")) << env.Json();
  EXPECT_FALSE(env.Json().contains("AWS_ENDPOINT_URL")) << env.Json();
  EXPECT_FALSE(env.Json().contains("THAW_MOMENTO_ENDPOINT")) << env.Json();

  EmulatorOptions no_fakes;
  no_fakes.momento = false;
  no_fakes.aws = false;
  auto without = StartOrDie(EchoConfig(), no_fakes);
  ASSERT_NE(without, nullptr);
  const InvokeResult bare = without->Invoke("env");
  ASSERT_THAT(bare, Succeeded());
  EXPECT_FALSE(bare.Json().contains("AWS_ACCESS_KEY_ID"));
  EXPECT_FALSE(bare.Json().contains("THAW_MOMENTO_ENDPOINT"));
}

// With isolation: process, each fake's endpoint is on thaw's loopback, in the variables.
TEST(EmulatorTest, ProcessIsolationGivesInstancesTheFakesEndpoints) {
  auto emu = StartOrDie(EchoConfig() + "settings: {isolation: process}\n", {});
  ASSERT_NE(emu, nullptr);
  const InvokeResult env = emu->Invoke("env");
  ASSERT_THAT(env, Succeeded());
  EXPECT_THAT(env.Json()["AWS_ENDPOINT_URL"].get<std::string>(), HasSubstr("http://127.0.0.1:"));
  EXPECT_THAT(env.Json()["THAW_MOMENTO_ENDPOINT"].get<std::string>(), HasSubstr("127.0.0.1:"));
}

class EchoFixtureTest : public EmulatorFixture {
 protected:
  std::string Config() const override { return EchoConfig(); }
  EmulatorOptions Options() const override {
    EmulatorOptions options;
    options.http = false;
    return options;
  }
};

TEST_F(EchoFixtureTest, GivesEachTestARunningEmulator) {
  EXPECT_EQ(emu().port(), 0);
  EXPECT_THAT(emu().Invoke("echo"), Succeeded());
  EXPECT_EQ(emu().Invocations("echo"), 1);
}

TEST_F(EchoFixtureTest, AndAFreshOne) { EXPECT_EQ(emu().Invocations("echo"), 0); }

TEST(MatchersTest, PerInstanceVerdictsAndExplanations) {
  const std::vector<int> one_each{1, 1, 1};
  const std::vector<int> one_twice{1, 2};
  const std::vector<int> none;
  EXPECT_THAT(one_each, OneConnectionPerInstance());
  EXPECT_THAT(one_each, Each(Eq(1)));
  EXPECT_THAT(one_twice, Not(OneConnectionPerInstance()));
  EXPECT_THAT(none, Not(OneConnectionPerInstance()));
  EXPECT_THAT(none, Not(AtMostPerInstance(1)));
  EXPECT_EQ(Explain(OneConnectionPerInstance(), one_twice), "instance #2 has 2 (of 2 instances)");
  EXPECT_EQ(Explain(OneConnectionPerInstance(), none), "there is no instance");
  EXPECT_THAT(one_twice, AtMostPerInstance(2));
  EXPECT_THAT(one_twice, AllOf(AtLeastPerInstance(1), Not(ExactlyPerInstance(1))));
  EXPECT_EQ(::testing::DescribeMatcher<std::vector<int>>(AtMostPerInstance(1)),
            "at most 1 per instance");
}

}  // namespace
}  // namespace thaw::testing
