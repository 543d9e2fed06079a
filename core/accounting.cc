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

// One pass over the momento.* events (and clock.advanced, for the instances' clock): classifies each connection and counts what depends on
// the order of events (reconnects).
Walked WalkMomento(const std::vector<Event>& events) {
  struct Tracked {
    size_t index = 0;  // into Walked::connections
    bool data = false;
    bool other = false;
    std::string plane;  // of its first data-plane or topic call
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
  Walked out;
  std::map<std::string, Tracked> tracked;
  std::map<int64_t, PerInstance> per_instance;
  // The instances' clocks run ahead of real time by the scheduler clock's total advance.
  double clock_offset_ms = 0;
  auto track = [&](const Event& e, const std::string& id) -> Tracked& {
    auto [it, inserted] = tracked.try_emplace(id);
    if (inserted) {
      it->second.last_use_clock_ms = e.ms + clock_offset_ms;
      it->second.index = out.connections.size();
      out.connections.push_back({.id = id,
                                 .instance = e.instance,
                                 .function = e.function,
                                 .opened_seq = e.seq,
                                 .opened_ms = e.ms});
      per_instance[e.instance].connections.push_back(id);
      MomentoConnections& account = out.instances[e.instance];
      account.instance = e.instance;
      account.function = e.function;
    }
    return it->second;
  };
  // A connection carries a data-plane or topic call: the first one after one of the instance's
  // data connections closed is a reconnect.
  auto use_for_data = [&out, &tracked](Tracked& t, const std::string& id,
                                       const std::string& plane, MomentoConnections& account,
                                       PerInstance& per, double now_clock_ms) {
    if (t.data) return;
    if (per.closed_data > 0) {
      ++account.reconnects;
      --per.closed_data;
      if (per.dropped_by_fault > 0) {
        ++account.reconnects_after_fault;
        --per.dropped_by_fault;
      }
    }
    MomentoConnection& c = out.connections[t.index];
    Plane& p = per.planes[plane];
    if (p.had && (!p.open.empty() || p.last_closed_by_client)) {
      c.unprovoked = true;
      ++account.unprovoked_connections;
      // An SDK may open the new connection before it closes the idle one it recycles.
      const bool all_idle =
          !p.last_closed_by_client && !p.open.empty() &&
          std::all_of(p.open.begin(), p.open.end(), [&](const std::string& open_id) {
            return now_clock_ms - tracked[open_id].last_use_clock_ms >= kIdleRecycleMs;
          });
      if (all_idle) {
        for (const std::string& open_id : p.open) tracked[open_id].replaced_by = id;
      }
    }
    p.had = true;
    if (!c.closed) p.open.insert(id);
    t.plane = plane;
    t.data = true;
  };
  for (const Event& e : events) {
    if (e.kind == kinds::kClockAdvanced) {
      clock_offset_ms = e.attrs.value("offset_ms", clock_offset_ms);
      continue;
    }
    if (!e.kind.starts_with(kinds::kMomentoFamily)) continue;
    const std::string id = e.attrs.value("connection", "");
    if (e.kind == kinds::kMomentoConnectionOpened) {
      Tracked& t = track(e, id);
      PerInstance& per = per_instance[e.instance];
      if (per.last_data_close_ms && e.ms - *per.last_data_close_ms <= kCloseTimeControlMs) {
        out.connections[t.index].close_time = true;
      }
    } else if (e.kind == kinds::kMomentoConnectionClosed) {
      Tracked& t = track(e, id);
      MomentoConnection& c = out.connections[t.index];
      if (c.closed) continue;
      c.closed = true;
      PerInstance& per = per_instance[c.instance];
      if (t.data && e.attrs.value("by", "client") == "client") {
        per.last_data_close_ms = e.ms;
        for (const std::string& other_id : per.connections) {
          const Tracked& other = tracked[other_id];
          MomentoConnection& o = out.connections[other.index];
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
                          e.ms + clock_offset_ms - t.last_use_clock_ms >= kIdleRecycleMs);
        p.last_closed_by_client = by_client && !c.idle_recycled;
        if (by_client && !t.replaced_by.empty()) {
          MomentoConnection& newer = out.connections[tracked[t.replaced_by].index];
          if (newer.unprovoked) {
            newer.unprovoked = false;
            --out.instances[newer.instance].unprovoked_connections;
          }
        }
      }
    } else if (e.kind == kinds::kMomentoRpc) {
      Tracked& t = track(e, id);
      MomentoConnections& account = out.instances[out.connections[t.index].instance];
      PerInstance& per = per_instance[account.instance];
      ++account.rpcs[e.attrs.value("method", "")];
      t.last_use_clock_ms = e.ms + clock_offset_ms;
      t.replaced_by.clear();
      const std::string plane = e.attrs.value("plane", "");
      if (plane == "data" || plane == "topic") {
        use_for_data(t, id, plane, account, per, t.last_use_clock_ms);
      } else {
        t.other = true;
      }
    } else if (e.kind == kinds::kMomentoSubscriptionOpened ||
               e.kind == kinds::kMomentoSubscriptionClosed) {
      // A subscription's momento.rpc comes when it ends: its opening already uses the connection.
      Tracked& t = track(e, id);
      t.last_use_clock_ms = e.ms + clock_offset_ms;
      t.replaced_by.clear();
      MomentoConnections& account = out.instances[out.connections[t.index].instance];
      if (e.kind == kinds::kMomentoSubscriptionOpened) {
        use_for_data(t, id, "topic", account, per_instance[account.instance],
                     t.last_use_clock_ms);
        ++account.subscriptions;
        ++account.open_subscriptions;
      } else {
        --account.open_subscriptions;
        account.subscription_items += e.attrs.value("items", 0L);
      }
    } else if (e.kind == kinds::kMomentoFault) {
      MomentoConnections& account = out.instances[e.instance];
      account.instance = e.instance;
      if (account.function.empty()) account.function = e.function;
      ++account.faults;
    }
  }
  for (const auto& [id, t] : tracked) {
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

std::vector<MomentoConnection> ClassifyMomentoConnections(const std::vector<Event>& events) {
  return WalkMomento(events).connections;
}

std::vector<MomentoConnections> MomentoConnectionsPerInstance(const std::vector<Event>& events) {
  return Values(WalkMomento(events).instances);
}

std::vector<MomentoConnections> MomentoConnectionsPerInstance(const Ledger& ledger) {
  return MomentoConnectionsPerInstance(
      ledger.Select([](const Event& e) {
        return e.kind.starts_with(kinds::kMomentoFamily) || e.kind == kinds::kClockAdvanced;
      }));
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

bool IsAwsAccountingEvent(const Event& e) {
  return e.kind == kinds::kAwsRequest || e.kind == kinds::kAwsRotation ||
         e.kind == kinds::kAwsSecretRotated;
}

struct WalkedAws {
  std::map<int64_t, AwsRequests> instances;
  std::vector<AwsRefetch> refetches;
};

// One pass over the aws.* events: the per-instance counts and the unprovoked refetches.
WalkedAws WalkAws(const std::vector<Event>& events) {
  // What an instance last read of a resource with an operation.
  struct LastRead {
    bool ok = false;
    uint64_t changes_seen = 0;  // the resource's change count when it was read
  };
  WalkedAws out;
  std::map<std::string, uint64_t> changes;  // resource -> times it changed
  std::map<std::tuple<int64_t, std::string, std::string>, LastRead> reads;
  for (const Event& e : events) {
    if (e.kind == kinds::kAwsRotation || e.kind == kinds::kAwsSecretRotated) {
      if (e.attrs.value("outcome", "ok") == "ok") ++changes[e.attrs.value("secret", "")];
      continue;
    }
    if (e.kind != kinds::kAwsRequest) continue;
    AwsRequests& account = out.instances[e.instance];
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
    if (resource.empty()) continue;
    if (!IsRead(operation)) {
      if (outcome == "ok") ++changes[resource];
      continue;
    }
    LastRead& last = reads[{e.instance, operation, resource}];
    if (last.ok && last.changes_seen == changes[resource]) {
      ++account.unprovoked[operation];
      out.refetches.push_back({e.instance, e.function, e.seq, operation, resource});
    }
    last.ok = outcome == "ok";
    last.changes_seen = changes[resource];
  }
  return out;
}

}  // namespace

std::vector<AwsRequests> AwsRequestsPerInstance(const std::vector<Event>& events) {
  return Values(WalkAws(events).instances);
}

std::vector<AwsRequests> AwsRequestsPerInstance(const Ledger& ledger) {
  return AwsRequestsPerInstance(ledger.Select(IsAwsAccountingEvent));
}

std::vector<AwsRefetch> UnprovokedAwsRefetches(const std::vector<Event>& events) {
  return WalkAws(events).refetches;
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

void InvocationTally::CatchUp(const Ledger& ledger) {
  for (const Event& e : ledger.Since(last_seq_)) {
    Add(e);
    last_seq_ = e.seq;
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
