// CacheStore's collections: dictionaries, sets, lists and sorted sets (cache_store.h).
#include <algorithm>
#include <iterator>
#include <random>

#include "core/status_macros.h"
#include "fakes/momento/cache_store.h"
#include "fakes/momento/cache_store_internal.h"
#include "fakes/momento/momento_status.h"

namespace thaw::momento {

namespace {

size_t BytesOf(const std::map<std::string, std::string>& d) {
  size_t n = 0;
  for (const auto& [field, value] : d) n += field.size() + value.size();
  return n;
}
template <typename Container>
size_t BytesOf(const Container& c) {
  size_t n = 0;
  for (const std::string& e : c) n += e.size();
  return n;
}

// [from, to) of a collection of `size` elements (IndexRange's rules).
std::pair<size_t, size_t> Resolve(const IndexRange& range, size_t size) {
  const auto n = static_cast<int64_t>(size);
  auto resolve = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
  const int64_t from = range.start ? resolve(*range.start) : 0;
  const int64_t to = range.end ? resolve(*range.end) : n;
  if (from >= to) return {0, 0};
  return {static_cast<size_t>(from), static_cast<size_t>(to)};
}

uint32_t Length(size_t n) { return static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX)); }

std::mt19937_64& Random() {
  // Only used under the store's lock.
  static std::mt19937_64 random{std::random_device{}()};
  return random;
}

}  // namespace

void CacheStore::EraseIfEmpty(Cache& cache, const std::string& key) {
  auto it = cache.find(key);
  if (it == cache.end()) return;
  const bool empty = std::visit(
      [](const auto& v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
          return false;
        } else {
          return v.empty();
        }
      },
      it->second.value);
  if (empty) cache.erase(it);
}

absl::Status CacheStore::CheckSize(const std::string& key, size_t bytes) const {
  if (key.size() + bytes <= limits_.max_item_bytes) return absl::OkStatus();
  return LimitExceeded(kErrItemSizeLimitExceeded, "the item is larger than the cache's limit of " +
                                                      std::to_string(limits_.max_item_bytes) +
                                                      " bytes");
}

absl::Status CacheStore::CheckElement(std::string_view element) const {
  if (element.size() <= limits_.max_element_bytes) return absl::OkStatus();
  return LimitExceeded(kErrElementSizeLimitExceeded,
                       "a collection element is larger than the cache's limit of " +
                           std::to_string(limits_.max_element_bytes) + " bytes");
}

absl::Status CacheStore::CheckElements(const std::vector<std::string>& elements) const {
  for (const std::string& element : elements) RETURN_IF_ERROR(CheckElement(element));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ItemType>> CacheStore::ItemGetType(const std::string& cache_name,
                                                                const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  Cache* cache = FindCache(cache_name);
  if (cache == nullptr) return CacheNotFound(cache_name);
  const Item* item = FindLive(*cache, key, clock_.Now());
  if (item == nullptr) return std::optional<ItemType>();
  return std::optional<ItemType>(static_cast<ItemType>(item->value.index()));
}

// A collection operation's common steps: the lock, the cache, the clock.
#define THAW_FIND_CACHE(cache_name)                       \
  std::lock_guard<std::mutex> lock(mu_);                  \
  Cache* cache = FindCache(cache_name);                   \
  if (cache == nullptr) return CacheNotFound(cache_name); \
  const SchedulerClock::TimePoint now = clock_.Now()

// Looks up the T at key for a read; answers nullopt (Missing) when there is none.
#define THAW_FIND_READ(T, var, key)                             \
  absl::StatusOr<T*> var##_or = FindTyped<T>(*cache, key, now); \
  if (!var##_or.ok()) return var##_or.status();                 \
  if (*var##_or == nullptr) return std::nullopt;                \
  T& var = **var##_or

// ---- Dictionaries ----

absl::Status CacheStore::DictionarySet(const std::string& cache_name, const std::string& key,
                                       const FieldValues& items, CollectionTtl ttl) {
  for (const auto& [field, value] : items) {
    RETURN_IF_ERROR(CheckElement(field));
    RETURN_IF_ERROR(CheckElement(value));
  }
  THAW_FIND_CACHE(cache_name);
  size_t adding = 0;
  for (const auto& [field, value] : items) adding += field.size() + value.size();
  ASSIGN_OR_RETURN(Dictionary * existing, FindTyped<Dictionary>(*cache, key, now));
  if (absl::Status s = CheckSize(key, adding + (existing ? BytesOf(*existing) : 0)); !s.ok()) {
    return s;
  }
  if (items.empty() && existing == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(Dictionary * dictionary, FindForWrite<Dictionary>(*cache, key, ttl, now));
  for (const auto& [field, value] : items) (*dictionary)[field] = value;
  EraseIfEmpty(*cache, key);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::vector<std::optional<std::string>>>> CacheStore::DictionaryGet(
    const std::string& cache_name, const std::string& key, const std::vector<std::string>& fields) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(Dictionary, dictionary, key);
  std::vector<std::optional<std::string>> values;
  values.reserve(fields.size());
  for (const std::string& field : fields) {
    auto it = dictionary.find(field);
    values.push_back(it == dictionary.end() ? std::nullopt : std::optional(it->second));
  }
  return values;
}

absl::StatusOr<std::optional<CacheStore::FieldValues>> CacheStore::DictionaryFetch(
    const std::string& cache_name, const std::string& key) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(Dictionary, dictionary, key);
  return FieldValues(dictionary.begin(), dictionary.end());
}

absl::StatusOr<int64_t> CacheStore::DictionaryIncrement(const std::string& cache_name,
                                                        const std::string& key,
                                                        const std::string& field, int64_t amount,
                                                        CollectionTtl ttl) {
  RETURN_IF_ERROR(CheckElement(field));
  THAW_FIND_CACHE(cache_name);
  ASSIGN_OR_RETURN(Dictionary * existing, FindTyped<Dictionary>(*cache, key, now));
  int64_t current = 0;
  if (existing != nullptr) {
    if (auto it = existing->find(field); it != existing->end()) {
      std::optional<int64_t> parsed = ParseInt64(it->second);
      if (!parsed) {
        return absl::FailedPreconditionError(
            "the value of the field is not a base-10 64-bit integer");
      }
      current = *parsed;
    }
  }
  int64_t result = 0;
  if (__builtin_add_overflow(current, amount, &result)) {
    return absl::FailedPreconditionError("the increment overflows a 64-bit integer");
  }
  ASSIGN_OR_RETURN(Dictionary * dictionary, FindForWrite<Dictionary>(*cache, key, ttl, now));
  (*dictionary)[field] = std::to_string(result);
  return result;
}

absl::Status CacheStore::DictionaryDelete(const std::string& cache_name, const std::string& key,
                                          const std::optional<std::vector<std::string>>& fields) {
  THAW_FIND_CACHE(cache_name);
  ASSIGN_OR_RETURN(Dictionary * dictionary, FindTyped<Dictionary>(*cache, key, now));
  if (dictionary == nullptr) return absl::OkStatus();
  if (!fields) {
    cache->erase(key);
    return absl::OkStatus();
  }
  for (const std::string& field : *fields) dictionary->erase(field);
  EraseIfEmpty(*cache, key);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<uint32_t>> CacheStore::DictionaryLength(const std::string& cache_name,
                                                                     const std::string& key) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(Dictionary, dictionary, key);
  return Length(dictionary.size());
}

// ---- Sets ----

absl::Status CacheStore::SetAdd(const std::string& cache_name, const std::string& key,
                                const std::vector<std::string>& elements, CollectionTtl ttl) {
  RETURN_IF_ERROR(CheckElements(elements));
  THAW_FIND_CACHE(cache_name);
  ASSIGN_OR_RETURN(ElementSet * existing, FindTyped<ElementSet>(*cache, key, now));
  const size_t before = existing ? BytesOf(*existing) : 0;
  if (absl::Status s = CheckSize(key, before + BytesOf(elements)); !s.ok()) return s;
  if (elements.empty() && existing == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(ElementSet * set, FindForWrite<ElementSet>(*cache, key, ttl, now));
  set->insert(elements.begin(), elements.end());
  EraseIfEmpty(*cache, key);
  return absl::OkStatus();
}

absl::StatusOr<bool> CacheStore::SetRemove(
    const std::string& cache_name, const std::string& key,
    const std::optional<std::vector<std::string>>& elements) {
  THAW_FIND_CACHE(cache_name);
  ASSIGN_OR_RETURN(ElementSet * set, FindTyped<ElementSet>(*cache, key, now));
  if (set == nullptr) return false;
  if (!elements) {
    cache->erase(key);
    return true;
  }
  for (const std::string& element : *elements) set->erase(element);
  EraseIfEmpty(*cache, key);
  return true;
}

absl::StatusOr<std::optional<std::vector<std::string>>> CacheStore::SetFetch(
    const std::string& cache_name, const std::string& key) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(ElementSet, set, key);
  return std::vector<std::string>(set.begin(), set.end());
}

absl::StatusOr<std::optional<std::vector<std::string>>> CacheStore::SetSample(
    const std::string& cache_name, const std::string& key, uint64_t limit) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(ElementSet, set, key);
  std::vector<std::string> sample;
  std::sample(set.begin(), set.end(), std::back_inserter(sample),
              static_cast<size_t>(std::min<uint64_t>(limit, set.size())), Random());
  std::shuffle(sample.begin(), sample.end(), Random());
  return sample;
}

absl::StatusOr<std::optional<std::vector<std::string>>> CacheStore::SetPop(
    const std::string& cache_name, const std::string& key, uint64_t count) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(ElementSet, set, key);
  std::vector<std::string> popped;
  std::sample(set.begin(), set.end(), std::back_inserter(popped),
              static_cast<size_t>(std::min<uint64_t>(count, set.size())), Random());
  for (const std::string& element : popped) set.erase(element);
  EraseIfEmpty(*cache, key);
  return popped;
}

absl::StatusOr<std::optional<std::vector<bool>>> CacheStore::SetContains(
    const std::string& cache_name, const std::string& key,
    const std::vector<std::string>& elements) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(ElementSet, set, key);
  std::vector<bool> contains;
  contains.reserve(elements.size());
  for (const std::string& element : elements) contains.push_back(set.contains(element));
  return contains;
}

absl::StatusOr<std::optional<uint32_t>> CacheStore::SetLength(const std::string& cache_name,
                                                              const std::string& key) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(ElementSet, set, key);
  return Length(set.size());
}

// ---- Lists ----

absl::StatusOr<uint32_t> CacheStore::ListConcatenate(const std::string& cache_name,
                                                     const std::string& key,
                                                     const std::vector<std::string>& values,
                                                     bool front, uint32_t truncate_to,
                                                     CollectionTtl ttl) {
  RETURN_IF_ERROR(CheckElements(values));
  THAW_FIND_CACHE(cache_name);
  ASSIGN_OR_RETURN(List * existing, FindTyped<List>(*cache, key, now));
  const size_t before = existing ? BytesOf(*existing) : 0;
  if (absl::Status s = CheckSize(key, before + BytesOf(values)); !s.ok()) return s;
  if (values.empty() && existing == nullptr) return 0u;
  ASSIGN_OR_RETURN(List * list_or, FindForWrite<List>(*cache, key, ttl, now));
  List& list = *list_or;
  if (front) {
    list.insert(list.begin(), values.begin(), values.end());
    if (truncate_to > 0) {
      while (list.size() > truncate_to) list.pop_back();
    }
  } else {
    list.insert(list.end(), values.begin(), values.end());
    if (truncate_to > 0) {
      while (list.size() > truncate_to) list.pop_front();
    }
  }
  const uint32_t length = Length(list.size());
  EraseIfEmpty(*cache, key);
  return length;
}

absl::StatusOr<std::optional<std::pair<std::string, uint32_t>>> CacheStore::ListPop(
    const std::string& cache_name, const std::string& key, bool front) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(List, list, key);
  std::string value;
  if (front) {
    value = std::move(list.front());
    list.pop_front();
  } else {
    value = std::move(list.back());
    list.pop_back();
  }
  const uint32_t length = Length(list.size());
  EraseIfEmpty(*cache, key);
  return std::pair(std::move(value), length);
}

absl::StatusOr<std::optional<std::vector<std::string>>> CacheStore::ListFetch(
    const std::string& cache_name, const std::string& key, IndexRange range) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(List, list, key);
  const auto [from, to] = Resolve(range, list.size());
  return std::vector<std::string>(list.begin() + static_cast<ptrdiff_t>(from),
                                  list.begin() + static_cast<ptrdiff_t>(to));
}

absl::StatusOr<std::optional<uint32_t>> CacheStore::ListRetain(const std::string& cache_name,
                                                               const std::string& key,
                                                               IndexRange range,
                                                               CollectionTtl ttl) {
  if (ttl.ttl <= Ttl::zero()) return absl::InvalidArgumentError("the TTL must be positive");
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(List, list, key);
  const auto [from, to] = Resolve(range, list.size());
  list.erase(list.begin() + static_cast<ptrdiff_t>(to), list.end());
  list.erase(list.begin(), list.begin() + static_cast<ptrdiff_t>(from));
  if (ttl.refresh) (*cache)[key].expires = ExpiryFrom(now, ttl.ttl);
  const uint32_t length = Length(list.size());
  EraseIfEmpty(*cache, key);
  return length;
}

absl::StatusOr<std::optional<uint32_t>> CacheStore::ListRemoveValue(const std::string& cache_name,
                                                                    const std::string& key,
                                                                    const std::string& value) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(List, list, key);
  std::erase(list, value);
  const uint32_t length = Length(list.size());
  EraseIfEmpty(*cache, key);
  return length;
}

absl::StatusOr<std::optional<uint32_t>> CacheStore::ListLength(const std::string& cache_name,
                                                               const std::string& key) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(List, list, key);
  return Length(list.size());
}

// ---- Sorted sets ----

absl::Status CacheStore::SortedSetPut(const std::string& cache_name, const std::string& key,
                                      const std::vector<SortedSet::Element>& elements,
                                      CollectionTtl ttl) {
  for (const auto& [value, score] : elements) RETURN_IF_ERROR(CheckElement(value));
  THAW_FIND_CACHE(cache_name);
  ASSIGN_OR_RETURN(SortedSet * existing, FindTyped<SortedSet>(*cache, key, now));
  size_t adding = 0;
  for (const auto& [value, score] : elements) adding += value.size() + sizeof(double);
  if (absl::Status s = CheckSize(key, adding + (existing ? existing->bytes() : 0)); !s.ok()) {
    return s;
  }
  if (elements.empty() && existing == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(SortedSet * set, FindForWrite<SortedSet>(*cache, key, ttl, now));
  for (const auto& [value, score] : elements) set->Put(value, score);
  EraseIfEmpty(*cache, key);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::vector<SortedSet::Element>>> CacheStore::SortedSetFetchByRank(
    const std::string& cache_name, const std::string& key, IndexRange range, bool descending) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(SortedSet, set, key);
  return set.ByRank(range.start, range.end, descending);
}

absl::StatusOr<std::optional<std::vector<SortedSet::Element>>> CacheStore::SortedSetFetchByScore(
    const std::string& cache_name, const std::string& key, std::optional<ScoreBound> min,
    std::optional<ScoreBound> max, bool descending, uint64_t offset, int64_t count) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(SortedSet, set, key);
  return set.ByScore(min, max, descending, offset, count);
}

absl::StatusOr<std::optional<std::vector<std::optional<double>>>> CacheStore::SortedSetGetScores(
    const std::string& cache_name, const std::string& key, const std::vector<std::string>& values) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(SortedSet, set, key);
  std::vector<std::optional<double>> scores;
  scores.reserve(values.size());
  for (const std::string& value : values) scores.push_back(set.Score(value));
  return scores;
}

absl::StatusOr<std::optional<std::optional<uint64_t>>> CacheStore::SortedSetGetRank(
    const std::string& cache_name, const std::string& key, const std::string& value,
    bool descending) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(SortedSet, set, key);
  return std::optional<std::optional<uint64_t>>(set.Rank(value, descending));
}

absl::StatusOr<double> CacheStore::SortedSetIncrement(const std::string& cache_name,
                                                      const std::string& key,
                                                      const std::string& value, double amount,
                                                      CollectionTtl ttl) {
  RETURN_IF_ERROR(CheckElement(value));
  THAW_FIND_CACHE(cache_name);
  ASSIGN_OR_RETURN(SortedSet * existing, FindTyped<SortedSet>(*cache, key, now));
  const size_t before = existing ? existing->bytes() : 0;
  if (absl::Status s = CheckSize(key, before + value.size() + sizeof(double)); !s.ok()) return s;
  ASSIGN_OR_RETURN(SortedSet * set, FindForWrite<SortedSet>(*cache, key, ttl, now));
  return set->Increment(value, amount);
}

absl::Status CacheStore::SortedSetRemove(const std::string& cache_name, const std::string& key,
                                         const std::optional<std::vector<std::string>>& values) {
  THAW_FIND_CACHE(cache_name);
  ASSIGN_OR_RETURN(SortedSet * set, FindTyped<SortedSet>(*cache, key, now));
  if (set == nullptr) return absl::OkStatus();
  if (!values) {
    cache->erase(key);
    return absl::OkStatus();
  }
  for (const std::string& value : *values) set->Remove(value);
  EraseIfEmpty(*cache, key);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<uint32_t>> CacheStore::SortedSetLength(const std::string& cache_name,
                                                                    const std::string& key) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(SortedSet, set, key);
  return Length(set.size());
}

absl::StatusOr<std::optional<uint32_t>> CacheStore::SortedSetLengthByScore(
    const std::string& cache_name, const std::string& key, std::optional<ScoreBound> min,
    std::optional<ScoreBound> max) {
  THAW_FIND_CACHE(cache_name);
  THAW_FIND_READ(SortedSet, set, key);
  return Length(set.CountByScore(min, max));
}

absl::StatusOr<uint32_t> CacheStore::SortedSetUnionStore(const std::string& cache_name,
                                                         const std::string& key,
                                                         const std::vector<WeightedSource>& sources,
                                                         ScoreAggregate aggregate, Ttl ttl) {
  if (ttl <= Ttl::zero()) return absl::InvalidArgumentError("the TTL must be positive");
  THAW_FIND_CACHE(cache_name);
  std::map<std::string, double> combined;
  for (const WeightedSource& source : sources) {
    ASSIGN_OR_RETURN(SortedSet * set, FindTyped<SortedSet>(*cache, source.name, now));
    if (set == nullptr) continue;
    for (const auto& [value, score] : set->All()) {
      const double weighted = score * source.weight;
      auto [it, inserted] = combined.try_emplace(value, weighted);
      if (inserted) continue;
      switch (aggregate) {
        case ScoreAggregate::kSum:
          it->second += weighted;
          break;
        case ScoreAggregate::kMin:
          it->second = std::min(it->second, weighted);
          break;
        case ScoreAggregate::kMax:
          it->second = std::max(it->second, weighted);
          break;
      }
    }
  }
  // The destination may be of any type: it is replaced, as a Set replaces it.
  SortedSet result;
  for (const auto& [value, score] : combined) result.Put(value, score);
  if (absl::Status s = CheckSize(key, result.bytes()); !s.ok()) return s;
  const uint32_t length = Length(result.size());
  if (result.empty()) {
    cache->erase(key);
  } else {
    (*cache)[key] = Item{std::move(result), ExpiryFrom(now, ttl)};
  }
  return length;
}

#undef THAW_FIND_READ
#undef THAW_FIND_CACHE

}  // namespace thaw::momento
