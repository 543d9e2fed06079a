#include "fakes/momento/embedded_momento.h"

namespace thaw::momento {

absl::StatusOr<std::unique_ptr<EmbeddedMomento>> EmbeddedMomento::Start(
    boost::asio::io_context& io, Ledger& ledger, SchedulerClock& clock,
    MomentoServerOptions options) {
  std::unique_ptr<EmbeddedMomento> momento(new EmbeddedMomento());
  momento->tracker_ = std::make_unique<ConnectionTracker>(io, ledger, &clock);
  momento->faults_ = std::make_unique<MomentoFaults>(ledger, clock, *momento->tracker_);
  options.faults = momento->faults_.get();
  options.minted_keys = &momento->minted_keys_;
  auto server = MomentoServer::Start(std::move(options), ledger, clock, *momento->tracker_);
  if (!server.ok()) return server.status();
  momento->server_ = *std::move(server);
  momento->services_ = std::make_unique<MomentoInstanceServices>(
      io, *momento->tracker_, momento->server_->grpc_server(), momento->faults_.get());
  return momento;
}

std::string EmbeddedMomento::MintApiKey(int64_t instance, const std::string& function) {
  std::string endpoint = "127.0.0.1:0";
  if (services_) {
    if (std::optional<std::string> attached = services_->Endpoint(instance)) endpoint = *attached;
  }
  return minted_keys_.Mint(instance, function, endpoint);
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
