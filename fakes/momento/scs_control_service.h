#ifndef THAW_FAKES_MOMENTO_SCS_CONTROL_SERVICE_H_
#define THAW_FAKES_MOMENTO_SCS_CONTROL_SERVICE_H_

#include "absl/status/status.h"
#include "fakes/momento/cache_store.h"
#include "fakes/momento/call_dispatcher.h"
#include "proto/momento/controlclient.grpc.pb.h"

namespace thaw::momento {

// `control_client.ScsControl` over a CacheStore: CreateCache (ALREADY_EXISTS for an existing
// cache, which the SDK reports as CreateCache.AlreadyExists), DeleteCache and FlushCache
// (NOT_FOUND for a missing one), ListCaches (the caches in name order with the store's limits,
// CacheLimits::list_caches_page_size per page; `next_token` names the page's last cache when
// more follow, and a request's token resumes after it).
// An empty cache name is INVALID_ARGUMENT.
//
// Register it with the server builder (grpc_service()) and its methods with the dispatcher,
// which runs them on its thread. `store` must outlive it.
class ScsControlService {
 public:
  explicit ScsControlService(CacheStore& store);
  ScsControlService(const ScsControlService&) = delete;
  ScsControlService& operator=(const ScsControlService&) = delete;

  grpc::Service* grpc_service() { return &service_; }
  void Register(CallDispatcher& dispatcher);

 private:
  absl::Status CreateCache(const control_client::CreateCacheRequest& request);
  absl::Status DeleteCache(const control_client::DeleteCacheRequest& request);
  absl::Status ListCaches(const control_client::ListCachesRequest& request,
                          control_client::ListCachesResponse* response);
  absl::Status FlushCache(const control_client::FlushCacheRequest& request);

  CacheStore& store_;
  control_client::ScsControl::AsyncService service_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_SCS_CONTROL_SERVICE_H_
