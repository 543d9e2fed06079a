#ifndef THAW_REPORT_TIMELINE_MODEL_H_
#define THAW_REPORT_TIMELINE_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/ledger.h"

namespace thaw::report {

// What an instance was doing, as the ledger tells it.
enum class LaneState {
  kInit,      // instance.spawned .. instance.ready (or its end)
  kIdle,      // ready or answered, not frozen (yet)
  kBusy,      // invoke.start .. invoke.end
  kFrozen,    // instance.frozen .. instance.thawed
  kStopping,  // instance.stopping / kill_requested .. instance.gone
  kGone,      // after instance.gone, to the end of the timeline
};
std::string_view LaneStateName(LaneState state);  // "init", "idle", ...

// A stretch of one state. `event` indexes the event that began it in TimelineModel::events.
struct Segment {
  LaneState state = LaneState::kIdle;
  double start_ms = 0;
  double end_ms = 0;
  size_t event = 0;
};

enum class MarkKind {
  kConnectionOpened,  // momento.connection.opened
  kConnectionClosed,  // momento.connection.closed
  kRpc,               // momento.rpc
  kSecretFetch,       // aws.request GetSecretValue
  kAwsRequest,        // any other aws.request (GetParameter, ...)
  kInitError,         // instance.init_error / instance.init_timeout
  kExited,            // instance.exited
  kThrottled,         // invoke.throttled
  kEgressBlocked,     // sandbox.egress_blocked
  kOther,             // any other kind
};
std::string_view MarkKindName(MarkKind kind);  // "conn-open", "rpc", "secret", ...

// A point event drawn on a lane.
struct Mark {
  MarkKind kind = MarkKind::kOther;
  double ms = 0;
  size_t event = 0;
};

// One instance's life.
struct Lane {
  int64_t instance = 0;  // 0: the lane of events that belong to no instance
  std::string function;
  std::vector<int64_t> pids;      // in spawn order (an init timeout relaunches the process)
  std::vector<Segment> segments;  // contiguous, in time order, zero-length ones dropped
  std::vector<Mark> marks;        // in time order
  // Counts over all of the lane's events (marks may be capped; these never are).
  int invokes = 0;
  int cold_invokes = 0;
  int connections = 0;
  int rpcs = 0;
  std::map<std::string, int> rpcs_by_method;
  int secret_fetches = 0;
  int aws_requests = 0;
  int egress_blocked = 0;   // names it tried to reach outside its sandbox
  std::string isolation;    // "sandbox" or "process" (instance.spawned); empty when unknown
  std::string gone_reason;  // empty while alive
};

// A scheduler-clock advance (clock.advanced), drawn across every lane.
struct ClockMark {
  double ms = 0;
  int64_t by_ms = 0;
  int64_t offset_ms = 0;
  size_t event = 0;
};

// The timeline of a ledger: one lane per instance, in order of first appearance, plus lane 0
// (events of no instance other than clock advances) when there are any.
struct TimelineModel {
  std::vector<Event> events;  // as given, in seq order
  std::vector<Lane> lanes;
  std::vector<ClockMark> clocks;
  double start_ms = 0;  // the first and last event's ms (0 and 0 without events)
  double end_ms = 0;
  size_t dropped_marks = 0;  // marks not kept because a lane reached max_marks_per_lane
};

// Builds the timeline from `events` (a whole ledger or a tail of one: a lane whose spawn is
// not in the list starts with the state its first event implies). A lane keeps at most
// `max_marks_per_lane` marks, the earliest; RPC and non-secret AWS marks stop at half of
// that, so a chatty lane still shows its connection and secret marks. Pure.
TimelineModel BuildTimeline(std::vector<Event> events, size_t max_marks_per_lane = 400);

}  // namespace thaw::report

#endif  // THAW_REPORT_TIMELINE_MODEL_H_
