// The admin API (/_thaw/...) on the serve port.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "nlohmann/json.hpp"
#include "tests/util/fake_process_launcher.h"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kConfig[] = R"(
functions:
  fn:
    runtime: provided
    code: {{echo}}
)";

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto emu = TestEmulator::Start(kConfig, [this](boost::asio::io_context& io) {
      auto launcher = std::make_unique<FakeProcessLauncher>(io);
      fake_ = launcher.get();
      return launcher;
    });
    ASSERT_TRUE(emu.ok()) << emu.status();
    emu_ = *std::move(emu);
    admin_ = std::make_unique<HttpClient>(emu_->port(), TestTimeout());
  }

  // Runs one invoke to completion with the test as the runtime of instance `n`.
  void InvokeOnce(size_t n) {
    auto invoke = std::async(std::launch::async, [this] {
      HttpClient client(emu_->port(), TestTimeout());
      return client.Post("/2015-03-31/functions/fn/invocations", "{}");
    });
    ASSERT_TRUE(fake_->WaitForLaunch(n, TestTimeout()).ok());
    if (!runtime_) runtime_ = std::make_unique<HttpClient>(fake_->RuntimeApiPort(n), TestTimeout());
    const HttpResult next = runtime_->Get("/2018-06-01/runtime/invocation/next");
    runtime_->Post("/2018-06-01/runtime/invocation/" +
                       next.Header("Lambda-Runtime-Aws-Request-Id") + "/response",
                   "{}");
    EXPECT_EQ(invoke.get().status, 200);
  }

  FakeProcessLauncher* fake_ = nullptr;
  std::unique_ptr<TestEmulator> emu_;
  std::unique_ptr<HttpClient> admin_;
  std::unique_ptr<HttpClient> runtime_;
};

TEST_F(AdminApiTest, InstancesListsLiveInstances) {
  EXPECT_EQ(nlohmann::json::parse(admin_->Get("/_thaw/instances").body)["instances"].size(), 0u);
  InvokeOnce(1);
  InvokeOnce(1);
  const auto body = nlohmann::json::parse(admin_->Get("/_thaw/instances").body);
  ASSERT_EQ(body["instances"].size(), 1u);
  const auto& instance = body["instances"][0];
  EXPECT_EQ(instance["id"], 1);
  EXPECT_EQ(instance["function"], "fn");
  EXPECT_EQ(instance["pid"], 100000);
  EXPECT_EQ(instance["state"], "idle");
  EXPECT_EQ(instance["invocations"], 2);
  EXPECT_TRUE(instance["init_ms"].is_number());
}

TEST_F(AdminApiTest, EventsSinceReturnsLaterEvents) {
  InvokeOnce(1);
  const auto all = nlohmann::json::parse(admin_->Get("/_thaw/events").body);
  std::vector<std::string> kinds;
  for (const auto& e : all["events"]) kinds.push_back(e["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"instance.spawned", "instance.ready",
                                             "invoke.start", "invoke.end"}));
  EXPECT_EQ(all["last_seq"], 4);
  const auto later = nlohmann::json::parse(admin_->Get("/_thaw/events?since=2").body);
  ASSERT_EQ(later["events"].size(), 2u);
  EXPECT_EQ(later["events"][0]["seq"], 3);
}

TEST_F(AdminApiTest, EventsLongPollReturnsWhenAnEventArrives) {
  auto poll = std::async(std::launch::async, [this] {
    HttpClient client(emu_->port(), TestTimeout());
    return client.Get("/_thaw/events?since=0&wait_ms=60000");
  });
  // The poll is answered by the first event, long before its 60 s limit.
  InvokeOnce(1);
  const auto body = nlohmann::json::parse(poll.get().body);
  ASSERT_GE(body["events"].size(), 1u);
  EXPECT_EQ(body["events"][0]["kind"], "instance.spawned");
}

TEST_F(AdminApiTest, EventsLongPollEndsEmptyAtItsDeadline) {
  const auto body = nlohmann::json::parse(admin_->Get("/_thaw/events?since=0&wait_ms=10").body);
  EXPECT_EQ(body["events"].size(), 0u);
}

TEST_F(AdminApiTest, EventsRejectsBadParameters) {
  EXPECT_EQ(admin_->Get("/_thaw/events?since=abc").status, 400);
  EXPECT_EQ(admin_->Get("/_thaw/events?wait_ms=-1").status, 400);
}

TEST_F(AdminApiTest, MetricsArePrometheusText) {
  InvokeOnce(1);
  InvokeOnce(1);
  const HttpResult metrics = admin_->Get("/_thaw/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.Header("Content-Type"), HasSubstr("text/plain"));
  EXPECT_THAT(metrics.body, HasSubstr("thaw_invocations_total{function=\"fn\",outcome=\"success\"} 2\n"));
  EXPECT_THAT(metrics.body, HasSubstr("thaw_cold_starts_total{function=\"fn\"} 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("thaw_instances{function=\"fn\",state=\"idle\"} 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("# TYPE thaw_invocations_total counter\n"));
}

}  // namespace
}  // namespace thaw::testing
