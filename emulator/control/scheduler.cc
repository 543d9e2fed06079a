#include "emulator/control/scheduler.h"

namespace thaw {

Scheduler::Scheduler(boost::asio::io_context& io, SchedulerClock& clock)
    : clock_(clock), wake_(io) {}

Scheduler::TimerId Scheduler::At(TimePoint when, std::function<void()> fn) {
  const TimerId id = next_id_++;
  auto it = timers_.emplace(when, Timer{id, std::move(fn)});
  by_id_[id] = it;
  if (it == timers_.begin()) Arm();
  return id;
}

void Scheduler::Cancel(TimerId id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  const bool was_first = it->second == timers_.begin();
  timers_.erase(it->second);
  by_id_.erase(it);
  if (was_first) Arm();
}

void Scheduler::Advance(Duration by) {
  clock_.Advance(by);
  FireDue();
  Arm();
}

void Scheduler::FireDue() {
  // One at a time: a callback may add or cancel timers.
  while (!timers_.empty() && timers_.begin()->first <= clock_.Now()) {
    auto it = timers_.begin();
    std::function<void()> fn = std::move(it->second.fn);
    by_id_.erase(it->second.id);
    timers_.erase(it);
    fn();
  }
}

void Scheduler::Arm() {
  if (timers_.empty()) {
    wake_.cancel();
    return;
  }
  // The scheduler clock runs at the steady clock's pace, offset by the advances.
  wake_.expires_at(timers_.begin()->first - clock_.offset());
  // The completion may already be queued when the scheduler is destroyed: check it exists.
  wake_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
    if (ec || !alive.lock()) return;
    FireDue();
    Arm();
  });
}

}  // namespace thaw
