// The instance lifecycle with real processes: freeze/thaw, reaping on the scheduler clock,
// resets, the init limit, concurrency limits, asynchronous retries and shutdown.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <future>

#include "nlohmann/json.hpp"
#include "tests/util/proc_stats.h"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using ::testing::Contains;
using ::testing::HasSubstr;

// The state letter of /proc/<pid>/stat ('S' sleeping, 'T' stopped, ...); 0 when gone.
char ProcessState(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat, content)) return 0;
  const size_t paren = content.rfind(')');
  return paren == std::string::npos || paren + 2 >= content.size() ? 0 : content[paren + 2];
}

// Waits until the process's state is `state`: a stop signal takes effect asynchronously.
bool WaitForProcessState(int pid, char state) {
  const auto deadline = std::chrono::steady_clock::now() + TestTimeout();
  while (ProcessState(pid) != state) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

bool Running(int pid) {
  const char state = ProcessState(pid);
  return state != 0 && state != 'Z';
}

constexpr char kFreezeConfig[] = R"(
functions:
  ticker: {runtime: provided, handler: ticker, code: "{{echo}}"}
  sleep:  {runtime: provided, handler: sleep, code: "{{echo}}"}
settings: {freeze: FREEZE}
)";

std::string FreezeConfig(bool freeze) {
  std::string yaml = kFreezeConfig;
  yaml.replace(yaml.find("FREEZE"), 6, freeze ? "true" : "false");
  return yaml;
}

TEST(FreezeTest, IdleInstanceIsStoppedAndContinuedForItsNextEvent) {
  auto emu = StartEmulator(FreezeConfig(true));
  const int inside = InvokeJson(*emu, "ticker")["pid"];
  // The runtime's pid in thaw's namespace (the handler's is its sandbox's).
  auto spawned = emu->WaitForEvent("instance.spawned", "ticker");
  ASSERT_TRUE(spawned.ok()) << spawned.status();
  const int pid = spawned->attrs["pid"];
  ASSERT_TRUE(emu->WaitForEvent("instance.frozen", "ticker").ok());
  EXPECT_TRUE(WaitForProcessState(pid, 'T')) << ProcessState(pid);
  const uint64_t seq = emu->ledger().LastSeq();
  EXPECT_EQ(InvokeJson(*emu, "ticker")["pid"], inside);
  EXPECT_TRUE(emu->WaitForEvent("instance.thawed", "ticker", 0).ok());
  // Thawed before its event was delivered.
  const auto after = emu->ledger().Since(seq);
  ASSERT_GE(after.size(), 2u);
  EXPECT_EQ(after[0].kind, "instance.thawed");
  EXPECT_EQ(after[1].kind, "invoke.start");
}

TEST(FreezeTest, BackgroundWorkDoesNotRunWhileFrozen) {
  auto emu = StartEmulator(FreezeConfig(true));
  const long before = InvokeJson(*emu, "ticker")["ticks"];
  ASSERT_TRUE(emu->WaitForEvent("instance.frozen", "ticker").ok());
  // Real time passes while another function works for 300 ms.
  InvokeJson(*emu, "sleep", R"({"ms":300})");
  const long after = InvokeJson(*emu, "ticker")["ticks"];
  // A 1 ms ticker would count ~300 ticks if it ran; frozen, it barely moves.
  EXPECT_LT(after - before, 100);
}

TEST(FreezeTest, WithFreezeOffBackgroundWorkRuns) {
  auto emu = StartEmulator(FreezeConfig(false));
  const long before = InvokeJson(*emu, "ticker")["ticks"];
  InvokeJson(*emu, "sleep", R"({"ms":300})");
  const long after = InvokeJson(*emu, "ticker")["ticks"];
  EXPECT_GE(after - before, 150);
  EXPECT_EQ(emu->CountEvents("instance.frozen"), 0u);
}

constexpr char kReapConfig[] = R"(
functions:
  pid:   {runtime: provided, handler: pid, code: "{{echo}}"}
  short: {runtime: provided, handler: pid, code: "{{echo}}", keepalive: 1m}
  cold:  {runtime: provided, handler: pid, code: "{{echo}}", keepalive: 0}
  old:   {runtime: provided, handler: pid, code: "{{echo}}", max_lifetime: 30m, keepalive: 1h}
  slow:  {runtime: provided, handler: sleep, code: "{{echo}}", max_lifetime: 30m}
  term:  {runtime: provided, handler: sigterm, code: "{{echo}}"}
# The handlers' pids identify instances: process isolation, where they are thaw's pids too.
settings: {isolation: process}
)";

TEST(ReapTest, IdleInstanceLivesUntilItsKeepaliveOnTheSchedulerClock) {
  auto emu = StartEmulator(kReapConfig);
  const int pid = InvokeJson(*emu, "pid")["pid"];
  emu->AdvanceClock(minutes(9));
  EXPECT_EQ(emu->CountEvents("instance.gone", "pid"), 0u);
  EXPECT_TRUE(Running(pid));
  emu->AdvanceClock(minutes(2));
  auto gone = emu->WaitForEvent("instance.gone", "pid");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "idle");
  EXPECT_FALSE(Running(pid));
  // The next invoke is a cold start on a new process.
  EXPECT_NE(InvokeJson(*emu, "pid")["pid"], pid);
  EXPECT_EQ(emu->CountEvents("instance.spawned", "pid"), 2u);
}

TEST(ReapTest, EachInvokeRestartsTheKeepalive) {
  auto emu = StartEmulator(kReapConfig);
  InvokeJson(*emu, "pid");
  emu->AdvanceClock(minutes(8));
  InvokeJson(*emu, "pid");
  emu->AdvanceClock(minutes(8));
  EXPECT_EQ(emu->CountEvents("instance.gone", "pid"), 0u);
  emu->AdvanceClock(minutes(3));
  EXPECT_TRUE(emu->WaitForEvent("instance.gone", "pid").ok());
}

TEST(ReapTest, PerFunctionKeepaliveOverridesTheSetting) {
  auto emu = StartEmulator(kReapConfig);
  InvokeJson(*emu, "short");
  emu->AdvanceClock(minutes(2));
  auto gone = emu->WaitForEvent("instance.gone", "short");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "idle");
}

TEST(ReapTest, KeepaliveZeroMakesEveryInvokeACold) {
  auto emu = StartEmulator(kReapConfig);
  std::set<int> pids;
  for (int i = 0; i < 3; ++i) pids.insert(InvokeJson(*emu, "cold")["pid"].get<int>());
  EXPECT_EQ(pids.size(), 3u);
  EXPECT_EQ(emu->CountEvents("instance.spawned", "cold"), 3u);
  const auto ends = emu->ledger().Select([](const Event& e) { return e.kind == "invoke.end"; });
  for (const auto& e : ends) EXPECT_TRUE(e.attrs["cold"].get<bool>());
}

TEST(ReapTest, MaxLifetimeStopsAnIdleInstance) {
  auto emu = StartEmulator(kReapConfig);
  InvokeJson(*emu, "old");
  emu->AdvanceClock(minutes(29));
  EXPECT_EQ(emu->CountEvents("instance.gone", "old"), 0u);
  emu->AdvanceClock(minutes(2));
  auto gone = emu->WaitForEvent("instance.gone", "old");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "lifetime");
}

TEST(ReapTest, MaxLifetimeWaitsForTheCurrentEventToEnd) {
  auto emu = StartEmulator(kReapConfig);
  auto call = std::async(std::launch::async, [&] { return emu->Invoke("slow", R"({"ms":500})"); });
  ASSERT_TRUE(emu->WaitForEvent("invoke.start", "slow").ok());
  emu->AdvanceClock(minutes(31));
  const HttpResult result = call.get();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "");
  auto gone = emu->WaitForEvent("instance.gone", "slow");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "lifetime");
}

TEST(ReapTest, ReapedRuntimeGetsSigtermFirst) {
  auto emu = StartEmulator(kReapConfig);
  InvokeJson(*emu, "term");
  ASSERT_TRUE(emu->WaitForEvent("instance.frozen", "term").ok());
  emu->AdvanceClock(minutes(11));
  auto gone = emu->WaitForEvent("instance.gone", "term");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "idle");
  EXPECT_EQ(gone->attrs["exit"], "exit status 0");  // it handled SIGTERM itself
  EXPECT_THAT(emu->logs().Lines(), Contains("got SIGTERM"));
}

TEST(AdminLifecycleTest, ClockAdvanceEndpointReapsAndReportsTheOffset) {
  auto emu = StartEmulator(kReapConfig);
  InvokeJson(*emu, "pid");
  HttpClient admin(emu->port(), TestTimeout());
  const HttpResult advanced = admin.Post("/_thaw/clock/advance", R"({"duration":"11m"})");
  ASSERT_EQ(advanced.status, 200) << advanced.body;
  EXPECT_EQ(nlohmann::json::parse(advanced.body)["offset_ms"], 660000);
  // The reap started before the call returned.
  EXPECT_GE(emu->CountEvents("clock.advanced"), 1u);
  EXPECT_TRUE(emu->WaitForEvent("instance.gone", "pid").ok());
  EXPECT_EQ(nlohmann::json::parse(admin.Get("/_thaw/clock").body)["offset_ms"], 660000);
  EXPECT_EQ(admin.Post("/_thaw/clock/advance", R"({"duration":"soon"})").status, 400);
  EXPECT_EQ(admin.Post("/_thaw/clock/advance", "[]").status, 400);
}

TEST(AdminLifecycleTest, ReapEndpointStopsIdleInstances) {
  auto emu = StartEmulator(kReapConfig);
  InvokeJson(*emu, "pid");
  InvokeJson(*emu, "short");
  HttpClient admin(emu->port(), TestTimeout());
  EXPECT_EQ(admin.Post("/_thaw/reap", R"({"function":"nope"})").status, 404);
  const HttpResult one = admin.Post("/_thaw/reap", R"({"function":"short"})");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(nlohmann::json::parse(one.body)["reaped"].size(), 1u);
  auto gone = emu->WaitForEvent("instance.gone", "short");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "manual");
  const HttpResult rest = admin.Post("/_thaw/reap", "");
  EXPECT_EQ(nlohmann::json::parse(rest.body)["reaped"].size(), 1u);
  EXPECT_TRUE(emu->WaitForEvent("instance.gone", "pid").ok());
}

TEST(AdminLifecycleTest, KillEndpointCrashesAnInstance) {
  auto emu = StartEmulator(kReapConfig);
  const int pid = InvokeJson(*emu, "pid")["pid"];
  HttpClient admin(emu->port(), TestTimeout());
  EXPECT_EQ(admin.Post("/_thaw/instances/99/kill", "").status, 404);
  EXPECT_EQ(admin.Post("/_thaw/instances/x/kill", "").status, 400);
  ASSERT_EQ(admin.Post("/_thaw/instances/1/kill", "").status, 200);
  auto gone = emu->WaitForEvent("instance.gone", "pid");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "killed");
  EXPECT_EQ(gone->attrs["exit"], "signal: killed");
  EXPECT_FALSE(Running(pid));
  EXPECT_NE(InvokeJson(*emu, "pid")["pid"], pid);
}

TEST(AdminLifecycleTest, KillingABusyInstanceFailsItsEventWithExitError) {
  auto emu = StartEmulator(kReapConfig);
  auto call = std::async(std::launch::async, [&] { return emu->Invoke("slow", R"({"ms":5000})"); });
  ASSERT_TRUE(emu->WaitForEvent("invoke.start", "slow").ok());
  HttpClient admin(emu->port(), TestTimeout());
  ASSERT_EQ(admin.Post("/_thaw/instances/1/kill", "").status, 200);
  const HttpResult result = call.get();
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  const auto body = nlohmann::json::parse(result.body);
  EXPECT_EQ(body["errorType"], "Runtime.ExitError");
  EXPECT_THAT(body["errorMessage"].get<std::string>(), HasSubstr("signal: killed"));
}

constexpr char kGraceConfig[] = R"(
functions:
  stubborn: {runtime: provided, handler: pid, code: "{{echo}}",
             environment: {THAW_ECHO_IGNORE_SIGTERM: "1"}}
settings: {shutdown_grace: 100ms}
)";

TEST(ShutdownTest, ARuntimeThatIgnoresSigtermIsKilledAfterTheGrace) {
  auto emu = StartEmulator(kGraceConfig);
  InvokeJson(*emu, "stubborn");
  HttpClient admin(emu->port(), TestTimeout());
  admin.Post("/_thaw/reap", "");
  auto gone = emu->WaitForEvent("instance.gone", "stubborn");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "manual");
  // SIGTERM was ignored, so the process ended by SIGKILL once the grace was over.
  auto exited = emu->WaitForEvent("instance.exited", "stubborn");
  ASSERT_TRUE(exited.ok());
  EXPECT_EQ(exited->attrs["exit"], "signal: killed")
      << ::testing::PrintToString(emu->logs().Lines());
  EXPECT_FALSE(Running(exited->attrs["pid"].get<int>()));
}

constexpr char kInitConfig[] = R"(
functions:
  slowinit: {runtime: provided, handler: echo, code: "{{echo}}", timeout: 3,
             environment: {THAW_ECHO_INIT_SLEEP_MS: "500"}}
  tooslow:  {runtime: provided, handler: echo, code: "{{echo}}", timeout: 1,
             environment: {THAW_ECHO_INIT_SLEEP_MS: "1500"}}
settings: {init_timeout: 300ms}
)";

TEST(InitLimitTest, InitPastTheLimitIsRetriedWithinTheFirstInvoke) {
  auto emu = StartEmulator(kInitConfig);
  const HttpResult result = emu->Invoke("slowinit", R"({"x":1})");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "");
  EXPECT_EQ(result.body, R"({"x":1})");
  EXPECT_EQ(emu->CountEvents("instance.init_timeout", "slowinit"), 1u);
  const auto spawned =
      emu->ledger().Select([](const Event& e) { return e.kind == "instance.spawned"; });
  ASSERT_EQ(spawned.size(), 2u);
  EXPECT_EQ(spawned[0].instance, spawned[1].instance);  // the same environment, a new init
  EXPECT_TRUE(spawned[1].attrs["suppressed_init"].get<bool>());
  EXPECT_FALSE(Running(spawned[0].attrs["pid"].get<int>()));
  EXPECT_THAT(
      emu->logs().Lines(),
      Contains(HasSubstr("INIT_REPORT Init Duration: 300.00 ms\tPhase: init\tStatus: timeout")));
}

TEST(InitLimitTest, RetriedInitCountsAgainstTheFunctionTimeout) {
  auto emu = StartEmulator(kInitConfig);
  const HttpResult result = emu->Invoke("tooslow");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(nlohmann::json::parse(result.body)["errorType"], "Sandbox.Timedout");
}

constexpr char kConcurrencyConfig[] = R"(
functions:
  reserved:    {runtime: provided, handler: sleep, code: "{{echo}}", reserved_concurrency: 1}
  disabled:    {runtime: provided, handler: echo, code: "{{echo}}", reserved_concurrency: 0}
  provisioned: {runtime: provided, handler: env, code: "{{echo}}", provisioned_concurrency: 2}
  failing:     {runtime: provided, handler: error, code: "{{echo}}"}
  open:        {runtime: provided, handler: sleep, code: "{{echo}}"}
settings: {account_concurrency: 3}
)";

TEST(ConcurrencyTest, ReservedConcurrencyThrottlesTheFunction) {
  auto emu = StartEmulator(kConcurrencyConfig);
  // The first event sleeps until the test kills its instance, so it is surely in flight.
  auto call =
      std::async(std::launch::async, [&] { return emu->Invoke("reserved", R"({"ms":60000})"); });
  ASSERT_TRUE(emu->WaitForEvent("invoke.start", "reserved").ok());
  const HttpResult throttled = emu->Invoke("reserved", R"({"ms":1})");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(nlohmann::json::parse(throttled.body)["Reason"],
            "ReservedFunctionConcurrentInvocationLimitExceeded");
  HttpClient admin(emu->port(), TestTimeout());
  for (const auto& e :
       emu->ledger().Select([](const Event& e) { return e.kind == "instance.spawned"; })) {
    admin.Post("/_thaw/instances/" + std::to_string(e.instance) + "/kill", "");
  }
  EXPECT_EQ(call.get().status, 200);
  EXPECT_EQ(emu->Invoke("disabled").status, 429);
}

TEST(ConcurrencyTest, UnreservedPoolIsTheAccountMinusReservations) {
  // account 3, reserved 1 (+0): two invocations of unreserved functions at most.
  auto emu = StartEmulator(kConcurrencyConfig);
  std::vector<std::future<HttpResult>> calls;
  for (int i = 0; i < 2; ++i) {
    calls.push_back(
        std::async(std::launch::async, [&] { return emu->Invoke("open", R"({"ms":60000})"); }));
  }
  ASSERT_TRUE(emu->WaitForEvents("invoke.start", "open", 2).ok());
  const HttpResult throttled = emu->Invoke("open", R"({"ms":1})");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(nlohmann::json::parse(throttled.body)["Reason"], "ConcurrentInvocationLimitExceeded");
  // End the two long events by killing their instances.
  HttpClient admin(emu->port(), TestTimeout());
  for (const auto& e :
       emu->ledger().Select([](const Event& e) { return e.kind == "instance.spawned"; })) {
    admin.Post("/_thaw/instances/" + std::to_string(e.instance) + "/kill", "");
  }
  for (auto& call : calls) EXPECT_EQ(call.get().status, 200);
}

TEST(ConcurrencyTest, ProvisionedInstancesStartAheadAndServeFirst) {
  auto emu = StartEmulator(kConcurrencyConfig);
  ASSERT_TRUE(emu->WaitForEvents("instance.ready", "provisioned", 2).ok());
  const auto env = InvokeJson(*emu, "provisioned");
  EXPECT_EQ(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "provisioned-concurrency");
  EXPECT_EQ(emu->CountEvents("instance.spawned", "provisioned"), 2u);
  // Never reaped for idleness.
  emu->AdvanceClock(hours(1));
  EXPECT_EQ(emu->CountEvents("instance.gone", "provisioned"), 0u);
}

TEST(AsyncTest, FailedEventIsRetriedTwiceOnTheSchedulerClock) {
  auto emu = StartEmulator(kConcurrencyConfig);
  EXPECT_EQ(emu->Invoke("failing", "{}", {{"X-Amz-Invocation-Type", "Event"}}).status, 202);
  auto first = emu->WaitForEvent("invoke.retry_scheduled", "failing");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->attrs["delay_ms"], 60000);
  emu->AdvanceClock(minutes(1));
  auto second = emu->WaitForEvent("invoke.retry_scheduled", "failing", first->seq);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->attrs["delay_ms"], 120000);
  emu->AdvanceClock(minutes(2));
  auto done = emu->WaitForEvent("invoke.async_done", "failing");
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->attrs["attempts"], 3);
  EXPECT_EQ(done->attrs["outcome"], "function_error");
  EXPECT_EQ(emu->CountEvents("invoke.end", "failing"), 3u);
}

TEST(AsyncTest, ThrottledEventIsRetriedUntilItsMaximumAge) {
  auto emu = StartEmulator(kConcurrencyConfig);
  EXPECT_EQ(emu->Invoke("disabled", "{}", {{"X-Amz-Invocation-Type", "Event"}}).status, 202);
  auto retry = emu->WaitForEvent("invoke.retry_scheduled", "disabled");
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->attrs["reason"], "throttled");
  emu->AdvanceClock(hours(7));
  auto dropped = emu->WaitForEvent("invoke.dropped", "disabled");
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->attrs["reason"], "max_event_age");
}

constexpr char kMemoryConfig[] = R"(
functions:
  hog: {runtime: provided, handler: hog, code: "{{echo}}", memory: 128}
)";

TEST(MemoryTest, PeakAboveTheMemorySizeIsOutOfMemory) {
#ifdef __SANITIZE_THREAD__
  // The echo function is built with the tests: under TSan its 200 MB (and their shadow) take
  // longer to touch than its timeout.
  GTEST_SKIP() << "the TSan-built echo function is too slow to reach 200 MB within its timeout";
#endif
  auto emu = StartEmulator(kMemoryConfig);
  EXPECT_EQ(InvokeJson(*emu, "hog", R"({"mb":8})")["held_mb"], 8);
  const HttpResult result = emu->Invoke("hog", R"({"mb":200})");
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(nlohmann::json::parse(result.body)["errorType"], "Runtime.OutOfMemory");
  auto gone = emu->WaitForEvent("instance.gone", "hog");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->attrs["reason"], "out_of_memory");
  // The ledger (and REPORT) show the real peak.
  const auto ends = emu->ledger().Select([](const Event& e) { return e.kind == "invoke.end"; });
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(ends[1].attrs["outcome"], "out_of_memory");
  EXPECT_GE(ends[1].attrs["max_memory_mb"].get<long>(), 200);
}

std::string DescribeDescriptors() {
  std::string out;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      char target[256] = {};
      const std::string link = std::string("/proc/self/fd/") + entry->d_name;
      ::readlink(link.c_str(), target, sizeof(target) - 1);
      out += std::string(entry->d_name) + "->" + target + " ";
    }
    ::closedir(dir);
  }
  return out;
}

size_t OpenDescriptors() { return CountDescriptors(::getpid()); }

// The children left, for a failure message: pid, name and state of each.
std::string DescribeChildren() {
  std::string out;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (dirent* task = ::readdir(dir)) {
      if (task->d_name[0] == '.') continue;
      std::ifstream children(std::string("/proc/self/task/") + task->d_name + "/children");
      int pid;
      while (children >> pid) {
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        std::string line;
        out += std::to_string(pid) + ":";
        while (std::getline(status, line)) {
          if (line.starts_with("Name:") || line.starts_with("State:") ||
              line.starts_with("NSpid:")) {
            out += " " + line;
          }
        }
        out += "\n";
      }
    }
    ::closedir(dir);
  }
  return out;
}

size_t Children() { return CountChildren(::getpid()); }

TEST(ChurnTest, ThousandInstancesLeaveNoDescriptorOrChildBehind) {
  auto emu = StartEmulator(R"(
functions:
  cold: {runtime: provided, handler: echo, code: "{{echo}}", keepalive: 0}
)");
  InvokeJson(*emu, "cold");  // warm up the emulator's own descriptors (client, listeners)
  ASSERT_TRUE(emu->WaitForEvent("instance.exited", "cold").ok());
  // A sandboxed instance's init outlives its runtime's exit by a moment (it goes with the
  // instance): wait, boundedly, for thaw's children to be gone.
  auto no_children = [] {
    const auto deadline = std::chrono::steady_clock::now() + TestTimeout();
    while (Children() != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    return Children();
  };
  EXPECT_EQ(no_children(), 0u);
  const size_t fds = OpenDescriptors();
  const std::string before = DescribeDescriptors();
  const int instances = ScaledCount(1000);
  for (int i = 0; i < instances; ++i) {
    const HttpResult result = emu->Invoke("cold");
    ASSERT_EQ(result.status, 200) << i << " " << result.error;
  }
  // Every process exited and was reaped (the exited event follows wait4).
  ASSERT_TRUE(emu->WaitForEvents("instance.exited", "cold", instances + 1).ok());
  EXPECT_EQ(no_children(), 0u) << DescribeChildren();
  EXPECT_EQ(emu->CountEvents("instance.spawned", "cold"), instances + 1u);
  // Pipes and listeners of the last instance close asynchronously, just after its exit (the
  // baseline may even hold the warm-up instance's): wait (boundedly) for the count to come
  // back to the baseline, then require that it did. A leak of one descriptor per instance
  // would leave ~1000 more.
  const auto deadline = std::chrono::steady_clock::now() + TestTimeout();
  while (OpenDescriptors() > fds && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_LE(OpenDescriptors(), fds) << "before: " << before << "\nafter: " << DescribeDescriptors();
}

}  // namespace
}  // namespace thaw::testing
