#ifndef THAW_EMULATOR_CONTROL_INSTANCE_H_
#define THAW_EMULATOR_CONTROL_INSTANCE_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/http/http_server.h"
#include "core/ledger.h"
#include "emulator/config/thaw_config.h"
#include "emulator/control/invocation.h"
#include "emulator/control/log_sink.h"
#include "emulator/process/process_launcher.h"
#include "emulator/sandbox/dns_sink.h"
#include "emulator/sandbox/egress_trap.h"
#include "emulator/sandbox/sandbox.h"

namespace thaw {

// Why an instance stopped: the `reason` of its instance.stopping and instance.gone events, and
// the outcome of an event it was serving when killed. Defined here only; the README's "Events"
// list documents them.
namespace stop_reasons {
// Its process exited by itself.
inline constexpr char kExit[] = "exit";
// Its event ran past the function's timeout.
inline constexpr char kTimeout[] = "timeout";
// Its init failed (an init error, or a process that died during init).
inline constexpr char kInitError[] = "init_error";
// Its runtime could not be started.
inline constexpr char kLaunchFailed[] = "launch_failed";
// Its processes used more than the function's memory.
inline constexpr char kOutOfMemory[] = "out_of_memory";
// Idle past its keepalive (or keepalive 0, after every event).
inline constexpr char kIdle[] = "idle";
// Past its max lifetime.
inline constexpr char kLifetime[] = "lifetime";
// Reaped through the admin API or a scenario's `reap`.
inline constexpr char kManual[] = "manual";
// SIGKILLed through the admin API or a scenario's `kill`, as a crash.
inline constexpr char kKilled[] = "killed";
// thaw is stopping.
inline constexpr char kShutdown[] = "shutdown";
// `thaw serve` saw its function's code or layers change on disk (host/hot_reload.h): the next
// event is a cold start on the new code.
inline constexpr char kCodeChanged[] = "code_changed";
// `thaw serve` reloaded the configuration and its function's definition changed or is gone.
inline constexpr char kConfigChanged[] = "config_changed";
}  // namespace stop_reasons

// One execution environment: a runtime process (its own process group, or its own sandbox) with
// its own Runtime API listener, serving one event at a time.
//
// Lifecycle: kInitializing (spawned, runtime not yet at /next) -> kIdle <-> kBusy
//   -> kStopping (SIGTERM sent, grace running) -> kGone.
// An event may be assigned while initializing; it is delivered at the first /next.
// While its runtime waits on /next with no event, the process group is frozen (SIGSTOP) when
// settings.freeze is on, and continued (SIGCONT) just before the next event is delivered.
// An init that outlives settings.init_timeout is cut and retried once within the first
// invoke ("suppressed init"), bounded by the function timeout.
// Strand-confined to the control plane's io_context. Always held by std::shared_ptr; pending
// Runtime API requests keep it alive until they finish.
class Instance : public std::enable_shared_from_this<Instance> {
 public:
  enum class State { kInitializing, kIdle, kBusy, kStopping, kGone };

  struct Owner {
    virtual ~Owner() = default;
    // The instance finished an event and can take another.
    virtual void OnAvailable(Instance& instance) = 0;
    // The instance is gone (its process is being or has been killed); drop it.
    virtual void OnGone(Instance& instance) = 0;
    // The instance's process has exited and been reaped (after or before OnGone).
    virtual void OnProcessExit(Instance& instance) = 0;
    // An event given to the instance (Assign) was never delivered because the instance turned
    // out to be stuck: place it on another instance. Called on the io thread, outside the
    // instance's methods.
    virtual void PlaceAgain(std::shared_ptr<Invocation> invocation) = 0;
  };

  // Where the instance runs, made by whoever creates it (ControlPlane): its Runtime API listener,
  // its services' variables, and its sandbox if it has one.
  struct Placement {
    // A listening socket for the Runtime API, owned by the instance from Start on.
    int runtime_api_fd = -1;
    // Where the runtime reaches it (AWS_LAMBDA_RUNTIME_API): "127.0.0.1:9001" in a sandbox.
    std::string runtime_api_address;
    // Variables of the instance's own services (credentials, endpoints), already attached.
    std::map<std::string, std::string> service_env;
    // The instance's sandbox, which then launches its runtime; null: the shared launcher does,
    // as a plain process group.
    std::unique_ptr<Sandbox> sandbox;
    // The sandbox's resolver (records names the instance tried to reach outside).
    std::unique_ptr<DnsSink> dns;
    // The far end of the sandbox's route out (records and refuses connections to outside).
    std::unique_ptr<EgressTrap> egress;
    // How far the instance's own clocks are ahead of real time (virtual time, emulator/vtime);
    // null: not at all. Called on the instance's strand.
    std::function<std::chrono::nanoseconds()> clock_offset;
  };

  // Which answers the Runtime API gives to a runtime's POST.
  enum class PostStatus { kAccepted, kInvalidRequestId, kInvalidState, kTooLarge };

  // `provisioned`: started ahead of events (provisioned concurrency) rather than on demand.
  Instance(int64_t id, const FunctionConfig& function, const Settings& settings,
           boost::asio::io_context& io, Ledger& ledger, LogSink& logs, ProcessLauncher& launcher,
           Owner& owner, bool provisioned = false);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Serves the Runtime API on `placement`'s listener and starts the runtime process there, with
  // `first` (may be null) as its first event. On failure the instance is unusable (and `first`
  // is untouched); the listener is closed either way when the instance goes.
  absl::Status Start(std::shared_ptr<Invocation> first, Placement placement);

  // Gives an idle instance its next event. Precondition: state() == kIdle.
  // From then on the instance owns the event's deadline: the function's timeout from now, then
  // from delivery (after an init: the init limit plus the timeout). At the deadline the event
  // is answered Sandbox.Timedout and the instance killed ("timeout").
  void Assign(std::shared_ptr<Invocation> invocation);

  // Kills the process group now. A current event gets `result` (if given) and the instance
  // becomes kGone with `reason` ("timeout", "shutdown", ...). Idempotent.
  void Kill(const std::string& reason, std::optional<InvokeResult> result = std::nullopt);
  // Starts the shutdown sequence: kStopping, SIGTERM (and SIGCONT if frozen) now; the caller
  // follows with Kill(reason) after the grace period. If the process exits in the meantime the
  // instance is gone with `reason`. A current event, if any, is answered as a crash.
  void Stop(const std::string& reason);
  // Simulates a crash: SIGKILL to the group now; the instance is gone with `reason` once the
  // exit is seen.
  void Crash(const std::string& reason);

  int64_t id() const { return id_; }
  bool provisioned() const { return provisioned_; }
  bool frozen() const { return frozen_; }
  const FunctionConfig& function() const { return function_; }
  State state() const { return state_; }
  bool busy() const { return current_ != nullptr; }
  // True once the process has exited and been reaped (or never started).
  bool process_exited() const { return !process_ || process_exited_; }
  int pid() const;
  uint16_t runtime_api_port() const;
  bool sandboxed() const { return sandbox_ != nullptr; }
  int invocations() const { return invocations_; }
  // Init duration in ms, or a negative value before init is done.
  double init_ms() const { return init_ms_; }
  std::string_view StateName() const;
  const std::string& log_stream() const { return log_stream_; }
  // How far its clocks are ahead of real time now (Placement::clock_offset); zero without one.
  std::chrono::nanoseconds clock_offset() const {
    return clock_offset_ ? clock_offset_() : std::chrono::nanoseconds::zero();
  }
  // arn:aws:lambda:<region>:<account>:function:<name>
  std::string function_arn() const;

  // Runtime API operations (see runtime_api.h for the HTTP side).
  // Waits until there is an event for the runtime. Unavailable when the instance is going away.
  // One /next waits at a time: a newer call replaces a waiting one, which then ends with
  // FailedPrecondition (a runtime that reconnected must not have its event handed to the poll
  // it left behind, and two waiters must not keep waking each other). Cancelled when `client`
  // (may be null) goes while waiting: the event then waits for the runtime's next /next.
  boost::asio::awaitable<absl::StatusOr<std::shared_ptr<Invocation>>> NextEvent(
      std::shared_ptr<http::ClientWatch> client = nullptr);
  // `too_large`: the body was over the HTTP limit and was not read.
  PostStatus PostResponse(const std::string& request_id, std::string body, bool too_large = false);
  PostStatus PostError(const std::string& request_id, const std::string& error_type,
                       std::string body);
  PostStatus PostInitError(const std::string& error_type, std::string body);
  // True when a runtime may not ask for an event now (it holds an unanswered one).
  bool HasUndeliveredAnswer() const { return current_ && current_->delivered; }

 private:
  void Deliver();
  void Finish(InvokeResult result, const std::string& outcome);
  void OnLine(std::string_view line, bool from_stderr);
  void OnExit(const ExitInfo& info);
  void BecomeGone(const std::string& reason, const nlohmann::json& detail);
  void Log(std::string_view line);
  absl::Status Launch();
  void Freeze();
  // Continues a frozen runtime for the event it is about to read from `answer` (its /next's
  // client): once that answer is written when the event is small enough to sit in the socket's
  // buffers meanwhile, at once otherwise (or with no client).
  void Thaw(http::ClientWatch* answer, size_t event_bytes);
  // The SIGCONT Thaw deferred to the answer's write, unless something sent it since.
  void ContinueAfterAnswer();
  void OnInitTimeout();
  // Sets the current event's deadline and makes sure the timer wakes by then (OnDeadlineTimer).
  void ArmDeadline(std::chrono::steady_clock::time_point deadline);
  // The deadline timer woke: the current event's time is up (OnDeadline), or it moved later.
  void OnDeadlineTimer();
  // Makes sure the phase timer wakes by phase_deadline_ (OnStuck if no /next came by then).
  void ArmPhase();
  // Stops both timers (the instance is gone).
  void CancelTimers();
  // The current event's time is up: Sandbox.Timedout, and the instance is killed.
  void OnDeadline();
  // The runtime answered but did not ask for its next event within the invoke's time (Lambda's
  // invoke phase lasts until /next): the environment is reset, and an event already given to
  // it goes to another instance.
  void OnStuck();

  // Constant after construction.
  const int64_t id_;
  const FunctionConfig& function_;
  const Settings& settings_;
  boost::asio::io_context& io_;
  Ledger& ledger_;
  LogSink& logs_;
  // The shared launcher, or the instance's sandbox.
  ProcessLauncher* launcher_;
  Owner& owner_;
  const bool provisioned_;
  std::string log_stream_;

  State state_ = State::kInitializing;
  std::unique_ptr<http::HttpServer> runtime_api_;
  std::string runtime_api_address_;
  // Before process_: a process goes before its sandbox.
  std::unique_ptr<Sandbox> sandbox_;
  std::unique_ptr<DnsSink> dns_;
  std::unique_ptr<EgressTrap> egress_;
  // The real-endpoint hint (endpoint_hint.h) was said on stderr for this instance.
  bool hinted_ = false;
  std::unique_ptr<RuntimeProcess> process_;
  std::shared_ptr<Invocation> current_;
  // Request ids this instance answered, newest last, so a repeated answer is a state error.
  std::string last_answered_id_;
  boost::asio::steady_timer next_wake_;
  // Counts NextEvent() calls; only the newest may wait and receive an event.
  uint64_t next_calls_ = 0;
  std::chrono::steady_clock::time_point spawned_at_;
  double init_ms_ = -1;
  bool cold_ = true;
  int invocations_ = 0;
  bool process_exited_ = false;
  bool frozen_ = false;
  // Thawed, its SIGCONT waiting for the /next answer's write (Thaw).
  bool continue_pending_ = false;
  // The first init was cut at the init limit and is being retried within the first invoke.
  bool suppressed_init_ = false;
  // Counts launches, so a killed process's late exit is not taken for the new one's.
  int generation_ = 0;
  // Why the instance is stopping (reported when it is gone).
  std::string stop_reason_;
  // Environment variables of the instance's own services, given at Start().
  std::map<std::string, std::string> service_env_;
  boost::asio::steady_timer init_timer_;
  // Wakes by the current event's deadline (ArmDeadline). Left armed when an event ends, and
  // re-armed only when a deadline comes sooner than its expiry: it wakes, finds the deadline
  // (if any) later, and waits again.
  boost::asio::steady_timer deadline_timer_;
  bool deadline_armed_ = false;
  // From an answer to the runtime's next /next: the answered invoke's deadline (OnStuck). Left
  // armed as deadline_timer_ is.
  boost::asio::steady_timer phase_timer_;
  bool phase_armed_ = false;
  std::chrono::steady_clock::time_point phase_deadline_;
  // The runtime has asked for an event since its last answer.
  bool polled_since_answer_ = true;
  std::function<std::chrono::nanoseconds()> clock_offset_;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_INSTANCE_H_
