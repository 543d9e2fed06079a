#ifndef THAW_FAKES_MOMENTO_SCS_SERVICE_H_
#define THAW_FAKES_MOMENTO_SCS_SERVICE_H_

#include "fakes/momento/cache_store.h"
#include "fakes/momento/rpc_gate.h"
#include "proto/momento/cacheclient.grpc.pb.h"

namespace thaw::momento {

// `cache_client.Scs`, the data plane, over a CacheStore: the scalar RPCs the Momento SDK calls.
// The `cache` metadata selects the cache; an unknown cache is NOT_FOUND without an `err`
// trailer (the SDK's CacheNotFound). Every other Scs method is UNIMPLEMENTED (gRPC answers
// that for methods no service registers). Results follow what @gomomento/sdk 1.118.1 reads
// (reference §2.2): Get answers Hit/Miss, SetBatch streams one `Ok` per item, GetBatch one
// Hit/Miss per key, in order.
//
// Thread-safe (gRPC calls it from many threads). `store` and `gate` must outlive it.
class ScsService final : public cache_client::Scs::Service {
 public:
  ScsService(CacheStore& store, RpcGate& gate);

  grpc::Status Get(grpc::ServerContext* context, const cache_client::GetRequest* request,
                   cache_client::GetResponse* response) override;
  grpc::Status Set(grpc::ServerContext* context, const cache_client::SetRequest* request,
                   cache_client::SetResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const cache_client::DeleteRequest* request,
                      cache_client::DeleteResponse* response) override;
  grpc::Status SetIf(grpc::ServerContext* context, const cache_client::SetIfRequest* request,
                     cache_client::SetIfResponse* response) override;
  grpc::Status SetIfNotExists(grpc::ServerContext* context,
                              const cache_client::SetIfNotExistsRequest* request,
                              cache_client::SetIfNotExistsResponse* response) override;
  grpc::Status Increment(grpc::ServerContext* context,
                         const cache_client::IncrementRequest* request,
                         cache_client::IncrementResponse* response) override;
  grpc::Status KeysExist(grpc::ServerContext* context,
                         const cache_client::KeysExistRequest* request,
                         cache_client::KeysExistResponse* response) override;
  grpc::Status ItemGetTtl(grpc::ServerContext* context,
                          const cache_client::ItemGetTtlRequest* request,
                          cache_client::ItemGetTtlResponse* response) override;
  grpc::Status ItemGetType(grpc::ServerContext* context,
                           const cache_client::ItemGetTypeRequest* request,
                           cache_client::ItemGetTypeResponse* response) override;
  grpc::Status UpdateTtl(grpc::ServerContext* context,
                         const cache_client::UpdateTtlRequest* request,
                         cache_client::UpdateTtlResponse* response) override;
  grpc::Status GetBatch(grpc::ServerContext* context, const cache_client::GetBatchRequest* request,
                        grpc::ServerWriter<cache_client::GetResponse>* writer) override;
  grpc::Status SetBatch(grpc::ServerContext* context, const cache_client::SetBatchRequest* request,
                        grpc::ServerWriter<cache_client::SetResponse>* writer) override;

 private:
  // Admits the call through the gate, runs `serve(cache)` when admitted, records it.
  template <typename Request, typename Serve>
  grpc::Status Handle(grpc::ServerContext* context, std::string_view method, const Request& request,
                      Serve serve);

  CacheStore& store_;
  RpcGate& gate_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_SCS_SERVICE_H_
