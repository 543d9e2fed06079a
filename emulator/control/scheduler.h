#ifndef THAW_EMULATOR_CONTROL_SCHEDULER_H_
#define THAW_EMULATOR_CONTROL_SCHEDULER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "core/scheduler_clock.h"

namespace thaw {

// Timers on the scheduler clock, run on an io_context. A timer fires when the clock reaches
// its time, whether by real time passing or by Advance(), which fires every timer that falls
// due, in time order, before it returns.
// Strand-confined to `io` (callbacks run there too). `clock` must outlive it.
class Scheduler {
 public:
  using TimerId = uint64_t;
  using Duration = SchedulerClock::Duration;
  using TimePoint = SchedulerClock::TimePoint;

  Scheduler(boost::asio::io_context& io, SchedulerClock& clock);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `fn` once the clock reaches `when`. Returns an id for Cancel().
  TimerId At(TimePoint when, std::function<void()> fn);
  TimerId After(Duration delay, std::function<void()> fn) {
    return At(clock_.Now() + delay, std::move(fn));
  }
  // Forgets a timer that has not fired; no effect otherwise (0 is never a timer).
  void Cancel(TimerId id);
  // Moves the clock forward and fires what falls due.
  void Advance(Duration by);

  SchedulerClock& clock() { return clock_; }
  size_t pending() const { return timers_.size(); }

 private:
  void FireDue();
  void Arm();

  SchedulerClock& clock_;
  boost::asio::steady_timer wake_;
  struct Timer {
    TimerId id;
    std::function<void()> fn;
  };
  std::multimap<TimePoint, Timer> timers_;
  std::map<TimerId, std::multimap<TimePoint, Timer>::iterator> by_id_;
  TimerId next_id_ = 1;
  // Expires with the scheduler, so a completion queued before its end does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_SCHEDULER_H_
