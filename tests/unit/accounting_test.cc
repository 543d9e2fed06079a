#include "core/accounting.h"

#include <gtest/gtest.h>

namespace thaw {
namespace {

TEST(AccountingTest, ClassifiesMomentoConnectionsPerInstance) {
  Ledger ledger;
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c1"}});
  ledger.Append(1, "fn", "momento.rpc",
                {{"connection", "c1"}, {"plane", "data"}, {"method", "Set"}});
  ledger.Append(1, "fn", "momento.rpc",
                {{"connection", "c1"}, {"plane", "data"}, {"method", "Get"}});
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c2"}});
  ledger.Append(1, "fn", "momento.connection.closed", {{"connection", "c2"}});
  ledger.Append(2, "fn", "momento.connection.opened", {{"connection", "c3"}});
  ledger.Append(2, "fn", "momento.rpc",
                {{"connection", "c3"}, {"plane", "control"}, {"method", "CreateCache"}});
  ledger.Append(2, "fn", "invoke.end");
  const std::vector<MomentoConnections> result = MomentoConnectionsPerInstance(ledger);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0].instance, 1);
  EXPECT_EQ(result[0].connections, 2);
  EXPECT_EQ(result[0].data_connections, 1);
  EXPECT_EQ(result[0].unused_connections, 1);
  EXPECT_EQ(result[0].closed, 1);
  EXPECT_EQ(result[0].rpcs.at("Get"), 1);
  EXPECT_EQ(result[1].control_connections, 1);
  EXPECT_EQ(result[1].data_connections, 0);
}

TEST(AccountingTest, TheSdksCloseTimeConnectionIsControl) {
  Ledger ledger;
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c1"}});
  ledger.Append(1, "fn", "momento.rpc",
                {{"connection", "c1"}, {"plane", "data"}, {"method", "Get"}});
  // close(): the control channel connects, the data connection closes at once, the control
  // one (maybe much) later.
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c2"}});
  ledger.Append(1, "fn", "momento.connection.closed", {{"connection", "c1"}, {"by", "client"}});
  // The accept may be seen after the data close: still the close-time connection.
  ledger.Append(5, "fn", "momento.connection.opened", {{"connection", "c4"}});
  ledger.Append(5, "fn", "momento.rpc",
                {{"connection", "c4"}, {"plane", "data"}, {"method", "Get"}});
  ledger.Append(5, "fn", "momento.connection.closed", {{"connection", "c4"}, {"by", "client"}});
  ledger.Append(5, "fn", "momento.connection.opened", {{"connection", "c5"}});
  // A connection that never carried an RPC, with no data connection closed around its opening,
  // stays unused.
  ledger.Append(2, "fn", "momento.connection.opened", {{"connection", "c3"}});
  ledger.Append(2, "fn", "momento.connection.closed", {{"connection", "c3"}, {"by", "client"}});
  const std::vector<MomentoConnections> result = MomentoConnectionsPerInstance(ledger);
  ASSERT_EQ(result.size(), 3u);
  EXPECT_EQ(result[0].data_connections, 1);
  EXPECT_EQ(result[0].control_connections, 1);
  EXPECT_EQ(result[0].close_time_control_connections, 1);
  EXPECT_EQ(result[0].unused_connections, 0);
  EXPECT_EQ(result[1].unused_connections, 1);
  EXPECT_EQ(result[1].control_connections, 0);
  EXPECT_EQ(result[2].instance, 5);
  EXPECT_EQ(result[2].close_time_control_connections, 1);
  EXPECT_EQ(result[2].unused_connections, 0);
}

TEST(AccountingTest, CountsReconnectsAfterAClosedOrDroppedDataConnection) {
  Ledger ledger;
  auto data_rpc = [&](const std::string& connection) {
    ledger.Append(4, "fn", "momento.rpc",
                  {{"connection", connection}, {"plane", "data"}, {"method", "Get"}});
  };
  ledger.Append(4, "fn", "momento.connection.opened", {{"connection", "c1"}});
  data_rpc("c1");
  data_rpc("c1");
  ledger.Append(4, "fn", "momento.fault", {{"connection", "c1"}, {"fault", "idle_drop"}});
  ledger.Append(4, "fn", "momento.connection.closed",
                {{"connection", "c1"}, {"by", "thaw"}, {"why", "fault:idle_drop"}});
  ledger.Append(4, "fn", "momento.connection.opened", {{"connection", "c2"}});
  data_rpc("c2");
  data_rpc("c2");
  ledger.Append(4, "fn", "momento.connection.closed",
                {{"connection", "c2"}, {"by", "client"}, {"why", "eof"}});
  ledger.Append(4, "fn", "momento.connection.opened", {{"connection", "c3"}});
  data_rpc("c3");
  const std::vector<MomentoConnections> result = MomentoConnectionsPerInstance(ledger);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0].data_connections, 3);
  EXPECT_EQ(result[0].reconnects, 2);
  EXPECT_EQ(result[0].reconnects_after_fault, 1);
  EXPECT_EQ(result[0].faults, 1);
}

// Unprovoked: a data connection opened while the instance had an open one of the same plane, or
// after the client closed its last one; not the first, not after thaw dropped the previous one.
TEST(AccountingTest, UnprovokedConnectionsAreTheOnesNoServerSideDropExplains) {
  Ledger ledger;
  auto open = [&](int64_t instance, const std::string& connection, const std::string& plane) {
    ledger.Append(instance, "fn", "momento.connection.opened", {{"connection", connection}});
    ledger.Append(instance, "fn", "momento.rpc",
                  {{"connection", connection}, {"plane", plane}, {"method", "Get"}});
  };
  auto close = [&](int64_t instance, const std::string& connection, const std::string& by,
                   const std::string& why) {
    ledger.Append(instance, "fn", "momento.connection.closed",
                  {{"connection", connection}, {"by", by}, {"why", why}});
  };
  // 1: a module-scope client under idle_drop and reset: every reconnect is provoked.
  open(1, "a1", "data");
  close(1, "a1", "thaw", "fault:idle_drop");
  open(1, "a2", "data");
  close(1, "a2", "thaw", "reset");
  open(1, "a3", "data");
  open(1, "t1", "topic");  // a topic client's own connection: another plane
  // 2: a client per invoke, never closed: each after the first is unprovoked.
  open(2, "b1", "data");
  open(2, "b2", "data");
  open(2, "b3", "data");
  // 3: a client closed at the end of each invoke: the next one is unprovoked.
  open(3, "c1", "data");
  close(3, "c1", "client", "eof");
  open(3, "c2", "data");
  // 4: the server dropped one, the client then closed the other itself before reopening.
  open(4, "d1", "data");
  close(4, "d1", "thaw", "fault:reset");
  open(4, "d2", "data");
  close(4, "d2", "client", "eof");
  open(4, "d3", "data");
  const std::vector<MomentoConnections> result = MomentoConnectionsPerInstance(ledger);
  ASSERT_EQ(result.size(), 4u);
  EXPECT_EQ(result[0].unprovoked_connections, 0);
  EXPECT_EQ(result[0].data_connections, 4);
  EXPECT_EQ(result[1].unprovoked_connections, 2);
  EXPECT_EQ(result[2].unprovoked_connections, 1);
  EXPECT_EQ(result[3].unprovoked_connections, 1);
  std::vector<std::string> unprovoked;
  for (const MomentoConnection& c : ClassifyMomentoConnections(ledger.Since(0))) {
    if (c.unprovoked) unprovoked.push_back(c.id);
  }
  EXPECT_EQ(unprovoked, (std::vector<std::string>{"b2", "b3", "c2", "d3"}));
  EXPECT_EQ(ToJson(result[1])["unprovoked_connections"], 2);
}

// A client that closes a connection idle for a minute or more on the instance's clock (the
// Momento SDK's Lambda configuration recycles one idle for minutes) provokes the next one; the
// idle time counts the scheduler clock's advance, as the function sees it.
TEST(AccountingTest, AConnectionOpenedAfterTheClientRecycledAnIdleOneIsProvoked) {
  Ledger ledger;
  auto rpc = [&](int64_t instance, const std::string& connection) {
    ledger.Append(instance, "fn", "momento.rpc",
                  {{"connection", connection}, {"plane", "data"}, {"method", "Get"}});
  };
  auto advance = [&](int64_t offset_ms) {
    ledger.Append(0, "", "clock.advanced", {{"by_ms", 300'000}, {"offset_ms", offset_ms}});
  };
  auto close = [&](int64_t instance, const std::string& connection) {
    ledger.Append(instance, "fn", "momento.connection.closed",
                  {{"connection", connection}, {"by", "client"}, {"why", "eof"}});
  };
  // 1: used, five minutes pass, then recycled by its client: the next one is provoked.
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "a1"}});
  rpc(1, "a1");
  // 2: a client closed right after its call, also after the advance: unprovoked.
  ledger.Append(2, "fn", "momento.connection.opened", {{"connection", "b1"}});
  rpc(2, "b1");
  // 3: the SDK's own order: the new connection first, then the idle one closed, unused.
  ledger.Append(3, "fn", "momento.connection.opened", {{"connection", "c1"}});
  rpc(3, "c1");
  // 4: a client per invoke, the old one left open (not recycled): unprovoked.
  ledger.Append(4, "fn", "momento.connection.opened", {{"connection", "d1"}});
  rpc(4, "d1");
  advance(300'000);
  ledger.Append(3, "fn", "momento.connection.opened", {{"connection", "c2"}});
  rpc(3, "c2");
  close(3, "c1");
  ledger.Append(4, "fn", "momento.connection.opened", {{"connection", "d2"}});
  rpc(4, "d2");
  close(1, "a1");
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "a2"}});
  rpc(1, "a2");
  rpc(2, "b1");
  close(2, "b1");
  ledger.Append(2, "fn", "momento.connection.opened", {{"connection", "b2"}});
  rpc(2, "b2");
  const std::vector<MomentoConnections> result = MomentoConnectionsPerInstance(ledger);
  ASSERT_EQ(result.size(), 4u);
  EXPECT_EQ(result[0].unprovoked_connections, 0);
  EXPECT_EQ(result[0].data_connections, 2);
  EXPECT_EQ(result[1].unprovoked_connections, 1);
  EXPECT_EQ(result[2].unprovoked_connections, 0);
  EXPECT_EQ(result[3].unprovoked_connections, 1);
  std::vector<std::string> recycled;
  std::vector<std::string> unprovoked;
  for (const MomentoConnection& c : ClassifyMomentoConnections(ledger.Since(0))) {
    if (c.idle_recycled) recycled.push_back(c.id);
    if (c.unprovoked) unprovoked.push_back(c.id);
  }
  EXPECT_EQ(recycled, (std::vector<std::string>{"a1", "c1"}));
  EXPECT_EQ(unprovoked, (std::vector<std::string>{"d2", "b2"}));  // in open order
}

// A refetch of the same secret by the same instance is unprovoked unless the secret changed in
// between (a rotation, a successful write) or the previous fetch failed.
TEST(AccountingTest, UnprovokedRefetchesAreTheOnesNoRotationOrFailureExplains) {
  Ledger ledger;
  auto get = [&](int64_t instance, const std::string& secret, const std::string& outcome) {
    return ledger.Append(
        instance, "fn", "aws.request",
        {{"operation", "GetSecretValue"}, {"secret", secret}, {"outcome", outcome}});
  };
  get(1, "key", "ok");
  const uint64_t again = get(1, "key", "ok");  // unprovoked
  ledger.Append(0, "", "aws.secret.rotated", {{"secret", "key"}, {"version", "v2"}});
  get(1, "key", "ok");  // after a rotation
  ledger.Append(0, "", "aws.rotation", {{"secret", "key"}, {"outcome", "ok"}});
  get(1, "key", "AccessDeniedException");  // after a rotation
  get(1, "key", "ok");                     // after a failure
  ledger.Append(2, "fn", "aws.request",
                {{"operation", "PutSecretValue"}, {"secret", "key"}, {"outcome", "ok"}});
  get(1, "key", "ok");                        // after a write, by any instance
  const uint64_t last = get(1, "key", "ok");  // unprovoked
  get(1, "other", "ok");                      // another secret: its first
  get(2, "key", "ok");                        // another instance: its first
  ledger.Append(1, "fn", "aws.request",
                {{"operation", "GetParameter"}, {"parameter", "/p"}, {"outcome", "ok"}});
  const uint64_t parameter =
      ledger.Append(1, "fn", "aws.request",
                    {{"operation", "GetParameter"}, {"parameter", "/p"}, {"outcome", "ok"}});

  const std::vector<AwsRefetch> refetches = UnprovokedAwsRefetches(ledger.Since(0));
  ASSERT_EQ(refetches.size(), 3u);
  EXPECT_EQ(refetches[0].seq, again);
  EXPECT_EQ(refetches[1].seq, last);
  EXPECT_EQ(refetches[2].seq, parameter);
  EXPECT_EQ(refetches[2].resource, "/p");
  const std::vector<AwsRequests> result = AwsRequestsPerInstance(ledger);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0].unprovoked.at("GetSecretValue"), 2);
  EXPECT_EQ(result[0].unprovoked.at("GetParameter"), 1);
  EXPECT_TRUE(result[1].unprovoked.empty());
}

// Swallowed: answered success while every call the invocation made to a fake failed. Not when
// one call succeeded, not when it made none, not when it answered an error.
TEST(AccountingTest, SwallowedFailuresAreSuccessesWhoseEveryFakeCallFailed) {
  Ledger ledger;
  auto invoke = [&](int64_t instance, const std::vector<std::pair<std::string, bool>>& calls,
                    const std::string& outcome) {
    ledger.Append(instance, "fn", "invoke.start", {{"request_id", "r"}});
    for (const auto& [kind, ok] : calls) {
      if (kind == "momento") {
        ledger.Append(instance, "fn", "momento.rpc",
                      {{"method", "Get"}, {"code", ok ? "OK" : "UNAVAILABLE"}});
      } else if (kind == "aws") {
        ledger.Append(
            instance, "fn", "aws.request",
            {{"operation", "GetSecretValue"}, {"outcome", ok ? "ok" : "AccessDeniedException"}});
      } else {
        ledger.Append(instance, "fn", "sandbox.egress_blocked",
                      {{"host", "api.example.com"}, {"port", 443}});
      }
    }
    return ledger.Append(instance, "fn", "invoke.end", {{"outcome", outcome}});
  };
  const uint64_t all_failed = invoke(
      1, {{"momento", false}, {"momento", false}, {"aws", false}, {"egress", false}}, "success");
  invoke(1, {{"momento", false}, {"aws", true}}, "success");  // one succeeded
  invoke(1, {}, "success");                                   // made no call
  invoke(2, {{"aws", false}}, "function_error:Error");        // said it failed
  ledger.Append(2, "fn", "aws.request", {{"operation", "GetSecretValue"}, {"outcome", "x"}});
  invoke(2, {{"momento", true}}, "success");  // a failure between invocations is not one's
  const std::vector<SwallowedFailure> swallowed = SwallowedFailures(ledger.Since(0));
  ASSERT_EQ(swallowed.size(), 1u);
  EXPECT_EQ(swallowed[0].seq, all_failed);
  EXPECT_EQ(swallowed[0].calls, 4);
  EXPECT_EQ(swallowed[0].Describe(),
            "GetSecretValue AccessDeniedException, Momento Get UNAVAILABLE ×2, egress to "
            "api.example.com:443 blocked");
}

TEST(AccountingTest, CountsAwsRequestsPerInstanceAndSecret) {
  Ledger ledger;
  ledger.Append(3, "fn", "aws.request",
                {{"operation", "GetSecretValue"}, {"secret", "s1"}, {"outcome", "ok"}});
  ledger.Append(3, "fn", "aws.request",
                {{"operation", "GetSecretValue"}, {"secret", "s1"}, {"outcome", "ok"}});
  ledger.Append(3, "fn", "aws.request",
                {{"operation", "GetParameter"}, {"outcome", "ParameterNotFound"}});
  ledger.Append(0, "", "aws.request", {{"operation", "ListSecrets"}, {"outcome", "ok"}});
  ledger.Append(3, "fn", "invoke.end");
  const std::vector<AwsRequests> result = AwsRequestsPerInstance(ledger);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0].instance, 0);
  EXPECT_EQ(result[1].instance, 3);
  EXPECT_EQ(result[1].requests, 3);
  EXPECT_EQ(result[1].operations.at("GetSecretValue"), 2);
  EXPECT_EQ(result[1].secrets.at("s1").at("GetSecretValue"), 2);
  EXPECT_EQ(result[1].errors.at("ParameterNotFound"), 1);
}

TEST(AccountingTest, ClassifiesEachConnectionInOpenOrder) {
  Ledger ledger;
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c1"}});
  ledger.Append(1, "fn", "momento.rpc",
                {{"connection", "c1"}, {"plane", "data"}, {"method", "Get"}});
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c2"}});
  ledger.Append(1, "fn", "momento.connection.closed", {{"connection", "c1"}, {"by", "client"}});
  ledger.Append(2, "fn", "momento.connection.opened", {{"connection", "c3"}});
  const std::vector<MomentoConnection> connections = ClassifyMomentoConnections(ledger.Since(0));
  ASSERT_EQ(connections.size(), 3u);
  EXPECT_EQ(connections[0].id, "c1");
  EXPECT_EQ(connections[0].role, ConnectionRole::kData);
  EXPECT_TRUE(connections[0].closed);
  EXPECT_EQ(connections[0].opened_seq, 1u);
  EXPECT_EQ(connections[1].role, ConnectionRole::kControl);
  EXPECT_TRUE(connections[1].close_time);
  EXPECT_EQ(connections[2].instance, 2);
  EXPECT_EQ(connections[2].role, ConnectionRole::kUnused);
}

TEST(AccountingTest, JsonKeepsTheAdminApiShape) {
  Ledger ledger;
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c1"}});
  ledger.Append(1, "fn", "momento.rpc",
                {{"connection", "c1"}, {"plane", "data"}, {"method", "Get"}});
  ledger.Append(1, "fn", "aws.request", {{"operation", "GetSecretValue"}, {"secret", "s"}});
  const nlohmann::json momento = ToJson(MomentoConnectionsPerInstance(ledger));
  EXPECT_EQ(momento, nlohmann::json::parse(R"([{"instance":1,"function":"fn","connections":1,
      "data_connections":1,"control_connections":0,"close_time_control_connections":0,
      "unused_connections":0,"closed":0,"reconnects":0,"reconnects_after_fault":0,
      "unprovoked_connections":0,"faults":0,
      "rpcs":{"Get":1},"subscriptions":0,"open_subscriptions":0,"subscription_items":0}])"));
  const nlohmann::json aws = ToJson(AwsRequestsPerInstance(ledger));
  EXPECT_EQ(aws, nlohmann::json::parse(R"([{"instance":1,"function":"fn","requests":1,
      "operations":{"GetSecretValue":1},"secrets":{"s":{"GetSecretValue":1}},"errors":{},
      "unprovoked":{}}])"));
  EXPECT_EQ(AwsRequestsPerInstance(ledger)[0].SecretFetches(), 1);
}

TEST(AccountingTest, TopicSubscriptionsPerInstanceAndTopicCallsMakeDataConnections) {
  Ledger ledger;
  ledger.Append(3, "fn", "momento.connection.opened", {{"connection", "c1"}});
  ledger.Append(3, "fn", "momento.subscription.opened", {{"connection", "c1"}, {"topic", "t"}});
  ledger.Append(3, "fn", "momento.subscription.opened", {{"connection", "c1"}, {"topic", "u"}});
  ledger.Append(3, "fn", "momento.subscription.closed",
                {{"connection", "c1"}, {"topic", "t"}, {"items", 4}});
  ledger.Append(3, "fn", "momento.rpc",
                {{"connection", "c1"}, {"plane", "topic"}, {"method", "Subscribe"}});
  std::vector<MomentoConnections> accounts = MomentoConnectionsPerInstance(ledger);
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(accounts[0].subscriptions, 2);
  EXPECT_EQ(accounts[0].open_subscriptions, 1);
  EXPECT_EQ(accounts[0].subscription_items, 4);
  EXPECT_EQ(accounts[0].data_connections, 1);
}

TEST(AccountingTest, InvocationStatsPerFunction) {
  Ledger ledger;
  ledger.Append(1, "a", "instance.spawned");
  ledger.Append(1, "a", "invoke.end", {{"cold", true}, {"outcome", "success"}});
  ledger.Append(1, "a", "invoke.end", {{"cold", false}, {"outcome", "function_error:Error"}});
  ledger.Append(0, "b", "invoke.throttled");
  const std::vector<InvocationStats> stats = InvocationStatsPerFunction(ledger.Since(0));
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].function, "a");
  EXPECT_EQ(stats[0].invocations, 2);
  EXPECT_EQ(stats[0].cold_starts, 1);
  EXPECT_EQ(stats[0].instances, 1);
  EXPECT_EQ(stats[0].outcomes.at("function_error"), 1);
  EXPECT_EQ(stats[1].throttles, 1);
}

// The tally counts what it is given, one event at a time, as the whole-list function does.
TEST(AccountingTest, InvocationTallyCountsEventByEventAsTheWholeListDoes) {
  Ledger ledger;
  InvocationTally tally;
  auto append = [&](int64_t instance, const char* fn, const char* kind, nlohmann::json attrs) {
    ledger.Append(instance, fn, kind, attrs);
    tally.Add(ledger.Since(ledger.LastSeq() - 1).back());
  };
  append(1, "a", "instance.spawned", nlohmann::json::object());
  append(1, "a", "invoke.end", {{"cold", true}, {"outcome", "success"}});
  ASSERT_EQ(tally.Stats().size(), 1u);
  EXPECT_EQ(tally.Stats()[0].invocations, 1);
  append(1, "a", "invoke.end", {{"cold", false}, {"outcome", "timeout"}});
  append(0, "b", "invoke.throttled", nlohmann::json::object());
  append(1, "a", "momento.rpc", nlohmann::json::object());  // not an invocation's
  const std::vector<InvocationStats> stats = tally.Stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].invocations, 2);
  EXPECT_EQ(stats[0].cold_starts, 1);
  EXPECT_EQ(stats[0].instances, 1);
  EXPECT_EQ(stats[0].outcomes.at("timeout"), 1);
  EXPECT_EQ(stats[1].function, "b");
  EXPECT_EQ(stats[1].throttles, 1);
  const std::vector<InvocationStats> whole = InvocationStatsPerFunction(ledger.Since(0));
  ASSERT_EQ(whole.size(), stats.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(whole[i].invocations, stats[i].invocations);
    EXPECT_EQ(whole[i].outcomes, stats[i].outcomes);
    EXPECT_EQ(whole[i].throttles, stats[i].throttles);
  }
}

}  // namespace
}  // namespace thaw
