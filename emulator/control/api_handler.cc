#include "emulator/control/api_handler.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <charconv>
#include <optional>

#include "core/ledger_queries.h"
#include "core/duration.h"
#include "emulator/control/ids.h"
#include "core/http/json_body.h"

namespace thaw {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

using http::JsonBody;
using http::JsonError;

constexpr std::string_view kInvokePrefix = "/2015-03-31/functions/";
constexpr std::string_view kInvokeSuffix = "/invocations";
constexpr size_t kLogTailBytes = 4096;

http::Response ErrorResponse(const http::Request& request, const AwsError& error,
                             const std::string& request_id) {
  http::Response response = http::MakeResponse(request, error.status, error.Body());
  response.set("x-amzn-ErrorType", error.type);
  response.set("x-amzn-RequestId", request_id);
  return response;
}

std::string PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int value = 0;
      auto [ptr, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
      if (ec == std::errc() && ptr == in.data() + i + 3) {
        out += static_cast<char>(value);
        i += 2;
        continue;
      }
    }
    out += in[i];
  }
  return out;
}

// Value of `key` in a query string, percent-decoded; empty when absent.
std::string QueryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

AwsError EnumError(const std::string& value, const std::string& member, const std::string& set) {
  return AwsError{400, "ValidationException",
                  "1 validation error detected: Value '" + value + "' at '" + member +
                      "' failed to satisfy constraint: Member must satisfy enum value set: [" +
                      set + "]"};
}

asio::awaitable<http::Response> HandleInvoke(ControlPlane& control, http::Request& request,
                                             const http::RequestContext& context,
                                             std::string_view encoded_name,
                                             std::string_view query) {
  const std::string api_request_id = NewRequestId();
  if (request.method() != beast::http::verb::post) {
    co_return ErrorResponse(
        request, AwsError{405, "MethodNotAllowedException", "Invoke takes POST"}, api_request_id);
  }
  std::string name;
  if (auto error =
          control.Resolve(PercentDecode(encoded_name), QueryParam(query, "Qualifier"), name)) {
    co_return ErrorResponse(request, *error, api_request_id);
  }

  std::string type(request["X-Amz-Invocation-Type"]);
  if (type.empty()) type = "RequestResponse";
  if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
    co_return ErrorResponse(request,
                            EnumError(type, "invocationType", "Event, RequestResponse, DryRun"),
                            api_request_id);
  }
  std::string log_type(request["X-Amz-Log-Type"]);
  if (log_type.empty()) log_type = "None";
  if (log_type != "None" && log_type != "Tail") {
    co_return ErrorResponse(request, EnumError(log_type, "logType", "None, Tail"), api_request_id);
  }

  const size_t limit = type == "Event" ? kMaxAsyncPayload : kMaxSyncPayload;
  if (context.body_too_large || request.body().size() > limit) {
    co_return ErrorResponse(request,
                            AwsError{413, "RequestEntityTooLargeException",
                                     "Request must be smaller than " + std::to_string(limit) +
                                         " bytes for the InvokeFunction operation"},
                            api_request_id);
  }
  std::string payload = std::move(request.body());
  if (payload.empty()) payload = "{}";
  if (!nlohmann::json::accept(payload)) {
    std::string detail = "Unexpected content";
    try {
      [[maybe_unused]] auto parsed = nlohmann::json::parse(payload);
    } catch (const nlohmann::json::parse_error& e) {
      detail = e.what();
    }
    co_return ErrorResponse(request,
                            AwsError{400, "InvalidRequestContentException",
                                     "Could not parse request body into json: Could not parse "
                                     "payload into json: " +
                                         detail},
                            api_request_id);
  }

  if (type == "DryRun") {
    http::Response response = http::MakeResponse(request, 204, "", "");
    response.set("x-amzn-RequestId", api_request_id);
    co_return response;
  }

  InvokeRequest invoke;
  invoke.function = name;
  invoke.payload = std::move(payload);
  invoke.client_context = std::string(request["X-Amz-Client-Context"]);
  invoke.tail_log = log_type == "Tail" && type == "RequestResponse";
  const bool tail_log = invoke.tail_log;

  if (type == "Event") {
    // Queued and retried like Lambda's asynchronous invocations; the outcome is in the ledger.
    const std::string event_id = control.InvokeAsync(std::move(invoke));
    http::Response response = http::MakeResponse(request, 202, "", "");
    response.set("x-amzn-RequestId", event_id);
    co_return response;
  }

  ControlPlane::Outcome outcome = co_await control.Invoke(std::move(invoke));
  if (outcome.error) co_return ErrorResponse(request, *outcome.error, api_request_id);
  InvokeResult& result = outcome.result;
  http::Response response = http::MakeResponse(request, 200, std::move(result.payload));
  response.set("x-amzn-RequestId", result.request_id);
  response.set("X-Amz-Executed-Version", "$LATEST");
  if (!result.function_error.empty()) {
    response.set("X-Amz-Function-Error", result.function_error);
  }
  if (tail_log) {
    std::string_view log = result.log;
    if (log.size() > kLogTailBytes) log = log.substr(log.size() - kLogTailBytes);
    response.set("X-Amz-Log-Result", Base64Encode(log));
  }
  co_return response;
}

asio::awaitable<http::Response> HandleEvents(ControlPlane& control, http::Request& request,
                                             std::string_view query) {
  uint64_t since = 0;
  long wait_ms = 0;
  const std::string since_text = QueryParam(query, "since");
  const std::string wait_text = QueryParam(query, "wait_ms");
  auto parse = [](const std::string& text, auto& value) {
    if (text.empty()) return true;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && ptr == text.data() + text.size();
  };
  if (!parse(since_text, since) || !parse(wait_text, wait_ms) || wait_ms < 0) {
    co_return http::MakeResponse(request, 400,
                                 R"({"error":"since and wait_ms must be non-negative integers"})");
  }
  wait_ms = std::min(wait_ms, 60000L);
  Ledger& ledger = control.ledger();
  if (ledger.LastSeq() <= since && wait_ms > 0) {
    // Woken by a ledger listener (which may run on another thread) or by the deadline.
    auto timer =
        std::make_shared<asio::steady_timer>(control.io(), std::chrono::milliseconds(wait_ms));
    std::weak_ptr<asio::steady_timer> weak = timer;
    const int handle = ledger.AddListener([weak, &control](uint64_t) {
      asio::post(control.io(), [weak] {
        if (auto t = weak.lock()) t->cancel();
      });
    });
    while (ledger.LastSeq() <= since) {
      boost::system::error_code ec;
      co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) break;  // deadline
    }
    ledger.RemoveListener(handle);
  }
  nlohmann::json events = nlohmann::json::array();
  for (const Event& e : ledger.Since(since, 10000)) events.push_back(e.ToJson());
  nlohmann::json body = {{"events", std::move(events)}, {"last_seq", ledger.LastSeq()}};
  co_return http::MakeResponse(request, 200, body.dump());
}

http::Response HandleAdvance(ControlPlane& control, const http::Request& request) {
  auto body = JsonBody(request);
  if (!body || !body->contains("duration") || !(*body)["duration"].is_string()) {
    return JsonError(request, 400, "expected {\"duration\":\"11m\"}");
  }
  auto duration = ParseDuration((*body)["duration"].get<std::string>());
  if (!duration.ok()) return JsonError(request, 400, std::string(duration.status().message()));
  control.AdvanceClock(*duration);
  const auto offset =
      std::chrono::duration_cast<std::chrono::milliseconds>(control.scheduler().clock().offset());
  return http::MakeResponse(
      request, 200,
      nlohmann::json{{"advanced_ms", duration->count()}, {"offset_ms", offset.count()}}.dump());
}

http::Response HandleReap(ControlPlane& control, const http::Request& request) {
  auto body = JsonBody(request);
  if (!body) return JsonError(request, 400, "expected a JSON object");
  std::string function;
  int64_t instance = 0;
  if (body->contains("function")) {
    if (!(*body)["function"].is_string()) return JsonError(request, 400, "function: a name");
    function = (*body)["function"];
    if (!control.config().functions.count(function)) {
      return JsonError(request, 404, "no function named '" + function + "'");
    }
  }
  if (body->contains("instance")) {
    if (!(*body)["instance"].is_number_integer()) return JsonError(request, 400, "instance: an id");
    instance = (*body)["instance"];
  }
  const std::vector<int64_t> reaped = control.ReapIdle(function, instance);
  return http::MakeResponse(request, 200, nlohmann::json{{"reaped", reaped}}.dump());
}

// POST /_thaw/faults {"service":"momento"|"aws", ...}: 201 {"id":...}.
http::Response HandleAddFault(ControlPlane& control, const http::Request& request) {
  auto body = JsonBody(request);
  if (!body) return JsonError(request, 400, "expected a JSON object");
  std::string services;
  for (FaultTarget* target : control.fault_targets()) {
    services += (services.empty() ? "" : ", ") + std::string(target->service());
  }
  if (!body->contains("service") || !(*body)["service"].is_string()) {
    return JsonError(request, 400, "service: required, one of " + services);
  }
  const std::string service = (*body)["service"];
  for (FaultTarget* target : control.fault_targets()) {
    if (target->service() != service) continue;
    auto id = target->AddFault(*body);
    if (!id.ok()) return JsonError(request, 400, std::string(id.status().message()));
    return http::MakeResponse(request, 201, nlohmann::json{{"id", *id}}.dump());
  }
  return JsonError(request, 400, "service: no fake named '" + service + "' (" + services + ")");
}

nlohmann::json ListFaults(ControlPlane& control) {
  nlohmann::json faults = nlohmann::json::array();
  for (FaultTarget* target : control.fault_targets()) {
    for (auto& fault : target->ListFaults()) {
      fault["service"] = std::string(target->service());
      faults.push_back(std::move(fault));
    }
  }
  return faults;
}

}  // namespace

http::Handler MakeApiHandler(ControlPlane& control) {
  return [&control](http::Request& request,
                    const http::RequestContext& context) -> asio::awaitable<http::Response> {
    const std::string_view target = request.target();
    const size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);

    if (path.size() > kInvokePrefix.size() + kInvokeSuffix.size() &&
        path.substr(0, kInvokePrefix.size()) == kInvokePrefix &&
        path.substr(path.size() - kInvokeSuffix.size()) == kInvokeSuffix) {
      const std::string_view name = path.substr(
          kInvokePrefix.size(), path.size() - kInvokePrefix.size() - kInvokeSuffix.size());
      co_return co_await HandleInvoke(control, request, context, name, query);
    }
    if (request.method() == beast::http::verb::post) {
      if (path == "/_thaw/clock/advance") co_return HandleAdvance(control, request);
      if (path == "/_thaw/reap") co_return HandleReap(control, request);
      constexpr std::string_view kInstances = "/_thaw/instances/";
      constexpr std::string_view kKill = "/kill";
      if (path.size() > kInstances.size() + kKill.size() &&
          path.substr(0, kInstances.size()) == kInstances &&
          path.substr(path.size() - kKill.size()) == kKill) {
        const std::string_view id_text =
            path.substr(kInstances.size(), path.size() - kInstances.size() - kKill.size());
        int64_t id = 0;
        auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
        if (ec != std::errc() || ptr != id_text.data() + id_text.size()) {
          co_return JsonError(request, 400, "instance ids are integers");
        }
        if (!control.KillInstance(id)) {
          co_return JsonError(request, 404, "no live instance " + std::string(id_text));
        }
        co_return http::MakeResponse(request, 200, nlohmann::json{{"killed", id}}.dump());
      }
    }
    constexpr std::string_view kFaults = "/_thaw/faults";
    if (path == kFaults) {
      if (request.method() == beast::http::verb::post) co_return HandleAddFault(control, request);
      if (request.method() == beast::http::verb::get) {
        co_return http::MakeResponse(request, 200,
                                     nlohmann::json{{"faults", ListFaults(control)}}.dump());
      }
      if (request.method() == beast::http::verb::delete_) {
        int cleared = 0;
        for (FaultTarget* target : control.fault_targets()) {
          cleared += static_cast<int>(target->ListFaults().size());
          target->ClearFaults();
        }
        co_return http::MakeResponse(request, 200, nlohmann::json{{"cleared", cleared}}.dump());
      }
    }
    if (request.method() == beast::http::verb::delete_ && path.size() > kFaults.size() + 1 &&
        path.substr(0, kFaults.size() + 1) == "/_thaw/faults/") {
      const std::string_view id = path.substr(kFaults.size() + 1);
      for (FaultTarget* target : control.fault_targets()) {
        if (target->RemoveFault(id)) {
          co_return http::MakeResponse(request, 200,
                                       nlohmann::json{{"removed", std::string(id)}}.dump());
        }
      }
      co_return JsonError(request, 404, "no fault " + std::string(id));
    }
    if (request.method() == beast::http::verb::get) {
      if (path == "/_thaw/momento") {
        co_return http::MakeResponse(
            request, 200,
            nlohmann::json{{"instances", MomentoConnectionsPerInstance(control.ledger())}}.dump());
      }
      if (path == "/_thaw/aws") {
        co_return http::MakeResponse(
            request, 200,
            nlohmann::json{{"instances", AwsRequestsPerInstance(control.ledger())}}.dump());
      }
      if (path == "/_thaw/clock") {
        const auto offset = std::chrono::duration_cast<std::chrono::milliseconds>(
            control.scheduler().clock().offset());
        co_return http::MakeResponse(request, 200,
                                     nlohmann::json{{"offset_ms", offset.count()}}.dump());
      }
      if (path == "/_thaw/instances") {
        co_return http::MakeResponse(request, 200,
                                     nlohmann::json{{"instances", control.InstancesJson()}}.dump());
      }
      if (path == "/_thaw/events") co_return co_await HandleEvents(control, request, query);
      if (path == "/_thaw/metrics") {
        co_return http::MakeResponse(request, 200, control.MetricsText(),
                                     "text/plain; version=0.0.4");
      }
    }
    co_return ErrorResponse(
        request, AwsError{404, "UnknownOperationException", "No operation at " + std::string(path)},
        NewRequestId());
  };
}

}  // namespace thaw
