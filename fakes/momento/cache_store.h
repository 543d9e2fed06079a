#ifndef THAW_FAKES_MOMENTO_CACHE_STORE_H_
#define THAW_FAKES_MOMENTO_CACHE_STORE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/sorted_set.h"

namespace thaw::momento {

// Limits a cache enforces. The reference gives the `err` values but not the numbers; these
// defaults follow Momento's published limits (docs.momentohq.com/cache/manage/limits: 5 MB
// items, 128 KB collection elements, 24 h TTL; topics: 100 subscribers per cache, 4 KiB
// messages) and can be changed per store. ListCaches reports them.
struct CacheLimits {
  // Key plus value, per item. Larger writes are RESOURCE_EXHAUSTED `item_size_limit_exceeded`.
  size_t max_item_bytes = 5 * 1024 * 1024;
  // Serialized request size (checked by the services, not the store).
  size_t max_request_bytes = 5 * 1024 * 1024;
  // Each element a collection write adds (a dictionary field or value, a set element, a list
  // value, a sorted-set value). Larger is RESOURCE_EXHAUSTED `element_size_limit_exceeded`.
  size_t max_element_bytes = 128 * 1024;
  // A topic message (Publish's text or bytes). Larger is RESOURCE_EXHAUSTED
  // `request_size_limit_exceeded` (the service's trailer for it is not documented).
  size_t max_publish_message_bytes = 4 * 1024;
  // Subscriptions open at once on one cache's topics. One more is RESOURCE_EXHAUSTED
  // `topic_subscriptions_limit_exceeded`.
  size_t max_subscriptions = 100;
  // Reported by ListCaches; not enforced.
  uint64_t max_ttl_seconds = 24 * 60 * 60;
  // Caches per ListCaches page (then `next_token`; 0: all). Not Momento's number: the SDK sends
  // an empty token and reads one page, so this is large enough for any local setup.
  size_t list_caches_page_size = 100;
};

// The conditions of a conditional write (`SetIf`, `SetIfHash`), as Momento defines them.
struct SetCondition {
  enum class Kind {
    kPresent,             // the key exists
    kPresentAndNotEqual,  // the key exists and its value differs from `value`
    kAbsent,              // the key does not exist
    kEqual,               // the key exists and its value is `value`
    kAbsentOrEqual,       // the key does not exist, or its value is `value`
    kNotEqual,            // the key does not exist, or its value differs from `value`
    // SetIfHash: `value` is a hash (ValueHash) compared with the stored value's.
    kPresentAndHashEqual,     // the key exists and its value's hash is `value`
    kPresentAndNotHashEqual,  // the key exists and its value's hash differs from `value`
    kAbsentOrHashEqual,       // the key does not exist, or its value's hash is `value`
    kAbsentOrNotHashEqual,    // the key does not exist, or its value's hash differs
    kUnconditional,           // always (the SDK's setWithHash)
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

// The types an item can have (the values of ItemGetType's enum, in the same order).
enum class ItemType { kScalar = 0, kDictionary = 1, kSet = 2, kList = 3, kSortedSet = 4 };

// The TTL a collection write carries (the SDK's CollectionTtl): a write that creates the
// collection gives it `ttl`; a write to an existing one resets its expiry to now + `ttl` only
// when `refresh` is set.
struct CollectionTtl {
  std::chrono::milliseconds ttl{0};
  bool refresh = true;
};

// A range of a list or of a sorted set's ranks: start inclusive, end exclusive; negative
// indexes count from the end (-1 = the last element); absent = that end of the collection.
struct IndexRange {
  std::optional<int64_t> start;
  std::optional<int64_t> end;
};

// Sorted-set union store: how a value's weighted scores from several sources combine.
enum class ScoreAggregate { kSum, kMin, kMax };
struct WeightedSource {
  std::string name;
  double weight = 1;
};

// In-memory named caches of items, each with a TTL in milliseconds on the scheduler clock: an
// item whose expiry is not after `clock.Now()` is gone (so SchedulerClock::Advance expires items
// at once). Expired items are dropped lazily. An item is a scalar (a byte string) or one of
// Momento's collections: a dictionary, a set, a list, a sorted set. A collection exists while it
// has elements: the write that removes its last element deletes the item.
//
// Collection reads answer nullopt for a missing item ("Missing" on the wire). Scalar writes
// (Set) replace an item of any type; Delete, KeysExist, ItemGetTtl and UpdateTtl take any type.
//
// Thread-safe (one lock). Errors:
// - NotFound: the cache does not exist (the services send it without an `err` trailer, which
//   the SDK reports as CacheNotFound);
// - AlreadyExists: CreateCache of an existing cache;
// - ResourceExhausted with the `item_size_limit_exceeded` err payload (momento_status.h): an
//   item larger than CacheLimits::max_item_bytes;
// - FailedPrecondition: Increment (or DictionaryIncrement) of a value that is not a decimal
//   int64, or that overflows; an operation of one type on an item of another (a scalar Get of a
//   list, a DictionarySet on a set...);
// - ResourceExhausted `item_size_limit_exceeded` also for a collection write whose key plus the
//   collection's elements after the write exceed max_item_bytes, and
//   `element_size_limit_exceeded` for a write with an element over max_element_bytes;
// - InvalidArgument: a TTL of 0 ms.
// `clock` must outlive the store.
class CacheStore {
 public:
  using Ttl = std::chrono::milliseconds;

  explicit CacheStore(const SchedulerClock& clock, CacheLimits limits = {});
  CacheStore(const CacheStore&) = delete;
  CacheStore& operator=(const CacheStore&) = delete;

  const CacheLimits& limits() const { return limits_; }

  // A TTL from the wire's uint64 milliseconds (clamped to what Ttl holds).
  static Ttl TtlFromMillis(uint64_t milliseconds);

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
  // The item's type, or nullopt for a missing key.
  absl::StatusOr<std::optional<ItemType>> ItemGetType(const std::string& cache,
                                                      const std::string& key);

  // ---- Dictionaries (field -> value) ----
  using FieldValues = std::vector<std::pair<std::string, std::string>>;
  absl::Status DictionarySet(const std::string& cache, const std::string& key,
                             const FieldValues& items, CollectionTtl ttl);
  // Per field, in order: the value or nullopt; nullopt overall for a missing dictionary.
  absl::StatusOr<std::optional<std::vector<std::optional<std::string>>>> DictionaryGet(
      const std::string& cache, const std::string& key, const std::vector<std::string>& fields);
  // Every field, sorted by field.
  absl::StatusOr<std::optional<FieldValues>> DictionaryFetch(const std::string& cache,
                                                             const std::string& key);
  // As Increment, on one field (a missing dictionary or field counts as 0).
  absl::StatusOr<int64_t> DictionaryIncrement(const std::string& cache, const std::string& key,
                                              const std::string& field, int64_t amount,
                                              CollectionTtl ttl);
  // Removes the fields; nullopt `fields` removes the dictionary.
  absl::Status DictionaryDelete(const std::string& cache, const std::string& key,
                                const std::optional<std::vector<std::string>>& fields);
  absl::StatusOr<std::optional<uint32_t>> DictionaryLength(const std::string& cache,
                                                           const std::string& key);

  // ---- Sets ----
  absl::Status SetAdd(const std::string& cache, const std::string& key,
                      const std::vector<std::string>& elements, CollectionTtl ttl);
  // Removes the elements (nullopt: the whole set). Returns false when the set was missing.
  absl::StatusOr<bool> SetRemove(const std::string& cache, const std::string& key,
                                 const std::optional<std::vector<std::string>>& elements);
  // Sorted bytewise.
  absl::StatusOr<std::optional<std::vector<std::string>>> SetFetch(const std::string& cache,
                                                                   const std::string& key);
  // Up to `limit` distinct elements chosen at random.
  absl::StatusOr<std::optional<std::vector<std::string>>> SetSample(const std::string& cache,
                                                                    const std::string& key,
                                                                    uint64_t limit);
  // Removes and returns up to `count` elements chosen at random.
  absl::StatusOr<std::optional<std::vector<std::string>>> SetPop(const std::string& cache,
                                                                 const std::string& key,
                                                                 uint64_t count);
  absl::StatusOr<std::optional<std::vector<bool>>> SetContains(
      const std::string& cache, const std::string& key, const std::vector<std::string>& elements);
  absl::StatusOr<std::optional<uint32_t>> SetLength(const std::string& cache,
                                                    const std::string& key);

  // ---- Lists ----
  // Adds `values` (in their order) at the front or the back, then, when `truncate_to` is not 0,
  // drops elements from the other end until the list has at most that many. Returns the length.
  absl::StatusOr<uint32_t> ListConcatenate(const std::string& cache, const std::string& key,
                                           const std::vector<std::string>& values, bool front,
                                           uint32_t truncate_to, CollectionTtl ttl);
  // The popped value and the length after, or nullopt for a missing list.
  absl::StatusOr<std::optional<std::pair<std::string, uint32_t>>> ListPop(const std::string& cache,
                                                                          const std::string& key,
                                                                          bool front);
  absl::StatusOr<std::optional<std::vector<std::string>>> ListFetch(const std::string& cache,
                                                                    const std::string& key,
                                                                    IndexRange range);
  // Keeps only `range`; returns the length after, or nullopt for a missing list.
  absl::StatusOr<std::optional<uint32_t>> ListRetain(const std::string& cache,
                                                     const std::string& key, IndexRange range,
                                                     CollectionTtl ttl);
  // Removes every element equal to `value`; returns the length after.
  absl::StatusOr<std::optional<uint32_t>> ListRemoveValue(const std::string& cache,
                                                          const std::string& key,
                                                          const std::string& value);
  absl::StatusOr<std::optional<uint32_t>> ListLength(const std::string& cache,
                                                     const std::string& key);

  // ---- Sorted sets (sorted_set.h gives the order) ----
  absl::Status SortedSetPut(const std::string& cache, const std::string& key,
                            const std::vector<SortedSet::Element>& elements, CollectionTtl ttl);
  absl::StatusOr<std::optional<std::vector<SortedSet::Element>>> SortedSetFetchByRank(
      const std::string& cache, const std::string& key, IndexRange range, bool descending);
  absl::StatusOr<std::optional<std::vector<SortedSet::Element>>> SortedSetFetchByScore(
      const std::string& cache, const std::string& key, std::optional<ScoreBound> min,
      std::optional<ScoreBound> max, bool descending, uint64_t offset, int64_t count);
  // Per value, in order: its score or nullopt.
  absl::StatusOr<std::optional<std::vector<std::optional<double>>>> SortedSetGetScores(
      const std::string& cache, const std::string& key, const std::vector<std::string>& values);
  // Outer nullopt: missing set; inner nullopt: the value is not in it.
  absl::StatusOr<std::optional<std::optional<uint64_t>>> SortedSetGetRank(const std::string& cache,
                                                                          const std::string& key,
                                                                          const std::string& value,
                                                                          bool descending);
  absl::StatusOr<double> SortedSetIncrement(const std::string& cache, const std::string& key,
                                            const std::string& value, double amount,
                                            CollectionTtl ttl);
  // Removes the values (nullopt: the whole set).
  absl::Status SortedSetRemove(const std::string& cache, const std::string& key,
                               const std::optional<std::vector<std::string>>& values);
  absl::StatusOr<std::optional<uint32_t>> SortedSetLength(const std::string& cache,
                                                          const std::string& key);
  absl::StatusOr<std::optional<uint32_t>> SortedSetLengthByScore(const std::string& cache,
                                                                 const std::string& key,
                                                                 std::optional<ScoreBound> min,
                                                                 std::optional<ScoreBound> max);
  // Stores at `key` the union of the sources (missing ones are empty), each score times its
  // source's weight, combined by `aggregate`, with `ttl`; replaces what `key` held. Returns the
  // new length (0 deletes `key`).
  absl::StatusOr<uint32_t> SortedSetUnionStore(const std::string& cache, const std::string& key,
                                               const std::vector<WeightedSource>& sources,
                                               ScoreAggregate aggregate, Ttl ttl);

 private:
  using Dictionary = std::map<std::string, std::string>;
  using ElementSet = std::set<std::string>;
  using List = std::deque<std::string>;
  // The alternatives in ItemType's order.
  using Value = std::variant<std::string, Dictionary, ElementSet, List, SortedSet>;
  struct Item {
    Value value;
    SchedulerClock::TimePoint expires;
  };
  using Cache = std::unordered_map<std::string, Item>;

  // The cache, or nullptr.
  Cache* FindCache(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The live item, or nullptr; erases the item when it has expired.
  Item* FindLive(Cache& cache, const std::string& key, SchedulerClock::TimePoint now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The live item of type T, nullptr when missing, FailedPrecondition when of another type.
  template <typename T>
  absl::StatusOr<T*> FindTyped(Cache& cache, const std::string& key, SchedulerClock::TimePoint now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The same for a write: creates an empty T (expiring after ttl) when missing, refreshes the
  // expiry when asked. `cache[key]` may hold an empty T afterwards: the caller fills it or
  // calls EraseIfEmpty.
  template <typename T>
  absl::StatusOr<T*> FindForWrite(Cache& cache, const std::string& key, CollectionTtl ttl,
                                  SchedulerClock::TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes `key` when its collection has no elements.
  static void EraseIfEmpty(Cache& cache, const std::string& key);
  absl::Status CheckItem(const std::string& key, const std::string& value, Ttl ttl) const;
  absl::Status CheckSize(const std::string& key, size_t bytes) const;
  // RESOURCE_EXHAUSTED `element_size_limit_exceeded` when an element is over max_element_bytes.
  absl::Status CheckElement(std::string_view element) const;
  absl::Status CheckElements(const std::vector<std::string>& elements) const;
  static SchedulerClock::TimePoint ExpiryFrom(SchedulerClock::TimePoint now, Ttl ttl);

  // Constant after construction.
  const SchedulerClock& clock_;
  const CacheLimits limits_;

  mutable std::mutex mu_;
  std::map<std::string, Cache> caches_ ABSL_GUARDED_BY(mu_);
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_CACHE_STORE_H_
