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

// The single append-only record of everything thaw observes. Counters and assertions are
// queries over it, never separately kept numbers.
//
// Thread-safe. Sequence numbers start at 1 and are dense. Events are never removed.
class Ledger {
 public:
  using Predicate = std::function<bool(const Event&)>;
  // Called after every append, outside the ledger's lock, on the appending thread.
  using Listener = std::function<void(uint64_t seq)>;

  Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Appends an event and returns its sequence number.
  uint64_t Append(int64_t instance, std::string function, std::string kind,
                  nlohmann::json attrs = nlohmann::json::object());

  // Events with seq > `since`, oldest first, at most `limit` of them.
  std::vector<Event> Since(uint64_t since, size_t limit = SIZE_MAX) const;
  // Every event that satisfies `predicate`, oldest first.
  std::vector<Event> Select(const Predicate& predicate) const;
  // Number of events that satisfy `predicate`.
  size_t Count(const Predicate& predicate) const;
  uint64_t LastSeq() const;

  // Blocks until an event with seq > `since` satisfies `predicate` and returns it, or returns
  // DeadlineExceeded naming `what` after `timeout`. Never call from the thread that appends.
  absl::StatusOr<Event> WaitFor(const Predicate& predicate, std::chrono::milliseconds timeout,
                                uint64_t since = 0, const std::string& what = "event") const;

  // Registers a listener; returns a handle for RemoveListener.
  int AddListener(Listener listener);
  void RemoveListener(int handle);

 private:
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  mutable std::condition_variable appended_;
  std::deque<Event> events_ ABSL_GUARDED_BY(mu_);
  std::mutex listeners_mu_;
  std::map<int, Listener> listeners_ ABSL_GUARDED_BY(listeners_mu_);
  int next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 1;
};

// Formats a system-clock time as RFC 3339 UTC with milliseconds: 2026-11-29T06:48:15.123Z.
std::string FormatIsoTime(std::chrono::system_clock::time_point time);

}  // namespace thaw

#endif  // THAW_CORE_LEDGER_H_
