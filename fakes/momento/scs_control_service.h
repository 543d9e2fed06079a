#ifndef THAW_FAKES_MOMENTO_SCS_CONTROL_SERVICE_H_
#define THAW_FAKES_MOMENTO_SCS_CONTROL_SERVICE_H_

#include "absl/status/status.h"
#include "fakes/momento/cache_store.h"
#include "fakes/momento/call_dispatcher.h"
#include "proto/momento/controlclient.grpc.pb.h"

namespace thaw::momento {

// `control_client.ScsControl` over a CacheStore: CreateCache (ALREADY_EXISTS for an existing
// cache, which the SDK reports as CreateCache.AlreadyExists), DeleteCache and FlushCache
// (NOT_FOUND for a missing one), ListCaches (one page, every cache, with the store's limits).
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
  absl::Status ListCaches(control_client::ListCachesResponse* response);
  absl::Status FlushCache(const control_client::FlushCacheRequest& request);

  CacheStore& store_;
  control_client::ScsControl::AsyncService service_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_SCS_CONTROL_SERVICE_H_
