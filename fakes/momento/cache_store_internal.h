#ifndef THAW_FAKES_MOMENTO_CACHE_STORE_INTERNAL_H_
#define THAW_FAKES_MOMENTO_CACHE_STORE_INTERNAL_H_

// Shared by cache_store.cc (scalars) and cache_store_collections.cc; not for other files.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "fakes/momento/cache_store.h"

namespace thaw::momento {

absl::Status CacheNotFound(const std::string& name);
// `text` as a decimal int64, or nullopt.
std::optional<int64_t> ParseInt64(const std::string& text);
const char* ItemTypeName(size_t variant_index);

template <typename T>
absl::StatusOr<T*> CacheStore::FindTyped(Cache& cache, const std::string& key,
                                         SchedulerClock::TimePoint now) {
  Item* item = FindLive(cache, key, now);
  if (item == nullptr) return nullptr;
  T* typed = std::get_if<T>(&item->value);
  if (typed == nullptr) {
    // Momento's service answers FAILED_PRECONDITION (the SDK's FailedPreconditionError).
    return absl::FailedPreconditionError(std::string("the item is a ") +
                                         ItemTypeName(item->value.index()) + ", not a " +
                                         ItemTypeName(Value(std::in_place_type<T>).index()));
  }
  return typed;
}

template <typename T>
absl::StatusOr<T*> CacheStore::FindForWrite(Cache& cache, const std::string& key, CollectionTtl ttl,
                                            SchedulerClock::TimePoint now) {
  if (ttl.ttl <= Ttl::zero()) return absl::InvalidArgumentError("the TTL must be positive");
  absl::StatusOr<T*> found = FindTyped<T>(cache, key, now);
  if (!found.ok()) return found.status();
  if (*found == nullptr) {
    Item& item = cache[key];
    item.value.template emplace<T>();
    item.expires = ExpiryFrom(now, ttl.ttl);
    return &std::get<T>(item.value);
  }
  if (ttl.refresh) cache[key].expires = ExpiryFrom(now, ttl.ttl);
  return *found;
}

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_CACHE_STORE_INTERNAL_H_
