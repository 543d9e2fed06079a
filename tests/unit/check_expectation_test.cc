// thaw check's rules: parsing the one-line and mapping forms, and evaluating them over a ledger
// (the failure lines must name the instance and the events that broke the rule).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/expectation.h"
#include "core/accounting.h"
#include "core/event_kinds.h"
#include "core/ledger.h"

namespace thaw::check {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST(ParseExpectationTest, ReadsMetricPerFunctionOpAndValue) {
  auto x = ParseExpectation("aws.GetSecretValue  per instance for orders <= 1");
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(x->metric, "aws.GetSecretValue");
  EXPECT_EQ(x->per, Expectation::Per::kInstance);
  EXPECT_EQ(x->function, "orders");
  EXPECT_EQ(x->op, Expectation::Op::kLe);
  EXPECT_EQ(x->value, 1);
  EXPECT_EQ(x->text, "aws.GetSecretValue per instance for orders <= 1");
}

TEST(ParseExpectationTest, DurationsAreMilliseconds) {
  auto x = ParseExpectation("duration.warm.p99 < 50ms");
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(x->per, Expectation::Per::kAll);
  EXPECT_EQ(x->value, 50);
  auto y = ParseExpectation("init_duration.max <= 2s");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->value, 2000);
}

TEST(ParseExpectationTest, RefusesWhatItCannotRead) {
  EXPECT_THAT(ParseExpectation("momento.conections == 1").status().message(),
              HasSubstr("unknown metric 'momento.conections'"));
  EXPECT_THAT(ParseExpectation("errors => 0").status().message(),
              HasSubstr("'=>' is not a comparison"));
  EXPECT_THAT(ParseExpectation("errors == lots").status().message(),
              HasSubstr("'lots' is not a number or a duration"));
  EXPECT_THAT(ParseExpectation("errors per pod == 0").status().message(),
              HasSubstr("per instance, per function"));
  EXPECT_THAT(ParseExpectation("errors").status().message(), HasSubstr("expected 'METRIC"));
  EXPECT_THAT(ParseExpectation("duration.p0 < 5").status().message(), HasSubstr("unknown"));
}

TEST(ParseExpectationTest, MappingFormIsTheSameRule) {
  auto x = ExpectationFromJson(
      {{"metric", "duration.p50"}, {"per", "function"}, {"op", "<"}, {"value", "20ms"}});
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(x->text, "duration.p50 per function < 20ms");
  EXPECT_EQ(x->value, 20);
  EXPECT_THAT(ExpectationFromJson({{"metric", "errors"}, {"op", "=="}}).status().message(),
              HasSubstr("value: required"));
  EXPECT_THAT(ExpectationFromJson({{"metric", "errors"}, {"op", "=="}, {"value", 0}, {"x", 1}})
                  .status()
                  .message(),
              HasSubstr("unknown key 'x'"));
}

Expectation Rule(const std::string& text) {
  auto x = ParseExpectation(text);
  EXPECT_TRUE(x.ok()) << x.status();
  return *x;
}

// Instance 1 keeps one client (one data connection for three invokes); instance 2 makes a new
// one per invoke (three), and also opens a control-only connection.
class MomentoLedger : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_.Append(1, "orders", "instance.spawned");
    ledger_.Append(2, "orders", "instance.spawned");
    ledger_.Append(1, "orders", "momento.connection.opened", {{"connection", "c1"}});
    for (int i = 0; i < 3; ++i) {
      ledger_.Append(1, "orders", "invoke.start", {{"cold", i == 0}});
      ledger_.Append(1, "orders", "momento.rpc",
                     {{"connection", "c1"}, {"plane", "data"}, {"method", "Get"}});
      ledger_.Append(1, "orders", "invoke.end",
                     {{"cold", i == 0}, {"outcome", "success"}, {"duration_ms", 10.0 + i}});
    }
    for (int i = 0; i < 3; ++i) {
      ledger_.Append(2, "orders", "invoke.start", {{"cold", i == 0}});
      const std::string id = "d" + std::to_string(i);
      data_opened_.push_back(
          ledger_.Append(2, "orders", "momento.connection.opened", {{"connection", id}}));
      ledger_.Append(2, "orders", "momento.rpc",
                     {{"connection", id}, {"plane", "data"}, {"method", "Set"}});
      ledger_.Append(2, "orders", "invoke.end",
                     {{"cold", i == 0},
                      {"outcome", i == 2 ? "function_error:Error" : "success"},
                      {"duration_ms", 100.0}});
    }
    ledger_.Append(2, "orders", "momento.connection.opened", {{"connection", "k"}});
    ledger_.Append(2, "orders", "momento.rpc",
                   {{"connection", "k"}, {"plane", "control"}, {"method", "CreateCache"}});
  }

  ExpectationResult Eval(const std::string& text) {
    return Evaluate(Rule(text), ledger_.Since(0), {"orders", "idle"});
  }

  Ledger ledger_;
  std::vector<uint64_t> data_opened_;
};

TEST_F(MomentoLedger, DataConnectionsPerInstanceNamesTheInstanceAndItsConnections) {
  ExpectationResult r = Eval("momento.data_connections per instance == 1");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.measured, "1 to 3 over 2 instances");
  ASSERT_THAT(r.failures, SizeIs(1));
  EXPECT_EQ(r.failures[0],
            "instance 2 (orders) opened 3 Momento data connections, one per "
            "invoke: at seq " +
                std::to_string(data_opened_[0]) + ", " + std::to_string(data_opened_[1]) + ", " +
                std::to_string(data_opened_[2]) + " (expected == 1)");
  EXPECT_TRUE(Eval("momento.data_connections per instance <= 3").passed);
  EXPECT_TRUE(Eval("momento.control_connections == 1").passed);
  EXPECT_TRUE(Eval("momento.connections per instance for orders <= 4").passed);
  EXPECT_TRUE(Eval("momento.rpcs.Get == 3").passed);
}

TEST_F(MomentoLedger, CountsAgreeWithTheLedgerQuery) {
  for (const MomentoConnections& row : MomentoConnectionsPerInstance(ledger_)) {
    const std::string rule =
        "momento.data_connections per instance == " + std::to_string(row.data_connections);
    ExpectationResult r = Eval(rule);
    // Exactly the other instance breaks the rule stated with this instance's own count.
    ASSERT_THAT(r.failures, SizeIs(1)) << rule;
    EXPECT_THAT(r.failures[0],
                ::testing::Not(HasSubstr("instance " + std::to_string(row.instance) + " ")));
  }
}

// The SDK's close() opens a control connection that carries no RPC. The rules count it as the
// accounting does: control, not unused (they once disagreed).
TEST(MomentoCloseTime, TheCloseTimeConnectionIsControlForTheRulesToo) {
  Ledger ledger;
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c1"}});
  ledger.Append(1, "fn", "momento.rpc",
                {{"connection", "c1"}, {"plane", "data"}, {"method", "Get"}});
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c2"}});
  ledger.Append(1, "fn", "momento.connection.closed", {{"connection", "c1"}, {"by", "client"}});
  const std::vector<MomentoConnections> accounts = MomentoConnectionsPerInstance(ledger);
  ASSERT_THAT(accounts, SizeIs(1));
  EXPECT_EQ(accounts[0].control_connections, 1);
  EXPECT_EQ(accounts[0].unused_connections, 0);
  auto eval = [&](const std::string& rule) {
    return Evaluate(Rule(rule), ledger.Since(0), {"fn"}).passed;
  };
  EXPECT_TRUE(eval("momento.control_connections per instance == 1"));
  EXPECT_TRUE(eval("momento.unused_connections == 0"));
  EXPECT_TRUE(eval("momento.data_connections per instance == 1"));
}

TEST_F(MomentoLedger, TotalsAndPerFunction) {
  EXPECT_TRUE(Eval("invocations == 6").passed);
  EXPECT_TRUE(Eval("cold_starts == 2").passed);
  EXPECT_TRUE(Eval("instances == 2").passed);
  ExpectationResult errors = Eval("errors == 0");
  EXPECT_FALSE(errors.passed);
  EXPECT_THAT(errors.failures[0], HasSubstr("all functions had 1 failed invocations: at seq"));
  // A function that never ran is 0, not missing.
  ExpectationResult per_function = Eval("invocations per function >= 1");
  EXPECT_FALSE(per_function.passed);
  EXPECT_THAT(per_function.failures, ::testing::ElementsAre(HasSubstr("function idle served 0")));
}

TEST_F(MomentoLedger, PercentilesNameTheSlowestEvents) {
  EXPECT_TRUE(Eval("duration.warm.p50 < 100ms").passed);  // 11, 12, 100, 100: p50 is 12
  EXPECT_FALSE(Eval("duration.warm.p99 < 100ms").passed);
  ExpectationResult r = Eval("duration.warm.p99 per instance < 50ms");
  EXPECT_FALSE(r.passed);
  ASSERT_THAT(r.failures, SizeIs(1));
  EXPECT_THAT(r.failures[0], HasSubstr("instance 2 (orders) had a p99 warm duration of 100 ms "
                                       "over 2 events; slowest at seq"));
  EXPECT_TRUE(Eval("duration.warm.max per instance for orders <= 100ms").passed);
  EXPECT_EQ(Eval("duration.cold.avg < 1s").measured, "55 ms");
}

TEST_F(MomentoLedger, RuleOverNothingFails) {
  ExpectationResult r = Eval("aws.GetSecretValue per instance for idle <= 1");
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.failures[0], HasSubstr("proves nothing"));
  EXPECT_FALSE(Eval("init_duration.max < 1s").passed);  // no instance.ready events
}

TEST(EvaluateTest, SecretFetchesPerInstance) {
  Ledger ledger;
  ledger.Append(4, "fn", "instance.spawned");
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 2; ++i) {
    ledger.Append(4, "fn", "invoke.start", {{"cold", i == 0}});
    seqs.push_back(ledger.Append(4, "fn", "aws.request",
                                 {{"operation", "GetSecretValue"}, {"outcome", "ok"}}));
  }
  ledger.Append(0, "", "aws.request", {{"operation", "GetSecretValue"}, {"outcome", "ok"}});
  ExpectationResult r =
      Evaluate(Rule("aws.GetSecretValue per instance <= 1"), ledger.Since(0), {"fn"});
  EXPECT_FALSE(r.passed);
  ASSERT_THAT(r.failures, SizeIs(1));
  EXPECT_EQ(r.failures[0], "instance 4 (fn) made 2 GetSecretValue calls, one per invoke: at seq " +
                               std::to_string(seqs[0]) + ", " + std::to_string(seqs[1]) +
                               " (expected <= 1)");
  // Requests signed by no instance count in totals only.
  EXPECT_TRUE(Evaluate(Rule("aws.GetSecretValue == 3"), ledger.Since(0), {"fn"}).passed);
  EXPECT_TRUE(Evaluate(Rule("events.aws.request == 3"), ledger.Since(0), {"fn"}).passed);
}

TEST(EvaluateTest, PackageErrorsNameTheFileAndTheReason) {
  Ledger ledger;
  ledger.Append(0, "orders", kinds::kPackageProblem,
                {{"file", "node_modules/fsevents/fsevents.node"},
                 {"severity", "error"},
                 {"reason", "built on macOS (Mach-O 64-bit arm64)"}});
  ledger.Append(0, "orders", kinds::kPackageProblem,
                {{"file", "bad.so"}, {"severity", "note"}, {"reason", "cannot be judged"}});
  const std::vector<Event> events = ledger.Since(0);
  auto rule = ParseExpectation("package.errors == 0");
  ASSERT_TRUE(rule.ok()) << rule.status();
  ExpectationResult r = Evaluate(*rule, events, {"orders"});
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.measured, "1");
  ASSERT_THAT(r.failures, SizeIs(1));
  EXPECT_THAT(r.failures[0], HasSubstr("had 1 packaging errors"));
  EXPECT_THAT(r.failures[0], HasSubstr("orders: node_modules/fsevents/fsevents.node: built on "
                                       "macOS (Mach-O 64-bit arm64)"));
  EXPECT_TRUE(Evaluate(*ParseExpectation("package.notes == 1"), events, {"orders"}).passed);
  EXPECT_TRUE(Evaluate(*rule, {}, {"orders"}).passed);  // nothing found: the rule holds
  EXPECT_TRUE(
      Evaluate(*ParseExpectation("package.errors per function == 0"), {}, {"orders"}).passed);
}

}  // namespace
}  // namespace thaw::check
