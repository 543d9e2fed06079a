#ifndef THAW_FAKES_MOMENTO_CACHE_STORE_H_
#define THAW_FAKES_MOMENTO_CACHE_STORE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/scheduler_clock.h"

namespace thaw::momento {

// Limits a cache enforces. The reference gives the `err` values but not the numbers; these
// defaults follow Momento's published per-cache defaults (5 MiB items, 24 h TTL) and can be
// changed per store.
struct CacheLimits {
  // Key plus value, per item. Larger writes are RESOURCE_EXHAUSTED `item_size_limit_exceeded`.
  size_t max_item_bytes = 5 * 1024 * 1024;
  // Serialized request size (checked by the services, not the store).
  size_t max_request_bytes = 5 * 1024 * 1024;
  // Reported by ListCaches; not enforced.
  uint64_t max_ttl_seconds = 24 * 60 * 60;
};

// The conditions of a conditional write (`SetIf`), as Momento defines them.
struct SetCondition {
  enum class Kind {
    kPresent,             // the key exists
    kPresentAndNotEqual,  // the key exists and its value differs from `value`
    kAbsent,              // the key does not exist
    kEqual,               // the key exists and its value is `value`
    kAbsentOrEqual,       // the key does not exist, or its value is `value`
    kNotEqual,            // the key does not exist, or its value differs from `value`
  };
  Kind kind = Kind::kAbsent;
  std::string value;
};

// How UpdateTtl changes an item's TTL.
enum class TtlUpdate {
  kIncreaseTo,   // only when the new TTL is longer than the remaining one
  kDecreaseTo,   // only when the new TTL is shorter than the remaining one
  kOverwriteTo,  // always
};

enum class TtlUpdateResult { kSet, kNotSet, kMissing };

// In-memory named caches of byte-string items, each with a TTL in milliseconds on the
// scheduler clock: an item whose expiry is not after `clock.Now()` is gone (so
// SchedulerClock::Advance expires items at once). Expired items are dropped lazily.
//
// Thread-safe (one lock). Errors:
// - NotFound: the cache does not exist (the services send it without an `err` trailer, which
//   the SDK reports as CacheNotFound);
// - AlreadyExists: CreateCache of an existing cache;
// - ResourceExhausted with the `item_size_limit_exceeded` err payload (momento_status.h): an
//   item larger than CacheLimits::max_item_bytes;
// - FailedPrecondition: Increment of a value that is not a decimal int64, or that overflows;
// - InvalidArgument: a TTL of 0 ms.
// `clock` must outlive the store.
class CacheStore {
 public:
  using Ttl = std::chrono::milliseconds;

  explicit CacheStore(const SchedulerClock& clock, CacheLimits limits = {});
  CacheStore(const CacheStore&) = delete;
  CacheStore& operator=(const CacheStore&) = delete;

  const CacheLimits& limits() const { return limits_; }

  absl::Status CreateCache(const std::string& name);
  absl::Status DeleteCache(const std::string& name);
  // Removes every item of the cache; the cache stays.
  absl::Status FlushCache(const std::string& name);
  // Cache names, sorted.
  std::vector<std::string> ListCaches() const;
  bool HasCache(const std::string& name) const;

  // The value, or nullopt for a miss.
  absl::StatusOr<std::optional<std::string>> Get(const std::string& cache, const std::string& key);
  absl::Status Set(const std::string& cache, const std::string& key, std::string value, Ttl ttl);
  // Stores when `condition` holds; returns whether it stored.
  absl::StatusOr<bool> SetIf(const std::string& cache, const std::string& key, std::string value,
                             Ttl ttl, const SetCondition& condition);
  // Deleting a missing key succeeds.
  absl::Status Delete(const std::string& cache, const std::string& key);
  // Adds `amount` to the decimal integer stored at `key` (a missing key counts as 0), stores the
  // result as decimal text with `ttl`, and returns it.
  absl::StatusOr<int64_t> Increment(const std::string& cache, const std::string& key,
                                    int64_t amount, Ttl ttl);
  // Whether each key exists, in order.
  absl::StatusOr<std::vector<bool>> KeysExist(const std::string& cache,
                                              const std::vector<std::string>& keys);
  // The remaining TTL (whole milliseconds, rounded down), or nullopt for a missing key.
  absl::StatusOr<std::optional<Ttl>> ItemGetTtl(const std::string& cache, const std::string& key);
  absl::StatusOr<TtlUpdateResult> UpdateTtl(const std::string& cache, const std::string& key,
                                            TtlUpdate how, Ttl ttl);

 private:
  struct Item {
    std::string value;
    SchedulerClock::TimePoint expires;
  };
  using Cache = std::unordered_map<std::string, Item>;

  // The cache, or nullptr.
  Cache* FindCache(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The live item, or nullptr; erases the item when it has expired.
  Item* FindLive(Cache& cache, const std::string& key, SchedulerClock::TimePoint now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckItem(const std::string& key, const std::string& value, Ttl ttl) const;
  static SchedulerClock::TimePoint ExpiryFrom(SchedulerClock::TimePoint now, Ttl ttl);

  // Constant after construction.
  const SchedulerClock& clock_;
  const CacheLimits limits_;

  mutable std::mutex mu_;
  std::map<std::string, Cache> caches_ ABSL_GUARDED_BY(mu_);
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_CACHE_STORE_H_
