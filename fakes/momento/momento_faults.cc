#include "fakes/momento/momento_faults.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include "core/duration.h"
#include "core/event_kinds.h"
#include "core/status_macros.h"
#include "fakes/momento/momento_status.h"

namespace thaw::momento {

namespace {

using std::chrono::milliseconds;

// The only streaming method a stream-end fault applies to (cache_client.pubsub.Pubsub).
constexpr std::string_view kSubscribeMethod = "Subscribe";

const std::set<std::string>& KnownFields() {
  static const std::set<std::string> kFields = {
      "service",   "function",        "instance", "cache",
      "rpc",       "delay",           "error",    "err",
      "count",     "refuse",          "reset",    "idle_drop",
      "blackhole", "handshake_delay", "cancel",   "end_stream_after"};
  return kFields;
}

absl::StatusOr<milliseconds> ParseMs(const nlohmann::json& value, const std::string& field) {
  if (value.is_number_integer() && value.get<int64_t>() >= 0) {
    return milliseconds(value.get<int64_t>());
  }
  if (value.is_string()) {
    auto parsed = ParseDuration(value.get<std::string>());
    if (parsed.ok()) return *parsed;
  }
  return absl::InvalidArgumentError(field + ": a duration like \"200ms\", \"5m\", or milliseconds");
}

// "UNAVAILABLE", "unavailable" or momento-local's "not-found" -> the code; OK is not an error.
std::optional<absl::StatusCode> CodeNamed(std::string name) {
  for (char& c : name) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
  for (int code = 1; code <= 16; ++code) {
    if (StatusCodeName(static_cast<absl::StatusCode>(code)) == name) {
      return static_cast<absl::StatusCode>(code);
    }
  }
  return std::nullopt;
}

bool IsTrue(const nlohmann::json& spec, const char* field) {
  return spec.contains(field) && spec[field].is_boolean() && spec[field].get<bool>();
}

}  // namespace

bool MomentoFaults::Fault::Selects(const ConnectionAttribution& connection) const {
  if (function && *function != connection.function) return false;
  if (instance && *instance != connection.instance) return false;
  return true;
}

MomentoFaults::MomentoFaults(Ledger& ledger, SchedulerClock& clock, ConnectionTracker& tracker)
    : ledger_(ledger), clock_(clock), tracker_(tracker) {
  clock_listener_ = clock_.AddListener([this](SchedulerClock::Duration) { CheckIdle(); });
  watcher_ = std::thread([this] { WatchIdle(); });
}

MomentoFaults::~MomentoFaults() {
  clock_.RemoveListener(clock_listener_);
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    stop_watching_ = true;
  }
  watch_cv_.notify_all();
  watcher_.join();
}

void MomentoFaults::ScheduleIdleCheck(SchedulerClock::Duration in) {
  // A millisecond late, so the connection is strictly idle longer than the fault's limit.
  const auto at = std::chrono::steady_clock::now() + in + milliseconds(1);
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    if (at >= next_idle_check_) return;
    next_idle_check_ = at;
  }
  watch_cv_.notify_all();
}

void MomentoFaults::WatchIdle() {
  std::unique_lock<std::mutex> lock(watch_mu_);
  while (!stop_watching_) {
    if (std::chrono::steady_clock::now() < next_idle_check_) {
      if (next_idle_check_ == std::chrono::steady_clock::time_point::max()) {
        watch_cv_.wait(lock);
      } else {
        watch_cv_.wait_until(lock, next_idle_check_);
      }
      continue;
    }
    next_idle_check_ = std::chrono::steady_clock::time_point::max();
    lock.unlock();
    CheckIdle();  // schedules the next check, if any connection may still go idle
    lock.lock();
  }
}

absl::StatusOr<MomentoFaults::Fault> MomentoFaults::Parse(const nlohmann::json& spec) {
  if (!spec.is_object()) return absl::InvalidArgumentError("a fault is a JSON object");
  for (const auto& [key, value] : spec.items()) {
    if (!KnownFields().contains(key)) {
      return absl::InvalidArgumentError(
          key +
          ": unknown field (selectors: function, instance, cache, rpc; faults: delay, "
          "error, err, cancel, end_stream_after, count, handshake_delay, refuse, reset, "
          "idle_drop, blackhole)");
    }
  }
  Fault fault;
  fault.spec = spec;
  if (spec.contains("function")) {
    if (!spec["function"].is_string()) return absl::InvalidArgumentError("function: a name");
    fault.function = spec["function"].get<std::string>();
  }
  if (spec.contains("instance")) {
    if (!spec["instance"].is_number_integer()) {
      return absl::InvalidArgumentError("instance: an instance id");
    }
    fault.instance = spec["instance"].get<int64_t>();
  }
  if (spec.contains("cache")) {
    if (!spec["cache"].is_string()) return absl::InvalidArgumentError("cache: a cache name");
    fault.cache = spec["cache"].get<std::string>();
  }
  if (spec.contains("rpc")) {
    if (!spec["rpc"].is_string()) {
      return absl::InvalidArgumentError("rpc: a method name like \"Get\"");
    }
    fault.rpc = spec["rpc"].get<std::string>();
  }
  if (spec.contains("count")) {
    if (!spec["count"].is_number_integer() || spec["count"].get<int64_t>() < 1) {
      return absl::InvalidArgumentError("count: a positive integer");
    }
    fault.count = spec["count"].get<int64_t>();
  }
  for (const char* flag : {"refuse", "reset", "blackhole", "cancel"}) {
    if (spec.contains(flag) && !spec[flag].is_boolean()) {
      return absl::InvalidArgumentError(std::string(flag) + ": true or false");
    }
  }

  std::vector<Kind> kinds;
  if (spec.contains("delay")) {
    ASSIGN_OR_RETURN(auto delay, ParseMs(spec["delay"], "delay"));
    fault.delay = delay;
  }
  if (spec.contains("error")) {
    std::optional<absl::StatusCode> code;
    if (spec["error"].is_string()) code = CodeNamed(spec["error"].get<std::string>());
    if (!code) {
      return absl::InvalidArgumentError(
          "error: a gRPC status code name like \"UNAVAILABLE\" or \"NOT_FOUND\"");
    }
    absl::Status status(*code, "thaw fault: " + StatusCodeName(*code));
    if (spec.contains("err")) {
      if (!spec["err"].is_string()) {
        return absl::InvalidArgumentError("err: the `err` trailer value, a string");
      }
      status = WithErrTrailer(status, spec["err"].get<std::string>());
    }
    fault.error = status;
  } else if (spec.contains("err")) {
    return absl::InvalidArgumentError("err: needs \"error\"");
  }
  fault.cancel = IsTrue(spec, "cancel");
  if (fault.cancel && fault.error) {
    return absl::InvalidArgumentError("cancel: the call is cancelled, not answered: no \"error\"");
  }
  if (spec.contains("end_stream_after")) {
    const nlohmann::json& after = spec["end_stream_after"];
    if (!after.is_number_integer() || after.get<int64_t>() < 0) {
      return absl::InvalidArgumentError("end_stream_after: a number of topic items, 0 or more");
    }
    if (!fault.error) {
      return absl::InvalidArgumentError(
          "end_stream_after: needs \"error\", the status that ends the stream");
    }
    if (spec.contains("delay") || fault.cancel) {
      return absl::InvalidArgumentError(
          "end_stream_after: ends a stream once open; no delay or cancel");
    }
    if (fault.rpc && *fault.rpc != kSubscribeMethod) {
      return absl::InvalidArgumentError("end_stream_after: ends Subscribe streams only");
    }
    fault.end_stream_after = after.get<uint64_t>();
    kinds.push_back(Kind::kStreamEnd);
  } else if (spec.contains("delay") || spec.contains("error") || fault.cancel) {
    kinds.push_back(Kind::kRpc);
  }
  if (spec.contains("handshake_delay")) {
    ASSIGN_OR_RETURN(auto delay, ParseMs(spec["handshake_delay"], "handshake_delay"));
    fault.delay = delay;
    kinds.push_back(Kind::kHandshakeDelay);
  }
  if (spec.contains("idle_drop")) {
    ASSIGN_OR_RETURN(auto idle, ParseMs(spec["idle_drop"], "idle_drop"));
    fault.delay = idle;
    kinds.push_back(Kind::kIdleDrop);
  }
  if (IsTrue(spec, "refuse")) kinds.push_back(Kind::kRefuse);
  if (IsTrue(spec, "reset")) kinds.push_back(Kind::kReset);
  if (IsTrue(spec, "blackhole")) kinds.push_back(Kind::kBlackhole);
  if (kinds.empty()) {
    return absl::InvalidArgumentError(
        "no fault: give one of delay, error, cancel, handshake_delay, refuse, reset, "
        "idle_drop, blackhole");
  }
  if (kinds.size() > 1) {
    return absl::InvalidArgumentError(
        "one fault per request: delay/error/cancel, handshake_delay, refuse, reset, "
        "idle_drop and blackhole do not combine");
  }
  fault.kind = kinds.front();
  const bool per_rpc =
      fault.kind == Kind::kRpc || fault.kind == Kind::kBlackhole || fault.kind == Kind::kStreamEnd;
  if (!per_rpc && (fault.cache || fault.rpc)) {
    return absl::InvalidArgumentError(
        "cache/rpc select calls: connection faults take only function and instance");
  }
  return fault;
}

namespace {

const char* KindName(int kind) {
  static const char* kNames[] = {"rpc",       "handshake_delay", "refuse",      "reset",
                                 "idle_drop", "blackhole",       "stream_error"};
  return kNames[kind];
}

}  // namespace

absl::StatusOr<std::string> MomentoFaults::AddFault(const nlohmann::json& spec) {
  ASSIGN_OR_RETURN(auto parsed, Parse(spec));
  Fault fault = std::move(parsed);
  std::vector<Fired> resets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fault.id = "momento-" + std::to_string(next_id_++);
    if (fault.kind == Kind::kReset) {
      for (const ConnectionTracker::OpenConnection& open : tracker_.Connections()) {
        if (fault.Spent()) break;
        if (!fault.Selects(open.attribution)) continue;
        ++fault.fired;
        resets.push_back({open.attribution, {{"id", fault.id}, {"fault", "reset"}}});
      }
    }
    faults_.push_back(fault);
  }
  ResetAll(resets);
  if (fault.kind == Kind::kIdleDrop) CheckIdle();
  return fault.id;
}

bool MomentoFaults::RemoveFault(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(faults_.begin(), faults_.end(),
                         [&](const Fault& fault) { return fault.id == id; });
  if (it == faults_.end()) return false;
  faults_.erase(it);
  return true;
}

void MomentoFaults::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

nlohmann::json MomentoFaults::ListFaults() const {
  nlohmann::json out = nlohmann::json::array();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Fault& fault : faults_) {
    nlohmann::json entry = fault.spec;
    entry["id"] = fault.id;
    entry["fired"] = fault.fired;
    out.push_back(std::move(entry));
  }
  return out;
}

ConnectionFaultHook::Decision MomentoFaults::OnAccept(const ConnectionAttribution& connection) {
  Decision decision;
  std::vector<Fired> fired;
  std::optional<milliseconds> idle_limit;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Fault& fault : faults_) {
      if (fault.kind == Kind::kIdleDrop && !fault.Spent() && fault.Selects(connection)) {
        idle_limit = std::min(idle_limit.value_or(fault.delay), fault.delay);
      }
    }
    for (Fault& fault : faults_) {
      if (fault.Spent() || !fault.Selects(connection)) continue;
      if (fault.kind == Kind::kRefuse) {
        decision.action = Decision::Action::kRefuse;
      } else if (fault.kind == Kind::kBlackhole) {
        decision.action = Decision::Action::kBlackhole;
      } else if (fault.kind == Kind::kHandshakeDelay) {
        decision.delay = fault.delay;
      } else {
        continue;
      }
      ++fault.fired;
      nlohmann::json attrs = {{"id", fault.id},
                              {"fault", KindName(static_cast<int>(fault.kind))},
                              {"peer", connection.peer}};
      if (fault.kind == Kind::kHandshakeDelay) attrs["delay_ms"] = fault.delay.count();
      fired.push_back({connection, std::move(attrs)});
      break;
    }
  }
  Record(fired);
  if (idle_limit) ScheduleIdleCheck(decision.delay + *idle_limit);
  return decision;
}

MomentoFaults::RpcPlan MomentoFaults::OnRpc(const ConnectionAttribution& connection,
                                            std::string_view method, std::string_view cache) {
  RpcPlan plan;
  const SchedulerClock::TimePoint now = tracker_.Now();
  const std::optional<SchedulerClock::TimePoint> last = tracker_.Touch(connection.connection);
  std::vector<Fired> fired;
  std::vector<Fired> drops;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Fault& fault : faults_) {
      if (fault.Spent() || !fault.Selects(connection)) continue;
      if (fault.kind == Kind::kIdleDrop) {
        if (!last || now - *last <= fault.delay || !drops.empty()) continue;
        ++fault.fired;
        drops.push_back(
            {connection,
             {{"id", fault.id},
              {"fault", "idle_drop"},
              {"idle_ms", std::chrono::duration_cast<milliseconds>(now - *last).count()},
              {"method", method}}});
        plan.error = absl::UnavailableError("the connection was dropped after being idle");
        plan.fault_ids += (plan.fault_ids.empty() ? "" : ",") + fault.id;
        continue;
      }
      if (fault.kind == Kind::kStreamEnd) {
        // Armed on the subscription now; the stream ends once it has delivered that many items.
        if (method != kSubscribeMethod || plan.end_stream) continue;
        if (fault.cache && *fault.cache != cache) continue;
        ++fault.fired;
        plan.end_stream = fault.error;
        plan.end_stream_after = fault.end_stream_after;
        plan.fault_ids += (plan.fault_ids.empty() ? "" : ",") + fault.id;
        nlohmann::json attrs = {{"id", fault.id},
                                {"fault", "stream_error"},
                                {"method", method},
                                {"code", StatusCodeName(fault.error->code())},
                                {"after_items", fault.end_stream_after}};
        if (!cache.empty()) attrs["cache"] = cache;
        fired.push_back({connection, std::move(attrs)});
        continue;
      }
      if (fault.kind != Kind::kRpc && fault.kind != Kind::kBlackhole) continue;
      if (fault.rpc && *fault.rpc != method) continue;
      if (fault.cache && *fault.cache != cache) continue;
      if (plan.error || plan.blackhole || plan.cancel || plan.delay.count() > 0) {
        continue;  // The first one added wins.
      }
      ++fault.fired;
      nlohmann::json attrs = {{"id", fault.id}, {"method", method}};
      if (!cache.empty()) attrs["cache"] = cache;
      if (fault.kind == Kind::kBlackhole) {
        plan.blackhole = true;
        attrs["fault"] = "blackhole";
      } else {
        plan.delay = fault.delay;
        plan.error = fault.error;
        plan.cancel = fault.cancel;
        const std::string action = fault.error ? "error" : fault.cancel ? "cancel" : "";
        attrs["fault"] = action.empty()            ? "delay"
                         : fault.delay.count() > 0 ? "delay+" + action
                                                   : action;
        if (fault.delay.count() > 0) attrs["delay_ms"] = fault.delay.count();
        if (fault.error) attrs["code"] = StatusCodeName(fault.error->code());
      }
      plan.fault_ids += (plan.fault_ids.empty() ? "" : ",") + fault.id;
      fired.push_back({connection, std::move(attrs)});
    }
  }
  ResetAll(drops);
  Record(fired);
  return plan;
}

void MomentoFaults::CheckIdle() {
  const SchedulerClock::TimePoint now = tracker_.Now();
  std::vector<Fired> drops;
  // The soonest any connection kept open may pass an idle limit.
  std::optional<SchedulerClock::Duration> next;
  {
    std::lock_guard<std::mutex> lock(mu_);
    bool any = false;
    for (const Fault& fault : faults_) any |= fault.kind == Kind::kIdleDrop && !fault.Spent();
    if (!any) return;
    std::set<std::string> dropped;
    for (const ConnectionTracker::OpenConnection& open : tracker_.Connections()) {
      for (Fault& fault : faults_) {
        if (fault.kind != Kind::kIdleDrop || fault.Spent() || !fault.Selects(open.attribution)) {
          continue;
        }
        if (now - open.last_activity <= fault.delay) {
          const SchedulerClock::Duration left = fault.delay - (now - open.last_activity);
          next = std::min(next.value_or(left), left);
          continue;
        }
        if (!dropped.insert(open.attribution.connection).second) break;
        ++fault.fired;
        drops.push_back(
            {open.attribution,
             {{"id", fault.id},
              {"fault", "idle_drop"},
              {"idle_ms",
               std::chrono::duration_cast<milliseconds>(now - open.last_activity).count()}}});
        break;
      }
    }
  }
  ResetAll(drops);
  if (next) ScheduleIdleCheck(*next);
}

void MomentoFaults::Record(const std::vector<Fired>& fired) {
  for (const Fired& f : fired) {
    nlohmann::json attrs = f.attrs;
    if (!f.connection.connection.empty() && !attrs.contains("peer")) {
      attrs["connection"] = f.connection.connection;
    }
    ledger_.Append(f.connection.instance, f.connection.function, std::string(kinds::kMomentoFault),
                   std::move(attrs));
  }
}

void MomentoFaults::ResetAll(const std::vector<Fired>& resets) {
  for (const Fired& reset : resets) {
    Record({reset});
    tracker_.Reset(reset.connection.connection,
                   "fault:" + reset.attrs.value("fault", std::string("reset")));
  }
}

}  // namespace thaw::momento
