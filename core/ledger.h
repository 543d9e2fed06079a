#ifndef THAW_CORE_LEDGER_H_
#define THAW_CORE_LEDGER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace thaw {

// One observable step: an instance spawned, an invoke ended, a connection opened...
// `instance` is 0 for events that belong to no instance.
struct Event {
  uint64_t seq = 0;
  std::chrono::system_clock::time_point time;
  // Milliseconds since the ledger was created, on the steady clock.
  double ms = 0;
  int64_t instance = 0;
  std::string function;
  std::string kind;
  nlohmann::json attrs;

  // {"seq","t","ms","instance","function","kind","attrs"}; `t` is RFC 3339 UTC with ms.
  nlohmann::json ToJson() const;
};

// The single append-only record of everything thaw observes. Readers ask it for events
// (Since, Select, Count, WaitFor) or keep exact counters fed by an Observer
// (core/ledger_accounts.h), which sees every event once, in sequence order.
//
// Memory. A ledger built with a window holds only its last `window` events: appending past it
// evicts the oldest. A ledger without one (window 0, the default) holds every event forever,
// about 0.5 KB each (measured: 1.46 GB per million warm invokes of `thaw serve`, 3.14 events an
// invoke). The contract, by user:
//  - `thaw serve` runs for as long as a load test lasts: it keeps a window
//    (`--ledger-window`, kDefaultServeWindow), its counters (/_thaw/metrics, /_thaw/momento,
//    /_thaw/aws, the closing instance table) come from observers and stay exact, and
//    `--events FILE` streams every event to disk through an observer, so none is lost.
//  - `thaw check`, `thaw invoke`, the standalone fakes and thaw::testing are short runs whose
//    rules, reports and matchers read whole event lists: their ledgers have no window.
// Sequence numbers start at 1 and are dense whether or not events were evicted.
//
// Thread-safe. Observers run on the appending thread under the ledger's lock; listeners run
// after it, outside the lock.
class Ledger {
 public:
  using Predicate = std::function<bool(const Event&)>;
  // Called after every append, outside the ledger's lock, on the appending thread. With a
  // window, the event `seq` names may already be evicted when a listener runs: a reader that
  // must see every event is an Observer.
  using Listener = std::function<void(uint64_t seq)>;
  // Called with every event, in sequence order, under the ledger's lock, before the event can
  // be evicted. It must be quick and must not call into this ledger (it would deadlock).
  using Observer = std::function<void(const Event&)>;

  // The window `thaw serve` keeps unless told otherwise: at about 0.5 KB an event (3 to 4 a
  // warm invoke) it holds the last ~30,000 invokes in about 50 MB (thaw_soak_bench: 73 MB of
  // RSS in all after 1M invokes).
  static constexpr size_t kDefaultServeWindow = 100'000;

  // `window`: how many events to hold, 0 for all of them.
  explicit Ledger(size_t window = 0);
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Appends an event and returns its sequence number. Feeds the observers, evicts the oldest
  // event when the window is full, then wakes WaitFor and calls the listeners.
  uint64_t Append(int64_t instance, std::string function, std::string kind,
                  nlohmann::json attrs = nlohmann::json::object());

  // Held events with seq > `since`, oldest first, at most `limit` of them. Evicted events are
  // skipped: when seq `since + 1` was evicted the first event returned has a higher seq (the
  // admin API answers 410 then), so a reader paging with `since` can tell what it missed.
  std::vector<Event> Since(uint64_t since, size_t limit = SIZE_MAX) const;
  // Every held event that satisfies `predicate`, oldest first. Evicted events are not seen: an
  // exact count over a windowed ledger is an Observer's job.
  std::vector<Event> Select(const Predicate& predicate) const;
  // Number of held events that satisfy `predicate` (evicted ones not counted, as Select).
  size_t Count(const Predicate& predicate) const;
  // Sequence number of the last event appended (0 before the first).
  uint64_t LastSeq() const;
  // Sequence number of the oldest event held (LastSeq() + 1 while none is held). 1 until the
  // window first evicts.
  uint64_t FirstSeq() const;
  // 0 when every event is kept.
  size_t window() const { return window_; }

  // Blocks until an event with seq > `since` satisfies `predicate` and returns it, or returns
  // DeadlineExceeded naming `what` after `timeout`. Never call from the thread that appends.
  // With a window, events appended faster than the waiter reads them can be evicted before it
  // looks at them: it then returns OutOfRange naming the evicted range rather than miss one.
  absl::StatusOr<Event> WaitFor(const Predicate& predicate, std::chrono::milliseconds timeout,
                                uint64_t since = 0, const std::string& what = "event") const;

  // Registers a listener; returns a handle for RemoveListener.
  int AddListener(Listener listener);
  void RemoveListener(int handle);

  // Registers an observer and, first, feeds it every event held now (under the lock, so it
  // misses none and sees none twice); returns a handle for RemoveObserver. Events evicted
  // before it was added are not replayed: attach exact counters before the window first fills.
  int AddObserver(Observer observer);
  void RemoveObserver(int handle);

 private:
  const std::chrono::steady_clock::time_point start_;
  // Constant after construction.
  const size_t window_;
  mutable std::mutex mu_;
  mutable std::condition_variable appended_;
  std::deque<Event> events_ ABSL_GUARDED_BY(mu_);
  // Seq of events_.front() (the next one to append while events_ is empty).
  uint64_t first_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<int, Observer> observers_ ABSL_GUARDED_BY(mu_);
  int next_observer_ ABSL_GUARDED_BY(mu_) = 1;
  std::mutex listeners_mu_;
  std::map<int, Listener> listeners_ ABSL_GUARDED_BY(listeners_mu_);
  int next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 1;
};

// Formats a system-clock time as RFC 3339 UTC with milliseconds: 2026-11-29T06:48:15.123Z.
std::string FormatIsoTime(std::chrono::system_clock::time_point time);

}  // namespace thaw

#endif  // THAW_CORE_LEDGER_H_
