#include "fakes/momento/scs_collections.h"

#include <optional>
#include <string>
#include <vector>

#include "core/status_macros.h"

namespace thaw::momento {

namespace {

using cache_client::Scs;
namespace cc = cache_client;

CollectionTtl CollectionTtlOf(uint64_t milliseconds, bool refresh) {
  return CollectionTtl{CacheStore::TtlFromMillis(milliseconds), refresh};
}

template <typename Repeated>
std::vector<std::string> Strings(const Repeated& repeated) {
  return std::vector<std::string>(repeated.begin(), repeated.end());
}

// Fills `response` with found(...) or missing() from a store read, or returns its error.
// `fill` gets the found message and the value.
template <typename T, typename Response, typename Fill>
absl::Status FoundOrMissing(absl::StatusOr<std::optional<T>> result, Response* response,
                            Fill fill) {
  if (!result.ok()) return result.status();
  if (result->has_value()) {
    fill(response->mutable_found(), **result);
  } else {
    response->mutable_missing();
  }
  return absl::OkStatus();
}

// A list request's start/end oneofs (unbounded or an index).
template <typename Request>
IndexRange ListRangeOf(const Request& request) {
  IndexRange range;
  if (request.start_index_case() == Request::kInclusiveStart) {
    range.start = request.inclusive_start();
  }
  if (request.end_index_case() == Request::kExclusiveEnd) range.end = request.exclusive_end();
  return range;
}

std::optional<ScoreBound> BoundOf(bool present,
                                  const cc::SortedSetFetchRequest::ByScore::Score& s) {
  if (!present) return std::nullopt;
  return ScoreBound{s.score(), s.exclusive()};
}

void AddElements(const std::vector<SortedSet::Element>& elements, bool with_scores,
                 cc::SortedSetFetchResponse::Found* found) {
  if (with_scores) {
    auto* out = found->mutable_values_with_scores();
    for (const auto& [value, score] : elements) {
      cc::SortedSetElement* element = out->add_elements();
      element->set_value(value);
      element->set_score(score);
    }
  } else {
    auto* out = found->mutable_values();
    for (const auto& [value, score] : elements) out->add_values(value);
  }
}

}  // namespace

ScsCollections::ScsCollections(CacheStore& store, cache_client::Scs::AsyncService& service)
    : store_(store), service_(service) {}

void ScsCollections::Register(CallDispatcher& dispatcher) {
  RegisterDictionaries(dispatcher);
  RegisterSets(dispatcher);
  RegisterLists(dispatcher);
  RegisterSortedSets(dispatcher);
}

// Registers `request` (Scs::AsyncService::RequestX) with the handler `serve`.
#define THAW_UNARY(Method, Req, Resp, ...)                                             \
  dispatcher.AddUnary(                                                                 \
      MakeUnary({Scs::service_full_name(), #Method, RpcGate::Plane::kData}, &service_, \
                &Scs::AsyncService::Request##Method,                                   \
                [=, this](const std::string& cache, const cc::Req& in,                 \
                          [[maybe_unused]] cc::Resp* out) -> absl::Status { __VA_ARGS__ }))

void ScsCollections::RegisterDictionaries(CallDispatcher& dispatcher) {
  THAW_UNARY(DictionarySet, DictionarySetRequest, DictionarySetResponse, {
    CacheStore::FieldValues items;
    items.reserve(in.items_size());
    for (const auto& item : in.items()) items.emplace_back(item.field(), item.value());
    return store_.DictionarySet(cache, in.dictionary_name(), items,
                                CollectionTtlOf(in.ttl_milliseconds(), in.refresh_ttl()));
  });
  THAW_UNARY(DictionaryGet, DictionaryGetRequest, DictionaryGetResponse, {
    return FoundOrMissing(store_.DictionaryGet(cache, in.dictionary_name(), Strings(in.fields())),
                          out, [](auto* found, const auto& values) {
                            for (const std::optional<std::string>& value : values) {
                              auto* part = found->add_items();
                              part->set_result(value ? cc::Hit : cc::Miss);
                              if (value) part->set_cache_body(*value);
                            }
                          });
  });
  THAW_UNARY(DictionaryFetch, DictionaryFetchRequest, DictionaryFetchResponse, {
    return FoundOrMissing(store_.DictionaryFetch(cache, in.dictionary_name()), out,
                          [](auto* found, const auto& items) {
                            for (const auto& [field, value] : items) {
                              auto* pair = found->add_items();
                              pair->set_field(field);
                              pair->set_value(value);
                            }
                          });
  });
  THAW_UNARY(DictionaryIncrement, DictionaryIncrementRequest, DictionaryIncrementResponse, {
    ASSIGN_OR_RETURN(int64_t value, store_.DictionaryIncrement(
                                        cache, in.dictionary_name(), in.field(), in.amount(),
                                        CollectionTtlOf(in.ttl_milliseconds(), in.refresh_ttl())));
    out->set_value(value);
    return absl::OkStatus();
  });
  THAW_UNARY(DictionaryDelete, DictionaryDeleteRequest, DictionaryDeleteResponse, {
    std::optional<std::vector<std::string>> fields;
    if (in.delete_case() == cc::DictionaryDeleteRequest::kSome) {
      fields = Strings(in.some().fields());
    } else if (in.delete_case() != cc::DictionaryDeleteRequest::kAll) {
      return absl::InvalidArgumentError("DictionaryDelete needs some or all");
    }
    return store_.DictionaryDelete(cache, in.dictionary_name(), fields);
  });
  THAW_UNARY(DictionaryLength, DictionaryLengthRequest, DictionaryLengthResponse, {
    return FoundOrMissing(store_.DictionaryLength(cache, in.dictionary_name()), out,
                          [](auto* found, uint32_t length) { found->set_length(length); });
  });
}

void ScsCollections::RegisterSets(CallDispatcher& dispatcher) {
  THAW_UNARY(SetUnion, SetUnionRequest, SetUnionResponse, {
    return store_.SetAdd(cache, in.set_name(), Strings(in.elements()),
                         CollectionTtlOf(in.ttl_milliseconds(), in.refresh_ttl()));
  });
  THAW_UNARY(SetDifference, SetDifferenceRequest, SetDifferenceResponse, {
    // The SDK only sends a subtrahend: the elements to remove, or the whole set (identity).
    if (in.difference_case() != cc::SetDifferenceRequest::kSubtrahend) {
      return absl::InvalidArgumentError("SetDifference supports a subtrahend only");
    }
    std::optional<std::vector<std::string>> elements;
    if (in.subtrahend().has_set()) elements = Strings(in.subtrahend().set().elements());
    ASSIGN_OR_RETURN(bool found, store_.SetRemove(cache, in.set_name(), elements));
    if (found) {
      out->mutable_found();
    } else {
      out->mutable_missing();
    }
    return absl::OkStatus();
  });
  auto elements = [](auto* found, const std::vector<std::string>& values) {
    for (const std::string& value : values) found->add_elements(value);
  };
  THAW_UNARY(SetFetch, SetFetchRequest, SetFetchResponse,
             { return FoundOrMissing(store_.SetFetch(cache, in.set_name()), out, elements); });
  THAW_UNARY(SetSample, SetSampleRequest, SetSampleResponse, {
    return FoundOrMissing(store_.SetSample(cache, in.set_name(), in.limit()), out, elements);
  });
  THAW_UNARY(SetPop, SetPopRequest, SetPopResponse, {
    return FoundOrMissing(store_.SetPop(cache, in.set_name(), in.count()), out, elements);
  });
  THAW_UNARY(SetContains, SetContainsRequest, SetContainsResponse, {
    return FoundOrMissing(store_.SetContains(cache, in.set_name(), Strings(in.elements())), out,
                          [](auto* found, const std::vector<bool>& contains) {
                            for (bool c : contains) found->add_contains(c);
                          });
  });
  THAW_UNARY(SetLength, SetLengthRequest, SetLengthResponse, {
    return FoundOrMissing(store_.SetLength(cache, in.set_name()), out,
                          [](auto* found, uint32_t length) { found->set_length(length); });
  });
}

void ScsCollections::RegisterLists(CallDispatcher& dispatcher) {
  THAW_UNARY(ListConcatenateFront, ListConcatenateFrontRequest, ListConcatenateFrontResponse, {
    ASSIGN_OR_RETURN(
        uint32_t length,
        store_.ListConcatenate(cache, in.list_name(), Strings(in.values()),
                               /*front=*/true, in.truncate_back_to_size(),
                               CollectionTtlOf(in.ttl_milliseconds(), in.refresh_ttl())));
    out->set_list_length(length);
    return absl::OkStatus();
  });
  THAW_UNARY(ListConcatenateBack, ListConcatenateBackRequest, ListConcatenateBackResponse, {
    ASSIGN_OR_RETURN(
        uint32_t length,
        store_.ListConcatenate(cache, in.list_name(), Strings(in.values()),
                               /*front=*/false, in.truncate_front_to_size(),
                               CollectionTtlOf(in.ttl_milliseconds(), in.refresh_ttl())));
    out->set_list_length(length);
    return absl::OkStatus();
  });
  THAW_UNARY(ListPushFront, ListPushFrontRequest, ListPushFrontResponse, {
    ASSIGN_OR_RETURN(
        uint32_t length,
        store_.ListConcatenate(cache, in.list_name(), {in.value()}, /*front=*/true,
                               in.truncate_back_to_size(),
                               CollectionTtlOf(in.ttl_milliseconds(), in.refresh_ttl())));
    out->set_list_length(length);
    return absl::OkStatus();
  });
  THAW_UNARY(ListPushBack, ListPushBackRequest, ListPushBackResponse, {
    ASSIGN_OR_RETURN(
        uint32_t length,
        store_.ListConcatenate(cache, in.list_name(), {in.value()}, /*front=*/false,
                               in.truncate_front_to_size(),
                               CollectionTtlOf(in.ttl_milliseconds(), in.refresh_ttl())));
    out->set_list_length(length);
    return absl::OkStatus();
  });
  THAW_UNARY(ListPopFront, ListPopFrontRequest, ListPopFrontResponse, {
    return FoundOrMissing(store_.ListPop(cache, in.list_name(), /*front=*/true), out,
                          [](auto* found, const auto& popped) {
                            found->set_front(popped.first);
                            found->set_list_length(popped.second);
                          });
  });
  THAW_UNARY(ListPopBack, ListPopBackRequest, ListPopBackResponse, {
    return FoundOrMissing(store_.ListPop(cache, in.list_name(), /*front=*/false), out,
                          [](auto* found, const auto& popped) {
                            found->set_back(popped.first);
                            found->set_list_length(popped.second);
                          });
  });
  THAW_UNARY(ListFetch, ListFetchRequest, ListFetchResponse, {
    return FoundOrMissing(store_.ListFetch(cache, in.list_name(), ListRangeOf(in)), out,
                          [](auto* found, const std::vector<std::string>& values) {
                            for (const std::string& value : values) found->add_values(value);
                          });
  });
  THAW_UNARY(ListRetain, ListRetainRequest, ListRetainResponse, {
    return FoundOrMissing(
        store_.ListRetain(cache, in.list_name(), ListRangeOf(in),
                          CollectionTtlOf(in.ttl_milliseconds(), in.refresh_ttl())),
        out, [](auto* found, uint32_t length) { found->set_list_length(length); });
  });
  THAW_UNARY(ListRemove, ListRemoveRequest, ListRemoveResponse, {
    if (in.remove_case() != cc::ListRemoveRequest::kAllElementsWithValue) {
      return absl::InvalidArgumentError("ListRemove needs all_elements_with_value");
    }
    return FoundOrMissing(
        store_.ListRemoveValue(cache, in.list_name(), in.all_elements_with_value()), out,
        [](auto* found, uint32_t length) { found->set_list_length(length); });
  });
  THAW_UNARY(ListLength, ListLengthRequest, ListLengthResponse, {
    return FoundOrMissing(store_.ListLength(cache, in.list_name()), out,
                          [](auto* found, uint32_t length) { found->set_length(length); });
  });
}

void ScsCollections::RegisterSortedSets(CallDispatcher& dispatcher) {
  THAW_UNARY(SortedSetPut, SortedSetPutRequest, SortedSetPutResponse, {
    std::vector<SortedSet::Element> elements;
    elements.reserve(in.elements_size());
    for (const auto& e : in.elements()) elements.emplace_back(e.value(), e.score());
    return store_.SortedSetPut(cache, in.set_name(), elements,
                               CollectionTtlOf(in.ttl_milliseconds(), in.refresh_ttl()));
  });
  THAW_UNARY(SortedSetFetch, SortedSetFetchRequest, SortedSetFetchResponse, {
    const bool descending = in.order() == cc::SortedSetFetchRequest::DESCENDING;
    const bool with_scores = in.with_scores();
    auto fill = [with_scores](auto* found, const std::vector<SortedSet::Element>& elements) {
      AddElements(elements, with_scores, found);
    };
    if (in.has_by_score()) {
      const auto& by = in.by_score();
      return FoundOrMissing(
          store_.SortedSetFetchByScore(
              cache, in.set_name(), BoundOf(by.has_min_score(), by.min_score()),
              BoundOf(by.has_max_score(), by.max_score()), descending, by.offset(), by.count()),
          out, fill);
    }
    // by_index, or nothing: the whole set.
    IndexRange range;
    const auto& by = in.by_index();
    if (by.start_case() == cc::SortedSetFetchRequest::ByIndex::kInclusiveStartIndex) {
      range.start = by.inclusive_start_index();
    }
    if (by.end_case() == cc::SortedSetFetchRequest::ByIndex::kExclusiveEndIndex) {
      range.end = by.exclusive_end_index();
    }
    return FoundOrMissing(store_.SortedSetFetchByRank(cache, in.set_name(), range, descending), out,
                          fill);
  });
  THAW_UNARY(SortedSetGetScore, SortedSetGetScoreRequest, SortedSetGetScoreResponse, {
    return FoundOrMissing(store_.SortedSetGetScores(cache, in.set_name(), Strings(in.values())),
                          out, [](auto* found, const std::vector<std::optional<double>>& scores) {
                            for (const std::optional<double>& score : scores) {
                              auto* part = found->add_elements();
                              part->set_result(score ? cc::Hit : cc::Miss);
                              if (score) part->set_score(*score);
                            }
                          });
  });
  THAW_UNARY(SortedSetGetRank, SortedSetGetRankRequest, SortedSetGetRankResponse, {
    ASSIGN_OR_RETURN(
        std::optional<std::optional<uint64_t>> rank,
        store_.SortedSetGetRank(cache, in.set_name(), in.value(),
                                in.order() == cc::SortedSetGetRankRequest::DESCENDING));
    if (!rank.has_value()) {
      out->mutable_missing();
    } else if (!rank->has_value()) {
      out->mutable_element_rank()->set_result(cc::Miss);
    } else {
      out->mutable_element_rank()->set_result(cc::Hit);
      out->mutable_element_rank()->set_rank(**rank);
    }
    return absl::OkStatus();
  });
  THAW_UNARY(SortedSetIncrement, SortedSetIncrementRequest, SortedSetIncrementResponse, {
    ASSIGN_OR_RETURN(double score, store_.SortedSetIncrement(
                                       cache, in.set_name(), in.value(), in.amount(),
                                       CollectionTtlOf(in.ttl_milliseconds(), in.refresh_ttl())));
    out->set_score(score);
    return absl::OkStatus();
  });
  THAW_UNARY(SortedSetRemove, SortedSetRemoveRequest, SortedSetRemoveResponse, {
    std::optional<std::vector<std::string>> values;
    if (in.remove_elements_case() == cc::SortedSetRemoveRequest::kSome) {
      values = Strings(in.some().values());
    } else if (in.remove_elements_case() != cc::SortedSetRemoveRequest::kAll) {
      return absl::InvalidArgumentError("SortedSetRemove needs some or all");
    }
    return store_.SortedSetRemove(cache, in.set_name(), values);
  });
  THAW_UNARY(SortedSetLength, SortedSetLengthRequest, SortedSetLengthResponse, {
    return FoundOrMissing(store_.SortedSetLength(cache, in.set_name()), out,
                          [](auto* found, uint32_t length) { found->set_length(length); });
  });
  THAW_UNARY(
      SortedSetLengthByScore, SortedSetLengthByScoreRequest, SortedSetLengthByScoreResponse, {
        using R = cc::SortedSetLengthByScoreRequest;
        std::optional<ScoreBound> min;
        std::optional<ScoreBound> max;
        if (in.min_case() == R::kInclusiveMin) min = ScoreBound{in.inclusive_min(), false};
        if (in.min_case() == R::kExclusiveMin) min = ScoreBound{in.exclusive_min(), true};
        if (in.max_case() == R::kInclusiveMax) max = ScoreBound{in.inclusive_max(), false};
        if (in.max_case() == R::kExclusiveMax) max = ScoreBound{in.exclusive_max(), true};
        return FoundOrMissing(store_.SortedSetLengthByScore(cache, in.set_name(), min, max), out,
                              [](auto* found, uint32_t length) { found->set_length(length); });
      });
  THAW_UNARY(SortedSetUnionStore, SortedSetUnionStoreRequest, SortedSetUnionStoreResponse, {
    std::vector<WeightedSource> sources;
    for (const auto& source : in.sources()) {
      sources.push_back({source.set_name(), static_cast<double>(source.weight())});
    }
    ScoreAggregate aggregate = ScoreAggregate::kSum;
    if (in.aggregate() == cc::SortedSetUnionStoreRequest::MIN) aggregate = ScoreAggregate::kMin;
    if (in.aggregate() == cc::SortedSetUnionStoreRequest::MAX) aggregate = ScoreAggregate::kMax;
    ASSIGN_OR_RETURN(uint32_t length,
                     store_.SortedSetUnionStore(cache, in.set_name(), sources, aggregate,
                                                CacheStore::TtlFromMillis(in.ttl_milliseconds())));
    out->set_length(length);
    return absl::OkStatus();
  });
}

#undef THAW_UNARY

}  // namespace thaw::momento
