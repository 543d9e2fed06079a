// The admin API (/_thaw/...) on the serve port.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "nlohmann/json.hpp"
#include "tests/util/fake_process_launcher.h"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
// Named as well: a unity build compiles this file with the others of its binary.
namespace admin_api_test {
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
    auto emu = TestEmulator::Start(
        kConfig,
        [this](boost::asio::io_context& io) {
          auto launcher = std::make_unique<FakeProcessLauncher>(io);
          fake_ = launcher.get();
          return launcher;
        },
        /*momento=*/false, LedgerWindow());
    ASSERT_TRUE(emu.ok()) << emu.status();
    emu_ = *std::move(emu);
    admin_ = std::make_unique<HttpClient>(emu_->port(), TestTimeout());
  }

  // The ledger's window (0: every event kept, as `thaw check` and thaw::testing keep them).
  virtual size_t LedgerWindow() const { return 0; }

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
  EXPECT_EQ(kinds, (std::vector<std::string>{"instance.spawned", "instance.ready", "invoke.start",
                                             "invoke.end"}));
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
  EXPECT_THAT(metrics.body,
              HasSubstr("thaw_invocations_total{function=\"fn\",outcome=\"success\"} 2\n"));
  EXPECT_THAT(metrics.body, HasSubstr("thaw_cold_starts_total{function=\"fn\"} 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("thaw_instances{function=\"fn\",state=\"idle\"} 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("# TYPE thaw_invocations_total counter\n"));
}

// Bytes from outside (a header, gRPC metadata, a handler's output) may be invalid UTF-8; the
// ledger keeps them and every answer built from it still answers, with U+FFFD in their place.
TEST_F(AdminApiTest, EventsWithInvalidUtf8StillAnswer) {
  emu_->ledger().Append(0, "fn\xff", "aws.request", {{"operation", "Get\xc3("}});
  const HttpResult events = admin_->Get("/_thaw/events");
  ASSERT_EQ(events.status, 200) << events.body;
  const nlohmann::json body = nlohmann::json::parse(events.body);
  EXPECT_EQ(body["events"].back()["function"], "fn\xEF\xBF\xBD");
  const HttpResult aws = admin_->Get("/_thaw/aws");
  ASSERT_EQ(aws.status, 200) << aws.body;
  EXPECT_EQ(nlohmann::json::parse(aws.body)["instances"][0]["operations"].begin().key(),
            "Get\xEF\xBF\xBD(");
}

// Paging with last_seq sees every event once: a page ends at its own last event, not at the
// ledger's.
TEST_F(AdminApiTest, EventsPagesEndAtTheirLastEvent) {
  const uint64_t before = emu_->ledger().LastSeq();
  for (int i = 0; i < 10005; ++i) emu_->ledger().Append(0, "", "clock.advanced", {{"i", i}});
  const nlohmann::json first =
      nlohmann::json::parse(admin_->Get("/_thaw/events?since=" + std::to_string(before)).body);
  ASSERT_EQ(first["events"].size(), 10000u);
  EXPECT_EQ(first["last_seq"], before + 10000);
  EXPECT_EQ(first["more"], true);
  const nlohmann::json second = nlohmann::json::parse(
      admin_->Get("/_thaw/events?since=" + std::to_string(first["last_seq"].get<uint64_t>())).body);
  ASSERT_EQ(second["events"].size(), 5u);
  EXPECT_EQ(second["events"][0]["attrs"]["i"], 10000);
  EXPECT_EQ(second["last_seq"], before + 10005);
  EXPECT_EQ(second["more"], false);
}

// `thaw serve --ledger-window 5`: the ledger keeps 5 events, the counters stay exact.
class AdminApiWindowTest : public AdminApiTest {
 protected:
  size_t LedgerWindow() const override { return 5; }
};

// A client asking for events the window evicted is told so (410, naming the oldest event held)
// instead of getting a page that silently skips them; from that event on it pages as usual.
TEST_F(AdminApiWindowTest, EventsSinceAnEvictedEventAnswerGoneNamingTheFirstHeld) {
  for (int i = 0; i < 3; ++i) InvokeOnce(1);
  const uint64_t last = emu_->ledger().LastSeq();
  const uint64_t first_held = emu_->ledger().FirstSeq();
  ASSERT_EQ(first_held, last - 4);
  const HttpResult gone = admin_->Get("/_thaw/events?since=0");
  EXPECT_EQ(gone.status, 410) << gone.body;
  EXPECT_EQ(gone.Header("x-amzn-ErrorType"), "EventsEvictedException");
  const nlohmann::json body = nlohmann::json::parse(gone.body);
  EXPECT_EQ(body["first_seq"], first_held);
  EXPECT_EQ(body["last_seq"], last);
  EXPECT_EQ(body["Type"], "User");
  EXPECT_THAT(body["Message"].get<std::string>(),
              HasSubstr("the oldest event held is seq " + std::to_string(first_held)));
  // since = first_held - 2 asks for first_held - 1: evicted too.
  EXPECT_EQ(admin_->Get("/_thaw/events?since=" + std::to_string(first_held - 2)).status, 410);
  const HttpResult held = admin_->Get("/_thaw/events?since=" + std::to_string(first_held - 1));
  ASSERT_EQ(held.status, 200) << held.body;
  const nlohmann::json page = nlohmann::json::parse(held.body);
  ASSERT_EQ(page["events"].size(), 5u);
  EXPECT_EQ(page["events"][0]["seq"], first_held);
  EXPECT_EQ(page["last_seq"], last);
  // Nothing newer: an empty page, as without a window.
  const HttpResult none = admin_->Get("/_thaw/events?since=" + std::to_string(last));
  EXPECT_EQ(none.status, 200);
}

// The counters read the accounts, which count every event before the window evicts it.
TEST_F(AdminApiWindowTest, MetricsStayExactAfterTheirEventsWereEvicted) {
  for (int i = 0; i < 4; ++i) InvokeOnce(1);
  ASSERT_GT(emu_->ledger().FirstSeq(), 1u);
  const HttpResult metrics = admin_->Get("/_thaw/metrics");
  EXPECT_THAT(metrics.body,
              HasSubstr("thaw_invocations_total{function=\"fn\",outcome=\"success\"} 4\n"));
  // The cold start's and the spawn's events are long gone.
  EXPECT_THAT(metrics.body, HasSubstr("thaw_cold_starts_total{function=\"fn\"} 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("thaw_instances_spawned_total{function=\"fn\"} 1\n"));
}

// Invalid UTF-8 anywhere in an Invoke request gets an AWS-shaped answer, never a dropped
// connection.
TEST_F(AdminApiTest, InvalidUtf8InAnInvokeGetsAnAwsError) {
  const HttpResult name = admin_->Post("/2015-03-31/functions/fn%FF/invocations", "{}");
  // Lambda's FunctionName pattern refuses the byte before any lookup.
  EXPECT_EQ(name.status, 400) << name.body;
  EXPECT_EQ(name.Header("x-amzn-ErrorType"), "ValidationException");
  EXPECT_TRUE(nlohmann::json::accept(name.body)) << name.body;
  const HttpResult payload =
      admin_->Post("/2015-03-31/functions/fn/invocations", "{\"k\":\"\xff\"}");
  EXPECT_EQ(payload.status, 400);
  EXPECT_EQ(payload.Header("x-amzn-ErrorType"), "InvalidRequestContentException");
  EXPECT_TRUE(nlohmann::json::accept(payload.body)) << payload.body;
  const HttpResult type = admin_->Post("/2015-03-31/functions/fn/invocations", "{}",
                                       {{"X-Amz-Invocation-Type", "Event\xff"}});
  EXPECT_EQ(type.status, 400);
  EXPECT_EQ(type.Header("x-amzn-ErrorType"), "ValidationException");
  EXPECT_TRUE(nlohmann::json::accept(type.body)) << type.body;
  // The connection is still served.
  EXPECT_EQ(admin_->Get("/_thaw/instances").status, 200);
}

// What the HTTP server answers itself on the Invoke API's port (a request it cannot read, a
// header over 64 KB) is a Lambda error an SDK can read: x-amzn-ErrorType and {"Type","Message"}.
TEST_F(AdminApiTest, TheServersOwnAnswersAreLambdaErrors) {
  auto expect_lambda_error = [](const HttpResult& result, int status) {
    EXPECT_EQ(result.status, status) << result.error << result.body;
    EXPECT_EQ(result.Header("x-amzn-ErrorType"), "InvalidRequestContentException");
    EXPECT_FALSE(result.Header("x-amzn-RequestId").empty());
    const nlohmann::json body = nlohmann::json::parse(result.body, nullptr, false);
    EXPECT_EQ(body.value("Type", ""), "User") << result.body;
    EXPECT_FALSE(body.value("Message", "").empty()) << result.body;
  };
  {
    HttpClient client(emu_->port(), TestTimeout());
    expect_lambda_error(client.Post("/2015-03-31/functions/fn/invocations", "{}",
                                    {{"X-Bad", std::string("a\x01b")}}),
                        400);
  }
  {
    HttpClient client(emu_->port(), TestTimeout());
    expect_lambda_error(client.Post("/2015-03-31/functions/fn/invocations", "{}",
                                    {{"X-Big-1", std::string(40 * 1024, 'a')},
                                     {"X-Big-2", std::string(40 * 1024, 'a')}}),
                        431);
  }
  EXPECT_EQ(admin_->Get("/_thaw/instances").status, 200);
}

// The fault routes, as every front serves them (http::RouteFaults over the session's
// FaultRegistry): here with the fake Momento as the one target.
TEST(AdminApiFaultsTest, AddListRemoveAndClearFaultsOverHttp) {
  auto emu = TestEmulator::Start(kConfig, nullptr, /*momento=*/true);
  ASSERT_TRUE(emu.ok()) << emu.status();
  HttpClient admin((*emu)->port(), TestTimeout());
  const HttpResult added =
      admin.Post("/_thaw/faults", R"({"service":"momento","rpc":"Get","error":"unavailable"})");
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string id = nlohmann::json::parse(added.body)["id"];
  EXPECT_EQ(id, "momento-1");
  const nlohmann::json listed = nlohmann::json::parse(admin.Get("/_thaw/faults").body)["faults"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["service"], "momento");
  EXPECT_EQ(listed[0]["id"], id);

  const HttpResult unknown = admin.Post("/_thaw/faults", R"({"service":"dynamodb"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(nlohmann::json::parse(unknown.body)["error"],
            "service: no fake named 'dynamodb' (momento)");
  const HttpResult not_json = admin.Post("/_thaw/faults", "[1]");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(nlohmann::json::parse(not_json.body)["error"], "expected a JSON object");

  EXPECT_EQ(admin.Send("DELETE", "/_thaw/faults/" + id, "").status, 200);
  const HttpResult gone = admin.Send("DELETE", "/_thaw/faults/" + id, "");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(nlohmann::json::parse(gone.body)["error"], "no fault " + id);
  ASSERT_EQ(admin.Post("/_thaw/faults", R"({"rpc":"Set","error":"unavailable"})").status, 201);
  const HttpResult cleared = admin.Send("DELETE", "/_thaw/faults", "");
  EXPECT_EQ(nlohmann::json::parse(cleared.body)["cleared"], 1);
}

}  // namespace
}  // namespace admin_api_test
}  // namespace thaw::testing
