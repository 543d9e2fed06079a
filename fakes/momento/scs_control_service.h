#ifndef THAW_FAKES_MOMENTO_SCS_CONTROL_SERVICE_H_
#define THAW_FAKES_MOMENTO_SCS_CONTROL_SERVICE_H_

#include "fakes/momento/cache_store.h"
#include "fakes/momento/rpc_gate.h"
#include "proto/momento/controlclient.grpc.pb.h"

namespace thaw::momento {

// `control_client.ScsControl` over a CacheStore: CreateCache (ALREADY_EXISTS for an existing
// cache, which the SDK reports as CreateCache.AlreadyExists), DeleteCache and FlushCache
// (NOT_FOUND for a missing one), ListCaches (one page, every cache, with the store's limits).
// An empty cache name is INVALID_ARGUMENT.
//
// Thread-safe. `store` and `gate` must outlive it.
class ScsControlService final : public control_client::ScsControl::Service {
 public:
  ScsControlService(CacheStore& store, RpcGate& gate);

  grpc::Status CreateCache(grpc::ServerContext* context,
                           const control_client::CreateCacheRequest* request,
                           control_client::CreateCacheResponse* response) override;
  grpc::Status DeleteCache(grpc::ServerContext* context,
                           const control_client::DeleteCacheRequest* request,
                           control_client::DeleteCacheResponse* response) override;
  grpc::Status ListCaches(grpc::ServerContext* context,
                          const control_client::ListCachesRequest* request,
                          control_client::ListCachesResponse* response) override;
  grpc::Status FlushCache(grpc::ServerContext* context,
                          const control_client::FlushCacheRequest* request,
                          control_client::FlushCacheResponse* response) override;

 private:
  CacheStore& store_;
  RpcGate& gate_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_SCS_CONTROL_SERVICE_H_
