#ifndef THAW_EMULATOR_CONTROL_CONTROL_PLANE_H_
#define THAW_EMULATOR_CONTROL_CONTROL_PLANE_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/accounting.h"
#include "core/aws_error.h"
#include "core/fault_target.h"
#include "core/instance_services.h"
#include "core/ledger.h"
#include "core/ledger_accounts.h"
#include "core/placeholders.h"
#include "emulator/config/thaw_config.h"
#include "emulator/control/instance.h"
#include "emulator/control/invocation.h"
#include "emulator/control/log_sink.h"
#include "emulator/control/scheduler.h"
#include "emulator/process/process_launcher.h"
#include "emulator/sandbox/sandbox.h"
#include "emulator/vtime/virtual_clock.h"
#include "nlohmann/json.hpp"

namespace thaw {

// The simulated Lambda control plane: owns every function's instances, routes each event to an
// idle instance (provisioned first, then the most recently used) or a new one, enforces
// reserved and account concurrency and the function timeout, reaps idle instances after their
// keepalive and old ones after their max lifetime (on the scheduler clock), queues and retries
// asynchronous invokes, and records every step in the ledger.
// With settings.isolation: sandbox, each instance runs in a sandbox of its own (its Runtime API
// at 127.0.0.1:9001 there, each service at its own loopback address); where sandboxes are
// unavailable, thaw says why once on stderr and runs instances as processes.
// Strand-confined to `io` (run it on one thread, which lives as long as the control plane).
// `config`, `ledger`, `logs`, `launcher` and `scheduler` must outlive it. Provisioned instances
// start once `io` runs.
class ControlPlane : public Instance::Owner {
 public:
  ControlPlane(boost::asio::io_context& io, const ThawConfig& config, Ledger& ledger, LogSink& logs,
               ProcessLauncher& launcher, Scheduler& scheduler);
  ~ControlPlane() override;
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Resolves an Invoke API FunctionName (name, alias from ThawConfig::aliases, or ARN of
  // either) and Qualifier to a configured function's name; otherwise the AWS error
  // (core/aws_error.h: 404 ResourceNotFoundException, 400 for a malformed name).
  absl::StatusOr<std::string> Resolve(std::string_view function_name,
                                      std::string_view qualifier) const;

  // Runs one synchronous invocation to its end and returns the function's answer, or the AWS
  // error (core/aws_error.h) when the platform refused it and nothing ran (429, 404, 503...).
  // `request.function` must be resolved.
  boost::asio::awaitable<absl::StatusOr<InvokeResult>> Invoke(InvokeRequest request);
  // Queues an asynchronous (Event) invocation and returns at once. Like Lambda, a throttled
  // event is retried with backoff (for up to 6 hours) and a failed one twice more (after 1
  // and 2 minutes), on the scheduler clock. Returns the event's id, or a 429
  // (CallerRateLimitExceeded) when the payloads queued would go over settings.async_queue_mb.
  // An event's payload is freed once it is done or dropped.
  absl::StatusOr<std::string> InvokeAsync(InvokeRequest request);

  // Stops idle instances now (the shutdown sequence), those of `function` or the one with id
  // `instance` when given; busy ones are left alone. Returns the ids stopped.
  std::vector<int64_t> ReapIdle(const std::string& function, int64_t instance);
  // Kills an instance's processes with SIGKILL, as a crash would. False if there is no such
  // live instance.
  bool KillInstance(int64_t instance);

  // How many of a function's instances RetireInstances reached.
  struct Retired {
    // Stopped now: idle ones, and provisioned ones still initializing without an event.
    int idle = 0;
    // Serving an event (or initializing for one): stopped as soon as that event is answered.
    int busy = 0;
  };
  // Makes `function`'s next event a cold start: its instances without an event are stopped now
  // (the shutdown sequence), busy ones when their event ends, all with `reason`
  // (stop_reasons::kCodeChanged, ...). Every event in flight keeps its one answer. Like any
  // lost one, a provisioned instance is replaced, with the function's current definition.
  Retired RetireInstances(const std::string& function, const std::string& reason);

  // What ReplaceFunctions changed, by function name (sorted).
  struct FunctionChanges {
    std::vector<std::string> added;
    // Their definition differs: instances retired (stop_reasons::kConfigChanged), the next
    // event cold-starts on the new definition.
    std::map<std::string, Retired> changed;
    // No longer defined: instances retired; the name now answers ResourceNotFoundException.
    std::map<std::string, Retired> removed;
    bool aliases_changed = false;
    bool empty() const {
      return added.empty() && changed.empty() && removed.empty() && !aliases_changed;
    }
  };
  // Takes the functions and aliases of `next` as the definitions from now on (`thaw serve`'s
  // hot reload); everything else (settings, seeds, caches) stays as the control plane started
  // with. Functions whose definition is unchanged keep their instances; added and changed ones
  // start their provisioned instances. Each earlier set of definitions is kept for the run, since
  // instances and events in flight still refer to it (a few KB a reload).
  FunctionChanges ReplaceFunctions(const ThawConfig& next);
  // Advances the scheduler clock, firing everything that falls due before returning.
  void AdvanceClock(std::chrono::milliseconds by);

  // Stops every instance: SIGTERM, `grace`, then SIGKILL. New invokes are refused after it.
  boost::asio::awaitable<void> Shutdown(std::chrono::milliseconds grace);

  // GET /_thaw/instances.
  nlohmann::json InstancesJson() const;
  // GET /_thaw/metrics (Prometheus text format): the counters of accounts(), exact however many
  // events the ledger's window has evicted.
  std::string MetricsText() const;
  // The ledger's exact accounts, counted from this control plane's creation on.
  const LedgerAccounts& accounts() const { return accounts_; }

  // The current definitions (ReplaceFunctions may replace them: do not keep the reference
  // across a co_await).
  const ThawConfig& config() const { return *config_; }
  Ledger& ledger() { return ledger_; }
  Scheduler& scheduler() { return scheduler_; }
  boost::asio::io_context& io() { return io_; }
  std::string FunctionArn(const std::string& name) const;
  size_t instance_count() const { return instances_.size(); }

  // Instance::Owner.
  void OnAvailable(Instance& instance) override;
  void OnGone(Instance& instance) override;
  void OnProcessExit(Instance& instance) override;
  void PlaceAgain(std::shared_ptr<Invocation> invocation) override;

  // Adds a service every instance gets its own listeners of (the fake Momento, the fake AWS).
  // In a sandbox, the service listens at `in_sandbox` (e.g. 127.0.0.2:443); by default at the
  // next free one of 127.0.0.2:443, 127.0.0.3:443, ... in the order services are added.
  // There it serves TLS with `tls` when given (InstanceListener::tls).
  // `services` must outlive the control plane; call before the first invoke.
  void AddInstanceServices(InstanceServices* services,
                           std::optional<SandboxAddress> in_sandbox = std::nullopt,
                           std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  // What every sandbox gets besides its listeners: files bound in (an /etc/hosts naming the
  // services' real endpoints, a system trust bundle with thaw's CA) and variables (where the CA
  // is, for the runtimes that read one). Ignored when instances run as processes. Call before
  // the first invoke.
  // `served`: the names those /etc/hosts lists, which each sandbox's DnsSink answers too.
  void FurnishSandboxes(std::vector<SandboxBind> binds, std::map<std::string, std::string> env,
                        DnsSink::ServedNames served = {});
  // Renders the placeholders (`{{momento_api_key_v2}}`, ...) in a function's environment for
  // each instance, after its services are attached. Call before the first invoke.
  void SetEnvironmentPlaceholders(InstancePlaceholders placeholders) {
    placeholders_ = std::move(placeholders);
  }
  // How instances run: settings.isolation, or kProcess where sandboxes are unavailable.
  Isolation isolation() const { return sandbox_ ? Isolation::kSandbox : Isolation::kProcess; }

 private:
  std::shared_ptr<Instance> TakeIdle(const std::string& function);
  std::shared_ptr<Instance> NewInstance(const FunctionConfig& fn, bool provisioned);
  // Makes where `instance` runs (its sandbox, or its listener on thaw's loopback), attaches its
  // services there and starts it.
  absl::Status StartInstance(Instance& instance, std::shared_ptr<Invocation> first);
  // Gives `inv` to an idle instance of `fn`, or to a new one; the answer when none could start.
  std::optional<InvokeResult> PlaceInvocation(const FunctionConfig& fn,
                                              std::shared_ptr<Invocation> inv);
  absl::StatusOr<Instance::Placement> Place(Instance& instance);
  void DetachServices(Instance& instance);
  void StartProvisioned(const FunctionConfig& fn);
  // The shutdown sequence for one instance: Stop, grace, Kill.
  void Reap(std::shared_ptr<Instance> instance, const std::string& reason);
  boost::asio::awaitable<void> WaitForExit(std::shared_ptr<Instance> instance,
                                           std::chrono::steady_clock::time_point deadline);
  boost::asio::awaitable<void> SleepOnScheduler(std::chrono::milliseconds delay);
  boost::asio::awaitable<void> RunAsync(std::string event_id, InvokeRequest request);
  // settings.account_concurrency less what the current functions reserve.
  int UnreservedPool() const;
  // Why a new event for `fn` would be throttled now; empty when it would not.
  std::string ThrottleReason(const FunctionConfig& fn) const;

  boost::asio::io_context& io_;
  // The current definitions: the constructor's `config`, or the last ReplaceFunctions' copy.
  const ThawConfig* config_;
  // Every copy ReplaceFunctions made, kept for the run (instances refer to their definitions).
  std::vector<std::unique_ptr<const ThawConfig>> replaced_configs_;
  Ledger& ledger_;
  LedgerAccounts accounts_;
  LogSink& logs_;
  ProcessLauncher& launcher_;
  Scheduler& scheduler_;

  std::map<int64_t, std::shared_ptr<Instance>> instances_;
  struct Service {
    InstanceServices* services;
    SandboxAddress in_sandbox;
    std::shared_ptr<boost::asio::ssl::context> tls;
  };
  std::vector<Service> services_;
  // Set when instances run in sandboxes: how to make them (user namespace or not).
  std::optional<SandboxOptions> sandbox_;
  InstancePlaceholders placeholders_;
  // Variables every sandboxed instance gets (FurnishSandboxes).
  std::map<std::string, std::string> sandbox_env_;
  std::shared_ptr<const DnsSink::ServedNames> served_names_;
  // thaw's own resolver, for settings.egress: allow ("" when it has no IPv4 one).
  std::string upstream_resolver_;
  // The instances' clocks (settings.virtual_time); null when no function has virtual time.
  // Shared so an instance's clock_offset (Placement) can tell whether it is still there.
  std::shared_ptr<VirtualClock> virtual_clock_;
  // Per function, instances ready for an event; the back is the most recently used.
  // Provisioned instances have a stack of their own, taken first.
  std::map<std::string, std::vector<std::weak_ptr<Instance>>> idle_;
  std::map<std::string, std::vector<std::weak_ptr<Instance>>> idle_provisioned_;
  // Per instance: its keepalive timer while idle, and its max lifetime timer.
  std::map<int64_t, Scheduler::TimerId> idle_timers_;
  std::map<int64_t, Scheduler::TimerId> lifetime_timers_;
  // Instances to stop as soon as their event ends (past their max lifetime, or retired by
  // RetireInstances), with the reason.
  std::map<int64_t, std::string> retire_;
  int64_t next_instance_id_ = 1;
  // Invocations assigned to an instance and not yet answered: per function, and those of
  // functions without reserved concurrency (the account's unreserved pool).
  std::map<std::string, int> in_flight_;
  int unreserved_in_flight_ = 0;
  int unreserved_pool_ = 0;
  bool shutting_down_ = false;
  // Sum of the payload sizes of the asynchronous invocations alive (InvokeAsync to RunAsync's
  // end).
  size_t async_queued_bytes_ = 0;
  // Cancelled whenever an instance's process exits, to wake Shutdown().
  boost::asio::steady_timer process_exit_;
  // Timers of WaitForExit() calls in progress; cancelled at every exit.
  std::set<boost::asio::steady_timer*> exit_waiters_;
  // Lets deferred work tell whether the control plane still exists.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Lambda's documented limit on X-Amz-Client-Context: "up to 3,583 bytes of base64-encoded data".
inline constexpr size_t kMaxClientContextBytes = 3583;

// The X-Amz-Client-Context header (base64 of a JSON object) as the runtime gets it in
// Lambda-Runtime-Client-Context: decoded and re-encoded as compact JSON on one line, with no
// control character, so nothing from the caller can end or add a header field there.
// InvalidArgument (AWS InvalidRequestContentException, 400) when it is longer than
// kMaxClientContextBytes or not base64 of a JSON object. Pure; thread-safe.
absl::StatusOr<std::string> ClientContextForRuntime(std::string_view base64);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_CONTROL_PLANE_H_
