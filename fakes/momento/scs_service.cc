#include "fakes/momento/scs_service.h"

#include <vector>

#include "core/status_macros.h"
#include "fakes/momento/value_hash.h"

namespace thaw::momento {

namespace {

CacheStore::Ttl TtlOf(uint64_t milliseconds) { return CacheStore::TtlFromMillis(milliseconds); }

// SetIf and SetIfNotExists store and answer alike: Stored or NotStored.
template <typename Request, typename Response>
absl::Status StoreIf(CacheStore& store, const std::string& cache, const Request& request,
                     const SetCondition& condition, Response* response) {
  ASSIGN_OR_RETURN(bool stored, store.SetIf(cache, request.cache_key(), request.cache_body(),
                                            TtlOf(request.ttl_milliseconds()), condition));
  if (stored) {
    response->mutable_stored();
  } else {
    response->mutable_not_stored();
  }
  return absl::OkStatus();
}

}  // namespace

ScsService::ScsService(CacheStore& store) : store_(store), collections_(store, service_) {}

void ScsService::Register(CallDispatcher& dispatcher) {
  using cache_client::Scs;
  constexpr RpcGate::Plane kData = RpcGate::Plane::kData;
  auto unary = [&](std::string_view method, auto request, auto serve) {
    dispatcher.AddUnary(
        MakeUnary({cache_client::Scs::service_full_name(), method, kData}, &service_, request,
                  [this, serve](const std::string& cache, const auto& in, auto* out) {
                    return (this->*serve)(cache, in, out);
                  }));
  };
  unary("Get", &Scs::AsyncService::RequestGet, &ScsService::Get);
  unary("Set", &Scs::AsyncService::RequestSet, &ScsService::Set);
  unary("Delete", &Scs::AsyncService::RequestDelete, &ScsService::Delete);
  unary("SetIf", &Scs::AsyncService::RequestSetIf, &ScsService::SetIf);
  unary("GetWithHash", &Scs::AsyncService::RequestGetWithHash, &ScsService::GetWithHash);
  unary("SetIfHash", &Scs::AsyncService::RequestSetIfHash, &ScsService::SetIfHash);
  unary("SetIfNotExists", &Scs::AsyncService::RequestSetIfNotExists, &ScsService::SetIfNotExists);
  unary("Increment", &Scs::AsyncService::RequestIncrement, &ScsService::Increment);
  unary("KeysExist", &Scs::AsyncService::RequestKeysExist, &ScsService::KeysExist);
  unary("ItemGetTtl", &Scs::AsyncService::RequestItemGetTtl, &ScsService::ItemGetTtl);
  unary("ItemGetType", &Scs::AsyncService::RequestItemGetType, &ScsService::ItemGetType);
  unary("UpdateTtl", &Scs::AsyncService::RequestUpdateTtl, &ScsService::UpdateTtl);
  collections_.Register(dispatcher);
  dispatcher.AddStreaming(
      MakeStreaming({cache_client::Scs::service_full_name(), "GetBatch", kData}, &service_,
                    &Scs::AsyncService::RequestGetBatch,
                    [this](const std::string& cache, const cache_client::GetBatchRequest& request,
                           std::vector<cache_client::GetResponse>* out) {
                      return GetBatch(cache, request, out);
                    }));
  dispatcher.AddStreaming(
      MakeStreaming({cache_client::Scs::service_full_name(), "SetBatch", kData}, &service_,
                    &Scs::AsyncService::RequestSetBatch,
                    [this](const std::string& cache, const cache_client::SetBatchRequest& request,
                           std::vector<cache_client::SetResponse>* out) {
                      return SetBatch(cache, request, out);
                    }));
}

absl::Status ScsService::Get(const std::string& cache, const cache_client::GetRequest& request,
                             cache_client::GetResponse* response) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, store_.Get(cache, request.cache_key()));
  if (value.has_value()) {
    response->set_result(cache_client::Hit);
    response->set_cache_body(std::move(*value));
  } else {
    response->set_result(cache_client::Miss);
  }
  return absl::OkStatus();
}

absl::Status ScsService::Set(const std::string& cache, const cache_client::SetRequest& request,
                             cache_client::SetResponse* response) {
  absl::Status status = store_.Set(cache, request.cache_key(), request.cache_body(),
                                   TtlOf(request.ttl_milliseconds()));
  if (status.ok()) response->set_result(cache_client::Ok);
  return status;
}

absl::Status ScsService::Delete(const std::string& cache,
                                const cache_client::DeleteRequest& request,
                                cache_client::DeleteResponse*) {
  return store_.Delete(cache, request.cache_key());
}

absl::Status ScsService::SetIf(const std::string& cache, const cache_client::SetIfRequest& request,
                               cache_client::SetIfResponse* response) {
  SetCondition condition;
  using R = cache_client::SetIfRequest;
  switch (request.condition_case()) {
    case R::kPresent:
      condition.kind = SetCondition::Kind::kPresent;
      break;
    case R::kPresentAndNotEqual:
      condition.kind = SetCondition::Kind::kPresentAndNotEqual;
      condition.value = request.present_and_not_equal().value_to_check();
      break;
    case R::kAbsent:
      condition.kind = SetCondition::Kind::kAbsent;
      break;
    case R::kEqual:
      condition.kind = SetCondition::Kind::kEqual;
      condition.value = request.equal().value_to_check();
      break;
    case R::kAbsentOrEqual:
      condition.kind = SetCondition::Kind::kAbsentOrEqual;
      condition.value = request.absent_or_equal().value_to_check();
      break;
    case R::kNotEqual:
      condition.kind = SetCondition::Kind::kNotEqual;
      condition.value = request.not_equal().value_to_check();
      break;
    case R::CONDITION_NOT_SET:
      return absl::InvalidArgumentError("SetIf needs a condition");
  }
  return StoreIf(store_, cache, request, condition, response);
}

absl::Status ScsService::GetWithHash(const std::string& cache,
                                     const cache_client::GetWithHashRequest& request,
                                     cache_client::GetWithHashResponse* response) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, store_.Get(cache, request.cache_key()));
  if (value.has_value()) {
    cache_client::GetWithHashResponse::Found* found = response->mutable_found();
    found->set_hash(ValueHash(*value));
    found->set_value(std::move(*value));
  } else {
    response->mutable_missing();
  }
  return absl::OkStatus();
}

absl::Status ScsService::SetIfHash(const std::string& cache,
                                   const cache_client::SetIfHashRequest& request,
                                   cache_client::SetIfHashResponse* response) {
  SetCondition condition;
  using R = cache_client::SetIfHashRequest;
  using Kind = SetCondition::Kind;
  switch (request.condition_case()) {
    case R::kPresentAndNotHashEqual:
      condition = {Kind::kPresentAndNotHashEqual,
                   request.present_and_not_hash_equal().hash_to_check()};
      break;
    case R::kPresentAndHashEqual:
      condition = {Kind::kPresentAndHashEqual, request.present_and_hash_equal().hash_to_check()};
      break;
    case R::kAbsentOrHashEqual:
      condition = {Kind::kAbsentOrHashEqual, request.absent_or_hash_equal().hash_to_check()};
      break;
    case R::kAbsentOrNotHashEqual:
      condition = {Kind::kAbsentOrNotHashEqual, request.absent_or_not_hash_equal().hash_to_check()};
      break;
    case R::kUnconditional:
      condition = {Kind::kUnconditional, ""};
      break;
    case R::CONDITION_NOT_SET:
      return absl::InvalidArgumentError("SetIfHash needs a condition");
  }
  ASSIGN_OR_RETURN(bool stored, store_.SetIf(cache, request.cache_key(), request.cache_body(),
                                             TtlOf(request.ttl_milliseconds()), condition));
  if (stored) {
    response->mutable_stored()->set_new_hash(ValueHash(request.cache_body()));
  } else {
    response->mutable_not_stored();
  }
  return absl::OkStatus();
}

absl::Status ScsService::SetIfNotExists(const std::string& cache,
                                        const cache_client::SetIfNotExistsRequest& request,
                                        cache_client::SetIfNotExistsResponse* response) {
  return StoreIf(store_, cache, request, SetCondition{SetCondition::Kind::kAbsent, ""}, response);
}

absl::Status ScsService::Increment(const std::string& cache,
                                   const cache_client::IncrementRequest& request,
                                   cache_client::IncrementResponse* response) {
  ASSIGN_OR_RETURN(int64_t value, store_.Increment(cache, request.cache_key(), request.amount(),
                                                   TtlOf(request.ttl_milliseconds())));
  response->set_value(value);
  return absl::OkStatus();
}

absl::Status ScsService::KeysExist(const std::string& cache,
                                   const cache_client::KeysExistRequest& request,
                                   cache_client::KeysExistResponse* response) {
  std::vector<std::string> keys(request.cache_keys().begin(), request.cache_keys().end());
  ASSIGN_OR_RETURN(std::vector<bool> exists, store_.KeysExist(cache, keys));
  for (bool e : exists) response->add_exists(e);
  return absl::OkStatus();
}

absl::Status ScsService::ItemGetTtl(const std::string& cache,
                                    const cache_client::ItemGetTtlRequest& request,
                                    cache_client::ItemGetTtlResponse* response) {
  ASSIGN_OR_RETURN(std::optional<CacheStore::Ttl> ttl,
                   store_.ItemGetTtl(cache, request.cache_key()));
  if (ttl.has_value()) {
    response->mutable_found()->set_remaining_ttl_millis(static_cast<uint64_t>(ttl->count()));
  } else {
    response->mutable_missing();
  }
  return absl::OkStatus();
}

absl::Status ScsService::ItemGetType(const std::string& cache,
                                     const cache_client::ItemGetTypeRequest& request,
                                     cache_client::ItemGetTypeResponse* response) {
  ASSIGN_OR_RETURN(std::optional<ItemType> type, store_.ItemGetType(cache, request.cache_key()));
  if (type.has_value()) {
    // ItemType has the wire enum's values.
    response->mutable_found()->set_item_type(
        static_cast<cache_client::ItemGetTypeResponse::ItemType>(*type));
  } else {
    response->mutable_missing();
  }
  return absl::OkStatus();
}

absl::Status ScsService::UpdateTtl(const std::string& cache,
                                   const cache_client::UpdateTtlRequest& request,
                                   cache_client::UpdateTtlResponse* response) {
  using R = cache_client::UpdateTtlRequest;
  TtlUpdate how = TtlUpdate::kOverwriteTo;
  uint64_t ms = 0;
  switch (request.update_ttl_case()) {
    case R::kIncreaseToMilliseconds:
      how = TtlUpdate::kIncreaseTo;
      ms = request.increase_to_milliseconds();
      break;
    case R::kDecreaseToMilliseconds:
      how = TtlUpdate::kDecreaseTo;
      ms = request.decrease_to_milliseconds();
      break;
    case R::kOverwriteToMilliseconds:
      how = TtlUpdate::kOverwriteTo;
      ms = request.overwrite_to_milliseconds();
      break;
    case R::UPDATE_TTL_NOT_SET:
      return absl::InvalidArgumentError("UpdateTtl needs a TTL");
  }
  ASSIGN_OR_RETURN(TtlUpdateResult result,
                   store_.UpdateTtl(cache, request.cache_key(), how, TtlOf(ms)));
  switch (result) {
    case TtlUpdateResult::kSet:
      response->mutable_set();
      break;
    case TtlUpdateResult::kNotSet:
      response->mutable_not_set();
      break;
    case TtlUpdateResult::kMissing:
      response->mutable_missing();
      break;
  }
  return absl::OkStatus();
}

absl::Status ScsService::GetBatch(const std::string& cache,
                                  const cache_client::GetBatchRequest& request,
                                  std::vector<cache_client::GetResponse>* responses) {
  for (const cache_client::GetRequest& item : request.items()) {
    ASSIGN_OR_RETURN(std::optional<std::string> value, store_.Get(cache, item.cache_key()));
    cache_client::GetResponse response;
    if (value.has_value()) {
      response.set_result(cache_client::Hit);
      response.set_cache_body(std::move(*value));
    } else {
      response.set_result(cache_client::Miss);
    }
    responses->push_back(std::move(response));
  }
  return absl::OkStatus();
}

absl::Status ScsService::SetBatch(const std::string& cache,
                                  const cache_client::SetBatchRequest& request,
                                  std::vector<cache_client::SetResponse>* responses) {
  // Validate every item before storing any, so a batch with an oversized item stores nothing.
  if (!store_.HasCache(cache)) return absl::NotFoundError("cache not found: " + cache);
  for (const cache_client::SetRequest& item : request.items()) {
    if (item.cache_key().size() + item.cache_body().size() > store_.limits().max_item_bytes) {
      return store_.Set(cache, item.cache_key(), item.cache_body(), TtlOf(item.ttl_milliseconds()));
    }
  }
  for (const cache_client::SetRequest& item : request.items()) {
    absl::Status status =
        store_.Set(cache, item.cache_key(), item.cache_body(), TtlOf(item.ttl_milliseconds()));
    if (!status.ok()) return status;
    cache_client::SetResponse response;
    response.set_result(cache_client::Ok);
    responses->push_back(std::move(response));
  }
  return absl::OkStatus();
}

}  // namespace thaw::momento
