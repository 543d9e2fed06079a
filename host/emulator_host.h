#ifndef THAW_HOST_EMULATOR_HOST_H_
#define THAW_HOST_EMULATOR_HOST_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "absl/status/statusor.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "emulator/config/thaw_config.h"
#include "emulator/control/control_plane.h"
#include "emulator/control/log_sink.h"
#include "emulator/control/scheduler.h"
#include "emulator/process/process_launcher.h"
#include "fakes/aws/embedded_aws.h"
#include "fakes/momento/embedded_momento.h"

namespace thaw {

// The fake AWS's options for `config`: region, account, seeds, and each function's IAM
// statements and extension.
aws::EmbeddedAwsOptions AwsOptionsFrom(const ThawConfig& config);

// Everything `thaw serve`, `thaw invoke`, `thaw check` and thaw::testing run in one process:
// the scheduler clock, the control plane and the fakes (Momento, AWS) wired to it — each
// instance gets its own listeners of both, and their faults are reachable through
// ControlPlane::fault_targets(). The HTTP front (Invoke + admin API) is the caller's.
// Create, use and shut down on `io`'s thread; `io`, `config`, `ledger`, `logs` and `launcher`
// must outlive it, and `io` must keep running until Shutdown() completes.
class EmulatorHost {
 public:
  struct Options {
    bool momento = true;
    bool aws = true;
  };

  // Errors (a fake that cannot start, a bad seed) are InvalidArgument / Internal with a message
  // fit for the user; FailedPrecondition when a function's runtime_client is aws-lambda-ric but
  // `config` did not go through PrepareRuntimeClients (emulator/runtimes/ric).
  static absl::StatusOr<std::unique_ptr<EmulatorHost>> Create(boost::asio::io_context& io,
                                                              const ThawConfig& config,
                                                              Ledger& ledger, LogSink& logs,
                                                              ProcessLauncher& launcher,
                                                              Options options);
  ~EmulatorHost();
  EmulatorHost(const EmulatorHost&) = delete;
  EmulatorHost& operator=(const EmulatorHost&) = delete;

  ControlPlane& control() { return *control_; }
  Scheduler& scheduler() { return *scheduler_; }
  SchedulerClock& clock() { return clock_; }
  Ledger& ledger() { return ledger_; }
  const ThawConfig& config() const { return config_; }
  // Null when disabled in Options.
  momento::EmbeddedMomento* momento() { return momento_.get(); }
  aws::EmbeddedAws* aws() { return aws_.get(); }

  // Stops every instance (SIGTERM, `grace`, SIGKILL), then the fakes. Idempotent.
  boost::asio::awaitable<void> Shutdown(std::chrono::milliseconds grace);

 private:
  EmulatorHost(boost::asio::io_context& io, const ThawConfig& config, Ledger& ledger);

  boost::asio::io_context& io_;
  const ThawConfig& config_;
  Ledger& ledger_;
  SchedulerClock clock_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<ControlPlane> control_;
  std::unique_ptr<momento::EmbeddedMomento> momento_;
  std::unique_ptr<aws::EmbeddedAws> aws_;
  bool shut_down_ = false;
};

}  // namespace thaw

#endif  // THAW_HOST_EMULATOR_HOST_H_
