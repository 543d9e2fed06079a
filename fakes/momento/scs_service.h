#ifndef THAW_FAKES_MOMENTO_SCS_SERVICE_H_
#define THAW_FAKES_MOMENTO_SCS_SERVICE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fakes/momento/cache_store.h"
#include "fakes/momento/call_dispatcher.h"
#include "fakes/momento/scs_collections.h"
#include "proto/momento/cacheclient.grpc.pb.h"

namespace thaw::momento {

// `cache_client.Scs`, the data plane, over a CacheStore: the scalar RPCs the Momento SDK calls
// here, the collection RPCs in ScsCollections (on the same grpc service).
// The `cache` metadata selects the cache; an unknown cache is NOT_FOUND without an `err`
// trailer (the SDK's CacheNotFound). Every other Scs method is UNIMPLEMENTED (gRPC answers
// that for methods no service registers). Results follow what @gomomento/sdk 1.118.1 reads
// (reference §2.2): Get answers Hit/Miss, SetBatch streams one `Ok` per item, GetBatch one
// Hit/Miss per key, in order.
//
// Register it with the server builder (grpc_service()) and its methods with the dispatcher,
// which runs the handlers (on its thread) for calls the RpcGate admits. `store` must outlive it.
class ScsService {
 public:
  explicit ScsService(CacheStore& store);
  ScsService(const ScsService&) = delete;
  ScsService& operator=(const ScsService&) = delete;

  grpc::Service* grpc_service() { return &service_; }
  void Register(CallDispatcher& dispatcher);

 private:
  absl::Status Get(const std::string& cache, const cache_client::GetRequest& request,
                   cache_client::GetResponse* response);
  absl::Status Set(const std::string& cache, const cache_client::SetRequest& request,
                   cache_client::SetResponse* response);
  absl::Status Delete(const std::string& cache, const cache_client::DeleteRequest& request,
                      cache_client::DeleteResponse* response);
  absl::Status SetIf(const std::string& cache, const cache_client::SetIfRequest& request,
                     cache_client::SetIfResponse* response);
  // GetWithHash: the value and its ValueHash; SetIfHash: SetIf on the stored value's hash,
  // answering the stored value's new hash.
  absl::Status GetWithHash(const std::string& cache,
                           const cache_client::GetWithHashRequest& request,
                           cache_client::GetWithHashResponse* response);
  absl::Status SetIfHash(const std::string& cache, const cache_client::SetIfHashRequest& request,
                         cache_client::SetIfHashResponse* response);
  absl::Status SetIfNotExists(const std::string& cache,
                              const cache_client::SetIfNotExistsRequest& request,
                              cache_client::SetIfNotExistsResponse* response);
  absl::Status Increment(const std::string& cache, const cache_client::IncrementRequest& request,
                         cache_client::IncrementResponse* response);
  absl::Status KeysExist(const std::string& cache, const cache_client::KeysExistRequest& request,
                         cache_client::KeysExistResponse* response);
  absl::Status ItemGetTtl(const std::string& cache, const cache_client::ItemGetTtlRequest& request,
                          cache_client::ItemGetTtlResponse* response);
  absl::Status ItemGetType(const std::string& cache,
                           const cache_client::ItemGetTypeRequest& request,
                           cache_client::ItemGetTypeResponse* response);
  absl::Status UpdateTtl(const std::string& cache, const cache_client::UpdateTtlRequest& request,
                         cache_client::UpdateTtlResponse* response);
  absl::Status GetBatch(const std::string& cache, const cache_client::GetBatchRequest& request,
                        std::vector<cache_client::GetResponse>* responses);
  absl::Status SetBatch(const std::string& cache, const cache_client::SetBatchRequest& request,
                        std::vector<cache_client::SetResponse>* responses);

  CacheStore& store_;
  cache_client::Scs::AsyncService service_;
  ScsCollections collections_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_SCS_SERVICE_H_
