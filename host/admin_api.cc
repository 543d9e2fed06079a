#include "host/admin_api.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <charconv>
#include <optional>

#include "core/accounting.h"
#include "core/duration.h"
#include "core/http/fault_routes.h"
#include "core/http/json_body.h"
#include "core/http/query.h"
#include "core/json_text.h"
#include "emulator/control/ids.h"
#include "emulator/control/invoke_api.h"

namespace thaw {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

using http::JsonBody;
using http::JsonError;

constexpr size_t kLogTailBytes = 4096;
// Most events one GET /_thaw/events answers with.
constexpr size_t kEventsPageSize = 10000;

// Makes `response` the Lambda rest-json error `error`: its status, x-amzn-ErrorType,
// x-amzn-RequestId and {"Type","Message"}.
void SetLambdaError(http::Response& response, const absl::Status& error,
                    const std::string& request_id) {
  response.result(AwsHttpStatus(error));
  response.set(boost::beast::http::field::content_type, "application/json");
  response.set("x-amzn-ErrorType", AwsErrorType(error));
  response.set("x-amzn-RequestId", request_id);
  response.body() = LambdaErrorBody(error);
}

http::Response ErrorResponse(const http::Request& request, const absl::Status& error,
                             const std::string& request_id) {
  http::Response response{boost::beast::http::status::ok, request.version()};
  response.keep_alive(request.keep_alive());
  SetLambdaError(response, error, request_id);
  return response;
}

asio::awaitable<http::Response> HandleInvoke(EmulatorSession& session, http::Request& request,
                                             InvokeCall call) {
  if (request.method() != beast::http::verb::post) {
    co_return ErrorResponse(
        request, AwsError("MethodNotAllowedException", "Invoke takes POST", 405), NewRequestId());
  }
  InvokeAnswer answer = co_await session.Invoke(std::move(call));
  if (!answer.error.ok()) co_return ErrorResponse(request, answer.error, answer.request_id);
  if (answer.status != 200) {
    http::Response response = http::MakeResponse(request, answer.status, "", "");
    response.set("x-amzn-RequestId", answer.request_id);
    co_return response;
  }
  InvokeResult& result = answer.result;
  http::Response response = http::MakeResponse(request, 200, std::move(result.payload));
  response.set("x-amzn-RequestId", result.request_id);
  response.set("X-Amz-Executed-Version", "$LATEST");
  if (!result.function_error.empty()) {
    response.set("X-Amz-Function-Error", result.function_error);
  }
  if (answer.tail_log) {
    std::string_view log = result.log;
    if (log.size() > kLogTailBytes) log = log.substr(log.size() - kLogTailBytes);
    response.set("X-Amz-Log-Result", Base64Encode(log));
  }
  co_return response;
}

// 410 Gone for GET /_thaw/events?since=S when event S+1 was evicted by the ledger's window:
// the client would miss events without knowing it. The body names the oldest event held
// (`first_seq`), from which it can go on knowingly.
http::Response EventsEvictedResponse(const http::Request& request, const Ledger& ledger,
                                     uint64_t since, uint64_t first_held) {
  const std::string message =
      "events " + std::to_string(since + 1) + ".." + std::to_string(first_held - 1) +
      " were evicted from the ledger's window (the last " + std::to_string(ledger.window()) +
      " events, --ledger-window); the oldest event held is seq " + std::to_string(first_held) +
      ": ask again with since=" + std::to_string(first_held - 1) +
      ", or keep every event with --events FILE";
  http::Response response =
      ErrorResponse(request, AwsError("EventsEvictedException", message, 410), NewRequestId());
  nlohmann::json body = nlohmann::json::parse(response.body());
  body["first_seq"] = first_held;
  body["last_seq"] = ledger.LastSeq();
  response.body() = JsonText(body);
  return response;
}

asio::awaitable<http::Response> HandleEvents(ControlPlane& control, http::Request& request,
                                             std::string_view query) {
  uint64_t since = 0;
  long wait_ms = 0;
  const std::string since_text = http::QueryParam(query, "since");
  const std::string wait_text = http::QueryParam(query, "wait_ms");
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
  // A page ends at its last event, so that a client passing `last_seq` back as `since` sees
  // every event exactly once, however many pages it takes.
  const std::vector<Event> page = ledger.Since(since, kEventsPageSize);
  if (!page.empty() && page.front().seq > since + 1) {
    co_return EventsEvictedResponse(request, ledger, since, page.front().seq);
  }
  nlohmann::json events = nlohmann::json::array();
  for (const Event& e : page) events.push_back(e.ToJson());
  const uint64_t last = page.empty() ? std::min(since, ledger.LastSeq()) : page.back().seq;
  nlohmann::json body = {
      {"events", std::move(events)}, {"last_seq", last}, {"more", ledger.LastSeq() > last}};
  co_return http::MakeResponse(request, 200, JsonText(body));
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
      JsonText(nlohmann::json{{"advanced_ms", duration->count()}, {"offset_ms", offset.count()}}));
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
  return http::MakeResponse(request, 200, JsonText(nlohmann::json{{"reaped", reaped}}));
}

}  // namespace

http::HttpServer::Options ApiServerOptions() {
  http::HttpServer::Options options;
  options.error_answer = [](unsigned status, const std::string& message) {
    // Lambda's own types: ServiceException is its 5xx, InvalidRequestContentException its
    // "the request could not be read".
    http::Response response;
    SetLambdaError(response,
                   AwsError(status >= 500 ? "ServiceException" : "InvalidRequestContentException",
                            message, status),
                   NewRequestId());
    response.prepare_payload();
    return response;
  };
  return options;
}

http::Handler MakeApiHandler(EmulatorSession& session) {
  return [&session](http::Request& request,
                    const http::RequestContext& context) -> asio::awaitable<http::Response> {
    ControlPlane& control = session.control();
    const std::string_view target = request.target();
    const size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);

    if (std::optional<InvokeCall> call = InvokeCallFromHttp(request, context.body_too_large)) {
      co_return co_await HandleInvoke(session, request, *std::move(call));
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
        co_return http::MakeResponse(request, 200, JsonText(nlohmann::json{{"killed", id}}));
      }
    }
    if (auto response = http::RouteFaults(session.faults(), request)) {
      co_return *std::move(response);
    }
    if (request.method() == beast::http::verb::get) {
      if (path == "/_thaw/momento") {
        co_return http::MakeResponse(
            request, 200,
            JsonText(nlohmann::json{{"instances", ToJson(session.MomentoAccounts())}}));
      }
      if (path == "/_thaw/aws") {
        co_return http::MakeResponse(
            request, 200, JsonText(nlohmann::json{{"instances", ToJson(session.AwsAccounts())}}));
      }
      if (path == "/_thaw/clock") {
        const auto offset = std::chrono::duration_cast<std::chrono::milliseconds>(
            control.scheduler().clock().offset());
        co_return http::MakeResponse(request, 200,
                                     JsonText(nlohmann::json{{"offset_ms", offset.count()}}));
      }
      if (path == "/_thaw/instances") {
        co_return http::MakeResponse(
            request, 200, JsonText(nlohmann::json{{"instances", control.InstancesJson()}}));
      }
      if (path == "/_thaw/events") co_return co_await HandleEvents(control, request, query);
      if (path == "/_thaw/metrics") {
        co_return http::MakeResponse(request, 200, control.MetricsText(),
                                     "text/plain; version=0.0.4");
      }
    }
    co_return ErrorResponse(
        request, AwsError("UnknownOperationException", "No operation at " + std::string(path), 404),
        NewRequestId());
  };
}

}  // namespace thaw
