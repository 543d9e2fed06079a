#include "fakes/momento/scs_control_service.h"

#include <algorithm>
#include <string>
#include <vector>

namespace thaw::momento {

namespace {

absl::Status CheckName(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("the cache name must not be empty");
  return absl::OkStatus();
}

}  // namespace

ScsControlService::ScsControlService(CacheStore& store) : store_(store) {}

void ScsControlService::Register(CallDispatcher& dispatcher) {
  using control_client::ScsControl;
  constexpr RpcGate::Plane kControl = RpcGate::Plane::kControl;
  dispatcher.AddUnary(
      MakeUnary({control_client::ScsControl::service_full_name(), "CreateCache", kControl},
                &service_, &ScsControl::AsyncService::RequestCreateCache,
                [this](const std::string&, const control_client::CreateCacheRequest& request,
                       control_client::CreateCacheResponse*) { return CreateCache(request); }));
  dispatcher.AddUnary(
      MakeUnary({control_client::ScsControl::service_full_name(), "DeleteCache", kControl},
                &service_, &ScsControl::AsyncService::RequestDeleteCache,
                [this](const std::string&, const control_client::DeleteCacheRequest& request,
                       control_client::DeleteCacheResponse*) { return DeleteCache(request); }));
  dispatcher.AddUnary(
      MakeUnary({control_client::ScsControl::service_full_name(), "ListCaches", kControl},
                &service_, &ScsControl::AsyncService::RequestListCaches,
                [this](const std::string&, const control_client::ListCachesRequest& request,
                       control_client::ListCachesResponse* response) {
                  return ListCaches(request, response);
                }));
  dispatcher.AddUnary(
      MakeUnary({control_client::ScsControl::service_full_name(), "FlushCache", kControl},
                &service_, &ScsControl::AsyncService::RequestFlushCache,
                [this](const std::string&, const control_client::FlushCacheRequest& request,
                       control_client::FlushCacheResponse*) { return FlushCache(request); }));
}

absl::Status ScsControlService::CreateCache(const control_client::CreateCacheRequest& request) {
  if (absl::Status s = CheckName(request.cache_name()); !s.ok()) return s;
  return store_.CreateCache(request.cache_name());
}

absl::Status ScsControlService::DeleteCache(const control_client::DeleteCacheRequest& request) {
  if (absl::Status s = CheckName(request.cache_name()); !s.ok()) return s;
  return store_.DeleteCache(request.cache_name());
}

absl::Status ScsControlService::ListCaches(const control_client::ListCachesRequest& request,
                                           control_client::ListCachesResponse* response) {
  const CacheLimits& limits = store_.limits();
  const std::vector<std::string> names = store_.ListCaches();
  // The token is the last name of the previous page: names sort, so the next page starts after
  // it even if that cache has been deleted since.
  auto it = request.next_token().empty()
                ? names.begin()
                : std::upper_bound(names.begin(), names.end(), request.next_token());
  for (size_t n = 0; it != names.end(); ++it, ++n) {
    if (limits.list_caches_page_size > 0 && n == limits.list_caches_page_size) {
      response->set_next_token(response->cache(response->cache_size() - 1).cache_name());
      break;
    }
    const std::string& name = *it;
    control_client::Cache* cache = response->add_cache();
    cache->set_cache_name(name);
    // The SDK reads both limit messages; the traffic numbers are nominal (nothing enforces
    // them here).
    control_client::CacheLimits* cache_limits = cache->mutable_cache_limits();
    cache_limits->set_max_traffic_rate(100);
    cache_limits->set_max_throughput_kbps(1024);
    cache_limits->set_max_item_size_kb(static_cast<uint32_t>(limits.max_item_bytes / 1024));
    cache_limits->set_max_ttl_seconds(limits.max_ttl_seconds);
    control_client::TopicLimits* topic_limits = cache->mutable_topic_limits();
    topic_limits->set_max_publish_rate(100);
    topic_limits->set_max_subscription_count(static_cast<uint32_t>(limits.max_subscriptions));
    topic_limits->set_max_publish_message_size_kb(
        static_cast<uint32_t>(limits.max_publish_message_bytes / 1024));
  }
  return absl::OkStatus();
}

absl::Status ScsControlService::FlushCache(const control_client::FlushCacheRequest& request) {
  if (absl::Status s = CheckName(request.cache_name()); !s.ok()) return s;
  return store_.FlushCache(request.cache_name());
}

}  // namespace thaw::momento
