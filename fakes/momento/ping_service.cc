#include "fakes/momento/ping_service.h"

namespace thaw::momento {

void PingService::Register(CallDispatcher& dispatcher) {
  dispatcher.AddUnary(
      MakeUnary({cache_client::Ping::service_full_name(), "Ping", RpcGate::Plane::kPing}, &service_,
                &cache_client::Ping::AsyncService::RequestPing,
                [](const std::string&, const cache_client::PingRequest&,
                   cache_client::PingResponse*) { return absl::OkStatus(); }));
}

}  // namespace thaw::momento
