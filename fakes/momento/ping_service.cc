#include "fakes/momento/ping_service.h"

namespace thaw::momento {

PingService::PingService(RpcGate& gate) : gate_(gate) {}

grpc::Status PingService::Ping(grpc::ServerContext* context,
                               const cache_client::PingRequest* request,
                               cache_client::PingResponse*) {
  RpcGate::Call call = gate_.Begin(*context, "cache_client.Ping", "Ping", RpcGate::Plane::kPing,
                                   request->ByteSizeLong());
  return gate_.Finish(call);
}

}  // namespace thaw::momento
