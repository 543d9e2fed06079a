#ifndef THAW_CORE_HTTP_JSON_BODY_H_
#define THAW_CORE_HTTP_JSON_BODY_H_

#include <optional>
#include <string>

#include "core/http/http_server.h"
#include "nlohmann/json.hpp"

namespace thaw::http {

// The JSON object a request's body holds; an empty body is {}. Nullopt when the body is not a
// JSON object.
std::optional<nlohmann::json> JsonBody(const Request& request);

// A `status` response with the admin APIs' error body, {"error": message}.
Response JsonError(const Request& request, unsigned status, const std::string& message);

}  // namespace thaw::http

#endif  // THAW_CORE_HTTP_JSON_BODY_H_
