#ifndef THAW_CORE_SCHEDULER_CLOCK_H_
#define THAW_CORE_SCHEDULER_CLOCK_H_

#include <chrono>
#include <functional>
#include <map>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace thaw {

// The scheduler clock: what everything a scenario must be able to fast-forward reads (idle
// reaping, cache TTLs, secret rotation). It runs in real time (the steady clock) plus an offset
// that only grows: Advance(11m) makes it 11 minutes later at once.
// Thread-safe. Listeners are called after every Advance, on the advancing thread, outside the
// lock, in registration order.
class SchedulerClock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;
  using Listener = std::function<void(Duration advanced_by)>;

  SchedulerClock() = default;
  SchedulerClock(const SchedulerClock&) = delete;
  SchedulerClock& operator=(const SchedulerClock&) = delete;

  // Real (steady) time plus every advance so far.
  TimePoint Now() const;
  // Total of every advance so far.
  Duration offset() const;
  // Moves the clock forward by `by` (negative values are ignored) and tells the listeners.
  void Advance(Duration by);

  int AddListener(Listener listener);
  void RemoveListener(int handle);

 private:
  mutable std::mutex mu_;
  Duration offset_ ABSL_GUARDED_BY(mu_) = Duration::zero();
  std::map<int, Listener> listeners_ ABSL_GUARDED_BY(mu_);
  int next_listener_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace thaw

#endif  // THAW_CORE_SCHEDULER_CLOCK_H_
