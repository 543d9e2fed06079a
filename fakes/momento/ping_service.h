#ifndef THAW_FAKES_MOMENTO_PING_SERVICE_H_
#define THAW_FAKES_MOMENTO_PING_SERVICE_H_

#include "fakes/momento/call_dispatcher.h"
#include "proto/momento/cacheping.grpc.pb.h"

namespace thaw::momento {

// `cache_client.Ping/Ping`: answers an empty message (recorded like every other RPC).
// Register it with the server builder (grpc_service()) and with the dispatcher.
class PingService {
 public:
  PingService() = default;
  PingService(const PingService&) = delete;
  PingService& operator=(const PingService&) = delete;

  grpc::Service* grpc_service() { return &service_; }
  void Register(CallDispatcher& dispatcher);

 private:
  cache_client::Ping::AsyncService service_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_PING_SERVICE_H_
