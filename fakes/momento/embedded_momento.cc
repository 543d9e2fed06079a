#include "fakes/momento/embedded_momento.h"

#include "core/status_macros.h"

namespace thaw::momento {

absl::StatusOr<std::unique_ptr<EmbeddedMomento>> EmbeddedMomento::Start(
    boost::asio::io_context& io, Ledger& ledger, SchedulerClock& clock,
    MomentoServerOptions options) {
  std::unique_ptr<EmbeddedMomento> momento(new EmbeddedMomento());
  momento->tracker_ = std::make_unique<ConnectionTracker>(io, ledger, &clock);
  momento->faults_ = std::make_unique<MomentoFaults>(ledger, clock, *momento->tracker_);
  options.faults = momento->faults_.get();
  options.minted_keys = &momento->minted_keys_;
  ASSIGN_OR_RETURN(auto server,
                   MomentoServer::Start(std::move(options), ledger, clock, *momento->tracker_));
  momento->server_ = std::move(server);
  momento->services_ = std::make_unique<MomentoInstanceServices>(
      io, *momento->tracker_, momento->server_->grpc_server(), momento->faults_.get());
  return momento;
}

std::string EmbeddedMomento::KeyEndpoint(int64_t instance) const {
  if (!key_endpoint_.empty()) return key_endpoint_;
  if (services_) {
    if (std::optional<std::string> attached = services_->Endpoint(instance)) return *attached;
  }
  return "127.0.0.1:0";
}

std::string EmbeddedMomento::MintApiKey(int64_t instance, const std::string& function) {
  return minted_keys_.Mint(instance, function, KeyEndpoint(instance));
}

std::string EmbeddedMomento::MintApiKeyV2(int64_t instance, const std::string& function) {
  return minted_keys_.MintV2(instance, function);
}

std::optional<std::string> EmbeddedMomento::RenderPlaceholder(const std::string& name,
                                                              int64_t instance,
                                                              const std::string& function) {
  if (name == kApiKeyPlaceholder) return MintApiKey(instance, function);
  if (name == kApiKeyV2Placeholder) return MintApiKeyV2(instance, function);
  if (name == kEndpointPlaceholder) return KeyEndpoint(instance);
  return std::nullopt;
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
