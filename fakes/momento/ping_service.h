#ifndef THAW_FAKES_MOMENTO_PING_SERVICE_H_
#define THAW_FAKES_MOMENTO_PING_SERVICE_H_

#include "fakes/momento/rpc_gate.h"
#include "proto/momento/cacheping.grpc.pb.h"

namespace thaw::momento {

// `cache_client.Ping/Ping`: answers an empty message (recorded like every other RPC).
// Thread-safe. `gate` must outlive it.
class PingService final : public cache_client::Ping::Service {
 public:
  explicit PingService(RpcGate& gate);

  grpc::Status Ping(grpc::ServerContext* context, const cache_client::PingRequest* request,
                    cache_client::PingResponse* response) override;

 private:
  RpcGate& gate_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_PING_SERVICE_H_
