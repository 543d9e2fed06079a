#include "emulator/control/control_plane.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/accounting.h"
#include "core/event_kinds.h"
#include "core/json_text.h"
#include "core/status_macros.h"
#include "emulator/control/function_reference.h"
#include "emulator/control/ids.h"

namespace thaw {

namespace asio = boost::asio;

namespace {

// How long Shutdown() waits for killed processes to be reaped.
constexpr auto kReapLimit = std::chrono::seconds(2);

// Where the runtime finds the Runtime API inside a sandbox, as in Lambda.
const SandboxAddress kSandboxRuntimeApi{"127.0.0.1", 9001};

// A listening socket on thaw's loopback at a port the kernel picks; -1 with errno on failure.
int ListenOnLoopback(uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, SOMAXCONN) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return -1;
  }
  port = ntohs(address.sin_port);
  return fd;
}

}  // namespace

ControlPlane::ControlPlane(asio::io_context& io, const ThawConfig& config, Ledger& ledger,
                           LogSink& logs, ProcessLauncher& launcher, Scheduler& scheduler)
    : io_(io),
      config_(&config),
      ledger_(ledger),
      accounts_(ledger),
      logs_(logs),
      launcher_(launcher),
      scheduler_(scheduler),
      process_exit_(io) {
  if (config_->settings.isolation == Isolation::kSandbox) {
    auto sandbox = Sandbox::Probe(io_);
    if (sandbox.ok()) {
      sandbox_ = *std::move(sandbox);
      if (config_->settings.egress == Egress::kAllow) {
        // Names thaw does not serve are asked of thaw's own resolver.
        std::ifstream resolv_conf("/etc/resolv.conf");
        std::stringstream text;
        text << resolv_conf.rdbuf();
        upstream_resolver_ = DnsSink::FirstNameserver(text.str());
        std::fprintf(stderr,
                     "thaw: egress: allow (instances reach the internet through slirp4netns; "
                     "counts cover only the faked services)\n");
      } else if (!sandbox_->egress_trap) {
        std::fprintf(stderr,
                     "thaw: egress: /dev/net/tun cannot be opened in a sandbox here, so a "
                     "connection to an outside address fails without being recorded (outside "
                     "names still are)\n");
      }
    } else {
      std::fprintf(stderr,
                   "thaw: isolation: process (instances cannot run in sandboxes here: %s)\n",
                   std::string(sandbox.status().message()).c_str());
    }
  }
  virtual_clock_ = VirtualClock::Create(scheduler_.clock(), *config_, ledger_);
  unreserved_pool_ = UnreservedPool();
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.lock()) return;
    for (const auto& [name, fn] : config_->functions) {
      for (int i = 0; i < fn.provisioned_concurrency; ++i) StartProvisioned(fn);
    }
  });
}

ControlPlane::~ControlPlane() {
  shutting_down_ = true;
  for (auto& [id, instance] : instances_) instance->Kill(stop_reasons::kShutdown);
  instances_.clear();
  for (const auto& [id, timer] : idle_timers_) scheduler_.Cancel(timer);
  for (const auto& [id, timer] : lifetime_timers_) scheduler_.Cancel(timer);
}

std::string ControlPlane::FunctionArn(const std::string& name) const {
  return "arn:aws:lambda:" + config_->settings.region + ":" + config_->settings.account_id +
         ":function:" + name;
}

absl::StatusOr<std::string> ControlPlane::Resolve(std::string_view function_name,
                                                  std::string_view qualifier) const {
  auto ref = ParseFunctionReference(function_name);
  if (!ref.ok()) {
    return AwsError("ValidationException", std::string(ref.status().message()));
  }
  std::string q(qualifier);
  if (!ref->qualifier.empty() && !q.empty() && ref->qualifier != q) {
    return AwsError("InvalidParameterValueException",
                    "The derived qualifier from the function name does not match the specified "
                    "qualifier.");
  }
  if (q.empty()) q = ref->qualifier;
  const bool other_place = (!ref->region.empty() && ref->region != config_->settings.region) ||
                           (!ref->account.empty() && ref->account != config_->settings.account_id);
  // A short name (serverless.yml's `<name>` for `<service>-<stage>-<name>`, a template's
  // logical id) stands for its function wherever a name is accepted.
  std::string resolved = ref->name;
  if (auto alias = config_->aliases.find(resolved);
      !config_->functions.count(resolved) && alias != config_->aliases.end()) {
    resolved = alias->second;
  }
  if (other_place || !config_->functions.count(resolved) || (!q.empty() && q != "$LATEST")) {
    std::string arn =
        ref->region.empty() && ref->account.empty()
            ? FunctionArn(ref->name)
            : "arn:aws:lambda:" + (ref->region.empty() ? config_->settings.region : ref->region) +
                  ":" + ref->account + ":function:" + ref->name;
    if (!q.empty()) arn += ":" + q;
    return AwsError("ResourceNotFoundException", "Function not found: " + arn, 404);
  }
  return resolved;
}

std::shared_ptr<Instance> ControlPlane::TakeIdle(const std::string& function) {
  for (auto* stacks : {&idle_provisioned_, &idle_}) {
    auto it = stacks->find(function);
    if (it == stacks->end()) continue;
    auto& stack = it->second;
    while (!stack.empty()) {
      std::shared_ptr<Instance> instance = stack.back().lock();
      stack.pop_back();
      if (instance && instance->state() == Instance::State::kIdle && !instance->busy()) {
        if (auto timer = idle_timers_.find(instance->id()); timer != idle_timers_.end()) {
          scheduler_.Cancel(timer->second);
          idle_timers_.erase(timer);
        }
        return instance;
      }
    }
  }
  return nullptr;
}

std::shared_ptr<Instance> ControlPlane::NewInstance(const FunctionConfig& fn, bool provisioned) {
  auto instance = std::make_shared<Instance>(next_instance_id_++, fn, config_->settings, io_,
                                             ledger_, logs_, launcher_, *this, provisioned);
  instances_[instance->id()] = instance;
  const auto lifetime = MaxLifetimeOf(fn, config_->settings);
  if (lifetime.count() > 0) {
    std::weak_ptr<Instance> weak = instance;
    lifetime_timers_[instance->id()] = scheduler_.After(lifetime, [this, weak] {
      auto self = weak.lock();
      if (!self) return;
      lifetime_timers_.erase(self->id());
      if (self->state() == Instance::State::kIdle) {
        Reap(self, stop_reasons::kLifetime);
      } else {
        retire_.emplace(self->id(), stop_reasons::kLifetime);  // stopped when its event ends
      }
    });
  }
  return instance;
}

void ControlPlane::StartProvisioned(const FunctionConfig& fn) {
  if (shutting_down_) return;
  std::shared_ptr<Instance> instance = NewInstance(fn, /*provisioned=*/true);
  if (absl::Status started = StartInstance(*instance, nullptr); !started.ok()) {
    instances_.erase(instance->id());
    ledger_.Append(
        instance->id(), fn.name, kinds::kInstanceGone,
        {{"reason", stop_reasons::kLaunchFailed}, {"error", std::string(started.message())}});
  }
}

std::string ControlPlane::ThrottleReason(const FunctionConfig& fn) const {
  const auto it = in_flight_.find(fn.name);
  const int function_in_flight = it == in_flight_.end() ? 0 : it->second;
  if (fn.reserved_concurrency) {
    return function_in_flight >= *fn.reserved_concurrency
               ? "ReservedFunctionConcurrentInvocationLimitExceeded"
               : "";
  }
  return unreserved_in_flight_ >= unreserved_pool_ ? "ConcurrentInvocationLimitExceeded" : "";
}

asio::awaitable<absl::StatusOr<InvokeResult>> ControlPlane::Invoke(InvokeRequest request) {
  const auto fn_it = config_->functions.find(request.function);
  if (fn_it == config_->functions.end()) {
    co_return AwsError("ResourceNotFoundException",
                       "Function not found: " + FunctionArn(request.function), 404);
  }
  // Valid across the co_awaits below even if ReplaceFunctions runs meanwhile: it keeps every
  // earlier set of definitions.
  const FunctionConfig& fn = fn_it->second;
  if (shutting_down_) {
    co_return AwsError("ServiceException", "thaw is shutting down", 503);
  }

  auto inv = std::make_shared<Invocation>(io_.get_executor());
  if (!request.client_context.empty()) {
    absl::StatusOr<std::string> context = ClientContextForRuntime(request.client_context);
    if (!context.ok()) co_return context.status();
    inv->client_context_json = *std::move(context);
  }
  inv->request = std::move(request);
  inv->request_id = NewRequestId();
  inv->trace_id = NewTraceId();

  if (const std::string reason = ThrottleReason(fn); !reason.empty()) {
    ledger_.Append(0, fn.name, kinds::kInvokeThrottled, {{"reason", reason}});
    co_return AwsThrottle("Rate Exceeded.", reason);
  }
  if (std::optional<InvokeResult> failed = PlaceInvocation(fn, inv)) co_return *std::move(failed);

  const bool reserved = fn.reserved_concurrency.has_value();
  ++in_flight_[fn.name];
  if (!reserved) ++unreserved_in_flight_;
  // The instance owns the event from here, its deadline included; it always answers.
  while (!inv->result) {
    inv->wake.expires_at(std::chrono::steady_clock::time_point::max());
    boost::system::error_code ec;
    co_await inv->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  --in_flight_[fn.name];
  if (!reserved) --unreserved_in_flight_;
  co_return std::move(*inv->result);
}

std::optional<InvokeResult> ControlPlane::PlaceInvocation(const FunctionConfig& fn,
                                                          std::shared_ptr<Invocation> inv) {
  if (std::shared_ptr<Instance> instance = TakeIdle(fn.name)) {
    instance->Assign(std::move(inv));
    return std::nullopt;
  }
  std::shared_ptr<Instance> instance = NewInstance(fn, /*provisioned=*/false);
  if (absl::Status started = StartInstance(*instance, inv); !started.ok()) {
    instances_.erase(instance->id());
    ledger_.Append(
        instance->id(), fn.name, kinds::kInstanceGone,
        {{"reason", stop_reasons::kLaunchFailed}, {"error", std::string(started.message())}});
    InvokeResult failed;
    failed.request_id = inv->request_id;
    failed.function_error = "Unhandled";
    failed.payload = FunctionErrorPayload(
        "Runtime.InvalidEntrypoint",
        "RequestId: " + inv->request_id + " Error: " + std::string(started.message()));
    return failed;
  }
  return std::nullopt;
}

void ControlPlane::PlaceAgain(std::shared_ptr<Invocation> invocation) {
  // Deferred: the instance that gives the event back is inside one of its own methods.
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), inv = std::move(invocation)] {
    if (!alive.lock() || inv->result) return;
    InvokeResult failed;
    failed.request_id = inv->request_id;
    failed.function_error = "Unhandled";
    const auto fn = config_->functions.find(inv->request.function);
    if (shutting_down_ || fn == config_->functions.end()) {
      failed.payload =
          FunctionErrorPayload("Runtime.Unknown", "RequestId: " + inv->request_id +
                                                      " Error: the execution environment "
                                                      "was reset and the event could not be "
                                                      "placed again");
      inv->Complete(std::move(failed));
      return;
    }
    if (std::optional<InvokeResult> refused = PlaceInvocation(fn->second, inv)) {
      inv->Complete(*std::move(refused));
    }
  });
}

void ControlPlane::OnAvailable(Instance& instance) {
  std::shared_ptr<Instance> self = instance.shared_from_this();
  const std::string& name = instance.function().name;
  if (shutting_down_) return;
  if (auto retire = retire_.find(instance.id()); retire != retire_.end()) {
    const std::string reason = std::move(retire->second);
    retire_.erase(retire);
    Reap(self, reason);
    return;
  }
  if (instance.provisioned()) {
    idle_provisioned_[name].push_back(self);
    return;
  }
  const auto keepalive = KeepaliveOf(instance.function(), config_->settings);
  if (keepalive.count() == 0) {
    Reap(self, stop_reasons::kIdle);
    return;
  }
  idle_[name].push_back(self);
  std::weak_ptr<Instance> weak = self;
  idle_timers_[instance.id()] = scheduler_.After(keepalive, [this, weak] {
    auto target = weak.lock();
    if (!target) return;
    idle_timers_.erase(target->id());
    if (target->state() == Instance::State::kIdle) Reap(target, stop_reasons::kIdle);
  });
}

void ControlPlane::OnGone(Instance& instance) {
  const int64_t id = instance.id();
  DetachServices(instance);
  for (auto* timers : {&idle_timers_, &lifetime_timers_}) {
    if (auto it = timers->find(id); it != timers->end()) {
      scheduler_.Cancel(it->second);
      timers->erase(it);
    }
  }
  retire_.erase(id);
  // Lambda keeps provisioned concurrency at its level: a lost instance is replaced, unless its
  // function's definition changed or went meanwhile (ReplaceFunctions starts the new ones).
  const FunctionConfig* replace =
      instance.provisioned() && !shutting_down_ ? &instance.function() : nullptr;
  // Deferred: the instance is inside one of its own methods. It stays in instances_ until its
  // process is reaped (OnProcessExit), so the exit is seen and recorded.
  const bool reaped = instance.process_exited();
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), id, replace, reaped] {
    if (!alive.lock()) return;
    if (reaped) instances_.erase(id);
    if (!replace) return;
    auto current = config_->functions.find(replace->name);
    if (current != config_->functions.end() && current->second == *replace) {
      StartProvisioned(current->second);
    }
  });
}

void ControlPlane::Reap(std::shared_ptr<Instance> instance, const std::string& reason) {
  if (instance->state() == Instance::State::kGone ||
      instance->state() == Instance::State::kStopping) {
    return;
  }
  instance->Stop(reason);
  const auto deadline = std::chrono::steady_clock::now() + config_->settings.shutdown_grace;
  asio::co_spawn(
      io_,
      [this, instance, reason, deadline,
       alive = std::weak_ptr<bool>(alive_)]() -> asio::awaitable<void> {
        co_await WaitForExit(instance, deadline);
        if (alive.lock()) instance->Kill(reason);
      },
      asio::detached);
}

asio::awaitable<void> ControlPlane::WaitForExit(std::shared_ptr<Instance> instance,
                                                std::chrono::steady_clock::time_point deadline) {
  // Every exit cancels process_exit_; each waiter checks whether it was its own.
  asio::steady_timer timer(io_);
  while (!instance->process_exited() && std::chrono::steady_clock::now() < deadline) {
    exit_waiters_.insert(&timer);
    timer.expires_at(deadline);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    exit_waiters_.erase(&timer);
  }
}

std::vector<int64_t> ControlPlane::ReapIdle(const std::string& function, int64_t instance) {
  std::vector<std::shared_ptr<Instance>> targets;
  for (const auto& [id, candidate] : instances_) {
    if (candidate->state() != Instance::State::kIdle) continue;
    if (!function.empty() && candidate->function().name != function) continue;
    if (instance != 0 && id != instance) continue;
    targets.push_back(candidate);
  }
  std::vector<int64_t> ids;
  for (auto& target : targets) {
    ids.push_back(target->id());
    Reap(target, stop_reasons::kManual);
  }
  return ids;
}

ControlPlane::Retired ControlPlane::RetireInstances(const std::string& function,
                                                    const std::string& reason) {
  Retired retired;
  std::vector<std::shared_ptr<Instance>> now;
  for (const auto& [id, instance] : instances_) {
    if (instance->function().name != function) continue;
    const Instance::State state = instance->state();
    if (state == Instance::State::kGone || state == Instance::State::kStopping) continue;
    if (instance->busy()) {
      // OnAvailable stops it once its event is answered.
      retire_[id] = reason;
      ++retired.busy;
    } else {
      now.push_back(instance);
    }
  }
  for (auto& instance : now) {
    ++retired.idle;
    Reap(instance, reason);
  }
  return retired;
}

int ControlPlane::UnreservedPool() const {
  int pool = config_->settings.account_concurrency;
  for (const auto& [name, fn] : config_->functions) pool -= fn.reserved_concurrency.value_or(0);
  return pool;
}

ControlPlane::FunctionChanges ControlPlane::ReplaceFunctions(const ThawConfig& next) {
  FunctionChanges changes;
  auto replaced = std::make_unique<ThawConfig>(*config_);
  replaced->functions = next.functions;
  replaced->aliases = next.aliases;
  changes.aliases_changed = replaced->aliases != config_->aliases;
  for (const auto& [name, fn] : config_->functions) {
    auto now = replaced->functions.find(name);
    if (now == replaced->functions.end()) {
      changes.removed[name] = {};
    } else if (!(now->second == fn)) {
      changes.changed[name] = {};
    }
  }
  for (const auto& [name, fn] : replaced->functions) {
    if (!config_->functions.count(name)) changes.added.push_back(name);
  }
  config_ = replaced.get();
  replaced_configs_.push_back(std::move(replaced));
  unreserved_pool_ = UnreservedPool();
  for (auto* retired : {&changes.changed, &changes.removed}) {
    for (auto& [name, count] : *retired) {
      count = RetireInstances(name, stop_reasons::kConfigChanged);
    }
  }
  std::vector<std::string> provision = changes.added;
  for (const auto& [name, count] : changes.changed) provision.push_back(name);
  for (const std::string& name : provision) {
    const FunctionConfig& fn = config_->functions.at(name);
    for (int i = 0; i < fn.provisioned_concurrency; ++i) StartProvisioned(fn);
  }
  return changes;
}

bool ControlPlane::KillInstance(int64_t instance) {
  auto it = instances_.find(instance);
  if (it == instances_.end() || it->second->state() == Instance::State::kGone) return false;
  ledger_.Append(instance, it->second->function().name, kinds::kInstanceKillRequested);
  it->second->Crash(stop_reasons::kKilled);
  return true;
}

void ControlPlane::AdvanceClock(std::chrono::milliseconds by) {
  ledger_.Append(0, "", kinds::kClockAdvanced,
                 {{"by_ms", by.count()},
                  {"offset_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                    scheduler_.clock().offset() + by)
                                    .count()}});
  scheduler_.Advance(by);
}

asio::awaitable<void> ControlPlane::SleepOnScheduler(std::chrono::milliseconds delay) {
  auto timer = std::make_shared<asio::steady_timer>(io_);
  timer->expires_at(std::chrono::steady_clock::time_point::max());
  const Scheduler::TimerId id = scheduler_.After(delay, [timer] { timer->cancel(); });
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  scheduler_.Cancel(id);
}

absl::StatusOr<std::string> ControlPlane::InvokeAsync(InvokeRequest request) {
  const size_t limit = static_cast<size_t>(config_->settings.async_queue_mb) * 1024 * 1024;
  if (async_queued_bytes_ + request.payload.size() > limit) {
    // Lambda's 429 for a caller over its rate; here the cause is the queue's size.
    ledger_.Append(0, request.function, kinds::kInvokeThrottled,
                   {{"reason", "CallerRateLimitExceeded"},
                    {"async_queued_bytes", async_queued_bytes_},
                    {"async_queue_mb", config_->settings.async_queue_mb}});
    return AwsThrottle("Rate Exceeded.", "CallerRateLimitExceeded");
  }
  const std::string event_id = NewRequestId();
  ledger_.Append(0, request.function, kinds::kInvokeQueued, {{"event_id", event_id}});
  async_queued_bytes_ += request.payload.size();
  asio::co_spawn(io_, RunAsync(event_id, std::move(request)), asio::detached);
  return event_id;
}

asio::awaitable<void> ControlPlane::RunAsync(std::string event_id, InvokeRequest request) {
  // Whichever way the event ends, its payload leaves the queue's count (and memory).
  struct Dequeue {
    ControlPlane* self;
    size_t bytes;
    std::weak_ptr<bool> alive;
    ~Dequeue() {
      if (alive.lock()) self->async_queued_bytes_ -= bytes;
    }
  } dequeue{this, request.payload.size(), alive_};
  // Lambda: two retries after a function error (1 and 2 minutes apart); throttles are retried
  // with backoff for up to 6 hours (the default maximum event age).
  constexpr int kMaxAttempts = 3;
  constexpr auto kMaxEventAge = std::chrono::hours(6);
  const auto queued_at = scheduler_.clock().Now();
  std::chrono::milliseconds backoff(1000);
  int attempt = 1;
  const std::string function = request.function;
  while (!shutting_down_) {
    absl::StatusOr<InvokeResult> outcome = co_await Invoke(request);
    if (shutting_down_) break;
    std::string retry_reason;
    std::chrono::milliseconds delay(0);
    if (!outcome.ok() && AwsHttpStatus(outcome.status()) == 429) {
      retry_reason = "throttled";
      delay = backoff;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(std::chrono::minutes(5)));
      if (scheduler_.clock().Now() - queued_at + delay > kMaxEventAge) {
        ledger_.Append(0, function, kinds::kInvokeDropped,
                       {{"event_id", event_id}, {"reason", "max_event_age"}});
        co_return;
      }
    } else if (!outcome.ok()) {
      ledger_.Append(0, function, kinds::kInvokeDropped,
                     {{"event_id", event_id}, {"reason", AwsErrorType(outcome.status())}});
      co_return;
    } else if (!outcome->function_error.empty() && attempt < kMaxAttempts) {
      retry_reason = "function_error";
      delay = std::chrono::minutes(attempt);
      ++attempt;
    } else {
      ledger_.Append(outcome->instance, function, kinds::kInvokeAsyncDone,
                     {{"event_id", event_id},
                      {"request_id", outcome->request_id},
                      {"attempts", attempt},
                      {"outcome", outcome->function_error.empty() ? "success" : "function_error"}});
      co_return;
    }
    ledger_.Append(0, function, kinds::kInvokeRetryScheduled,
                   {{"event_id", event_id},
                    {"reason", retry_reason},
                    {"attempt", attempt},
                    {"delay_ms", delay.count()}});
    co_await SleepOnScheduler(delay);
  }
}

asio::awaitable<void> ControlPlane::Shutdown(std::chrono::milliseconds grace) {
  shutting_down_ = true;
  std::vector<std::shared_ptr<Instance>> live;
  for (auto& [id, instance] : instances_) {
    if (instance->state() != Instance::State::kGone) live.push_back(instance);
  }
  for (auto& instance : live) instance->Stop(stop_reasons::kShutdown);
  const auto grace_end = std::chrono::steady_clock::now() + grace;
  for (auto& instance : live) co_await WaitForExit(instance, grace_end);
  for (auto& instance : live) instance->Kill(stop_reasons::kShutdown);
  // Wait (boundedly) until every process is reaped, so none is left behind as a zombie.
  const auto deadline = std::chrono::steady_clock::now() + kReapLimit;
  while (
      std::chrono::steady_clock::now() < deadline &&
      std::any_of(live.begin(), live.end(), [](const auto& i) { return !i->process_exited(); })) {
    process_exit_.expires_at(deadline);
    boost::system::error_code ec;
    co_await process_exit_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void ControlPlane::AddInstanceServices(InstanceServices* services,
                                       std::optional<SandboxAddress> in_sandbox,
                                       std::shared_ptr<boost::asio::ssl::context> tls) {
  if (!in_sandbox) {
    // 127.0.0.2 onwards: 127.0.0.1 is the runtime's own (its Runtime API, its extensions).
    in_sandbox = SandboxAddress{"127.0.0." + std::to_string(2 + services_.size()), 443};
  }
  services_.push_back({services, *std::move(in_sandbox), std::move(tls)});
}

void ControlPlane::FurnishSandboxes(std::vector<SandboxBind> binds,
                                    std::map<std::string, std::string> env,
                                    DnsSink::ServedNames served) {
  if (!sandbox_) return;
  for (SandboxBind& bind : binds) sandbox_->binds.push_back(std::move(bind));
  sandbox_env_ = std::move(env);
  served_names_ = std::make_shared<const DnsSink::ServedNames>(std::move(served));
}

absl::StatusOr<Instance::Placement> ControlPlane::Place(Instance& instance) {
  Instance::Placement placement;
  std::vector<InstanceListener> listeners(services_.size());
  if (sandbox_) {
    SandboxOptions options = *sandbox_;
    if (config_->settings.egress == Egress::kAllow) {
      options.egress_trap = false;
      options.outside_link = true;
    }
    options.opt_layers = instance.function().layers;
    options.listeners = {kSandboxRuntimeApi};
    for (const Service& service : services_) options.listeners.push_back(service.in_sandbox);
    // Then each service's extra addresses, in service order.
    std::vector<std::vector<std::string>> extras;
    for (const Service& service : services_) {
      extras.push_back(service.services->ExtraSandboxAddresses(instance.function().name));
      for (const std::string& address : extras.back()) {
        ASSIGN_OR_RETURN(auto parsed, SandboxAddress::Parse(address));
        options.listeners.push_back(parsed);
      }
    }
    const size_t dns = options.listeners.size();
    options.listeners.push_back({DnsSink::kAddress, DnsSink::kPort, /*udp=*/true});
    ASSIGN_OR_RETURN(auto sandbox, Sandbox::Create(io_, options));
    const int trap = sandbox->TakeEgressTrap();
    placement.dns = std::make_unique<DnsSink>(
        io_, sandbox->TakeListener(dns), ledger_, instance.id(), instance.function().name,
        DnsSink::Options{served_names_, trap >= 0, options.outside_link ? upstream_resolver_ : ""});
    if (trap >= 0) {
      placement.egress = std::make_unique<EgressTrap>(
          io_, trap, ledger_, instance.id(), instance.function().name, placement.dns->Names());
    }
    placement.runtime_api_fd = sandbox->TakeListener(0);
    placement.runtime_api_address = kSandboxRuntimeApi.ToString();
    size_t next = 1 + services_.size();
    for (size_t i = 0; i < services_.size(); ++i) {
      listeners[i] = {
          sandbox->TakeListener(i + 1), services_[i].in_sandbox.ToString(), services_[i].tls, {}};
      for (size_t j = 0; j < extras[i].size(); ++j) {
        listeners[i].extra_fds.push_back(sandbox->TakeListener(next++));
      }
    }
    placement.sandbox = std::move(sandbox);
    placement.service_env = sandbox_env_;
  } else {
    uint16_t port = 0;
    placement.runtime_api_fd = ListenOnLoopback(port);
    if (placement.runtime_api_fd < 0) {
      return absl::UnavailableError(std::string("cannot listen on 127.0.0.1: ") +
                                    std::strerror(errno));
    }
    placement.runtime_api_address = "127.0.0.1:" + std::to_string(port);
  }
  for (size_t i = 0; i < services_.size(); ++i) {
    auto attached =
        services_[i].services->Attach(instance.id(), instance.function().name, listeners[i]);
    if (!attached.ok()) {
      for (size_t j = 0; j < i; ++j) services_[j].services->Detach(instance.id());
      for (size_t j = i + 1; j < listeners.size(); ++j) {
        if (listeners[j].fd >= 0) ::close(listeners[j].fd);
        for (int fd : listeners[j].extra_fds) ::close(fd);
      }
      ::close(placement.runtime_api_fd);
      return attached.status();
    }
    placement.service_env.merge(*attached);
  }
  if (placeholders_) {
    const FunctionConfig& fn = instance.function();
    for (const auto& [name, value] : fn.environment) {
      if (value.find("{{") == std::string::npos) continue;
      std::string rendered = RenderPlaceholders(value, [&](const std::string& placeholder) {
        return placeholders_(placeholder, instance.id(), fn.name);
      });
      if (rendered != value) placement.service_env[name] = std::move(rendered);
    }
  }
  if (virtual_clock_) {
    const FunctionConfig& fn = instance.function();
    for (auto& [name, value] : virtual_clock_->EnvironmentFor(fn, instance.id())) {
      placement.service_env[name] = std::move(value);
    }
    placement.clock_offset = [clock = std::weak_ptr<VirtualClock>(virtual_clock_), &fn] {
      const std::shared_ptr<VirtualClock> alive = clock.lock();
      return alive ? alive->OffsetFor(fn) : std::chrono::nanoseconds::zero();
    };
  }
  return placement;
}

absl::Status ControlPlane::StartInstance(Instance& instance, std::shared_ptr<Invocation> first) {
  ASSIGN_OR_RETURN(auto placement, Place(instance));
  absl::Status started = instance.Start(std::move(first), std::move(placement));
  if (!started.ok()) DetachServices(instance);
  return started;
}

void ControlPlane::DetachServices(Instance& instance) {
  for (const Service& service : services_) service.services->Detach(instance.id());
}

void ControlPlane::OnProcessExit(Instance& instance) {
  if (instance.state() == Instance::State::kGone) {
    asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), id = instance.id()] {
      if (alive.lock()) instances_.erase(id);
    });
  }
  process_exit_.cancel();
  for (asio::steady_timer* waiter : exit_waiters_) waiter->cancel();
}

nlohmann::json ControlPlane::InstancesJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, instance] : instances_) {
    if (instance->state() == Instance::State::kGone) continue;
    nlohmann::json item = {{"id", id},
                           {"function", instance->function().name},
                           {"pid", instance->pid()},
                           {"state", std::string(instance->StateName())},
                           {"invocations", instance->invocations()},
                           {"runtime_api_port", instance->runtime_api_port()},
                           {"isolation", instance->sandboxed() ? "sandbox" : "process"},
                           {"log_stream", instance->log_stream()}};
    // How far ahead of real time the instance's clocks read (virtual time; 0 when off).
    item["clock_offset_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(instance->clock_offset()).count();
    item["init_ms"] =
        instance->init_ms() >= 0 ? nlohmann::json(instance->init_ms()) : nlohmann::json(nullptr);
    out.push_back(std::move(item));
  }
  return out;
}

std::string ControlPlane::MetricsText() const {
  const std::vector<InvocationStats> stats = accounts_.Invocations();
  std::map<std::string, std::map<std::string, long>> states;
  for (const auto& [name, fn] : config_->functions) {
    for (const char* s : {"initializing", "idle", "busy"}) states[name][s] = 0;
  }
  for (const auto& [id, instance] : instances_) {
    if (instance->state() != Instance::State::kGone) {
      ++states[instance->function().name][std::string(instance->StateName())];
    }
  }
  std::ostringstream out;
  out << "# HELP thaw_invocations_total Invocations answered, by function and outcome.\n"
      << "# TYPE thaw_invocations_total counter\n";
  for (const InvocationStats& s : stats) {
    for (const auto& [outcome, n] : s.outcomes) {
      out << "thaw_invocations_total{function=\"" << s.function << "\",outcome=\"" << outcome
          << "\"} " << n << "\n";
    }
  }
  out << "# HELP thaw_cold_starts_total Invocations served by an instance's first event.\n"
      << "# TYPE thaw_cold_starts_total counter\n";
  for (const InvocationStats& s : stats) {
    if (s.cold_starts > 0) {
      out << "thaw_cold_starts_total{function=\"" << s.function << "\"} " << s.cold_starts << "\n";
    }
  }
  out << "# HELP thaw_instances_spawned_total Instances started.\n"
      << "# TYPE thaw_instances_spawned_total counter\n";
  for (const InvocationStats& s : stats) {
    if (s.instances > 0) {
      out << "thaw_instances_spawned_total{function=\"" << s.function << "\"} " << s.instances
          << "\n";
    }
  }
  out << "# HELP thaw_throttles_total Invokes refused with 429.\n"
      << "# TYPE thaw_throttles_total counter\n";
  for (const InvocationStats& s : stats) {
    if (s.throttles > 0) {
      out << "thaw_throttles_total{function=\"" << s.function << "\"} " << s.throttles << "\n";
    }
  }
  out << "# HELP thaw_instances Live instances by state.\n"
      << "# TYPE thaw_instances gauge\n";
  for (const auto& [fn, by_state] : states) {
    for (const auto& [state, n] : by_state) {
      out << "thaw_instances{function=\"" << fn << "\",state=\"" << state << "\"} " << n << "\n";
    }
  }
  return out.str();
}

absl::StatusOr<std::string> ClientContextForRuntime(std::string_view base64) {
  if (base64.size() > kMaxClientContextBytes) {
    return AwsError("InvalidRequestContentException", "Client context must be at most " +
                                                          std::to_string(kMaxClientContextBytes) +
                                                          " bytes of base64-encoded data, not " +
                                                          std::to_string(base64.size()) + ".");
  }
  std::string decoded;
  nlohmann::json context;
  if (Base64Decode(base64, decoded)) {
    context = nlohmann::json::parse(decoded, nullptr, /*allow_exceptions=*/false);
  }
  if (!context.is_object()) {
    return AwsError("InvalidRequestContentException",
                    "Client context must be a valid Base64-encoded JSON object.");
  }
  // Compact JSON escapes every control character but DEL (0x7f), which can only be inside a
  // string there, so its JSON escape keeps the text the same JSON.
  std::string text = JsonText(context);
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    if (c == '\x7f') {
      escaped += "\\u007f";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

}  // namespace thaw
