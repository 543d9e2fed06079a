#include "report/timeline_model.h"

#include <algorithm>
#include <unordered_map>

#include "core/event_kinds.h"

namespace thaw::report {

namespace {

// The state an event moves its instance to, if it moves it.
bool NextState(const Event& event, LaneState current, LaneState* next) {
  const std::string& kind = event.kind;
  if (kind == kinds::kInstanceSpawned) {
    *next = LaneState::kInit;
  } else if (kind == kinds::kInstanceReady || kind == kinds::kInstanceThawed) {
    *next = LaneState::kIdle;
  } else if (kind == kinds::kInvokeStart) {
    *next = LaneState::kBusy;
  } else if (kind == kinds::kInvokeEnd) {
    // The end of an invoke on an instance being stopped (a kill, a crash) does not make it
    // available again.
    if (current == LaneState::kStopping) return false;
    *next = LaneState::kIdle;
  } else if (kind == kinds::kInstanceFrozen) {
    *next = LaneState::kFrozen;
  } else if (kind == kinds::kInstanceStopping || kind == kinds::kInstanceKillRequested) {
    *next = LaneState::kStopping;
  } else if (kind == kinds::kInstanceGone) {
    *next = LaneState::kGone;
  } else {
    return false;
  }
  return true;
}

// The mark an event leaves on its lane, if any.
bool MarkOf(const Event& event, MarkKind* mark) {
  const std::string& kind = event.kind;
  if (kind == kinds::kMomentoConnectionOpened) {
    *mark = MarkKind::kConnectionOpened;
  } else if (kind == kinds::kMomentoConnectionClosed) {
    *mark = MarkKind::kConnectionClosed;
  } else if (kind == kinds::kMomentoRpc) {
    *mark = MarkKind::kRpc;
  } else if (kind == kinds::kAwsRequest) {
    const auto op = event.attrs.find("operation");
    const bool secret =
        op != event.attrs.end() && op->is_string() && op->get<std::string>() == "GetSecretValue";
    *mark = secret ? MarkKind::kSecretFetch : MarkKind::kAwsRequest;
  } else if (kind == kinds::kInstanceInitError || kind == kinds::kInstanceInitTimeout) {
    *mark = MarkKind::kInitError;
  } else if (kind == kinds::kInstanceExited) {
    *mark = MarkKind::kExited;
  } else if (kind == kinds::kInvokeThrottled) {
    *mark = MarkKind::kThrottled;
  } else if (kind == kinds::kSandboxEgressBlocked) {
    *mark = MarkKind::kEgressBlocked;
  } else if (kind == kinds::kInstanceSpawned || kind == kinds::kInstanceReady ||
             kind == kinds::kInstanceThawed || kind == kinds::kInvokeStart ||
             kind == kinds::kInvokeEnd || kind == kinds::kInstanceFrozen ||
             kind == kinds::kInstanceStopping || kind == kinds::kInstanceKillRequested ||
             kind == kinds::kInstanceGone) {
    return false;  // shown by the segments
  } else {
    *mark = MarkKind::kOther;
  }
  return true;
}

std::string StringAttr(const Event& event, const char* key) {
  const auto it = event.attrs.find(key);
  return it != event.attrs.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t IntAttr(const Event& event, const char* key) {
  const auto it = event.attrs.find(key);
  return it != event.attrs.end() && it->is_number() ? it->get<int64_t>() : 0;
}

void Transition(Lane& lane, LaneState state, double ms, size_t event) {
  if (!lane.segments.empty()) {
    Segment& last = lane.segments.back();
    if (last.state == LaneState::kGone) return;  // later events (exited) change nothing
    if (last.state == state) return;
    last.end_ms = ms;
    if (last.end_ms <= last.start_ms) lane.segments.pop_back();
  }
  lane.segments.push_back({state, ms, ms, event});
}

}  // namespace

std::string_view LaneStateName(LaneState state) {
  switch (state) {
    case LaneState::kInit:
      return "init";
    case LaneState::kIdle:
      return "idle";
    case LaneState::kBusy:
      return "busy";
    case LaneState::kFrozen:
      return "frozen";
    case LaneState::kStopping:
      return "stopping";
    case LaneState::kGone:
      return "gone";
  }
  return "unknown";
}

std::string_view MarkKindName(MarkKind kind) {
  switch (kind) {
    case MarkKind::kConnectionOpened:
      return "conn-open";
    case MarkKind::kConnectionClosed:
      return "conn-close";
    case MarkKind::kRpc:
      return "rpc";
    case MarkKind::kSecretFetch:
      return "secret";
    case MarkKind::kAwsRequest:
      return "aws";
    case MarkKind::kInitError:
      return "init-error";
    case MarkKind::kExited:
      return "exited";
    case MarkKind::kThrottled:
      return "throttled";
    case MarkKind::kEgressBlocked:
      return "egress";
    case MarkKind::kOther:
      return "other";
  }
  return "other";
}

TimelineModel BuildTimeline(std::vector<Event> events, size_t max_marks_per_lane) {
  TimelineModel model;
  model.events = std::move(events);
  if (!model.events.empty()) {
    model.start_ms = model.events.front().ms;
    model.end_ms = model.events.front().ms;
  }
  std::unordered_map<int64_t, size_t> lane_of;  // instance -> index in model.lanes
  std::vector<size_t> chatty_marks;             // per lane: RPC and plain AWS marks kept
  for (size_t i = 0; i < model.events.size(); ++i) {
    const Event& event = model.events[i];
    model.start_ms = std::min(model.start_ms, event.ms);
    model.end_ms = std::max(model.end_ms, event.ms);
    if (event.kind == kinds::kClockAdvanced) {
      model.clocks.push_back({event.ms, IntAttr(event, "by_ms"), IntAttr(event, "offset_ms"), i});
      continue;
    }
    auto [it, inserted] = lane_of.try_emplace(event.instance, model.lanes.size());
    if (inserted) {
      model.lanes.emplace_back().instance = event.instance;
      chatty_marks.push_back(0);
    }
    Lane& lane = model.lanes[it->second];
    if (lane.function.empty()) lane.function = event.function;

    if (event.kind == kinds::kInstanceSpawned) {
      lane.pids.push_back(IntAttr(event, "pid"));
      lane.isolation = StringAttr(event, "isolation");
    } else if (event.kind == kinds::kInvokeStart) {
      ++lane.invokes;
      const auto cold = event.attrs.find("cold");
      if (cold != event.attrs.end() && cold->is_boolean() && cold->get<bool>()) {
        ++lane.cold_invokes;
      }
    } else if (event.kind == kinds::kInstanceGone) {
      lane.gone_reason = StringAttr(event, "reason");
      if (lane.gone_reason.empty()) lane.gone_reason = "gone";
    } else if (event.kind == kinds::kMomentoConnectionOpened) {
      ++lane.connections;
    } else if (event.kind == kinds::kMomentoRpc) {
      ++lane.rpcs;
      ++lane.rpcs_by_method[StringAttr(event, "method")];
    } else if (event.kind == kinds::kAwsRequest) {
      ++lane.aws_requests;
      if (StringAttr(event, "operation") == "GetSecretValue") ++lane.secret_fetches;
    } else if (event.kind == kinds::kSandboxEgressBlocked) {
      ++lane.egress_blocked;
    }

    LaneState next;
    const LaneState current = lane.segments.empty() ? LaneState::kIdle : lane.segments.back().state;
    if (event.instance != 0 && NextState(event, current, &next)) {
      Transition(lane, next, event.ms, i);
    }
    MarkKind mark;
    if (MarkOf(event, &mark)) {
      const bool chatty = mark == MarkKind::kRpc || mark == MarkKind::kAwsRequest;
      size_t& chatty_kept = chatty_marks[it->second];
      if (lane.marks.size() >= max_marks_per_lane ||
          (chatty && chatty_kept >= max_marks_per_lane / 2)) {
        ++model.dropped_marks;
      } else {
        if (chatty) ++chatty_kept;
        lane.marks.push_back({mark, event.ms, i});
      }
    }
  }
  for (Lane& lane : model.lanes) {
    if (lane.segments.empty()) continue;
    Segment& last = lane.segments.back();
    last.end_ms = std::max(last.start_ms, model.end_ms);
    if (last.end_ms <= last.start_ms && last.state != LaneState::kGone) lane.segments.pop_back();
  }
  // Events of no instance first: they are about the whole run (throttles, async queueing).
  std::stable_partition(model.lanes.begin(), model.lanes.end(),
                        [](const Lane& lane) { return lane.instance == 0; });
  return model;
}

}  // namespace thaw::report
