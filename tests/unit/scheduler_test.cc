#include "emulator/control/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace thaw {
namespace {

using std::chrono::minutes;
using ::testing::ElementsAre;

TEST(SchedulerTest, AdvanceFiresDueTimersInOrderBeforeReturning) {
  boost::asio::io_context io;
  SchedulerClock clock;
  Scheduler scheduler(io, clock);
  std::vector<int> fired;
  scheduler.After(minutes(10), [&] { fired.push_back(10); });
  scheduler.After(minutes(5), [&] { fired.push_back(5); });
  scheduler.After(minutes(20), [&] { fired.push_back(20); });
  scheduler.Advance(minutes(9));
  EXPECT_THAT(fired, ElementsAre(5));
  scheduler.Advance(minutes(2));
  EXPECT_THAT(fired, ElementsAre(5, 10));
  EXPECT_EQ(scheduler.pending(), 1u);
}

TEST(SchedulerTest, CancelledTimersNeverFire) {
  boost::asio::io_context io;
  SchedulerClock clock;
  Scheduler scheduler(io, clock);
  bool fired = false;
  const auto id = scheduler.After(minutes(1), [&] { fired = true; });
  scheduler.Cancel(id);
  scheduler.Cancel(id);
  scheduler.Cancel(0);
  scheduler.Advance(minutes(2));
  EXPECT_FALSE(fired);
}

TEST(SchedulerTest, TimersAddedByACallbackThatAreAlreadyDueFireInTheSameAdvance) {
  boost::asio::io_context io;
  SchedulerClock clock;
  Scheduler scheduler(io, clock);
  std::vector<int> fired;
  const auto start = clock.Now();
  scheduler.At(start + minutes(1), [&] {
    fired.push_back(1);
    scheduler.At(start + minutes(2), [&] { fired.push_back(2); });
  });
  scheduler.Advance(minutes(3));
  EXPECT_THAT(fired, ElementsAre(1, 2));
}

TEST(SchedulerTest, TimersAlsoFireAsRealTimePasses) {
  boost::asio::io_context io;
  SchedulerClock clock;
  Scheduler scheduler(io, clock);
  bool fired = false;
  scheduler.After(std::chrono::milliseconds(1), [&] { fired = true; });
  io.run_for(std::chrono::seconds(10));  // returns as soon as the timer has fired
  EXPECT_TRUE(fired);
}

}  // namespace
}  // namespace thaw
