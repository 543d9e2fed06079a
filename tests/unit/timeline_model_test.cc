#include "report/timeline_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace thaw::report {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// Builds events with explicit times, as a ledger would record them.
class Events {
 public:
  Events& Add(double ms, int64_t instance, const std::string& kind,
              nlohmann::json attrs = nlohmann::json::object(), const std::string& fn = "fn") {
    Event event;
    event.seq = events_.size() + 1;
    event.ms = ms;
    event.instance = instance;
    event.function = instance == 0 && kind == "clock.advanced" ? "" : fn;
    event.kind = kind;
    event.attrs = std::move(attrs);
    events_.push_back(std::move(event));
    return *this;
  }
  std::vector<Event> Get() const { return events_; }

 private:
  std::vector<Event> events_;
};

struct Stretch {
  LaneState state;
  double start, end;
  bool operator==(const Stretch&) const = default;
};
void PrintTo(const Stretch& s, std::ostream* os) {
  *os << LaneStateName(s.state) << "[" << s.start << "," << s.end << "]";
}

std::vector<Stretch> Stretches(const Lane& lane) {
  std::vector<Stretch> out;
  for (const Segment& s : lane.segments) out.push_back({s.state, s.start_ms, s.end_ms});
  return out;
}

TEST(TimelineModelTest, NoEventsNoLanes) {
  const TimelineModel model = BuildTimeline({});
  EXPECT_TRUE(model.lanes.empty());
  EXPECT_EQ(model.start_ms, 0);
  EXPECT_EQ(model.end_ms, 0);
}

TEST(TimelineModelTest, FollowsAnInstanceThroughItsLife) {
  const auto events = Events()
                          .Add(10, 1, "instance.spawned", {{"pid", 4242}})
                          .Add(30, 1, "instance.ready", {{"init_ms", 20}})
                          .Add(30, 1, "invoke.start", {{"cold", true}})
                          .Add(45, 1, "invoke.end", {{"outcome", "success"}})
                          .Add(46, 1, "instance.frozen")
                          .Add(100, 1, "instance.thawed")
                          .Add(101, 1, "invoke.start", {{"cold", false}})
                          .Add(110, 1, "invoke.end")
                          .Add(111, 1, "instance.frozen")
                          .Add(200, 0, "clock.advanced", {{"by_ms", 660000}, {"offset_ms", 660000}})
                          .Add(201, 1, "instance.stopping", {{"reason", "idle"}})
                          .Add(205, 1, "instance.exited", {{"pid", 4242}, {"exit", "exit 0"}})
                          .Add(205, 1, "instance.gone", {{"reason", "idle"}})
                          .Add(300, 2, "instance.spawned", {{"pid", 4343}})
                          .Get();
  const TimelineModel model = BuildTimeline(events);
  ASSERT_EQ(model.lanes.size(), 2u);
  const Lane& lane = model.lanes[0];
  EXPECT_EQ(lane.instance, 1);
  EXPECT_EQ(lane.function, "fn");
  EXPECT_THAT(lane.pids, ElementsAre(4242));
  // The zero-length idle between ready and the first invoke is dropped.
  EXPECT_THAT(
      Stretches(lane),
      ElementsAre(Stretch{LaneState::kInit, 10, 30}, Stretch{LaneState::kBusy, 30, 45},
                  Stretch{LaneState::kIdle, 45, 46}, Stretch{LaneState::kFrozen, 46, 100},
                  Stretch{LaneState::kIdle, 100, 101}, Stretch{LaneState::kBusy, 101, 110},
                  Stretch{LaneState::kIdle, 110, 111}, Stretch{LaneState::kFrozen, 111, 201},
                  Stretch{LaneState::kStopping, 201, 205}, Stretch{LaneState::kGone, 205, 300}));
  EXPECT_EQ(lane.invokes, 2);
  EXPECT_EQ(lane.cold_invokes, 1);
  EXPECT_EQ(lane.gone_reason, "idle");
  // Each segment points at the event that began it.
  EXPECT_EQ(model.events[lane.segments[1].event].kind, "invoke.start");
  ASSERT_EQ(lane.marks.size(), 1u);
  EXPECT_EQ(lane.marks[0].kind, MarkKind::kExited);

  // The second instance is still initializing at the end of the ledger.
  EXPECT_THAT(model.lanes[1].pids, ElementsAre(4343));
  EXPECT_TRUE(model.lanes[1].gone_reason.empty());
  ASSERT_EQ(model.clocks.size(), 1u);
  EXPECT_EQ(model.clocks[0].by_ms, 660000);
  EXPECT_EQ(model.clocks[0].ms, 200);
  EXPECT_EQ(model.start_ms, 10);
  EXPECT_EQ(model.end_ms, 300);
}

TEST(TimelineModelTest, MarksConnectionsRpcsAndSecretFetches) {
  const auto events =
      Events()
          .Add(0, 3, "instance.spawned", {{"pid", 1}, {"isolation", "sandbox"}})
          .Add(1, 3, "aws.request", {{"operation", "GetSecretValue"}, {"secret", "k"}})
          .Add(2, 3, "aws.request", {{"operation", "GetParameter"}})
          .Add(3, 3, "momento.connection.opened", {{"connection", "c1"}})
          .Add(4, 3, "momento.rpc", {{"method", "Get"}})
          .Add(5, 3, "momento.rpc", {{"method", "Set"}})
          .Add(6, 3, "momento.rpc", {{"method", "Get"}})
          .Add(7, 3, "momento.connection.closed", {{"connection", "c1"}})
          .Add(8, 3, "instance.init_error", {{"error_type", "Runtime.X"}})
          .Add(9, 3, "something.new")
          .Add(10, 3, "sandbox.egress_blocked", {{"host", "api.example.com"}})
          .Get();
  const TimelineModel model = BuildTimeline(events);
  ASSERT_EQ(model.lanes.size(), 1u);
  const Lane& lane = model.lanes[0];
  std::vector<MarkKind> kinds;
  for (const Mark& m : lane.marks) kinds.push_back(m.kind);
  EXPECT_THAT(kinds, ElementsAre(MarkKind::kSecretFetch, MarkKind::kAwsRequest,
                                 MarkKind::kConnectionOpened, MarkKind::kRpc, MarkKind::kRpc,
                                 MarkKind::kRpc, MarkKind::kConnectionClosed, MarkKind::kInitError,
                                 MarkKind::kOther, MarkKind::kEgressBlocked));
  EXPECT_EQ(lane.egress_blocked, 1);
  EXPECT_EQ(lane.isolation, "sandbox");
  EXPECT_EQ(lane.connections, 1);
  EXPECT_EQ(lane.rpcs, 3);
  EXPECT_THAT(lane.rpcs_by_method, ElementsAre(Pair("Get", 2), Pair("Set", 1)));
  EXPECT_EQ(lane.secret_fetches, 1);
  EXPECT_EQ(lane.aws_requests, 2);
  EXPECT_EQ(model.dropped_marks, 0u);
}

TEST(TimelineModelTest, EventsOfNoInstanceGetTheirOwnLaneFirst) {
  const auto events = Events()
                          .Add(0, 1, "instance.spawned", {{"pid", 1}})
                          .Add(1, 0, "invoke.throttled", {{"reason", "X"}})
                          .Add(2, 0, "clock.advanced", {{"by_ms", 5}, {"offset_ms", 5}})
                          .Get();
  const TimelineModel model = BuildTimeline(events);
  ASSERT_EQ(model.lanes.size(), 2u);
  EXPECT_EQ(model.lanes[0].instance, 0);
  EXPECT_TRUE(model.lanes[0].segments.empty());
  ASSERT_EQ(model.lanes[0].marks.size(), 1u);
  EXPECT_EQ(model.lanes[0].marks[0].kind, MarkKind::kThrottled);
  EXPECT_EQ(model.lanes[1].instance, 1);
}

TEST(TimelineModelTest, KilledBusyInstanceStaysStoppingUntilGone) {
  const auto events = Events()
                          .Add(0, 1, "instance.spawned", {{"pid", 1}})
                          .Add(1, 1, "instance.ready")
                          .Add(1, 1, "invoke.start", {{"cold", true}})
                          .Add(5, 1, "instance.kill_requested")
                          .Add(6, 1, "instance.exited")
                          .Add(7, 1, "invoke.end", {{"outcome", "runtime_exit"}})
                          .Add(7, 1, "instance.gone", {{"reason", "killed"}})
                          .Add(9, 1, "momento.connection.closed")
                          .Get();
  const TimelineModel model = BuildTimeline(events);
  ASSERT_EQ(model.lanes.size(), 1u);
  EXPECT_THAT(Stretches(model.lanes[0]),
              ElementsAre(Stretch{LaneState::kInit, 0, 1}, Stretch{LaneState::kBusy, 1, 5},
                          Stretch{LaneState::kStopping, 5, 7}, Stretch{LaneState::kGone, 7, 9}));
  EXPECT_EQ(model.lanes[0].gone_reason, "killed");
}

TEST(TimelineModelTest, ALedgerTailStartsFromTheFirstEventsState) {
  const auto events = Events()
                          .Add(50, 7, "invoke.end")
                          .Add(51, 7, "instance.frozen")
                          .Add(60, 7, "momento.rpc", {{"method", "Get"}})
                          .Get();
  const TimelineModel model = BuildTimeline(events);
  ASSERT_EQ(model.lanes.size(), 1u);
  EXPECT_TRUE(model.lanes[0].pids.empty());
  EXPECT_THAT(Stretches(model.lanes[0]),
              ElementsAre(Stretch{LaneState::kIdle, 50, 51}, Stretch{LaneState::kFrozen, 51, 60}));
}

TEST(TimelineModelTest, CapsMarksPerLaneButKeepsCountsAndSecrets) {
  Events events;
  events.Add(0, 1, "instance.spawned", {{"pid", 1}});
  for (int i = 0; i < 100; ++i) events.Add(1 + i, 1, "momento.rpc", {{"method", "Get"}});
  events.Add(200, 1, "aws.request", {{"operation", "GetSecretValue"}});
  const TimelineModel model = BuildTimeline(events.Get(), /*max_marks_per_lane=*/20);
  const Lane& lane = model.lanes[0];
  EXPECT_EQ(lane.rpcs, 100);
  ASSERT_EQ(lane.marks.size(), 11u);  // 10 RPCs (half the cap) and the secret fetch
  EXPECT_EQ(lane.marks.back().kind, MarkKind::kSecretFetch);
  EXPECT_EQ(model.dropped_marks, 90u);
}

}  // namespace
}  // namespace thaw::report
