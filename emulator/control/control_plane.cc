#include "emulator/control/control_plane.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "emulator/control/function_reference.h"
#include "emulator/control/ids.h"

namespace thaw {

namespace asio = boost::asio;

namespace {

// Lambda's init phase limit; an event waiting for a new instance waits this long for init.
constexpr auto kInitLimit = std::chrono::seconds(10);
// How long Shutdown() waits for killed processes to be reaped.
constexpr auto kReapLimit = std::chrono::seconds(2);

std::string ErrorJson(const std::string& type, const std::string& message) {
  return nlohmann::json{{"errorType", type}, {"errorMessage", message}}.dump();
}

}  // namespace

ControlPlane::ControlPlane(asio::io_context& io, const ThawConfig& config, Ledger& ledger,
                           LogSink& logs, ProcessLauncher& launcher)
    : io_(io),
      config_(config),
      ledger_(ledger),
      logs_(logs),
      launcher_(launcher),
      process_exit_(io) {}

ControlPlane::~ControlPlane() {
  shutting_down_ = true;
  for (auto& [id, instance] : instances_) instance->Kill("shutdown");
  instances_.clear();
}

std::string ControlPlane::FunctionArn(const std::string& name) const {
  return "arn:aws:lambda:" + config_.settings.region + ":" + config_.settings.account_id +
         ":function:" + name;
}

std::optional<AwsError> ControlPlane::Resolve(std::string_view function_name,
                                              std::string_view qualifier,
                                              std::string& name) const {
  auto ref = ParseFunctionReference(function_name);
  if (!ref.ok()) {
    return AwsError{400, "ValidationException", std::string(ref.status().message())};
  }
  std::string q(qualifier);
  if (!ref->qualifier.empty() && !q.empty() && ref->qualifier != q) {
    return AwsError{400, "InvalidParameterValueException",
                    "The derived qualifier from the function name does not match the specified "
                    "qualifier."};
  }
  if (q.empty()) q = ref->qualifier;
  const bool other_place = (!ref->region.empty() && ref->region != config_.settings.region) ||
                           (!ref->account.empty() && ref->account != config_.settings.account_id);
  if (other_place || !config_.functions.count(ref->name) || (!q.empty() && q != "$LATEST")) {
    std::string arn = ref->region.empty() && ref->account.empty()
                          ? FunctionArn(ref->name)
                          : "arn:aws:lambda:" +
                                (ref->region.empty() ? config_.settings.region : ref->region) +
                                ":" + ref->account + ":function:" + ref->name;
    if (!q.empty()) arn += ":" + q;
    return AwsError{404, "ResourceNotFoundException", "Function not found: " + arn};
  }
  name = ref->name;
  return std::nullopt;
}

std::shared_ptr<Instance> ControlPlane::TakeIdle(const std::string& function) {
  auto it = idle_.find(function);
  if (it == idle_.end()) return nullptr;
  auto& stack = it->second;
  while (!stack.empty()) {
    std::shared_ptr<Instance> instance = stack.back().lock();
    stack.pop_back();
    if (instance && instance->state() == Instance::State::kIdle && !instance->busy()) {
      return instance;
    }
  }
  return nullptr;
}

asio::awaitable<ControlPlane::Outcome> ControlPlane::Invoke(InvokeRequest request) {
  Outcome outcome;
  const auto fn_it = config_.functions.find(request.function);
  if (fn_it == config_.functions.end()) {
    outcome.error = AwsError{404, "ResourceNotFoundException",
                             "Function not found: " + FunctionArn(request.function)};
    co_return outcome;
  }
  const FunctionConfig& fn = fn_it->second;
  if (shutting_down_) {
    outcome.error = AwsError{503, "ServiceException", "thaw is shutting down", "", "Service"};
    co_return outcome;
  }

  auto inv = std::make_shared<Invocation>(io_.get_executor());
  if (!request.client_context.empty()) {
    std::string decoded;
    if (!Base64Decode(request.client_context, decoded) ||
        !nlohmann::json::accept(decoded)) {
      outcome.error = AwsError{400, "InvalidRequestContentException",
                               "Client context must be a valid Base64-encoded JSON object."};
      co_return outcome;
    }
    inv->client_context_json = std::move(decoded);
  }
  inv->request = std::move(request);
  inv->request_id = NewRequestId();
  inv->trace_id = NewTraceId();

  std::shared_ptr<Instance> instance = TakeIdle(fn.name);
  if (!instance) {
    if (in_flight_ >= config_.settings.account_concurrency) {
      ledger_.Append(0, fn.name, "invoke.throttled",
                     {{"reason", "ConcurrentInvocationLimitExceeded"}});
      outcome.error = AwsError{429, "TooManyRequestsException", "Rate Exceeded.",
                               "ConcurrentInvocationLimitExceeded"};
      co_return outcome;
    }
    instance = std::make_shared<Instance>(next_instance_id_++, fn, config_.settings, io_,
                                          ledger_, logs_, launcher_, *this);
    instances_[instance->id()] = instance;
    inv->deadline = std::chrono::steady_clock::now() + kInitLimit +
                    std::chrono::seconds(fn.timeout_s);
    if (absl::Status started = instance->Start(inv); !started.ok()) {
      instances_.erase(instance->id());
      ledger_.Append(instance->id(), fn.name, "instance.gone",
                     {{"reason", "launch_failed"}, {"error", std::string(started.message())}});
      outcome.result.request_id = inv->request_id;
      outcome.result.function_error = "Unhandled";
      outcome.result.payload =
          ErrorJson("Runtime.InvalidEntrypoint",
                    "RequestId: " + inv->request_id + " Error: " + std::string(started.message()));
      co_return outcome;
    }
  } else {
    inv->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(fn.timeout_s);
    instance->Assign(inv);
  }

  ++in_flight_;
  while (!inv->result) {
    inv->wake.expires_at(inv->deadline);
    boost::system::error_code ec;
    co_await inv->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && !inv->result && std::chrono::steady_clock::now() >= inv->deadline) {
      char seconds[32];
      std::snprintf(seconds, sizeof(seconds), "%.2f", static_cast<double>(fn.timeout_s));
      const std::string message = "Task timed out after " + std::string(seconds) + " seconds";
      logs_.Line(fn.name, instance->id(),
                 FormatIsoTime(std::chrono::system_clock::now()) + " " + inv->request_id + " " +
                     message);
      InvokeResult timed_out;
      timed_out.function_error = "Unhandled";
      timed_out.payload = ErrorJson("Sandbox.Timedout",
                                    "RequestId: " + inv->request_id + " Error: " + message);
      instance->Kill("timeout", std::move(timed_out));
    }
  }
  --in_flight_;
  outcome.result = std::move(*inv->result);
  co_return outcome;
}

void ControlPlane::OnAvailable(Instance& instance) {
  idle_[instance.function().name].push_back(instance.weak_from_this());
}

void ControlPlane::OnGone(Instance& instance) {
  // Deferred: the instance is inside one of its own methods.
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), id = instance.id()] {
    if (alive.lock()) instances_.erase(id);
  });
}

asio::awaitable<void> ControlPlane::Shutdown(std::chrono::milliseconds grace) {
  shutting_down_ = true;
  std::vector<std::shared_ptr<Instance>> live;
  for (auto& [id, instance] : instances_) {
    if (instance->state() != Instance::State::kGone) live.push_back(instance);
  }
  for (auto& instance : live) instance->Terminate();
  if (!live.empty()) {
    asio::steady_timer timer(io_, grace);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  for (auto& instance : live) instance->Kill("shutdown");
  // Wait (boundedly) until every process is reaped, so none is left behind as a zombie.
  const auto deadline = std::chrono::steady_clock::now() + kReapLimit;
  while (std::chrono::steady_clock::now() < deadline &&
         std::any_of(live.begin(), live.end(), [](const auto& i) { return !i->process_exited(); })) {
    process_exit_.expires_at(deadline);
    boost::system::error_code ec;
    co_await process_exit_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void ControlPlane::OnProcessExit(Instance&) { process_exit_.cancel(); }

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
                           {"log_stream", instance->log_stream()}};
    item["init_ms"] = instance->init_ms() >= 0 ? nlohmann::json(instance->init_ms())
                                               : nlohmann::json(nullptr);
    out.push_back(std::move(item));
  }
  return out;
}

std::string ControlPlane::MetricsText() const {
  std::map<std::string, std::map<std::string, long>> invocations;  // fn -> outcome -> n
  std::map<std::string, long> cold, throttles, spawned;
  for (const Event& e : ledger_.Since(0)) {
    if (e.kind == "invoke.end") {
      std::string outcome = e.attrs.value("outcome", "");
      outcome = outcome.substr(0, outcome.find(':'));
      ++invocations[e.function][outcome];
      if (e.attrs.value("cold", false)) ++cold[e.function];
    } else if (e.kind == "invoke.throttled") {
      ++throttles[e.function];
    } else if (e.kind == "instance.spawned") {
      ++spawned[e.function];
    }
  }
  std::map<std::string, std::map<std::string, long>> states;
  for (const auto& [name, fn] : config_.functions) {
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
  for (const auto& [fn, by_outcome] : invocations) {
    for (const auto& [outcome, n] : by_outcome) {
      out << "thaw_invocations_total{function=\"" << fn << "\",outcome=\"" << outcome << "\"} "
          << n << "\n";
    }
  }
  out << "# HELP thaw_cold_starts_total Invocations served by an instance's first event.\n"
      << "# TYPE thaw_cold_starts_total counter\n";
  for (const auto& [fn, n] : cold) out << "thaw_cold_starts_total{function=\"" << fn << "\"} " << n << "\n";
  out << "# HELP thaw_instances_spawned_total Instances started.\n"
      << "# TYPE thaw_instances_spawned_total counter\n";
  for (const auto& [fn, n] : spawned) {
    out << "thaw_instances_spawned_total{function=\"" << fn << "\"} " << n << "\n";
  }
  out << "# HELP thaw_throttles_total Invokes refused with 429.\n"
      << "# TYPE thaw_throttles_total counter\n";
  for (const auto& [fn, n] : throttles) out << "thaw_throttles_total{function=\"" << fn << "\"} " << n << "\n";
  out << "# HELP thaw_instances Live instances by state.\n"
      << "# TYPE thaw_instances gauge\n";
  for (const auto& [fn, by_state] : states) {
    for (const auto& [state, n] : by_state) {
      out << "thaw_instances{function=\"" << fn << "\",state=\"" << state << "\"} " << n << "\n";
    }
  }
  return out.str();
}

}  // namespace thaw
