#include "fakes/momento/embedded_momento.h"

namespace thaw::momento {

absl::StatusOr<std::unique_ptr<EmbeddedMomento>> EmbeddedMomento::Start(
    boost::asio::io_context& io, Ledger& ledger, const SchedulerClock& clock,
    MomentoServerOptions options) {
  std::unique_ptr<EmbeddedMomento> momento(new EmbeddedMomento());
  momento->tracker_ = std::make_unique<ConnectionTracker>(io, ledger);
  auto server = MomentoServer::Start(std::move(options), ledger, clock, *momento->tracker_);
  if (!server.ok()) return server.status();
  momento->server_ = *std::move(server);
  momento->services_ = std::make_unique<MomentoInstanceServices>(io, *momento->tracker_,
                                                                 momento->server_->grpc_server());
  return momento;
}

EmbeddedMomento::~EmbeddedMomento() { Shutdown(std::chrono::milliseconds(0)); }

void EmbeddedMomento::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (services_) services_->DetachAll();
  if (server_) server_->Shutdown(grace);
  if (tracker_) tracker_->CloseAll();
}

}  // namespace thaw::momento
