#ifndef THAW_HOST_EMULATOR_SESSION_H_
#define THAW_HOST_EMULATOR_SESSION_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/accounting.h"
#include "core/fault_registry.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "emulator/config/thaw_config.h"
#include "emulator/control/control_plane.h"
#include "emulator/control/invoke_api.h"
#include "emulator/control/log_sink.h"
#include "emulator/control/scheduler.h"
#include "emulator/process/process_launcher.h"
#include "fakes/aws/embedded_aws.h"
#include "fakes/momento/embedded_momento.h"
#include "host/sandbox_network.h"

namespace thaw {

// The fake AWS's options for `config`: region, account, seeds, and each function's IAM
// statements and extension.
aws::EmbeddedAwsOptions AwsOptionsFrom(const ThawConfig& config);

// The one composition root: everything `thaw serve`, `thaw invoke`, `thaw check`,
// thaw::testing and the test harness run in one process. It owns the scheduler clock, the
// control plane, both fakes (Momento, AWS) wired to it (each instance gets its own listeners of
// both; in a sandbox at their real names over TLS, see SandboxNetwork), the fault registry and
// the key minter, and offers the operations all of those fronts
// share: the Invoke operation (with its validation), clock advance, reap, kill, faults, secret
// rotation, caches and the typed accounting. The HTTP front (host/admin_api) is the caller's.
// Create, use and shut down on `io`'s thread; `io`, `config`, `ledger`, `logs` and `launcher`
// must outlive it, and `io` must keep running until Shutdown() completes.
class EmulatorSession {
 public:
  struct Options {
    bool momento = true;
    bool aws = true;
  };

  // Errors (a fake that cannot start, a bad seed) are InvalidArgument / Internal with a message
  // fit for the user; FailedPrecondition when a function's runtime_client is aws-lambda-ric but
  // `config` did not go through PrepareRuntimeClients (emulator/runtimes/ric).
  static absl::StatusOr<std::unique_ptr<EmulatorSession>> Create(boost::asio::io_context& io,
                                                                 const ThawConfig& config,
                                                                 Ledger& ledger, LogSink& logs,
                                                                 ProcessLauncher& launcher,
                                                                 Options options);
  ~EmulatorSession();
  EmulatorSession(const EmulatorSession&) = delete;
  EmulatorSession& operator=(const EmulatorSession&) = delete;

  ControlPlane& control() { return *control_; }
  Scheduler& scheduler() { return *scheduler_; }
  SchedulerClock& clock() { return clock_; }
  Ledger& ledger() { return ledger_; }
  // The fakes' faults, by service (empty when both fakes are disabled).
  FaultRegistry& faults() { return faults_; }
  // The configuration running now (ReloadConfig changes its functions and aliases).
  const ThawConfig& config() const { return control_->config(); }
  // Null when disabled in Options.
  momento::EmbeddedMomento* momento() { return momento_.get(); }

  // The Invoke operation (CallInvoke): validation, resolution, then run, queue or dry run.
  boost::asio::awaitable<InvokeAnswer> Invoke(InvokeCall call);
  // Advances the scheduler clock, firing what falls due (reaps, rotations, retries).
  void AdvanceClock(std::chrono::milliseconds by);
  // Stops idle instances (of `function`, or the one with id `instance`, when given); returns
  // their ids.
  std::vector<int64_t> ReapIdle(const std::string& function, int64_t instance);
  // SIGKILLs a live instance; false when there is none with that id.
  bool KillInstance(int64_t instance);
  // Makes a new current version of `secret`: `value` when given (PutSecretValue), else a
  // rotation (RotateSecret). Records aws.secret.rotated and returns the new version id.
  // FailedPrecondition when the fake AWS is not running; the store's AWS error otherwise.
  absl::StatusOr<std::string> RotateSecret(const std::string& secret,
                                           const std::optional<std::string>& value);
  // Creates a cache in the fake Momento; no effect when it is not running or the cache exists.
  void CreateCache(const std::string& name);

  // Typed accounting of everything recorded so far (core/accounting.h), from the control
  // plane's exact accounts (core/ledger_accounts.h): a read costs the accounts' size.
  std::vector<MomentoConnections> MomentoAccounts() const;
  std::vector<AwsRequests> AwsAccounts() const;
  std::vector<InvocationStats> Invocations() const;
  aws::EmbeddedAws* aws() { return aws_.get(); }
  // What the sandboxes resolve and trust (the run's CA, the fakes' real names); null when
  // instances run as processes.
  const SandboxNetwork* sandbox_network() const { return network_.get(); }

  // What ReloadConfig applied.
  struct Reload {
    ControlPlane::FunctionChanges functions;
    // The sections of the new configuration that differ from the running one and apply only
    // from the next start: "settings", "secrets and parameters", "caches".
    std::vector<std::string> not_applied;
  };
  // Applies a configuration read again (`thaw serve`'s hot reload): its functions and aliases,
  // in the control plane (ControlPlane::ReplaceFunctions: changed and removed functions'
  // instances are retired, the next event cold-starts on the new definition) and in the fake AWS
  // (IAM statements, extensions). Errors (the checks of Create, a policy the fake AWS cannot
  // evaluate) are Create's, and nothing changes then.
  absl::StatusOr<Reload> ReloadConfig(const ThawConfig& next);

  // Stops every instance (SIGTERM, `grace`, SIGKILL), then the fakes. Idempotent.
  boost::asio::awaitable<void> Shutdown(std::chrono::milliseconds grace);

 private:
  EmulatorSession(boost::asio::io_context& io, Ledger& ledger);

  boost::asio::io_context& io_;
  Ledger& ledger_;
  SchedulerClock clock_;
  std::unique_ptr<Scheduler> scheduler_;
  // Outlives the control plane: its sandboxes bind the network's files.
  std::unique_ptr<SandboxNetwork> network_;
  std::unique_ptr<ControlPlane> control_;
  std::unique_ptr<momento::EmbeddedMomento> momento_;
  std::unique_ptr<aws::EmbeddedAws> aws_;
  FaultRegistry faults_;
  bool shut_down_ = false;
};

}  // namespace thaw

#endif  // THAW_HOST_EMULATOR_SESSION_H_
