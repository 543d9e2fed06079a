#include "fakes/momento/cache_store.h"

#include <charconv>

#include "core/status_macros.h"
#include "fakes/momento/cache_store_internal.h"
#include "fakes/momento/momento_status.h"
#include "fakes/momento/value_hash.h"

namespace thaw::momento {

namespace {

// Longest TTL kept as such; longer ones are clamped so time arithmetic cannot overflow.
constexpr CacheStore::Ttl kMaxTtl = std::chrono::hours(24 * 365 * 100);

}  // namespace

absl::Status CacheNotFound(const std::string& name) {
  return absl::NotFoundError("cache not found: " + name);
}

const char* ItemTypeName(size_t variant_index) {
  static const char* kNames[] = {"scalar", "dictionary", "set", "list", "sorted set"};
  return variant_index < std::size(kNames) ? kNames[variant_index] : "item";
}

std::optional<int64_t> ParseInt64(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

CacheStore::Ttl CacheStore::TtlFromMillis(uint64_t milliseconds) {
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  return Ttl(static_cast<int64_t>(std::min(milliseconds, kMax)));
}

CacheStore::CacheStore(const SchedulerClock& clock, CacheLimits limits)
    : clock_(clock), limits_(limits) {}

absl::Status CacheStore::CreateCache(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!caches_.try_emplace(name).second) {
    return absl::AlreadyExistsError("cache already exists: " + name);
  }
  return absl::OkStatus();
}

absl::Status CacheStore::DeleteCache(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (caches_.erase(name) == 0) return CacheNotFound(name);
  return absl::OkStatus();
}

absl::Status CacheStore::FlushCache(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  Cache* cache = FindCache(name);
  if (cache == nullptr) return CacheNotFound(name);
  cache->clear();
  return absl::OkStatus();
}

std::vector<std::string> CacheStore::ListCaches() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, cache] : caches_) names.push_back(name);
  return names;
}

bool CacheStore::HasCache(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return caches_.contains(name);
}

absl::StatusOr<std::optional<std::string>> CacheStore::Get(const std::string& cache_name,
                                                           const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  Cache* cache = FindCache(cache_name);
  if (cache == nullptr) return CacheNotFound(cache_name);
  ASSIGN_OR_RETURN(std::string * value, FindTyped<std::string>(*cache, key, clock_.Now()));
  if (value == nullptr) return std::optional<std::string>();
  return std::optional<std::string>(*value);
}

absl::Status CacheStore::Set(const std::string& cache_name, const std::string& key,
                             std::string value, Ttl ttl) {
  if (absl::Status s = CheckItem(key, value, ttl); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  Cache* cache = FindCache(cache_name);
  if (cache == nullptr) return CacheNotFound(cache_name);
  (*cache)[key] = Item{std::move(value), ExpiryFrom(clock_.Now(), ttl)};
  return absl::OkStatus();
}

absl::StatusOr<bool> CacheStore::SetIf(const std::string& cache_name, const std::string& key,
                                       std::string value, Ttl ttl, const SetCondition& condition) {
  if (absl::Status s = CheckItem(key, value, ttl); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  Cache* cache = FindCache(cache_name);
  if (cache == nullptr) return CacheNotFound(cache_name);
  const auto now = clock_.Now();
  ASSIGN_OR_RETURN(std::string * item, FindTyped<std::string>(*cache, key, now));
  const bool present = item != nullptr;
  const bool equal = present && *item == condition.value;
  const bool hash_equal = present && ValueHash(*item) == condition.value;
  bool store = false;
  switch (condition.kind) {
    case SetCondition::Kind::kPresent:
      store = present;
      break;
    case SetCondition::Kind::kPresentAndNotEqual:
      store = present && !equal;
      break;
    case SetCondition::Kind::kAbsent:
      store = !present;
      break;
    case SetCondition::Kind::kEqual:
      store = equal;
      break;
    case SetCondition::Kind::kAbsentOrEqual:
      store = !present || equal;
      break;
    case SetCondition::Kind::kNotEqual:
      store = !equal;
      break;
    case SetCondition::Kind::kPresentAndHashEqual:
      store = hash_equal;
      break;
    case SetCondition::Kind::kPresentAndNotHashEqual:
      store = present && !hash_equal;
      break;
    case SetCondition::Kind::kAbsentOrHashEqual:
      store = !present || hash_equal;
      break;
    case SetCondition::Kind::kAbsentOrNotHashEqual:
      store = !hash_equal;
      break;
    case SetCondition::Kind::kUnconditional:
      store = true;
      break;
  }
  if (store) (*cache)[key] = Item{std::move(value), ExpiryFrom(now, ttl)};
  return store;
}

absl::Status CacheStore::Delete(const std::string& cache_name, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  Cache* cache = FindCache(cache_name);
  if (cache == nullptr) return CacheNotFound(cache_name);
  cache->erase(key);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CacheStore::Increment(const std::string& cache_name, const std::string& key,
                                              int64_t amount, Ttl ttl) {
  if (absl::Status s = CheckItem(key, "", ttl); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  Cache* cache = FindCache(cache_name);
  if (cache == nullptr) return CacheNotFound(cache_name);
  const auto now = clock_.Now();
  int64_t current = 0;
  ASSIGN_OR_RETURN(std::string * item, FindTyped<std::string>(*cache, key, now));
  if (item != nullptr) {
    std::optional<int64_t> parsed = ParseInt64(*item);
    if (!parsed) {
      return absl::FailedPreconditionError("the value of the key is not a base-10 64-bit integer");
    }
    current = *parsed;
  }
  int64_t result = 0;
  if (__builtin_add_overflow(current, amount, &result)) {
    return absl::FailedPreconditionError("the increment overflows a 64-bit integer");
  }
  (*cache)[key] = Item{std::to_string(result), ExpiryFrom(now, ttl)};
  return result;
}

absl::StatusOr<std::vector<bool>> CacheStore::KeysExist(const std::string& cache_name,
                                                        const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  Cache* cache = FindCache(cache_name);
  if (cache == nullptr) return CacheNotFound(cache_name);
  const auto now = clock_.Now();
  std::vector<bool> exists;
  exists.reserve(keys.size());
  for (const std::string& key : keys) exists.push_back(FindLive(*cache, key, now) != nullptr);
  return exists;
}

absl::StatusOr<std::optional<CacheStore::Ttl>> CacheStore::ItemGetTtl(const std::string& cache_name,
                                                                      const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  Cache* cache = FindCache(cache_name);
  if (cache == nullptr) return CacheNotFound(cache_name);
  const auto now = clock_.Now();
  const Item* item = FindLive(*cache, key, now);
  if (item == nullptr) return std::optional<Ttl>();
  return std::optional<Ttl>(std::chrono::duration_cast<Ttl>(item->expires - now));
}

absl::StatusOr<TtlUpdateResult> CacheStore::UpdateTtl(const std::string& cache_name,
                                                      const std::string& key, TtlUpdate how,
                                                      Ttl ttl) {
  if (ttl <= Ttl::zero()) return absl::InvalidArgumentError("the TTL must be positive");
  std::lock_guard<std::mutex> lock(mu_);
  Cache* cache = FindCache(cache_name);
  if (cache == nullptr) return CacheNotFound(cache_name);
  const auto now = clock_.Now();
  Item* item = FindLive(*cache, key, now);
  if (item == nullptr) return TtlUpdateResult::kMissing;
  const auto expires = ExpiryFrom(now, ttl);
  const bool apply = how == TtlUpdate::kOverwriteTo ||
                     (how == TtlUpdate::kIncreaseTo && expires > item->expires) ||
                     (how == TtlUpdate::kDecreaseTo && expires < item->expires);
  if (!apply) return TtlUpdateResult::kNotSet;
  item->expires = expires;
  return TtlUpdateResult::kSet;
}

CacheStore::Cache* CacheStore::FindCache(const std::string& name) {
  auto it = caches_.find(name);
  return it == caches_.end() ? nullptr : &it->second;
}

CacheStore::Item* CacheStore::FindLive(Cache& cache, const std::string& key,
                                       SchedulerClock::TimePoint now) {
  auto it = cache.find(key);
  if (it == cache.end()) return nullptr;
  if (it->second.expires <= now) {
    cache.erase(it);
    return nullptr;
  }
  return &it->second;
}

absl::Status CacheStore::CheckItem(const std::string& key, const std::string& value,
                                   Ttl ttl) const {
  if (ttl <= Ttl::zero()) return absl::InvalidArgumentError("the TTL must be positive");
  if (key.size() + value.size() > limits_.max_item_bytes) {
    return LimitExceeded(kErrItemSizeLimitExceeded,
                         "the item is larger than the cache's limit of " +
                             std::to_string(limits_.max_item_bytes) + " bytes");
  }
  return absl::OkStatus();
}

SchedulerClock::TimePoint CacheStore::ExpiryFrom(SchedulerClock::TimePoint now, Ttl ttl) {
  return now + std::min(ttl, kMaxTtl);
}

}  // namespace thaw::momento
