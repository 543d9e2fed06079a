// Virtual time with real instances (emulator/vtime): after `advance 20m`, the clocks Node.js,
// Python and a C++ custom runtime read are 20 minutes later, stay monotonic, and timers set
// before the advance have fired when the instance next runs; the deadline a runtime gets is on
// the same clock; the instance table shows the offset; `virtual_time: false` keeps real time.
// Handlers: tests/integration/vtime/ and the echo function's `clock` handler.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "emulator/vtime/virtual_clock.h"
#include "nlohmann/json.hpp"
#include "tests/util/http_client.h"
#include "tests/util/run_thaw.h"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

using std::chrono::minutes;

constexpr double kTwentyMinutesMs = 20 * 60 * 1000;
// How much real time two invokes of a test may take apart, at most (a slow, shared machine).
constexpr double kSlackMs = 10 * 1000;

// One function of each kind of runtime, all reading their clocks; keepalive 60m so the
// instance that read the clocks before the advance reads them after it.
std::string Config(const std::string& settings) {
  const std::string code = std::string(THAW_SOURCE_DIR) + "/tests/integration/vtime";
  return "settings: {keepalive: 60m" + settings +
         "}\n"
         "functions:\n"
         "  node: {runtime: nodejs20.x, handler: clock.handler, code: \"" +
         code +
         "\", timeout: 30}\n"
         "  python: {runtime: python3.12, handler: clock.handler, code: \"" +
         code +
         "\", timeout: 30}\n"
         "  cpp: {runtime: provided, handler: clock, code: \"{{echo}}\", timeout: 30}\n"
         "  cppreal: {runtime: provided, handler: clock, code: \"{{echo}}\", timeout: 30,"
         " virtual_time: false}\n";
}

// The clocks of `fn` read before and after `advance` (zero: no advance), the first invoke
// setting a 15-minute timer.
struct Readings {
  nlohmann::json before;
  nlohmann::json after;
  double Moved(const std::string& clock) const {
    return after[clock].get<double>() - before[clock].get<double>();
  }
};

Readings ReadAround(TestEmulator& emu, const std::string& fn, std::chrono::milliseconds advance) {
  Readings r;
  r.before = InvokeJson(emu, fn, R"({"timer_ms": 900000})");
  if (advance.count() > 0) emu.AdvanceClock(advance);
  r.after = InvokeJson(emu, fn);
  EXPECT_EQ(emu.CountEvents("instance.spawned", fn), 1u) << "the same instance reads both";
  return r;
}

// Each clock moved by the advance (and by no more than the real time the test took), and so
// forward: monotonic.
void ExpectMovedBy(const Readings& r, const std::vector<std::string>& clocks, double advance_ms) {
  for (const std::string& clock : clocks) {
    ASSERT_TRUE(r.before.contains(clock) && r.after.contains(clock)) << clock << r.before;
    EXPECT_GE(r.Moved(clock), advance_ms) << clock << ": " << r.before << " -> " << r.after;
    EXPECT_LT(r.Moved(clock), advance_ms + kSlackMs)
        << clock << ": " << r.before << " -> " << r.after;
  }
}

nlohmann::json InstanceOf(TestEmulator& emu, const std::string& fn) {
  HttpClient client(emu.port());
  const HttpResult result = client.Get("/_thaw/instances");
  EXPECT_EQ(result.status, 200) << result.body;
  const nlohmann::json table = nlohmann::json::parse(result.body, nullptr, false);
  for (const auto& item : table["instances"]) {
    if (item["function"] == fn) return item;
  }
  ADD_FAILURE() << "no instance of " << fn << " in " << result.body;
  return {};
}

TEST(VirtualTimeTest, NodeClocksAndTimersMoveWithAdvance) {
  auto emu = StartEmulator(Config(""));
  ASSERT_NE(emu, nullptr);
  const Readings r = ReadAround(*emu, "node", minutes(20));
  ExpectMovedBy(r, {"date_ms", "perf_ms", "hrtime_ms"}, kTwentyMinutesMs);
  EXPECT_FALSE(r.before["timer_fired"].get<bool>());
  EXPECT_TRUE(r.after["timer_fired"].get<bool>()) << "a 15-minute timer fired after 20 minutes";
  // The deadline is on the instance's clock: context.getRemainingTimeInMillis() stays sane.
  EXPECT_GT(r.after["remaining_ms"].get<double>(), 20000) << r.after;
  EXPECT_LE(r.after["remaining_ms"].get<double>(), 30000) << r.after;
  EXPECT_EQ(InstanceOf(*emu, "node")["clock_offset_ms"], 20 * 60 * 1000);
}

TEST(VirtualTimeTest, PythonClocksAndAsyncioTimersMoveWithAdvance) {
  auto emu = StartEmulator(Config(""));
  ASSERT_NE(emu, nullptr);
  const Readings r = ReadAround(*emu, "python", minutes(20));
  ExpectMovedBy(r, {"time_ms", "monotonic_ms", "datetime_ms", "perf_ms"}, kTwentyMinutesMs);
  EXPECT_FALSE(r.before["timer_fired"].get<bool>());
  EXPECT_TRUE(r.after["timer_fired"].get<bool>()) << "a 15-minute timer fired after 20 minutes";
  EXPECT_GT(r.after["remaining_ms"].get<double>(), 20000) << r.after;
  EXPECT_LE(r.after["remaining_ms"].get<double>(), 30000) << r.after;
}

TEST(VirtualTimeTest, CppClocksMoveWithAdvance) {
  auto emu = StartEmulator(Config(""));
  ASSERT_NE(emu, nullptr);
  const Readings r = ReadAround(*emu, "cpp", minutes(20));
  ExpectMovedBy(r, {"realtime_ms", "monotonic_ms", "gettimeofday_ms", "system_ms", "steady_ms"},
                kTwentyMinutesMs);
  EXPECT_GE(r.Moved("time_s"), 20 * 60 - 1);
  EXPECT_GT(r.after["remaining_ms"].get<double>(), 20000) << r.after;
}

TEST(VirtualTimeTest, EveryAdvanceAddsUpAndReachesNewInstancesToo) {
  auto emu = StartEmulator(Config(""));
  ASSERT_NE(emu, nullptr);
  emu->AdvanceClock(minutes(5));
  // Started after the first advance: it starts 5 minutes ahead, then moves with the next.
  const Readings r = ReadAround(*emu, "cpp", minutes(20));
  ExpectMovedBy(r, {"realtime_ms", "monotonic_ms"}, kTwentyMinutesMs);
  const double ahead_ms =
      r.after["realtime_ms"].get<double>() -
      static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
  EXPECT_NEAR(ahead_ms, 25 * 60 * 1000, kSlackMs);
  EXPECT_EQ(InstanceOf(*emu, "cpp")["clock_offset_ms"], 25 * 60 * 1000);
}

TEST(VirtualTimeTest, VirtualTimeOffKeepsRealTime) {
  auto emu = StartEmulator(Config(", virtual_time: false"));
  ASSERT_NE(emu, nullptr);
  for (const std::string fn : {"node", "cpp"}) {
    const Readings r = ReadAround(*emu, fn, minutes(20));
    const std::string clock = fn == "node" ? "date_ms" : "realtime_ms";
    EXPECT_LT(r.Moved(clock), kSlackMs) << fn;
    EXPECT_EQ(InstanceOf(*emu, fn)["clock_offset_ms"], 0) << fn;
  }
  const HttpResult env = emu->Invoke("cppreal");
  EXPECT_EQ(env.status, 200);
}

TEST(VirtualTimeTest, AFunctionCanTurnItOff) {
  auto emu = StartEmulator(Config(""));
  ASSERT_NE(emu, nullptr);
  const Readings r = ReadAround(*emu, "cppreal", minutes(20));
  EXPECT_LT(r.Moved("realtime_ms"), kSlackMs);
  EXPECT_EQ(InstanceOf(*emu, "cppreal")["clock_offset_ms"], 0);
}

TEST(VirtualTimeTest, WithoutAnAdvanceClocksAreReal) {
  auto emu = StartEmulator(Config(""));
  ASSERT_NE(emu, nullptr);
  const nlohmann::json read = InvokeJson(*emu, "cpp");
  const double now_ms = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  EXPECT_NEAR(read["realtime_ms"].get<double>(), now_ms, kSlackMs);
}

// A handler caching its Momento key for 15 minutes on its own clock (vtime/secret-cache), through
// `thaw check`: after `advance 20m` it fetches the key again; without the advance, or with
// virtual_time: false, once. The fake AWS takes the signature the instance makes with its clock.
TEST(VirtualTimeScenarioTest, ACachedKeyIsFetchedAgainAfterTheAdvance) {
  const std::string dir = std::string(THAW_SOURCE_DIR) + "/tests/integration/vtime/secret-cache/";
  for (const std::string scenario : {"advance", "no-advance", "real-time"}) {
    const ThawRun r = RunThaw({"check", dir + scenario + ".yaml"});
    EXPECT_EQ(r.exit_code, 0) << scenario << "\n" << r.out << r.err;
  }
  const ThawRun r = RunThaw({"check", dir + "advance.yaml"});
  EXPECT_THAT(r.out, ::testing::HasSubstr("PASS  aws.GetSecretValue per instance == 2"));
}

// The Momento SDK's Lambda configuration recycles a connection idle past 4 minutes on its own
// (Date.now()): after `advance 5m` the instance's SDK closes its first connection itself (`by`
// client, while the instance still runs) and opens another. Needs samples/node-momento's
// node_modules (scripts/install-test-deps.sh).
TEST(VirtualTimeScenarioTest, TheMomentoSdkRecyclesAnIdleConnectionAfterAnAdvance) {
  const std::string sample = std::string(THAW_SOURCE_DIR) + "/samples/node-momento";
  if (!std::filesystem::exists(sample + "/node_modules/@gomomento/sdk")) {
    GTEST_FAIL() << sample << "/node_modules is missing: run scripts/install-test-deps.sh first";
  }
  const std::string dir = std::string(THAW_SOURCE_DIR) + "/tests/integration/vtime/momento-idle/";
  const std::filesystem::path events =
      std::filesystem::temp_directory_path() / ("thaw-vtime-momento-" + std::to_string(::getpid()));
  ThawRun r = RunThaw({"check", dir + "advance.yaml", "--events", events.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream in(events);
  std::string line;
  uint64_t closed_by_client = 0;
  uint64_t stopping = 0;
  while (std::getline(in, line)) {
    const nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
    if (e.value("kind", "") == "momento.connection.closed" && closed_by_client == 0 &&
        e["attrs"].value("by", "") == "client" && e["attrs"].value("connection", "") == "c1") {
      closed_by_client = e["seq"];
    }
    if (e.value("kind", "") == "instance.stopping" && stopping == 0) stopping = e["seq"];
  }
  std::filesystem::remove(events);
  EXPECT_GT(closed_by_client, 0u) << "the first connection was closed by the SDK";
  EXPECT_LT(closed_by_client, stopping) << "before thaw stopped the instance";
  r = RunThaw({"check", dir + "no-advance.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// The Parameters and Secrets extension's cache (300 s, on the scheduler clock), as a handler
// reading through it sees it: expired after `advance 6m`, so Secrets Manager gets a second call.
TEST(VirtualTimeScenarioTest, TheExtensionsCacheExpiresOnAdvance) {
  const std::string dir =
      std::string(THAW_SOURCE_DIR) + "/tests/integration/vtime/extension-cache/";
  for (const std::string scenario : {"advance", "no-advance"}) {
    const ThawRun r = RunThaw({"check", dir + scenario + ".yaml"});
    EXPECT_EQ(r.exit_code, 0) << scenario << "\n" << r.out << r.err;
  }
}

// A statically linked program cannot take the preload: thaw says so (clock.not_virtual) rather
// than let its clocks be silently real.
TEST(VirtualTimeTest, AStaticProgramIsNoted) {
  const std::filesystem::path code =
      std::filesystem::temp_directory_path() / ("thaw-vtime-static-" + std::to_string(::getpid()));
  std::filesystem::create_directories(code);
  if (!ClockPreloadBypass("/sbin/ldconfig")) GTEST_SKIP() << "no static /sbin/ldconfig here";
  std::filesystem::copy_file("/sbin/ldconfig", code / "bootstrap",
                             std::filesystem::copy_options::overwrite_existing);
  auto emu = StartEmulator("functions:\n  static: {runtime: provided, handler: x, code: \"" +
                           code.string() + "\"}\n");
  ASSERT_NE(emu, nullptr);
  emu->Invoke("static");  // ldconfig is no runtime: the invoke fails; the note is the point
  auto noted = emu->WaitForEvent("clock.not_virtual", "static");
  ASSERT_TRUE(noted.ok()) << noted.status();
  EXPECT_THAT(noted->attrs.value("reason", ""), ::testing::HasSubstr("statically linked"));
  emu.reset();
  std::filesystem::remove_all(code);
}

}  // namespace
}  // namespace thaw::testing
