// The samples, run through thaw::testing: samples/cpp-momento (a C++ custom runtime with a gRPC
// Momento client) and samples/python-secrets (boto3 reading a secret), each proving its
// once-per-instance pattern, and the anti-pattern twin of the C++ one failing the same matcher.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

#include "absl/strings/match.h"
#include "testing/emulator.h"
#include "testing/matchers.h"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

int Sum(const std::vector<int>& counts) { return std::accumulate(counts.begin(), counts.end(), 0); }

// The sample's 10 s timeout, scaled for sanitizer builds (an instrumented thaw and sample, on a
// loaded machine, can take longer than 10 s over a cold start and its first event).
std::string CppMomentoConfig(const std::string& handler) {
  return "functions:\n  cache:\n    runtime: provided.al2023\n    handler: " + handler +
         "\n    code: \"" THAW_BINARY_DIR "/samples/cpp-momento\"\n    timeout: " +
         std::to_string(static_cast<int>(10 * thaw::testing::Slowdown())) +
         "\n    environment: {MOMENTO_API_KEY: \"{{momento_api_key}}\"}\n";
}

TEST(CppMomentoSampleTest, OneConnectionPerInstanceAcrossScaleOutAndReap) {
  auto started = Emulator::Start(CppMomentoConfig("module-scope"));
  ASSERT_TRUE(started.ok()) << started.status();
  Emulator& emu = **started;
  for (int i = 0; i < 4; ++i) {
    const InvokeResult r =
        emu.Invoke("cache", R"({"key":"k)" + std::to_string(i) + R"(","value":"v"})");
    ASSERT_THAT(r, Succeeded());
    EXPECT_EQ(r.Json()["value"], "v");
    EXPECT_EQ(r.Json()["hit"], true);
  }
  EXPECT_THAT(emu.Instances("cache"), SizeIs(1));
  const auto concurrent = emu.InvokeConcurrently("cache", 3);
  EXPECT_THAT(concurrent, ::testing::Each(Succeeded()));
  emu.AdvanceClock(std::chrono::minutes(11));  // past the 10 min keepalive: all reaped
  ASSERT_THAT(emu.Invoke("cache"), Succeeded());

  const int instances = static_cast<int>(emu.Instances("cache").size());
  EXPECT_GE(instances, 2);  // the reap guarantees a second one; the concurrent burst may add more
  // Each event is a Set and a Get; wait until the fake has recorded all of them.
  ASSERT_TRUE(emu.WaitUntil(
                     [&] {
                       return Sum(emu.MomentoRpcsPerInstance("cache", "Set")) == 8 &&
                              Sum(emu.MomentoRpcsPerInstance("cache", "Get")) == 8;
                     },
                     "8 Sets and 8 Gets")
                  .ok());
  // One CreateCache per instance, at init, on the same connection.
  EXPECT_THAT(emu.MomentoRpcsPerInstance("cache", "CreateCache"), ExactlyPerInstance(1));
  EXPECT_THAT(emu.MomentoConnectionsPerInstance("cache"), OneConnectionPerInstance());
  EXPECT_THAT(emu.MomentoDataConnectionsPerInstance("cache"), OneConnectionPerInstance());
  EXPECT_EQ(emu.Invocations("cache"), 8);
  EXPECT_EQ(emu.ColdStarts("cache"), instances);
}

TEST(CppMomentoSampleTest, AChannelPerInvokeFailsTheMatcher) {
  auto started = Emulator::Start(CppMomentoConfig("per-invoke"));
  ASSERT_TRUE(started.ok()) << started.status();
  Emulator& emu = **started;
  for (int i = 0; i < 3; ++i) ASSERT_THAT(emu.Invoke("cache"), Succeeded());
  ASSERT_TRUE(emu.WaitUntil([&] { return Sum(emu.MomentoRpcsPerInstance("cache")) == 9; },
                            "9 Momento RPCs (CreateCache, Set, Get per event)")
                  .ok());
  const std::vector<int> connections = emu.MomentoConnectionsPerInstance("cache");
  EXPECT_THAT(connections, ElementsAre(3));
  EXPECT_THAT(connections, Not(OneConnectionPerInstance()));
  ::testing::StringMatchResultListener why;
  ::testing::ExplainMatchResult(OneConnectionPerInstance(), connections, &why);
  EXPECT_EQ(why.str(), "instance #1 has 3 (of 1 instances)");
}

// Runs once the fake Momento registers its fault target (it is skipped in a build whose fake has
// none): AddFault reaches it, the handler sees the gRPC error, ClearFaults lifts it.
TEST(CppMomentoSampleTest, AnInjectedRpcErrorReachesTheHandler) {
  auto started = Emulator::Start(CppMomentoConfig("module-scope"));
  ASSERT_TRUE(started.ok()) << started.status();
  Emulator& emu = **started;
  ASSERT_THAT(emu.Invoke("cache"), Succeeded());
  auto id = emu.AddFault({{"service", "momento"},
                          {"function", "cache"},
                          {"rpc", "Get"},
                          {"error", "UNAVAILABLE"},
                          {"count", 1}});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_THAT(emu.Faults(), SizeIs(1));
  const InvokeResult failed = emu.Invoke("cache");
  EXPECT_THAT(failed, FailedWith("MomentoError"));
  EXPECT_THAT(failed.payload, HasSubstr("Get failed: 14"));  // UNAVAILABLE
  emu.ClearFaults();
  EXPECT_THAT(emu.Faults(), SizeIs(0));
  EXPECT_THAT(emu.Invoke("cache"), Succeeded());
  // An RPC error is not a connection error: the instance keeps its one connection.
  EXPECT_THAT(emu.MomentoConnectionsPerInstance("cache"), OneConnectionPerInstance());

  // The same fault, installed from the start through EmulatorOptions.
  EmulatorOptions options;
  options.faults.push_back({{"service", "momento"}, {"rpc", "Get"}, {"error", "UNAVAILABLE"}});
  auto faulty = Emulator::Start(CppMomentoConfig("module-scope"), options);
  ASSERT_TRUE(faulty.ok()) << faulty.status();
  EXPECT_THAT((*faulty)->Invoke("cache"), FailedWith("MomentoError"));
}

TEST(PythonSecretsSampleTest, OneSecretFetchPerInstanceOverSeveralInvokes) {
  auto started = Emulator::StartFromFile(THAW_SOURCE_DIR "/samples/python-secrets/thaw.yaml");
  ASSERT_TRUE(started.ok()) << started.status();
  Emulator& emu = **started;
  for (int i = 0; i < 4; ++i) {
    const InvokeResult r = emu.Invoke("python-secrets");
    ASSERT_THAT(r, Succeeded());
    EXPECT_EQ(r.Json()["key_length"], 14);  // "local-test-key"
  }
  const auto concurrent = emu.InvokeConcurrently("python-secrets", 2);
  EXPECT_THAT(concurrent, ::testing::Each(Succeeded()));
  EXPECT_THAT(emu.Reap("python-secrets"), Not(::testing::IsEmpty()));
  ASSERT_THAT(emu.Invoke("python-secrets"), Succeeded());  // a new instance: a new fetch
  const int instances = static_cast<int>(emu.Instances("python-secrets").size());
  EXPECT_GE(instances, 2);
  ASSERT_TRUE(
      emu.WaitUntil(
             [&] { return Sum(emu.SecretFetchesPerInstance("python-secrets")) == instances; },
             "one GetSecretValue per instance")
          .ok())
      << ::testing::PrintToString(emu.SecretFetchesPerInstance("python-secrets"));
  EXPECT_THAT(emu.SecretFetchesPerInstance("python-secrets", "app/api-key"), OneFetchPerInstance());
  EXPECT_THAT(emu.AwsRequestsPerInstance("python-secrets"), OneFetchPerInstance());
  EXPECT_EQ(emu.Invocations("python-secrets"), 7);
}

TEST(PythonSecretsSampleTest, AMissingSecretIsTheHandlersError) {
  // Only another secret is seeded: the SDK's ResourceNotFoundException reaches the caller.
  EmulatorOptions options;
  options.secrets["other"] = "{}";
  auto other = Emulator::Start(
      "functions:\n  py: {runtime: python3.12, handler: app.handler, code: \"" THAW_SOURCE_DIR
      "/samples/python-secrets\", timeout: 10, environment: {SECRET_ID: absent}}\n",
      options);
  ASSERT_TRUE(other.ok()) << other.status();
  const InvokeResult r = (*other)->Invoke("py");
  EXPECT_THAT(r, FailedWith("ResourceNotFoundException"));
  EXPECT_THAT(r.payload, HasSubstr("when calling the GetSecretValue operation"));
}

}  // namespace
}  // namespace thaw::testing
