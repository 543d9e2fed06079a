#include "core/http/json_body.h"

#include "core/json_text.h"

namespace thaw::http {

std::optional<nlohmann::json> JsonBody(const Request& request) {
  if (request.body().empty()) return nlohmann::json::object();
  auto body = nlohmann::json::parse(request.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  return body;
}

Response JsonError(const Request& request, unsigned status, const std::string& message) {
  return MakeResponse(request, status, JsonText(nlohmann::json{{"error", message}}));
}

}  // namespace thaw::http
