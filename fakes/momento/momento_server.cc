#include "fakes/momento/momento_server.h"

#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "fakes/momento/call_dispatcher.h"
#include "fakes/momento/ping_service.h"
#include "fakes/momento/pubsub_service.h"
#include "fakes/momento/scs_control_service.h"
#include "fakes/momento/scs_service.h"

namespace thaw::momento {

namespace {

// Above what the SDK may send (its max_send_message_length is 10486000), so oversized
// requests reach our own limit check and get Momento's `err` trailer.
constexpr int kMaxMessageBytes = 32 * 1024 * 1024;

RpcGateOptions GateOptions(const MomentoServerOptions& options) {
  RpcGateOptions gate;
  gate.api_keys = options.api_keys;
  gate.max_request_bytes = options.limits.max_request_bytes;
  gate.momento_local_faults = options.momento_local_faults;
  gate.faults = options.faults;
  gate.minted_keys = options.minted_keys;
  return gate;
}

}  // namespace

MomentoServer::MomentoServer(MomentoServerOptions options, Ledger& ledger,
                             const SchedulerClock& clock, const ConnectionAttributor& attributor)
    : store_(clock, options.limits), gate_(ledger, attributor, GateOptions(options)) {
  for (const std::string& cache : options.caches) store_.CreateCache(cache).IgnoreError();
}

absl::StatusOr<std::unique_ptr<MomentoServer>> MomentoServer::Start(
    MomentoServerOptions options, Ledger& ledger, const SchedulerClock& clock,
    const ConnectionAttributor& attributor) {
  std::unique_ptr<MomentoServer> server(
      new MomentoServer(std::move(options), ledger, clock, attributor));
  server->scs_ = std::make_unique<ScsService>(server->store_);
  server->control_ = std::make_unique<ScsControlService>(server->store_);
  server->ping_ = std::make_unique<PingService>();
  server->pubsub_ = std::make_unique<PubsubService>(server->store_);
  server->dispatcher_ = std::make_unique<CallDispatcher>(server->gate_);
  server->scs_->Register(*server->dispatcher_);
  server->control_->Register(*server->dispatcher_);
  server->ping_->Register(*server->dispatcher_);
  server->pubsub_->Register(*server->dispatcher_);

  grpc::ServerBuilder builder;
  builder.RegisterService(server->scs_->grpc_service());
  builder.RegisterService(server->control_->grpc_service());
  builder.RegisterService(server->ping_->grpc_service());
  builder.RegisterService(server->pubsub_->grpc_service());
  server->dispatcher_->AttachTo(builder);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // The SDK's Laptop/InRegion presets ping every 5 s even without calls; gRPC's defaults
  // would answer that with GOAWAY "too_many_pings". The real service tolerates it.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr) return absl::InternalError("the gRPC server did not start");
  server->dispatcher_->Start();
  return server;
}

MomentoServer::~MomentoServer() {
  Shutdown(std::chrono::milliseconds(0));
  if (server_ != nullptr) server_->Wait();
  // Calls still hold the services; the dispatcher ends them before the members go.
  if (dispatcher_ != nullptr) dispatcher_->Stop();
}

void MomentoServer::Shutdown(std::chrono::milliseconds grace) {
  if (server_ == nullptr || shut_down_.exchange(true)) return;
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  dispatcher_->Stop();
}

}  // namespace thaw::momento
