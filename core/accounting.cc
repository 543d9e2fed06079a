#include "core/accounting.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "core/event_kinds.h"

namespace thaw {
namespace {

// The SDK's close() connects its never-used control channel, closes its data connection at
// once and drops the control one later (shared/reference/real-clients.md §4): a connection
// without RPCs opened at most this long before or after the client closed one of the
// instance's data connections (the accept and the close race on the server side).
constexpr double kCloseTimeControlMs = 1000;

// A client that closes a data connection idle (no call on it) for at least this long on the
// instance's clock is recycling it, as the Momento SDK's Lambda configuration does after a few
// idle minutes: the connection that follows is provoked by time. A per-invoke client closes its
// connection right after its calls, far below this.
constexpr double kIdleRecycleMs = 60'000;

struct Walked {
  std::vector<MomentoConnection> connections;  // in open order
  std::map<int64_t, MomentoConnections> instances;
};

}  // namespace

// The walk over the momento.* events (and clock.advanced, for the instances' clock), one event
// at a time: classifies each connection and counts what depends on the order of events
// (reconnects). Finish() settles what only the end of the walk decides (roles).
class MomentoTally::Walk {
 public:
  void Add(const Event& e);
  Walked Finish() const;

 private:
  struct Tracked {
    size_t index = 0;  // into Walked::connections
    bool data = false;
    bool other = false;
    std::string plane;             // of its first data-plane or topic call
    double last_use_clock_ms = 0;  // opened or last call, on the instances' clock
    // A newer data connection of the instance that began while this one was open and idle
    // for kIdleRecycleMs: if the client closes this one without using it again, it recycled
    // this one and the newer one is provoked.
    std::string replaced_by;
  };
  // An instance's data connections of one plane, for MomentoConnection::unprovoked.
  struct Plane {
    bool had = false;
    std::set<std::string> open;
    bool last_closed_by_client = false;
  };
  struct PerInstance {
    std::vector<std::string> connections;
    std::optional<double> last_data_close_ms;
    // Data connections closed (by anyone / by a thaw fault) not yet followed by a new one.
    long closed_data = 0;
    long dropped_by_fault = 0;
    std::map<std::string, Plane> planes;
  };

  Tracked& Track(const Event& e, const std::string& id);
  // A connection carries a data-plane or topic call: the first one after one of the instance's
  // data connections closed is a reconnect.
  void UseForData(Tracked& t, const std::string& id, const std::string& plane,
                  MomentoConnections& account, PerInstance& per, double now_clock_ms);

  Walked out_;
  std::map<std::string, Tracked> tracked_;
  std::map<int64_t, PerInstance> per_instance_;
  // The instances' clocks run ahead of real time by the scheduler clock's total advance.
  double clock_offset_ms_ = 0;
};

MomentoTally::Walk::Tracked& MomentoTally::Walk::Track(const Event& e, const std::string& id) {
  auto [it, inserted] = tracked_.try_emplace(id);
  if (inserted) {
    it->second.last_use_clock_ms = e.ms + clock_offset_ms_;
    it->second.index = out_.connections.size();
    out_.connections.push_back({.id = id,
                                .instance = e.instance,
                                .function = e.function,
                                .opened_seq = e.seq,
                                .opened_ms = e.ms});
    per_instance_[e.instance].connections.push_back(id);
    MomentoConnections& account = out_.instances[e.instance];
    account.instance = e.instance;
    account.function = e.function;
  }
  return it->second;
}

void MomentoTally::Walk::UseForData(Tracked& t, const std::string& id, const std::string& plane,
                                    MomentoConnections& account, PerInstance& per,
                                    double now_clock_ms) {
  if (t.data) return;
  if (per.closed_data > 0) {
    ++account.reconnects;
    --per.closed_data;
    if (per.dropped_by_fault > 0) {
      ++account.reconnects_after_fault;
      --per.dropped_by_fault;
    }
  }
  MomentoConnection& c = out_.connections[t.index];
  Plane& p = per.planes[plane];
  if (p.had && (!p.open.empty() || p.last_closed_by_client)) {
    c.unprovoked = true;
    ++account.unprovoked_connections;
    // An SDK may open the new connection before it closes the idle one it recycles.
    const bool all_idle =
        !p.last_closed_by_client && !p.open.empty() &&
        std::all_of(p.open.begin(), p.open.end(), [&](const std::string& open_id) {
          return now_clock_ms - tracked_[open_id].last_use_clock_ms >= kIdleRecycleMs;
        });
    if (all_idle) {
      for (const std::string& open_id : p.open) tracked_[open_id].replaced_by = id;
    }
  }
  p.had = true;
  if (!c.closed) p.open.insert(id);
  t.plane = plane;
  t.data = true;
}

void MomentoTally::Walk::Add(const Event& e) {
  if (e.kind == kinds::kClockAdvanced) {
    clock_offset_ms_ = e.attrs.value("offset_ms", clock_offset_ms_);
    return;
  }
  if (!e.kind.starts_with(kinds::kMomentoFamily)) return;
  const std::string id = e.attrs.value("connection", "");
  if (e.kind == kinds::kMomentoConnectionOpened) {
    Tracked& t = Track(e, id);
    PerInstance& per = per_instance_[e.instance];
    if (per.last_data_close_ms && e.ms - *per.last_data_close_ms <= kCloseTimeControlMs) {
      out_.connections[t.index].close_time = true;
    }
  } else if (e.kind == kinds::kMomentoConnectionClosed) {
    Tracked& t = Track(e, id);
    MomentoConnection& c = out_.connections[t.index];
    if (c.closed) return;
    c.closed = true;
    PerInstance& per = per_instance_[c.instance];
    if (t.data && e.attrs.value("by", "client") == "client") {
      per.last_data_close_ms = e.ms;
      for (const std::string& other_id : per.connections) {
        const Tracked& other = tracked_[other_id];
        MomentoConnection& o = out_.connections[other.index];
        if (!other.data && !other.other && other_id != id &&
            e.ms - o.opened_ms <= kCloseTimeControlMs && e.ms >= o.opened_ms) {
          o.close_time = true;
        }
      }
    }
    if (t.data) {
      ++per.closed_data;
      if (e.attrs.value("why", "").starts_with("fault:")) ++per.dropped_by_fault;
      Plane& p = per.planes[t.plane];
      p.open.erase(id);
      const bool by_client = e.attrs.value("by", "client") == "client";
      c.idle_recycled =
          by_client && (!t.replaced_by.empty() ||
                        e.ms + clock_offset_ms_ - t.last_use_clock_ms >= kIdleRecycleMs);
      p.last_closed_by_client = by_client && !c.idle_recycled;
      if (by_client && !t.replaced_by.empty()) {
        MomentoConnection& newer = out_.connections[tracked_[t.replaced_by].index];
        if (newer.unprovoked) {
          newer.unprovoked = false;
          --out_.instances[newer.instance].unprovoked_connections;
        }
      }
    }
  } else if (e.kind == kinds::kMomentoRpc) {
    Tracked& t = Track(e, id);
    MomentoConnections& account = out_.instances[out_.connections[t.index].instance];
    PerInstance& per = per_instance_[account.instance];
    ++account.rpcs[e.attrs.value("method", "")];
    t.last_use_clock_ms = e.ms + clock_offset_ms_;
    t.replaced_by.clear();
    const std::string plane = e.attrs.value("plane", "");
    if (plane == "data" || plane == "topic") {
      UseForData(t, id, plane, account, per, t.last_use_clock_ms);
    } else {
      t.other = true;
    }
  } else if (e.kind == kinds::kMomentoSubscriptionOpened ||
             e.kind == kinds::kMomentoSubscriptionClosed) {
    // A subscription's momento.rpc comes when it ends: its opening already uses the connection.
    Tracked& t = Track(e, id);
    t.last_use_clock_ms = e.ms + clock_offset_ms_;
    t.replaced_by.clear();
    MomentoConnections& account = out_.instances[out_.connections[t.index].instance];
    if (e.kind == kinds::kMomentoSubscriptionOpened) {
      UseForData(t, id, "topic", account, per_instance_[account.instance], t.last_use_clock_ms);
      ++account.subscriptions;
      ++account.open_subscriptions;
    } else {
      --account.open_subscriptions;
      account.subscription_items += e.attrs.value("items", 0L);
    }
  } else if (e.kind == kinds::kMomentoFault) {
    MomentoConnections& account = out_.instances[e.instance];
    account.instance = e.instance;
    if (account.function.empty()) account.function = e.function;
    ++account.faults;
  }
}

Walked MomentoTally::Walk::Finish() const {
  Walked out = out_;
  for (const auto& [id, t] : tracked_) {
    MomentoConnection& c = out.connections[t.index];
    c.role = t.data                      ? ConnectionRole::kData
             : (t.other || c.close_time) ? ConnectionRole::kControl
                                         : ConnectionRole::kUnused;
    if (t.data || t.other) c.close_time = false;
    MomentoConnections& account = out.instances[c.instance];
    ++account.connections;
    switch (c.role) {
      case ConnectionRole::kData:
        ++account.data_connections;
        break;
      case ConnectionRole::kControl:
        ++account.control_connections;
        if (c.close_time) ++account.close_time_control_connections;
        break;
      case ConnectionRole::kUnused:
        ++account.unused_connections;
        break;
    }
    if (c.closed) ++account.closed;
  }
  return out;
}

MomentoTally::MomentoTally() : walk_(std::make_unique<Walk>()) {}
MomentoTally::~MomentoTally() = default;

void MomentoTally::Add(const Event& event) { walk_->Add(event); }

std::vector<MomentoConnection> MomentoTally::Connections() const {
  return walk_->Finish().connections;
}

namespace {

template <typename Account>
std::vector<Account> Values(std::map<int64_t, Account> by_instance) {
  std::vector<Account> out;
  out.reserve(by_instance.size());
  for (auto& [instance, account] : by_instance) out.push_back(std::move(account));
  return out;
}

long Sum(const std::map<std::string, long>& counts, std::initializer_list<const char*> keys) {
  long total = 0;
  for (const char* key : keys) {
    if (auto it = counts.find(key); it != counts.end()) total += it->second;
  }
  return total;
}

}  // namespace

std::vector<MomentoConnections> MomentoTally::PerInstance() const {
  return Values(walk_->Finish().instances);
}

std::vector<MomentoConnections> MomentoConnectionsPerInstance(const Ledger& ledger) {
  return MomentoConnectionsPerInstance(ledger.Select([](const Event& e) {
    return e.kind.starts_with(kinds::kMomentoFamily) || e.kind == kinds::kClockAdvanced;
  }));
}

std::vector<MomentoConnection> ClassifyMomentoConnections(const std::vector<Event>& events) {
  MomentoTally tally;
  for (const Event& e : events) tally.Add(e);
  return tally.Connections();
}

std::vector<MomentoConnections> MomentoConnectionsPerInstance(const std::vector<Event>& events) {
  MomentoTally tally;
  for (const Event& e : events) tally.Add(e);
  return tally.PerInstance();
}

nlohmann::json ToJson(const MomentoConnections& a) {
  return {{"instance", a.instance},
          {"function", a.function},
          {"connections", a.connections},
          {"data_connections", a.data_connections},
          {"control_connections", a.control_connections},
          {"close_time_control_connections", a.close_time_control_connections},
          {"unused_connections", a.unused_connections},
          {"closed", a.closed},
          {"reconnects", a.reconnects},
          {"reconnects_after_fault", a.reconnects_after_fault},
          {"unprovoked_connections", a.unprovoked_connections},
          {"faults", a.faults},
          {"rpcs", a.rpcs},
          {"subscriptions", a.subscriptions},
          {"open_subscriptions", a.open_subscriptions},
          {"subscription_items", a.subscription_items}};
}

std::optional<FakeCall> AsFakeCall(const Event& e) {
  if (e.instance == 0) return std::nullopt;
  if (e.kind == kinds::kMomentoRpc) {
    const std::string code = e.attrs.value("code", "OK");
    return FakeCall{code != "OK", "Momento " + e.attrs.value("method", "") + " " + code};
  }
  if (e.kind == kinds::kAwsRequest) {
    const std::string outcome = e.attrs.value("outcome", "ok");
    return FakeCall{outcome != "ok", e.attrs.value("operation", "") + " " + outcome};
  }
  if (e.kind == kinds::kSandboxEgressBlocked) {
    const long port = e.attrs.value("port", 0L);
    return FakeCall{true, "egress to " + e.attrs.value("host", "?") +
                              (port ? ":" + std::to_string(port) : "") + " blocked"};
  }
  return std::nullopt;
}

std::string DescribeCounts(const std::map<std::string, long>& counts) {
  std::string out;
  for (const auto& [what, n] : counts) {
    out += (out.empty() ? "" : ", ") + what + (n > 1 ? " ×" + std::to_string(n) : "");
  }
  return out;
}

std::string SwallowedFailure::Describe() const { return DescribeCounts(failures); }

std::vector<SwallowedFailure> SwallowedFailures(const std::vector<Event>& events) {
  struct Current {
    bool open = false;
    long calls = 0;
    long failed = 0;
    std::map<std::string, long> failures;
  };
  std::map<int64_t, Current> current;
  std::vector<SwallowedFailure> out;
  for (const Event& e : events) {
    if (e.instance == 0) continue;
    if (e.kind == kinds::kInvokeStart) {
      current[e.instance] = Current{};
      current[e.instance].open = true;
    } else if (e.kind == kinds::kInvokeEnd) {
      Current& c = current[e.instance];
      if (c.open && c.calls > 0 && c.failed == c.calls &&
          e.attrs.value("outcome", "") == "success") {
        out.push_back({e.instance, e.function, e.seq, e.attrs.value("request_id", ""), c.calls,
                       std::move(c.failures)});
      }
      c = Current{};
    } else if (const std::optional<FakeCall> call = AsFakeCall(e)) {
      Current& c = current[e.instance];
      if (!c.open) continue;
      ++c.calls;
      if (call->failed) {
        ++c.failed;
        ++c.failures[call->what];
      }
    }
  }
  return out;
}

long AwsRequests::SecretFetches() const {
  return Sum(operations, {"GetSecretValue", "BatchGetSecretValue"});
}

long AwsRequests::ParameterFetches() const {
  return Sum(operations, {"GetParameter", "GetParameters", "GetParametersByPath"});
}

namespace {

// Reads the value of a resource (Get*, BatchGet*, Describe*, List*); any other operation that
// succeeds on it changes it.
bool IsRead(const std::string& operation) {
  for (const char* prefix : {"Get", "BatchGet", "Describe", "List"}) {
    if (operation.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

void AwsTally::Add(const Event& e) {
  if (e.kind == kinds::kAwsRotation || e.kind == kinds::kAwsSecretRotated) {
    if (e.attrs.value("outcome", "ok") == "ok") ++changes_[e.attrs.value("secret", "")];
    return;
  }
  if (e.kind != kinds::kAwsRequest) return;
  AwsRequests& account = instances_[e.instance];
  account.instance = e.instance;
  account.function = e.function;
  ++account.requests;
  const std::string operation = e.attrs.value("operation", "");
  ++account.operations[operation];
  const std::string secret = e.attrs.value("secret", "");
  if (!secret.empty()) ++account.secrets[secret][operation];
  const std::string outcome = e.attrs.value("outcome", "ok");
  if (outcome != "ok") ++account.errors[outcome];

  const std::string resource = !secret.empty() ? secret : e.attrs.value("parameter", "");
  if (resource.empty()) return;
  if (!IsRead(operation)) {
    if (outcome == "ok") ++changes_[resource];
    return;
  }
  LastRead& last = reads_[{e.instance, operation, resource}];
  if (last.ok && last.changes_seen == changes_[resource]) {
    ++account.unprovoked[operation];
    if (refetches_ != nullptr) {
      refetches_->push_back({e.instance, e.function, e.seq, operation, resource});
    }
  }
  last.ok = outcome == "ok";
  last.changes_seen = changes_[resource];
}

std::vector<AwsRequests> AwsTally::PerInstance() const { return Values(instances_); }

std::vector<AwsRequests> AwsRequestsPerInstance(const std::vector<Event>& events) {
  AwsTally tally;
  for (const Event& e : events) tally.Add(e);
  return tally.PerInstance();
}

std::vector<AwsRequests> AwsRequestsPerInstance(const Ledger& ledger) {
  return AwsRequestsPerInstance(ledger.Select([](const Event& e) {
    return e.kind == kinds::kAwsRequest || e.kind == kinds::kAwsRotation ||
           e.kind == kinds::kAwsSecretRotated;
  }));
}

std::vector<AwsRefetch> UnprovokedAwsRefetches(const std::vector<Event>& events) {
  std::vector<AwsRefetch> refetches;
  AwsTally tally(&refetches);
  for (const Event& e : events) tally.Add(e);
  return refetches;
}

nlohmann::json ToJson(const AwsRequests& a) {
  return {{"instance", a.instance},     {"function", a.function}, {"requests", a.requests},
          {"operations", a.operations}, {"secrets", a.secrets},   {"errors", a.errors},
          {"unprovoked", a.unprovoked}};
}

void InvocationTally::Add(const Event& e) {
  auto of = [this](const std::string& name) -> InvocationStats& {
    InvocationStats& stats = functions_[name];
    stats.function = name;
    return stats;
  };
  if (e.kind == kinds::kInvokeEnd) {
    InvocationStats& stats = of(e.function);
    ++stats.invocations;
    std::string outcome = e.attrs.value("outcome", "success");
    ++stats.outcomes[outcome.substr(0, outcome.find(':'))];
    if (e.attrs.value("cold", false)) ++stats.cold_starts;
  } else if (e.kind == kinds::kInvokeThrottled) {
    ++of(e.function).throttles;
  } else if (e.kind == kinds::kInstanceSpawned) {
    ++of(e.function).instances;
  }
}

std::vector<InvocationStats> InvocationTally::Stats() const {
  std::vector<InvocationStats> out;
  out.reserve(functions_.size());
  for (const auto& [name, stats] : functions_) out.push_back(stats);
  return out;
}

std::vector<InvocationStats> InvocationStatsPerFunction(const std::vector<Event>& events) {
  InvocationTally tally;
  for (const Event& e : events) tally.Add(e);
  return tally.Stats();
}

}  // namespace thaw
