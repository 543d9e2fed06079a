// The HTTP front doors (emulator/gateway): raw bytes read as HttpServer reads a request, matched
// against a fixed route table (RouteTable::Match) and made into the event the function gets
// (BuildEvent) for the matched route and for each kind of front door. Every event must be
// JSON that JsonText can write (an exception escaping here is a crash).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/http_server.h"
#include "core/json_text.h"
#include "emulator/gateway/gateway_event.h"
#include "emulator/gateway/route_table.h"
#include "tests/fuzz/fuzz_http.h"

namespace {

using thaw::HttpRoute;
using thaw::HttpRouteKind;

HttpRoute Route(HttpRouteKind kind, const std::string& method, const std::string& path,
                const std::string& payload_format) {
  HttpRoute route;
  route.kind = kind;
  route.method = method;
  route.path = path;
  route.payload_format = payload_format;
  route.stage = kind == HttpRouteKind::kRestApi ? "Prod" : "$default";
  return route;
}

const thaw::ThawConfig& Config() {
  static const thaw::ThawConfig* config = [] {
    auto* c = new thaw::ThawConfig;
    const std::vector<std::pair<std::string, HttpRoute>> routes = {
        {"root", Route(HttpRouteKind::kRestApi, "GET", "/", "1.0")},
        {"hello", Route(HttpRouteKind::kRestApi, "GET", "/hello", "1.0")},
        {"order", Route(HttpRouteKind::kHttpApi, "GET", "/orders/{id}", "2.0")},
        {"order-any", Route(HttpRouteKind::kHttpApi, "ANY", "/orders/{id}", "1.0")},
        {"items", Route(HttpRouteKind::kHttpApi, "POST", "/shops/{shop}/items/{item}", "2.0")},
        {"proxy", Route(HttpRouteKind::kRestApi, "ANY", "/files/{proxy+}", "1.0")},
        {"greedy", Route(HttpRouteKind::kHttpApi, "ANY", "/{proxy+}", "2.0")},
        {"fallback", Route(HttpRouteKind::kHttpApi, "ANY", "$default", "2.0")},
        {"url", thaw::FunctionUrlRoute("NONE", "fuzz")},
    };
    for (const auto& [function, route] : routes) {
      c->functions[function].name = function;
      c->functions[function].http_routes.push_back(route);
    }
    return c;
  }();
  return *config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const thaw::gateway::RouteTable table(Config());
  static const HttpRoute kUrl = thaw::FunctionUrlRoute("AWS_IAM", "fuzz");
  static const HttpRoute kHttpV1 = Route(HttpRouteKind::kHttpApi, "ANY", "$default", "1.0");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const thaw::http::HttpServer::Options limits;
  thaw::fuzz::ForEachRequest(
      input, limits.header_limit, limits.body_limit,
      [](thaw::http::Request& request, bool body_too_large) {
        const std::string target(request.target());
        const std::string path = target.substr(0, target.find('?'));
        (void)table.NotFoundKind(path);
        if (body_too_large) return;
        thaw::gateway::GatewayRequest gateway_request;
        gateway_request.method = std::string(request.method_string());
        gateway_request.target = target;
        for (const auto& field : request) {
          gateway_request.headers.emplace_back(std::string(field.name_string()),
                                               std::string(field.value()));
        }
        gateway_request.body = request.body();
        gateway_request.peer_address = "127.0.0.1";
        const thaw::gateway::FrontDoor door{.account_id = "123456789012",
                                            .region = "us-east-1",
                                            .id = thaw::gateway::StableId("fuzz"),
                                            .domain_name = std::string(request["Host"]),
                                            .request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"};
        if (std::optional<thaw::gateway::RouteMatch> match =
                table.Match(gateway_request.method, path)) {
          (void)thaw::JsonText(thaw::gateway::BuildEvent(
              match->entry->route, match->path_parameters, gateway_request, door));
        }
        (void)thaw::JsonText(thaw::gateway::BuildEvent(kUrl, {}, gateway_request, door));
        (void)thaw::JsonText(thaw::gateway::BuildEvent(kHttpV1, {}, gateway_request, door));
      });
  return 0;
}
