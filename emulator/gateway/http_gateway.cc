#include "emulator/gateway/http_gateway.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>

#include "core/json_text.h"
#include "core/status_macros.h"
#include "emulator/control/ids.h"
#include "emulator/control/invoke_api.h"
#include "emulator/gateway/gateway_event.h"
#include "emulator/gateway/gateway_response.h"
#include "emulator/gateway/route_table.h"

namespace thaw::gateway {

namespace asio = boost::asio;

namespace {

// API Gateway's integration limits: past them the caller gets the front door's timeout answer,
// whatever the function's own timeout.
constexpr std::chrono::milliseconds kRestIntegrationLimit{29'000};
constexpr std::chrono::milliseconds kHttpIntegrationLimit{30'000};
// API Gateway's largest request payload.
constexpr size_t kMaxRequestBody = 10 * 1024 * 1024;

const char* KindName(const HttpRoute& route) {
  switch (route.kind) {
    case HttpRouteKind::kRestApi:
      return "REST API";
    case HttpRouteKind::kHttpApi:
      return route.payload_format == "1.0" ? "HTTP API, payload 1.0" : "HTTP API";
    case HttpRouteKind::kFunctionUrl:
      return "function URL";
  }
  return "";
}

GatewayRequest ToGatewayRequest(const http::Request& request,
                                const http::RequestContext& context) {
  GatewayRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = request.body();
  out.peer_address = context.peer_address;
  out.time = std::chrono::system_clock::now();
  return out;
}

std::string HostOf(const http::Request& request, const std::string& fallback) {
  auto it = request.find(boost::beast::http::field::host);
  return it == request.end() || it->value().empty() ? fallback : std::string(it->value());
}

}  // namespace

struct HttpGateway::State {
  asio::io_context& io;
  ControlPlane& control;
  Options options;
  std::unique_ptr<http::HttpServer> api;
  // Function name -> its URL's server.
  std::map<std::string, std::unique_ptr<http::HttpServer>> urls;
  std::map<std::string, HttpRoute> url_routes;

  State(asio::io_context& io, ControlPlane& control, Options options)
      : io(io), control(control), options(std::move(options)) {}

  // Invokes `function` with `event` and answers as `route`'s front door does, within its
  // integration limit.
  asio::awaitable<http::Response> Invoke(const std::string& function, const HttpRoute& route,
                                         const nlohmann::json& event,
                                         const std::string& request_id) {
    InvokeCall call;
    call.function_name = function;
    call.payload = JsonText(event);
    std::optional<std::chrono::milliseconds> limit;
    if (route.kind != HttpRouteKind::kFunctionUrl) {
      limit = options.integration_timeout.value_or(
          route.kind == HttpRouteKind::kRestApi ? kRestIntegrationLimit : kHttpIntegrationLimit);
      auto it = control.config().functions.find(function);
      // A function that cannot outlast the limit needs no race.
      if (!options.integration_timeout && it != control.config().functions.end() &&
          std::chrono::seconds(it->second.timeout_s) < *limit) {
        limit.reset();
      }
    }
    InvokeAnswer answer;
    if (!limit) {
      answer = co_await CallInvoke(control, std::move(call));
    } else {
      // The invoke runs on to its end (as in Lambda) even when the front door gave up on it.
      struct Race {
        explicit Race(asio::any_io_executor executor) : timer(executor) {}
        asio::steady_timer timer;
        std::optional<InvokeAnswer> answer;
      };
      auto race = std::make_shared<Race>(co_await asio::this_coro::executor);
      race->timer.expires_after(*limit);
      asio::co_spawn(
          io,
          [race, &control = control, call = std::move(call)]() mutable -> asio::awaitable<void> {
            race->answer = co_await CallInvoke(control, std::move(call));
            race->timer.cancel();
          },
          asio::detached);
      boost::system::error_code ignored;
      co_await race->timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      if (!race->answer) {
        co_return FailureAnswer(route.kind, GatewayFailure::kTimedOut, request_id);
      }
      answer = *std::move(race->answer);
    }
    if (!answer.error.ok()) {
      co_return FailureAnswer(route.kind, GatewayFailure::kInvokeRefused, request_id);
    }
    co_return MapResult(route, answer.result, request_id);
  }

  FrontDoor Door(const HttpRoute& route, const std::string& function, const std::string& host,
                 const std::string& request_id) const {
    const Settings& settings = control.config().settings;
    std::string id;
    if (route.kind == HttpRouteKind::kFunctionUrl) {
      id = StableId("url:" + function, 32);
    } else {
      id = StableId((route.kind == HttpRouteKind::kRestApi ? "rest:" : "http:") + route.api);
    }
    return {.account_id = settings.account_id,
            .region = settings.region,
            .id = id,
            .domain_name = host,
            .request_id = request_id};
  }

  asio::awaitable<http::Response> ServeApi(http::Request& request,
                                           const http::RequestContext& context) {
    const std::string request_id = NewRequestId();
    // The routes of the configuration running now (a hot reload may have changed them).
    const RouteTable table(control.config());
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    const HttpRouteKind not_found_kind = table.NotFoundKind(path);
    if (context.body_too_large) {
      http::Response response{boost::beast::http::status::payload_too_large, 11};
      response.set(boost::beast::http::field::content_type, "application/json");
      response.body() = R"({"message":"Request Entity Too Large"})";
      response.set(RequestIdHeader(not_found_kind), request_id);
      co_return response;
    }
    const GatewayRequest gateway_request = ToGatewayRequest(request, context);
    const std::optional<RouteMatch> match = table.Match(gateway_request.method, path);
    if (!match) co_return FailureAnswer(not_found_kind, GatewayFailure::kNoRoute, request_id);
    const RouteEntry& entry = *match->entry;
    const nlohmann::json event =
        BuildEvent(entry.route, match->path_parameters, gateway_request,
                   Door(entry.route, entry.function, HostOf(request, "localhost"), request_id));
    co_return co_await Invoke(entry.function, entry.route, event, request_id);
  }

  asio::awaitable<http::Response> ServeUrl(const std::string& function, http::Request& request,
                                           const http::RequestContext& context) {
    const std::string request_id = NewRequestId();
    const HttpRoute& route = url_routes.at(function);
    if (context.body_too_large) {
      co_return FailureAnswer(route.kind, GatewayFailure::kInvokeRefused, request_id);
    }
    const nlohmann::json event =
        BuildEvent(route, {}, ToGatewayRequest(request, context),
                   Door(route, function, HostOf(request, "localhost"), request_id));
    co_return co_await Invoke(function, route, event, request_id);
  }
};

HttpGateway::HttpGateway(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpGateway::~HttpGateway() {
  if (state_->api) state_->api->Close();
  for (auto& [name, server] : state_->urls) server->Close();
}

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(asio::io_context& io,
                                                                 ControlPlane& control,
                                                                 Options options) {
  auto state = std::make_shared<State>(io, control, std::move(options));
  http::HttpServer::Options server_options;
  server_options.body_limit = kMaxRequestBody;
  State* raw = state.get();
  ASSIGN_OR_RETURN(
      state->api,
      http::HttpServer::Listen(
          io, state->options.host, state->options.api_port,
          [raw](http::Request& request,
                const http::RequestContext& context) -> asio::awaitable<http::Response> {
            return raw->ServeApi(request, context);
          },
          server_options));
  uint16_t next_port = state->options.url_port;
  for (const auto& [name, function] : control.config().functions) {
    for (const HttpRoute& route : function.http_routes) {
      if (route.kind != HttpRouteKind::kFunctionUrl) continue;
      state->url_routes[name] = route;
      const std::string function_name = name;
      ASSIGN_OR_RETURN(
          auto server,
          http::HttpServer::Listen(
              io, state->options.host, next_port,
              [raw, function_name](
                  http::Request& request,
                  const http::RequestContext& context) -> asio::awaitable<http::Response> {
                return raw->ServeUrl(function_name, request, context);
              },
              server_options));
      state->urls[name] = std::move(server);
      if (next_port != 0) ++next_port;
      break;  // one URL per function
    }
  }
  return std::unique_ptr<HttpGateway>(new HttpGateway(std::move(state)));
}

uint16_t HttpGateway::api_port() const { return state_->api ? state_->api->port() : 0; }

std::map<std::string, uint16_t> HttpGateway::url_ports() const {
  std::map<std::string, uint16_t> out;
  for (const auto& [name, server] : state_->urls) out[name] = server->port();
  return out;
}

std::vector<std::string> HttpGateway::Describe() const {
  std::vector<std::string> lines;
  const RouteTable table(state_->control.config());
  const std::string base = "http://" + state_->options.host + ":";
  lines.push_back("HTTP routes on " + base + std::to_string(api_port()) +
                  (table.empty() ? " (none declared: every request is 404)" : ""));
  size_t width = 0;
  for (const RouteEntry& e : table.entries()) width = std::max(width, e.route.path.size());
  for (const RouteEntry& e : table.entries()) {
    char line[512];
    std::snprintf(line, sizeof(line), "  %-7s %-*s -> %s (%s%s%s)", e.route.method.c_str(),
                  static_cast<int>(width), e.route.path.c_str(), e.function.c_str(),
                  KindName(e.route),
                  e.route.kind == HttpRouteKind::kRestApi ? ", stage " : "",
                  e.route.kind == HttpRouteKind::kRestApi ? e.route.stage.c_str() : "");
    lines.push_back(line);
  }
  for (const auto& [name, server] : state_->urls) {
    lines.push_back("function URL of " + name + ": " + base + std::to_string(server->port()) +
                    "/" +
                    (state_->url_routes[name].auth_type == "AWS_IAM"
                         ? " (AuthType AWS_IAM: requests are not signature-checked)"
                         : ""));
  }
  return lines;
}

void HttpGateway::StopAccepting() {
  if (state_->api) state_->api->StopAccepting();
  for (auto& [name, server] : state_->urls) server->StopAccepting();
}

asio::awaitable<void> HttpGateway::Drain(std::chrono::milliseconds grace) {
  if (state_->api) co_await state_->api->Drain(grace);
  for (auto& [name, server] : state_->urls) co_await server->Drain(grace);
}

}  // namespace thaw::gateway
