#include "fakes/momento/momento_admin_handler.h"

#include <optional>
#include <string>
#include <string_view>

#include "core/accounting.h"
#include "core/duration.h"
#include "core/fault_registry.h"
#include "core/http/fault_routes.h"
#include "core/http/json_body.h"
#include "core/json_text.h"

namespace thaw::momento {

namespace {

using http::JsonBody;
using http::JsonError;

namespace beast = boost::beast;

http::Response Route(MomentoFaults& faults, const LedgerAccounts& accounts, SchedulerClock& clock,
                     MintedApiKeys& keys, const std::string& endpoint,
                     const http::Request& request) {
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const auto method = request.method();
  FaultRegistry registry;
  registry.Add(&faults);
  if (auto response = http::RouteFaults(registry, request)) return *std::move(response);
  if (path == "/_thaw/momento" && method == beast::http::verb::get) {
    return http::MakeResponse(request, 200,
                              JsonText(nlohmann::json{{"instances", ToJson(accounts.Momento())}}));
  }
  if (path == "/_thaw/clock/advance" && method == beast::http::verb::post) {
    auto body = JsonBody(request);
    if (!body || !body->contains("duration") || !(*body)["duration"].is_string()) {
      return JsonError(request, 400, "expected {\"duration\":\"5m\"}");
    }
    auto duration = ParseDuration((*body)["duration"].get<std::string>());
    if (!duration.ok()) return JsonError(request, 400, std::string(duration.status().message()));
    clock.Advance(*duration);
    const auto offset = std::chrono::duration_cast<std::chrono::milliseconds>(clock.offset());
    return http::MakeResponse(request, 200,
                              JsonText(nlohmann::json{{"advanced_ms", duration->count()},
                                                      {"offset_ms", offset.count()}}));
  }
  if (path == "/_thaw/momento/keys" && method == beast::http::verb::post) {
    auto body = JsonBody(request);
    if (!body) return JsonError(request, 400, "expected a JSON object");
    const nlohmann::json instance = body->value("instance", nlohmann::json(0));
    const nlohmann::json function = body->value("function", nlohmann::json(""));
    if (!instance.is_number_integer() || !function.is_string()) {
      return JsonError(request, 400, "expected {\"instance\": id, \"function\": name}");
    }
    return http::MakeResponse(
        request, 200,
        JsonText(nlohmann::json{{"api_key", keys.Mint(instance.get<int64_t>(),
                                                      function.get<std::string>(), endpoint)}}));
  }
  return JsonError(request, 404, "no route " + std::string(path));
}

}  // namespace

http::Handler MakeMomentoAdminHandler(MomentoFaults& faults, const LedgerAccounts& accounts,
                                      SchedulerClock& clock, MintedApiKeys& keys,
                                      std::string endpoint) {
  return [&faults, &accounts, &clock, &keys, endpoint = std::move(endpoint)](
             http::Request& request,
             const http::RequestContext&) -> boost::asio::awaitable<http::Response> {
    co_return Route(faults, accounts, clock, keys, endpoint, request);
  };
}

}  // namespace thaw::momento
