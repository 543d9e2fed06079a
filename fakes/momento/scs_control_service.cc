#include "fakes/momento/scs_control_service.h"

namespace thaw::momento {

namespace {

constexpr std::string_view kService = "control_client.ScsControl";

absl::Status CheckName(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("the cache name must not be empty");
  return absl::OkStatus();
}

// Templated so each handler reads as one line of store logic.
template <typename Request, typename Serve>
grpc::Status Handle(RpcGate& gate, grpc::ServerContext* context, std::string_view method,
                    const Request& request, Serve serve) {
  RpcGate::Call call =
      gate.Begin(*context, kService, method, RpcGate::Plane::kControl, request.ByteSizeLong());
  if (!call.admission().ok()) return gate.Finish(call);
  return gate.Finish(call, serve());
}

}  // namespace

ScsControlService::ScsControlService(CacheStore& store, RpcGate& gate)
    : store_(store), gate_(gate) {}

grpc::Status ScsControlService::CreateCache(grpc::ServerContext* context,
                                            const control_client::CreateCacheRequest* request,
                                            control_client::CreateCacheResponse*) {
  return Handle(gate_, context, "CreateCache", *request, [&]() -> absl::Status {
    if (absl::Status s = CheckName(request->cache_name()); !s.ok()) return s;
    return store_.CreateCache(request->cache_name());
  });
}

grpc::Status ScsControlService::DeleteCache(grpc::ServerContext* context,
                                            const control_client::DeleteCacheRequest* request,
                                            control_client::DeleteCacheResponse*) {
  return Handle(gate_, context, "DeleteCache", *request, [&]() -> absl::Status {
    if (absl::Status s = CheckName(request->cache_name()); !s.ok()) return s;
    return store_.DeleteCache(request->cache_name());
  });
}

grpc::Status ScsControlService::ListCaches(grpc::ServerContext* context,
                                           const control_client::ListCachesRequest* request,
                                           control_client::ListCachesResponse* response) {
  return Handle(gate_, context, "ListCaches", *request, [&]() -> absl::Status {
    const CacheLimits& limits = store_.limits();
    for (const std::string& name : store_.ListCaches()) {
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
      topic_limits->set_max_subscription_count(100);
      topic_limits->set_max_publish_message_size_kb(
          static_cast<uint32_t>(limits.max_item_bytes / 1024));
    }
    return absl::OkStatus();
  });
}

grpc::Status ScsControlService::FlushCache(grpc::ServerContext* context,
                                           const control_client::FlushCacheRequest* request,
                                           control_client::FlushCacheResponse*) {
  return Handle(gate_, context, "FlushCache", *request, [&]() -> absl::Status {
    if (absl::Status s = CheckName(request->cache_name()); !s.ok()) return s;
    return store_.FlushCache(request->cache_name());
  });
}

}  // namespace thaw::momento
