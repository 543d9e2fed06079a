#include "core/scheduler_clock.h"

#include <vector>

namespace thaw {

SchedulerClock::TimePoint SchedulerClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::chrono::steady_clock::now() + offset_;
}

SchedulerClock::Duration SchedulerClock::offset() const {
  std::lock_guard<std::mutex> lock(mu_);
  return offset_;
}

void SchedulerClock::Advance(Duration by) {
  if (by <= Duration::zero()) return;
  std::vector<Listener> listeners;
  {
    std::lock_guard<std::mutex> lock(mu_);
    offset_ += by;
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (const auto& listener : listeners) listener(by);
}

int SchedulerClock::AddListener(Listener listener) {
  std::lock_guard<std::mutex> lock(mu_);
  const int id = next_listener_++;
  listeners_[id] = std::move(listener);
  return id;
}

void SchedulerClock::RemoveListener(int handle) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.erase(handle);
}

}  // namespace thaw
