#include "core/ledger_accounts.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/accounting.h"
#include "nlohmann/json.hpp"

namespace thaw {
namespace {

struct Step {
  int64_t instance;
  const char* kind;
  nlohmann::json attrs;
};

// A run with something of every account: cold and warm invokes, a throttle, Momento data,
// control and close-time connections, a reconnect after a fault, a subscription, secret fetches
// (one refetch, one after a rotation) and an error.
std::vector<Step> Script() {
  return {
      {1, "instance.spawned", nlohmann::json::object()},
      {1, "momento.connection.opened", {{"connection", "c1"}}},
      {1, "momento.rpc", {{"connection", "c1"}, {"plane", "data"}, {"method", "Get"}}},
      {1, "aws.request", {{"operation", "GetSecretValue"}, {"secret", "s"}, {"outcome", "ok"}}},
      {1, "invoke.end", {{"cold", true}, {"outcome", "success"}}},
      {1,
       "momento.connection.closed",
       {{"connection", "c1"}, {"by", "thaw"}, {"why", "fault:idle_drop"}}},
      {1, "momento.connection.opened", {{"connection", "c2"}}},
      {1, "momento.rpc", {{"connection", "c2"}, {"plane", "data"}, {"method", "Set"}}},
      {1, "momento.subscription.opened", {{"connection", "c2"}}},
      {1, "momento.subscription.closed", {{"connection", "c2"}, {"items", 3}}},
      {1, "aws.request", {{"operation", "GetSecretValue"}, {"secret", "s"}, {"outcome", "ok"}}},
      {0, "aws.secret.rotated", {{"secret", "s"}}},
      {1, "aws.request", {{"operation", "GetSecretValue"}, {"secret", "s"}, {"outcome", "ok"}}},
      {1, "invoke.end", {{"cold", false}, {"outcome", "function_error:Unhandled"}}},
      {0, "invoke.throttled", nlohmann::json::object()},
      {2, "instance.spawned", nlohmann::json::object()},
      {2, "momento.connection.opened", {{"connection", "c3"}}},
      {2, "momento.rpc", {{"connection", "c3"}, {"plane", "control"}, {"method", "ListCaches"}}},
      {2, "momento.connection.opened", {{"connection", "c4"}}},
      {2, "momento.rpc", {{"connection", "c4"}, {"plane", "data"}, {"method", "Get"}}},
      {2, "momento.connection.opened", {{"connection", "c5"}}},
      {2, "momento.connection.closed", {{"connection", "c4"}, {"by", "client"}}},
      {2, "momento.fault", {{"fault", "delay"}}},
      {2, "aws.request", {{"operation", "GetParameter"}, {"outcome", "ParameterNotFound"}}},
      {2, "invoke.end", {{"cold", true}, {"outcome", "timeout"}}},
  };
}

void Play(const std::vector<Step>& script, Ledger& ledger) {
  for (const Step& s : script) ledger.Append(s.instance, "fn", s.kind, s.attrs);
}

nlohmann::json InvocationsJson(const std::vector<InvocationStats>& stats) {
  nlohmann::json out = nlohmann::json::array();
  for (const InvocationStats& s : stats) {
    out.push_back({s.function, s.invocations, s.cold_starts, s.instances, s.throttles, s.outcomes});
  }
  return out;
}

// The accounts of a ledger whose window kept 3 events are those of every event: the window
// evicts events, never counts.
TEST(LedgerAccountsTest, StayExactWhenTheWindowEvictsEveryEventTheyCounted) {
  Ledger whole;
  Play(Script(), whole);
  Ledger windowed(3);
  LedgerAccounts accounts(windowed);
  Play(Script(), windowed);
  ASSERT_GT(windowed.FirstSeq(), 20u);

  const nlohmann::json momento = ToJson(MomentoConnectionsPerInstance(whole.Since(0)));
  EXPECT_EQ(ToJson(accounts.Momento()), momento);
  // The script reaches the accounts it means to: a reconnect after a fault, a close-time
  // control connection, a subscription.
  EXPECT_EQ(momento[0]["reconnects_after_fault"], 1);
  EXPECT_EQ(momento[1]["close_time_control_connections"], 1);
  EXPECT_EQ(momento[0]["subscription_items"], 3);

  const nlohmann::json aws = ToJson(AwsRequestsPerInstance(whole.Since(0)));
  EXPECT_EQ(ToJson(accounts.Aws()), aws);
  EXPECT_EQ(aws[0]["unprovoked"]["GetSecretValue"], 1);

  const std::vector<InvocationStats> invocations = accounts.Invocations();
  EXPECT_EQ(InvocationsJson(invocations),
            InvocationsJson(InvocationStatsPerFunction(whole.Since(0))));
  ASSERT_EQ(invocations.size(), 1u);
  EXPECT_EQ(invocations[0].invocations, 3);
  EXPECT_EQ(invocations[0].cold_starts, 2);
  EXPECT_EQ(invocations[0].throttles, 1);
}

// Created after events were appended, they count the events the ledger holds, once.
TEST(LedgerAccountsTest, CountTheEventsHeldWhenCreatedThenEveryLaterOne) {
  Ledger ledger;
  ledger.Append(1, "fn", "invoke.end", {{"outcome", "success"}});
  LedgerAccounts accounts(ledger);
  ledger.Append(1, "fn", "invoke.end", {{"outcome", "success"}});
  ASSERT_EQ(accounts.Invocations().size(), 1u);
  EXPECT_EQ(accounts.Invocations()[0].invocations, 2);
}

// Appends from several threads (the fakes' threads and the loop do) are each counted once.
TEST(LedgerAccountsTest, CountConcurrentAppendsExactly) {
  Ledger ledger(16);
  LedgerAccounts accounts(ledger);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&ledger, t] {
      for (int i = 0; i < 1000; ++i) {
        ledger.Append(t + 1, "fn", "invoke.end", {{"outcome", "success"}});
        ledger.Append(t + 1, "fn", "aws.request", {{"operation", "ListSecrets"}});
      }
    });
  }
  // Reads while they append take only the accounts' lock, never the ledger's.
  for (int i = 0; i < 100; ++i) accounts.Aws();
  for (std::thread& w : writers) w.join();
  ASSERT_EQ(accounts.Invocations().size(), 1u);
  EXPECT_EQ(accounts.Invocations()[0].invocations, 4000);
  long requests = 0;
  for (const AwsRequests& a : accounts.Aws()) requests += a.requests;
  EXPECT_EQ(requests, 4000);
}

}  // namespace
}  // namespace thaw
