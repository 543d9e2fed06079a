#include "core/http/fault_routes.h"

#include <string>
#include <string_view>

#include "core/http/json_body.h"
#include "core/json_text.h"

namespace thaw::http {

std::optional<Response> RouteFaults(FaultRegistry& faults, const Request& request) {
  namespace beast = boost::beast;
  constexpr std::string_view kFaults = "/_thaw/faults";
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const auto method = request.method();
  if (path == kFaults) {
    if (method == beast::http::verb::post) {
      auto body = JsonBody(request);
      if (!body) return JsonError(request, 400, "expected a JSON object");
      auto id = faults.AddFault(*body);
      if (!id.ok()) return JsonError(request, 400, std::string(id.status().message()));
      return MakeResponse(request, 201, JsonText(nlohmann::json{{"id", *id}}));
    }
    if (method == beast::http::verb::get) {
      return MakeResponse(request, 200, JsonText(nlohmann::json{{"faults", faults.ListFaults()}}));
    }
    if (method == beast::http::verb::delete_) {
      return MakeResponse(request, 200,
                          JsonText(nlohmann::json{{"cleared", faults.ClearFaults()}}));
    }
    return std::nullopt;
  }
  if (method == beast::http::verb::delete_ && path.size() > kFaults.size() + 1 &&
      path.starts_with("/_thaw/faults/")) {
    const std::string id(path.substr(kFaults.size() + 1));
    if (!faults.RemoveFault(id)) return JsonError(request, 404, "no fault " + id);
    return MakeResponse(request, 200, JsonText(nlohmann::json{{"removed", id}}));
  }
  return std::nullopt;
}

}  // namespace thaw::http
