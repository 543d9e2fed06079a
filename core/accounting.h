#ifndef THAW_CORE_ACCOUNTING_H_
#define THAW_CORE_ACCOUNTING_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/ledger.h"
#include "nlohmann/json.hpp"

namespace thaw {

// Typed accounting over the ledger, computed here and nowhere else: `thaw check`'s rules,
// thaw::testing, the admin API (/_thaw/momento, /_thaw/aws, /_thaw/metrics), the terminal table
// and the report all read these. Every function is pure over the events it is given (in seq
// order, as Ledger::Since/Select return them) and thread-safe. The accounts a long run asks for
// again and again also come as tallies (InvocationTally, MomentoTally, AwsTally) fed one event
// at a time, which LedgerAccounts (core/ledger_accounts.h) keeps exact however many events the
// ledger's window has evicted; each function below is its tally fed the whole list, so both give
// the same answer.

// What a Momento connection was used for.
//  - kData: it carried at least one cache_client.Scs (data-plane) or topic RPC;
//  - kControl: it carried only control-plane or ping RPCs, or it is the short control
//    connection the SDK's close() opens (no RPC, opened at most 1 s before or after the client
//    closed one of the instance's data connections; `close_time` is then set);
//  - kUnused: neither.
enum class ConnectionRole { kData, kControl, kUnused };

// One Momento connection, as the fake saw it.
struct MomentoConnection {
  std::string id;
  int64_t instance = 0;
  std::string function;
  // Its momento.connection.opened event (or its first RPC's, when the open was not recorded).
  uint64_t opened_seq = 0;
  double opened_ms = 0;
  ConnectionRole role = ConnectionRole::kUnused;
  bool close_time = false;
  bool closed = false;
  // A data connection its instance did not need: when it started carrying calls, the instance
  // already had an open data connection of the same plane (cache data or topic), or the last
  // one it had was closed by the client itself. A first connection is never unprovoked, nor
  // one opened after thaw (a fault, a reset) closed the previous one: a correct client
  // reconnects then. So per-invoke clients and close-each-invoke clients make them; a
  // module-scope client under `idle_drop` or `reset` faults does not. Nor one opened after the
  // client recycled an idle connection (`idle_recycled`).
  bool unprovoked = false;
  // A data connection its client closed after at least 60 s without a call on it, measured on
  // the instance's clock (real time plus the scheduler clock's advance, as the function sees
  // it): the idle recycling of the Momento SDK's Lambda configuration. Provokes the next one,
  // also when the client opened that one first and closed this one after, unused meanwhile
  // (which the SDK does).
  bool idle_recycled = false;
};

// Every Momento connection, in the order they opened.
std::vector<MomentoConnection> ClassifyMomentoConnections(const std::vector<Event>& events);

// One instance's Momento connections and RPCs. `reconnects` counts data connections that
// started carrying RPCs after one of the instance's data connections had closed
// (`reconnects_after_fault`: closed by a thaw fault, why=fault:*); `faults` counts
// momento.fault events.
struct MomentoConnections {
  int64_t instance = 0;
  std::string function;
  long connections = 0;
  long data_connections = 0;
  long control_connections = 0;  // close-time ones included
  long close_time_control_connections = 0;
  long unused_connections = 0;
  long closed = 0;
  long reconnects = 0;
  long reconnects_after_fault = 0;
  long unprovoked_connections = 0;  // MomentoConnection::unprovoked
  long faults = 0;
  std::map<std::string, long> rpcs;  // by method
  // Topic subscriptions (Pubsub/Subscribe streams): opened, still open (opened, not yet
  // closed: kept across invokes, or cut by a freeze), and items delivered by the closed ones.
  long subscriptions = 0;
  long open_subscriptions = 0;
  long subscription_items = 0;
};

// Per instance, ordered by instance (0: connections no instance made, in standalone use).
std::vector<MomentoConnections> MomentoConnectionsPerInstance(const std::vector<Event>& events);
// Over the events `ledger` holds: every event of the run for a ledger without a window (thaw
// check, thaw::testing). A windowed ledger's exact accounts are
// LedgerAccounts' (core/ledger_accounts.h).
std::vector<MomentoConnections> MomentoConnectionsPerInstance(const Ledger& ledger);

// ClassifyMomentoConnections and MomentoConnectionsPerInstance fed one event at a time. Its
// memory grows with the connections it has seen (a few hundred bytes each: a connection's role
// can change until the walk ends), not with events. Thread-compatible.
class MomentoTally {
 public:
  MomentoTally();
  ~MomentoTally();
  MomentoTally(const MomentoTally&) = delete;
  MomentoTally& operator=(const MomentoTally&) = delete;

  // Counts `event` if it is a momento.* or clock.advanced event; ignores any other.
  void Add(const Event& event);
  // What the events added so far give: ClassifyMomentoConnections, MomentoConnectionsPerInstance.
  std::vector<MomentoConnection> Connections() const;
  std::vector<MomentoConnections> PerInstance() const;

 private:
  class Walk;
  std::unique_ptr<Walk> walk_;
};

// {"instance","function","connections","data_connections","control_connections",
//  "close_time_control_connections","unused_connections","closed","reconnects",
//  "reconnects_after_fault","unprovoked_connections","faults","rpcs":{"Get":n,...},"subscriptions",
//  "open_subscriptions","subscription_items"}: the admin API's shape.
nlohmann::json ToJson(const MomentoConnections& account);

// One instance's requests to the fake AWS (instance 0: requests signed by no instance).
struct AwsRequests {
  int64_t instance = 0;
  std::string function;
  long requests = 0;
  std::map<std::string, long> operations;                      // by operation
  std::map<std::string, std::map<std::string, long>> secrets;  // secret id -> operation -> n
  std::map<std::string, long> errors;                          // error type -> n
  std::map<std::string, long> unprovoked;  // operation -> refetches (UnprovokedAwsRefetches)

  // GetSecretValue + BatchGetSecretValue.
  long SecretFetches() const;
  // GetParameter + GetParameters + GetParametersByPath.
  long ParameterFetches() const;
};

// Per instance, ordered by instance.
std::vector<AwsRequests> AwsRequestsPerInstance(const std::vector<Event>& events);
// Over the events `ledger` holds, as MomentoConnectionsPerInstance(const Ledger&).
std::vector<AwsRequests> AwsRequestsPerInstance(const Ledger& ledger);
// An aws.request that read again what its instance had already read successfully (the same
// operation on the same secret or parameter) while nothing gave it a reason to: the value did
// not change in between (no rotation: `aws.rotation`, `aws.secret.rotated`, or a successful
// write such as PutSecretValue, UpdateSecret, RotateSecret, PutParameter), and its previous
// read had not failed (AccessDenied, a throttle, any error). A secret fetched on every invoke
// makes one per invoke after the first; a refetch after a rotation or a failure does not count.
struct AwsRefetch {
  int64_t instance = 0;
  std::string function;
  uint64_t seq = 0;
  std::string operation;
  std::string resource;  // the secret id or parameter name, as the request named it
};

// Every unprovoked refetch, in seq order.
std::vector<AwsRefetch> UnprovokedAwsRefetches(const std::vector<Event>& events);

// AwsRequestsPerInstance (and, given a list to fill, UnprovokedAwsRefetches) fed one event at a
// time. Its memory grows with the distinct (instance, operation, resource) reads it has seen,
// not with events. Thread-compatible.
class AwsTally {
 public:
  // `refetches`, when given, receives every unprovoked refetch as it is counted; it must
  // outlive the tally.
  explicit AwsTally(std::vector<AwsRefetch>* refetches = nullptr) : refetches_(refetches) {}

  // Counts `event` if it is an aws.request, aws.rotation or aws.secret.rotated.
  void Add(const Event& event);
  // Per instance, ordered by instance.
  std::vector<AwsRequests> PerInstance() const;

 private:
  // What an instance last read of a resource with an operation.
  struct LastRead {
    bool ok = false;
    uint64_t changes_seen = 0;  // the resource's change count when it was read
  };
  std::vector<AwsRefetch>* const refetches_;
  std::map<int64_t, AwsRequests> instances_;
  std::map<std::string, uint64_t> changes_;  // resource -> times it changed
  // (instance, operation, resource) -> its last read.
  std::map<std::tuple<int64_t, std::string, std::string>, LastRead> reads_;
};

// {"instance","function","requests","operations":{...},"secrets":{...},"errors":{...},
//  "unprovoked":{...}}.
nlohmann::json ToJson(const AwsRequests& account);

// A call an instance made to a fake (a Momento RPC, a fake AWS request) or out of its sandbox
// (sandbox.egress_blocked): whether it failed, and what it was ("Momento Get UNAVAILABLE",
// "GetSecretValue AccessDeniedException", "egress to example.com:443 blocked"). The one
// classification of failed calls: the swallowed failures, the instance table's `failed calls`
// and `thaw check`'s step lines read it.
struct FakeCall {
  bool failed = false;
  std::string what;
};
// Null for any other event.
std::optional<FakeCall> AsFakeCall(const Event& event);

// "a ×2, b": counts by name, in name order.
std::string DescribeCounts(const std::map<std::string, long>& counts);

// An invocation that answered success although every call it made to a fake failed: a handler
// that catches every error passes `errors == 0` while its cache and secret calls all failed.
// The calls are the instance's between its invoke.start and invoke.end: Momento RPCs (a
// non-OK code fails), fake AWS requests (an error outcome fails) and attempts to reach outside
// the sandbox (sandbox.egress_blocked, always failed). An invocation with no such call is not
// one.
struct SwallowedFailure {
  int64_t instance = 0;
  std::string function;
  uint64_t seq = 0;  // its invoke.end
  std::string request_id;
  long calls = 0;
  // What failed, e.g. {"Momento Get UNAVAILABLE": 2, "GetSecretValue AccessDeniedException": 1}.
  std::map<std::string, long> failures;

  // "Momento Get UNAVAILABLE ×2, GetSecretValue AccessDeniedException".
  std::string Describe() const;
};

// Every swallowed failure, in seq order.
std::vector<SwallowedFailure> SwallowedFailures(const std::vector<Event>& events);

// Invocations of one function, from invoke.* and instance.spawned events.
struct InvocationStats {
  std::string function;
  long invocations = 0;  // answered (invoke.end)
  long cold_starts = 0;
  long instances = 0;  // spawned
  long throttles = 0;
  // invoke.end outcomes ("success", "error", "timeout", ...; the part before any ':').
  std::map<std::string, long> outcomes;
};

// Per function, ordered by name.
std::vector<InvocationStats> InvocationStatsPerFunction(const std::vector<Event>& events);

// InvocationStatsPerFunction kept as counters, fed one event at a time: a reader that asks often
// (a Prometheus scrape of /_thaw/metrics) pays nothing per event already counted, and the counts
// outlive the events (LedgerAccounts). Thread-compatible.
class InvocationTally {
 public:
  // Counts `event` if it is an invoke.end, invoke.throttled or instance.spawned.
  void Add(const Event& event);
  // Per function, ordered by name.
  std::vector<InvocationStats> Stats() const;

 private:
  std::map<std::string, InvocationStats> functions_;
};

// Serializes a list of accounts with ToJson, as a JSON array.
template <typename Account>
nlohmann::json ToJson(const std::vector<Account>& accounts) {
  nlohmann::json out = nlohmann::json::array();
  for (const Account& account : accounts) out.push_back(ToJson(account));
  return out;
}

}  // namespace thaw

#endif  // THAW_CORE_ACCOUNTING_H_
