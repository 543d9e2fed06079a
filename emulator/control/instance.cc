#include "emulator/control/instance.h"

#include <signal.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <cstdio>

#include "core/event_kinds.h"
#include "core/json_text.h"
#include "core/status_macros.h"
#include "emulator/control/endpoint_hint.h"
#include "emulator/control/ids.h"
#include "emulator/control/instance_environment.h"
#include "emulator/control/runtime_api.h"

namespace thaw {

namespace asio = boost::asio;

namespace {

constexpr size_t kMaxResponseBytes = 6 * 1024 * 1024 + 100;
// The invocation log kept for X-Amz-Log-Result: only its tail (4 KB) is ever returned.
constexpr size_t kMaxKeptLog = 64 * 1024;
// Connections one instance's Runtime API serves at once; past it, 503 and closed. A runtime
// holds one (or one per concurrent poll) and each extension one more.
constexpr size_t kRuntimeApiMaxConnections = 64;

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

std::string FormatMs(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", ms);
  return buf;
}

}  // namespace

Instance::Instance(int64_t id, const FunctionConfig& function, const Settings& settings,
                   asio::io_context& io, Ledger& ledger, LogSink& logs, ProcessLauncher& launcher,
                   Owner& owner, bool provisioned)
    : id_(id),
      function_(function),
      settings_(settings),
      io_(io),
      ledger_(ledger),
      logs_(logs),
      launcher_(&launcher),
      owner_(owner),
      provisioned_(provisioned),
      log_stream_(NewLogStreamName()),
      next_wake_(io),
      init_timer_(io),
      deadline_timer_(io),
      phase_timer_(io) {}

Instance::~Instance() {
  if (runtime_api_) runtime_api_->Close();
}

int Instance::pid() const { return process_ ? process_->pid() : 0; }

uint16_t Instance::runtime_api_port() const { return runtime_api_ ? runtime_api_->port() : 0; }

std::string_view Instance::StateName() const {
  switch (state_) {
    case State::kInitializing:
      return "initializing";
    case State::kIdle:
      return "idle";
    case State::kBusy:
      return "busy";
    case State::kStopping:
      return "stopping";
    case State::kGone:
      return "gone";
  }
  return "unknown";
}

absl::Status Instance::Start(std::shared_ptr<Invocation> first, Placement placement) {
  std::weak_ptr<Instance> weak = weak_from_this();
  auto server = http::HttpServer::Serve(
      io_, placement.runtime_api_fd,
      [weak](http::Request& request,
             const http::RequestContext& context) -> asio::awaitable<http::Response> {
        std::shared_ptr<Instance> self = weak.lock();
        if (!self) {
          co_return http::MakeResponse(
              request, 500,
              FunctionErrorPayload("Runtime.Unknown", "The execution environment is gone."));
        }
        co_return co_await HandleRuntimeApi(std::move(self), request, context);
      },
      // No idle timeout: the runtime's connection sits idle on /next for as long as the
      // instance is kept, frozen or not. A /next whose runtime has closed the connection gives
      // up, so its event goes to the runtime's next /next. The cap keeps a runtime that hoards
      // connections from taking thaw's descriptors: a runtime and its extensions use a few.
      http::HttpServer::Options{.body_limit = 7 * 1024 * 1024,
                                .idle_timeout = std::chrono::milliseconds::zero(),
                                .max_connections = kRuntimeApiMaxConnections,
                                .watch_client_close = true});
  if (!server.ok()) return server.status();
  runtime_api_ = *std::move(server);
  runtime_api_address_ = std::move(placement.runtime_api_address);
  service_env_ = std::move(placement.service_env);
  sandbox_ = std::move(placement.sandbox);
  dns_ = std::move(placement.dns);
  egress_ = std::move(placement.egress);
  clock_offset_ = std::move(placement.clock_offset);
  if (sandbox_) launcher_ = sandbox_.get();
  current_ = std::move(first);
  if (absl::Status launched = Launch(); !launched.ok()) {
    current_ = nullptr;
    runtime_api_->Close();
    return launched;
  }
  // The first event's clock runs from now: the init limit, then the function's timeout.
  if (current_) {
    ArmDeadline(std::chrono::steady_clock::now() + settings_.init_timeout +
                std::chrono::seconds(function_.timeout_s));
  }
  if (current_ && !provisioned_) {
    init_timer_.expires_after(settings_.init_timeout);
    init_timer_.async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->OnInitTimeout();
    });
  }
  return absl::OkStatus();
}

absl::Status Instance::Launch() {
  std::weak_ptr<Instance> weak = weak_from_this();
  InstanceEnvironmentInputs inputs;
  inputs.runtime_api = runtime_api_address_;
  inputs.sandboxed = sandbox_ != nullptr;
  inputs.log_stream = log_stream_;
  inputs.initialization_type = provisioned_ ? "provisioned-concurrency" : "on-demand";
  inputs.services = service_env_;
  LaunchSpec spec;
  InstanceCommand command = BuildInstanceCommand(function_, inputs.sandboxed);
  spec.executable = std::move(command.executable);
  spec.args = std::move(command.args);
  spec.env = BuildInstanceEnvironment(function_, settings_, inputs);
  spec.working_dir = function_.code;
  const int generation = ++generation_;
  ProcessCallbacks callbacks;
  callbacks.on_line = [this](std::string_view line, bool from_stderr) {
    OnLine(line, from_stderr);
  };
  callbacks.on_exit = [weak, generation](const ExitInfo& info) {
    auto self = weak.lock();
    if (self && self->generation_ == generation) self->OnExit(info);
  };
  spawned_at_ = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(auto process, launcher_->Launch(spec, std::move(callbacks)));
  process_ = std::move(process);
  process_exited_ = false;
  ledger_.Append(id_, function_.name, kinds::kInstanceSpawned,
                 {{"pid", process_->pid()},
                  {"runtime_api_port", runtime_api_->port()},
                  {"log_stream", log_stream_},
                  {"initialization_type", inputs.initialization_type},
                  {"isolation", sandbox_ ? "sandbox" : "process"},
                  // What it may reach outside ("names only": no egress trap, so only lookups of
                  // outside names are recorded).
                  {"egress", !sandbox_                            ? "host"
                             : settings_.egress == Egress::kAllow ? "allow"
                             : egress_                            ? "blocked"
                                                                  : "blocked, names only"},
                  {"suppressed_init", suppressed_init_},
                  // Its clocks follow the scheduler clock's advances (emulator/vtime).
                  {"virtual_time", clock_offset_ != nullptr}});
  return absl::OkStatus();
}

void Instance::OnInitTimeout() {
  if (state_ != State::kInitializing || suppressed_init_) return;
  const double limit_ms = std::chrono::duration<double, std::milli>(settings_.init_timeout).count();
  Log("INIT_REPORT Init Duration: " + FormatMs(limit_ms) + " ms\tPhase: init\tStatus: timeout");
  ledger_.Append(id_, function_.name, kinds::kInstanceInitTimeout, {{"init_limit_ms", limit_ms}});
  // Lambda retries the init during the first invoke, bounded by the function timeout.
  suppressed_init_ = true;
  if (process_) process_->SignalGroup(SIGKILL);
  std::unique_ptr<RuntimeProcess> old = std::move(process_);
  if (absl::Status relaunched = Launch(); !relaunched.ok()) {
    process_ = std::move(old);
    Kill(stop_reasons::kLaunchFailed);
    return;
  }
  if (current_)
    ArmDeadline(std::chrono::steady_clock::now() + std::chrono::seconds(function_.timeout_s));
}

void Instance::Assign(std::shared_ptr<Invocation> invocation) {
  current_ = std::move(invocation);
  state_ = State::kBusy;
  ArmDeadline(std::chrono::steady_clock::now() + std::chrono::seconds(function_.timeout_s));
  next_wake_.cancel();
}

void Instance::ArmDeadline(std::chrono::steady_clock::time_point deadline) {
  current_->deadline = deadline;
  // A pending wait that ends no later is kept: it wakes OnDeadlineTimer, which finds the later
  // deadline and waits again. So an event's two arms (assigned, delivered) and the events after
  // it re-arm nothing (a re-arm costs a timerfd_settime and a cancelled wait's completion).
  if (deadline_armed_ && deadline_timer_.expiry() <= deadline) return;
  deadline_armed_ = true;
  deadline_timer_.expires_at(deadline);
  deadline_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed (a newer wait is pending), or the instance went
    if (auto self = weak.lock()) {
      self->deadline_armed_ = false;
      self->OnDeadlineTimer();
    }
  });
}

void Instance::OnDeadlineTimer() {
  if (!current_ || state_ == State::kGone) return;  // the event ended: nothing to time
  if (std::chrono::steady_clock::now() >= current_->deadline) {
    OnDeadline();
  } else {
    ArmDeadline(current_->deadline);  // the deadline moved later meanwhile
  }
}

void Instance::CancelTimers() {
  deadline_timer_.cancel();
  deadline_armed_ = false;
  phase_timer_.cancel();
  phase_armed_ = false;
}

void Instance::ArmPhase() {
  // As ArmDeadline: a pending wait that ends no later is kept.
  if (phase_armed_ && phase_timer_.expiry() <= phase_deadline_) return;
  phase_armed_ = true;
  phase_timer_.expires_at(phase_deadline_);
  phase_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self) return;
    self->phase_armed_ = false;
    // The phase ended with a /next: nothing to time until the next answer arms it again.
    if (self->polled_since_answer_) return;
    if (std::chrono::steady_clock::now() >= self->phase_deadline_) {
      self->OnStuck();
    } else {
      self->ArmPhase();
    }
  });
}

void Instance::OnDeadline() {
  Invocation& inv = *current_;
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.2f", static_cast<double>(function_.timeout_s));
  const std::string message = "Task timed out after " + std::string(seconds) + " seconds";
  logs_.Line(
      function_.name, id_,
      FormatIsoTime(std::chrono::system_clock::now()) + " " + inv.request_id + " " + message);
  InvokeResult timed_out;
  timed_out.function_error = "Unhandled";
  timed_out.payload = FunctionErrorPayload("Sandbox.Timedout",
                                           "RequestId: " + inv.request_id + " Error: " + message);
  Kill(stop_reasons::kTimeout, std::move(timed_out));
}

void Instance::Freeze() {
  if (frozen_ || !settings_.freeze || !process_ || process_exited_) return;
  process_->SignalGroup(SIGSTOP);
  frozen_ = true;
  ledger_.Append(id_, function_.name, kinds::kInstanceFrozen);
}

void Instance::Thaw(http::ClientWatch* answer, size_t event_bytes) {
  if (!frozen_) return;
  frozen_ = false;
  ledger_.Append(id_, function_.name, kinds::kInstanceThawed);
  if (!process_) return;
  // Continued before its event is written, a runtime blocked reading its /next wakes twice: for
  // the SIGCONT (back into its read) and for the bytes. After the write, once. An event larger
  // than the loopback socket's buffers take while the runtime is stopped (a new connection's
  // send buffer is 16 KB, its peer's receive buffer 128 KB) would never finish writing: those
  // are continued first.
  constexpr size_t kDeferredContinueMaxBytes = 64 * 1024;
  if (answer == nullptr || event_bytes > kDeferredContinueMaxBytes) {
    process_->SignalGroup(SIGCONT);
    return;
  }
  continue_pending_ = true;
  answer->OnAnswered([weak = weak_from_this()] {
    if (auto self = weak.lock()) self->ContinueAfterAnswer();
  });
}

void Instance::ContinueAfterAnswer() {
  if (!std::exchange(continue_pending_, false)) return;
  if (process_ && !process_exited_) process_->SignalGroup(SIGCONT);
}

asio::awaitable<absl::StatusOr<std::shared_ptr<Invocation>>> Instance::NextEvent(
    std::shared_ptr<http::ClientWatch> client) {
  const uint64_t call = ++next_calls_;
  // Wakes a /next already waiting, which sees it has been replaced.
  next_wake_.cancel();
  // Ends the invoke phase; a pending phase wait finds it ended.
  polled_since_answer_ = true;
  if (state_ == State::kInitializing) {
    init_timer_.cancel();
    init_ms_ = MsSince(spawned_at_);
    ledger_.Append(id_, function_.name, kinds::kInstanceReady,
                   {{"init_ms", init_ms_}, {"suppressed_init", suppressed_init_}});
    if (current_) {
      state_ = State::kBusy;
    } else {
      state_ = State::kIdle;
      owner_.OnAvailable(*this);
    }
  }
  // A stopping instance gets no more events, but its /next is not answered either: as in
  // Lambda, the runtime learns of the end from SIGTERM.
  bool watching = false;
  while (call == next_calls_ && !(client && client->gone()) && state_ != State::kGone &&
         (state_ == State::kStopping || !current_ || current_->delivered)) {
    // A runtime that closes the connection while waiting ends the wait. Watched only once it
    // waits: a /next that finds its event costs no watch.
    if (client && !watching) {
      watching = true;
      client->OnGone([weak = weak_from_this()] {
        if (auto self = weak.lock()) self->next_wake_.cancel();
      });
      if (client->gone()) break;
    }
    // The runtime waits with no event: freeze it until one comes.
    if (!current_ && state_ != State::kStopping) Freeze();
    next_wake_.expires_at(std::chrono::steady_clock::time_point::max());
    boost::system::error_code ec;
    co_await next_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (client) client->OnGone(nullptr);
  if (call != next_calls_) {
    co_return absl::FailedPreconditionError("a newer /next replaced this one");
  }
  if (client && client->gone()) co_return absl::CancelledError("the runtime closed the connection");
  if (state_ == State::kGone) co_return absl::UnavailableError("the instance is gone");
  Thaw(client.get(), current_->request.payload.size());
  Deliver();
  co_return current_;
}

void Instance::Deliver() {
  Invocation& inv = *current_;
  const auto now = std::chrono::steady_clock::now();
  inv.delivered = true;
  inv.delivered_at = now;
  // After a suppressed init the timeout already runs: it covers the retried init too.
  if (!(suppressed_init_ && cold_)) ArmDeadline(now + std::chrono::seconds(function_.timeout_s));
  inv.deadline_epoch_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch() + (inv.deadline - now))
          .count();
  state_ = State::kBusy;
  Log("START RequestId: " + inv.request_id + " Version: $LATEST");
  // Fields inserted one by one: nlohmann's initializer-list constructor copies each value
  // through temporaries (measured on the fake Momento's per-call record: twice the cost).
  nlohmann::json attrs(nlohmann::json::value_t::object);
  attrs.emplace("request_id", inv.request_id);
  attrs.emplace("cold", cold_);
  ledger_.Append(id_, function_.name, kinds::kInvokeStart, std::move(attrs));
}

std::string Instance::function_arn() const {
  return "arn:aws:lambda:" + settings_.region + ":" + settings_.account_id +
         ":function:" + function_.name;
}

Instance::PostStatus Instance::PostResponse(const std::string& request_id, std::string body,
                                            bool too_large) {
  if (!current_ || !current_->delivered || current_->request_id != request_id) {
    return request_id == last_answered_id_ ? PostStatus::kInvalidState
                                           : PostStatus::kInvalidRequestId;
  }
  if (too_large || body.size() > kMaxResponseBytes) {
    InvokeResult result;
    result.function_error = "Unhandled";
    result.payload =
        FunctionErrorPayload("Function.ResponseSizeTooLarge",
                             "Response payload size exceeded maximum allowed payload size (" +
                                 std::to_string(kMaxResponseBytes) + " bytes).");
    Finish(std::move(result), "response_too_large");
    return PostStatus::kTooLarge;
  }
  InvokeResult result;
  result.payload = std::move(body);
  Finish(std::move(result), "success");
  return PostStatus::kAccepted;
}

Instance::PostStatus Instance::PostError(const std::string& request_id,
                                         const std::string& error_type, std::string body) {
  if (!current_ || !current_->delivered || current_->request_id != request_id) {
    return request_id == last_answered_id_ ? PostStatus::kInvalidState
                                           : PostStatus::kInvalidRequestId;
  }
  InvokeResult result;
  result.function_error = "Unhandled";
  result.payload = std::move(body);
  Finish(std::move(result), "function_error:" + error_type);
  return PostStatus::kAccepted;
}

Instance::PostStatus Instance::PostInitError(const std::string& error_type, std::string body) {
  if (state_ != State::kInitializing) return PostStatus::kInvalidState;
  Log("INIT_REPORT Init Duration: " + FormatMs(MsSince(spawned_at_)) +
      " ms\tPhase: init\tStatus: error\tError Type: " + error_type);
  ledger_.Append(id_, function_.name, kinds::kInstanceInitError, {{"error_type", error_type}});
  std::optional<InvokeResult> result;
  if (current_) {
    result.emplace();
    result->function_error = "Unhandled";
    result->payload =
        body.empty() ? FunctionErrorPayload(error_type, "Init error") : std::move(body);
  }
  // The environment is reset: the next event starts a new one, with a new init.
  asio::post(io_, [self = shared_from_this(), result]() mutable {
    self->Kill(stop_reasons::kInitError, std::move(result));
  });
  return PostStatus::kAccepted;
}

void Instance::Finish(InvokeResult result, const std::string& outcome) {
  std::shared_ptr<Invocation> inv = std::move(current_);
  current_ = nullptr;
  // The deadline timer stays armed: it finds no event (or the next one's later deadline).
  const double duration = inv->delivered ? MsSince(inv->delivered_at) : 0;
  if (process_) process_->DrainOutput();
  const long peak_mb = process_ ? (process_->PeakRssKb() + 1023) / 1024 : 0;
  // Memory is checked from the process's peak: past the function's size it fails as Lambda's
  // OOM kill would, and the environment is reset.
  const bool out_of_memory = peak_mb > function_.memory_mb && state_ != State::kGone;
  if (out_of_memory) {
    result.function_error = "Unhandled";
    result.payload = FunctionErrorPayload(
        "Runtime.OutOfMemory",
        "RequestId: " + inv->request_id + " Error: Runtime exited with error: signal: killed");
    Log("RequestId: " + inv->request_id + " Error: Runtime exited with error: signal: killed");
  }
  const std::string final_outcome = out_of_memory ? "out_of_memory" : outcome;
  const std::string end = "END RequestId: " + inv->request_id;
  logs_.Line(function_.name, id_, end);
  if (inv->request.tail_log) inv->log += end + "\n";
  std::string report =
      "REPORT RequestId: " + inv->request_id + "\tDuration: " + FormatMs(duration) +
      " ms\tBilled Duration: " + std::to_string(static_cast<long>(std::ceil(duration))) +
      " ms\tMemory Size: " + std::to_string(function_.memory_mb) +
      " MB\tMax Memory Used: " + std::to_string(peak_mb) + " MB\t";
  if (cold_ && init_ms_ >= 0) report += "Init Duration: " + FormatMs(init_ms_) + " ms\t";
  // Not Log(): the invocation is no longer current_, so its log is appended to here.
  logs_.Line(function_.name, id_, report);
  if (inv->request.tail_log) inv->log += report + "\n";
  nlohmann::json attrs(nlohmann::json::value_t::object);
  attrs.emplace("request_id", inv->request_id);
  attrs.emplace("duration_ms", duration);
  attrs.emplace("outcome", final_outcome);
  attrs.emplace("cold", cold_);
  attrs.emplace("max_memory_mb", peak_mb);
  if (!sandbox_ && !result.function_error.empty()) {
    // Fail loudly where a sandbox cannot make the real names lead to the fakes.
    if (std::optional<std::string> hint = RealEndpointHint(result.payload)) {
      if (!hinted_) std::fprintf(stderr, "thaw: %s: %s\n", function_.name.c_str(), hint->c_str());
      hinted_ = true;
      attrs.emplace("hint", *hint);
    }
  }
  ledger_.Append(id_, function_.name, kinds::kInvokeEnd, std::move(attrs));
  cold_ = false;
  ++invocations_;
  last_answered_id_ = inv->request_id;
  result.request_id = inv->request_id;
  result.instance = id_;
  if (inv->request.tail_log) result.log = std::move(inv->log);
  inv->Complete(std::move(result));
  if (out_of_memory) {
    asio::post(io_, [self = shared_from_this()] { self->Kill(stop_reasons::kOutOfMemory); });
    state_ = State::kStopping;
    stop_reason_ = stop_reasons::kOutOfMemory;
    return;
  }
  if (state_ == State::kBusy || state_ == State::kInitializing) {
    state_ = State::kIdle;
    // Offered at once (a caller's next invoke usually arrives before the runtime's /next, and
    // must reuse it), but the invoke phase only ends with /next: a runtime that never asks
    // again is reset at the answered event's deadline, as Lambda's invoke phase times out.
    if (inv->delivered) {
      polled_since_answer_ = false;
      phase_deadline_ = inv->deadline;
      ArmPhase();
    }
    owner_.OnAvailable(*this);
  }
}

void Instance::OnStuck() {
  if (state_ == State::kGone || state_ == State::kStopping) return;
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.2f", static_cast<double>(function_.timeout_s));
  logs_.Line(function_.name, id_,
             FormatIsoTime(std::chrono::system_clock::now()) + " " + last_answered_id_ +
                 " Task timed out after " + seconds +
                 " seconds: the runtime answered but did not ask for its next event");
  // An event given to it meanwhile was never delivered: it goes elsewhere, not to a timeout.
  std::shared_ptr<Invocation> waiting;
  if (current_ && !current_->delivered) {
    waiting = std::move(current_);
    current_ = nullptr;
  }
  Kill(stop_reasons::kTimeout);
  if (waiting) owner_.PlaceAgain(std::move(waiting));
}

void Instance::Log(std::string_view line) {
  logs_.Line(function_.name, id_, line);
  if (current_ && current_->delivered && current_->request.tail_log) {
    std::string& log = current_->log;
    log.append(line);
    log += '\n';
    if (log.size() > kMaxKeptLog) log.erase(0, log.size() - kMaxKeptLog / 2);
  }
}

void Instance::OnLine(std::string_view line, bool) { Log(line); }

void Instance::OnExit(const ExitInfo& info) {
  process_exited_ = true;
  frozen_ = false;
  continue_pending_ = false;
  ledger_.Append(id_, function_.name, kinds::kInstanceExited,
                 {{"pid", process_ ? process_->pid() : 0}, {"exit", info.Describe()}});
  if (state_ == State::kGone) {
    owner_.OnProcessExit(*this);
    return;
  }
  const std::string reason = state_ == State::kStopping ? stop_reason_ : stop_reasons::kExit;
  state_ = State::kGone;  // Before Finish, so the instance is not offered for another event.
  if (current_) {
    InvokeResult result;
    result.function_error = "Unhandled";
    const std::string message = "RequestId: " + current_->request_id +
                                " Error: Runtime exited with error: " + info.Describe();
    result.payload = FunctionErrorPayload("Runtime.ExitError", message);
    Log(message);
    Log("Runtime.ExitError");
    Finish(std::move(result), "runtime_exit");
  }
  BecomeGone(reason, {{"exit", info.Describe()}});
  owner_.OnProcessExit(*this);
}

void Instance::Kill(const std::string& reason, std::optional<InvokeResult> result) {
  if (state_ == State::kGone) return;
  if (process_) process_->SignalGroup(SIGKILL);
  frozen_ = false;
  continue_pending_ = false;
  init_timer_.cancel();
  state_ = State::kGone;
  if (current_) {
    if (!result) {
      result.emplace();
      result->function_error = "Unhandled";
      result->payload =
          FunctionErrorPayload("Runtime.Unknown", "RequestId: " + current_->request_id +
                                                      " Error: the execution environment "
                                                      "was stopped (" +
                                                      reason + ")");
    }
    Finish(*std::move(result), reason);
  }
  BecomeGone(reason, nlohmann::json::object());
}

void Instance::Stop(const std::string& reason) {
  if (state_ == State::kGone || state_ == State::kStopping) return;
  state_ = State::kStopping;
  stop_reason_ = reason;
  // Marks where shutting down begins (instance.gone comes once the process has exited), so
  // the report can draw it.
  ledger_.Append(id_, function_.name, kinds::kInstanceStopping, {{"reason", reason}});
  init_timer_.cancel();
  // A waiting /next is left waiting, as in Lambda: the runtime learns of the end by SIGTERM.
  if (process_ && !process_exited_) {
    process_->SignalGroup(SIGTERM);
    // A stopped process only acts on SIGTERM once continued.
    if (frozen_ || continue_pending_) process_->SignalGroup(SIGCONT);
    frozen_ = false;
    continue_pending_ = false;
  }
}

void Instance::Crash(const std::string& reason) {
  if (state_ == State::kGone) return;
  if (state_ != State::kStopping) {
    state_ = State::kStopping;
    stop_reason_ = reason;
  }
  if (process_ && !process_exited_) process_->SignalGroup(SIGKILL);
}

void Instance::BecomeGone(const std::string& reason, const nlohmann::json& detail) {
  state_ = State::kGone;
  nlohmann::json attrs = {{"reason", reason}, {"invocations", invocations_}};
  for (const auto& [key, value] : detail.items()) attrs[key] = value;
  ledger_.Append(id_, function_.name, kinds::kInstanceGone, attrs);
  next_wake_.cancel();
  CancelTimers();
  if (runtime_api_) runtime_api_->Close();
  owner_.OnGone(*this);
}

}  // namespace thaw
