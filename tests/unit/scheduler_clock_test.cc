#include "core/scheduler_clock.h"

#include <gtest/gtest.h>

namespace thaw {
namespace {

using std::chrono::minutes;

TEST(SchedulerClockTest, AdvanceMovesNowForwardAtOnce) {
  SchedulerClock clock;
  const auto before = clock.Now();
  clock.Advance(minutes(11));
  EXPECT_GE(clock.Now() - before, minutes(11));
  EXPECT_EQ(clock.offset(), minutes(11));
}

TEST(SchedulerClockTest, NegativeAdvanceIsIgnored) {
  SchedulerClock clock;
  clock.Advance(-minutes(1));
  EXPECT_EQ(clock.offset(), SchedulerClock::Duration::zero());
}

TEST(SchedulerClockTest, ListenersHearAdvancesUntilRemoved) {
  SchedulerClock clock;
  std::vector<SchedulerClock::Duration> heard;
  const int handle = clock.AddListener([&](SchedulerClock::Duration d) { heard.push_back(d); });
  clock.Advance(minutes(1));
  clock.RemoveListener(handle);
  clock.Advance(minutes(2));
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0], minutes(1));
}

}  // namespace
}  // namespace thaw
