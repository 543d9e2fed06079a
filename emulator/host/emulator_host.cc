#include "emulator/host/emulator_host.h"

namespace thaw {

EmulatorHost::EmulatorHost(boost::asio::io_context& io, const ThawConfig& config, Ledger& ledger)
    : io_(io), config_(config), ledger_(ledger) {}

absl::StatusOr<std::unique_ptr<EmulatorHost>> EmulatorHost::Create(
    boost::asio::io_context& io, const ThawConfig& config, Ledger& ledger, LogSink& logs,
    ProcessLauncher& launcher, Options options) {
  std::unique_ptr<EmulatorHost> host(new EmulatorHost(io, config, ledger));
  host->scheduler_ = std::make_unique<Scheduler>(io, host->clock_);
  host->control_ =
      std::make_unique<ControlPlane>(io, config, ledger, logs, launcher, *host->scheduler_);
  if (options.momento) {
    auto momento = momento::EmbeddedMomento::Start(io, ledger, host->clock_);
    if (!momento.ok()) return momento.status();
    host->momento_ = *std::move(momento);
    host->control_->AddInstanceServices(&host->momento_->services());
    host->control_->AddFaultTarget(&host->momento_->faults());
  }
  if (options.aws) {
    auto aws = aws::EmbeddedAws::Start(io, ledger, host->clock_, config);
    if (!aws.ok()) return aws.status();
    host->aws_ = *std::move(aws);
    host->control_->AddInstanceServices(host->aws_.get());
  }
  return host;
}

EmulatorHost::~EmulatorHost() {
  // The control plane goes first: its instances hold listeners of the fakes.
  control_.reset();
  if (momento_) momento_->Shutdown(std::chrono::milliseconds(0));
  if (aws_) aws_->DetachAll();
}

boost::asio::awaitable<void> EmulatorHost::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_) co_return;
  shut_down_ = true;
  co_await control_->Shutdown(grace);
  if (momento_) momento_->Shutdown(grace);
  if (aws_) aws_->DetachAll();
}

}  // namespace thaw
