#include "core/ledger.h"

#include <algorithm>
#include <ctime>

#include "absl/status/status.h"

namespace thaw {

std::string FormatIsoTime(std::chrono::system_clock::time_point time) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

nlohmann::json Event::ToJson() const {
  nlohmann::json j = {{"seq", seq},           {"t", FormatIsoTime(time)}, {"ms", ms},
                      {"instance", instance}, {"function", function},     {"kind", kind},
                      {"attrs", attrs}};
  return j;
}

Ledger::Ledger(size_t window) : start_(std::chrono::steady_clock::now()), window_(window) {}

uint64_t Ledger::Append(int64_t instance, std::string function, std::string kind,
                        nlohmann::json attrs) {
  Event event;
  event.time = std::chrono::system_clock::now();
  event.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  event.instance = instance;
  event.function = std::move(function);
  event.kind = std::move(kind);
  event.attrs = std::move(attrs);
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = first_seq_ + events_.size();
    event.seq = seq;
    for (const auto& [id, observer] : observers_) observer(event);
    if (window_ > 0 && events_.size() == window_) {
      events_.pop_front();
      ++first_seq_;
    }
    events_.push_back(std::move(event));
  }
  appended_.notify_all();
  std::vector<Listener> listeners;
  {
    std::lock_guard<std::mutex> lock(listeners_mu_);
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (const auto& listener : listeners) listener(seq);
  return seq;
}

std::vector<Event> Ledger::Since(uint64_t since, size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Event> out;
  if (since >= first_seq_ + events_.size() - 1) return out;  // nothing newer (and no overflow)
  const uint64_t from = std::max(since + 1, first_seq_) - first_seq_;
  for (uint64_t i = from; i < events_.size() && out.size() < limit; ++i) {
    out.push_back(events_[i]);
  }
  return out;
}

std::vector<Event> Ledger::Select(const Predicate& predicate) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Event> out;
  for (const Event& e : events_) {
    if (predicate(e)) out.push_back(e);
  }
  return out;
}

size_t Ledger::Count(const Predicate& predicate) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const Event& e : events_) n += predicate(e) ? 1 : 0;
  return n;
}

uint64_t Ledger::LastSeq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_seq_ + events_.size() - 1;
}

uint64_t Ledger::FirstSeq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_seq_;
}

absl::StatusOr<Event> Ledger::WaitFor(const Predicate& predicate, std::chrono::milliseconds timeout,
                                      uint64_t since, const std::string& what) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  // The next seq to look at (saturated: since = UINT64_MAX waits for nothing that can come).
  uint64_t next = since == UINT64_MAX ? since : since + 1;
  while (true) {
    if (next < first_seq_) {
      return absl::OutOfRangeError(
          "events " + std::to_string(next) + ".." + std::to_string(first_seq_ - 1) +
          " were evicted from the ledger's window (" + std::to_string(window_) +
          " events) before the wait for " + what + " could read them");
    }
    const uint64_t end = first_seq_ + events_.size();
    for (; next < end; ++next) {
      const Event& e = events_[next - first_seq_];
      if (predicate(e)) return e;
    }
    if (appended_.wait_until(lock, deadline) == std::cv_status::timeout &&
        next >= first_seq_ + events_.size()) {
      return absl::DeadlineExceededError(
          "timed out after " + std::to_string(timeout.count()) + " ms waiting for " + what +
          " (ledger has " + std::to_string(first_seq_ + events_.size() - 1) + " events)");
    }
  }
}

int Ledger::AddObserver(Observer observer) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Event& e : events_) observer(e);
  const int id = next_observer_++;
  observers_[id] = std::move(observer);
  return id;
}

void Ledger::RemoveObserver(int handle) {
  std::lock_guard<std::mutex> lock(mu_);
  observers_.erase(handle);
}

int Ledger::AddListener(Listener listener) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  const int id = next_listener_++;
  listeners_[id] = std::move(listener);
  return id;
}

void Ledger::RemoveListener(int handle) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.erase(handle);
}

}  // namespace thaw
