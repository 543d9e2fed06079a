#ifndef THAW_EMULATOR_GATEWAY_GATEWAY_EVENT_H_
#define THAW_EMULATOR_GATEWAY_GATEWAY_EVENT_H_

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "emulator/config/http_route.h"
#include "nlohmann/json.hpp"

namespace thaw::gateway {

// The two event shapes: API Gateway's v1 proxy event (REST APIs, HTTP API payload 1.0) and the
// 2.0 payload (HTTP APIs by default, function URLs). The same choice decides how the function's
// answer is read (gateway_response.h): one place says which a route uses.
enum class PayloadFormat { kV1, kV2 };
PayloadFormat FormatOf(const HttpRoute& route);

// An HTTP request as it reached thaw's front door.
struct GatewayRequest {
  std::string method;  // upper case, as sent
  std::string target;  // "/path?query", as sent (percent-encoded)
  // Header fields as sent, names in their original case, in order, repeats kept.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer_address;  // "127.0.0.1"
  std::chrono::system_clock::time_point time;
};

// What the event says about the API (or URL) the request came through.
struct FrontDoor {
  std::string account_id;
  std::string region;
  // API Gateway's api id, or a function URL's url id.
  std::string id;
  // The Host the client used ("127.0.0.1:3000"): the event's domainName, so a handler that
  // builds links from it links back to thaw.
  std::string domain_name;
  // API Gateway's request id for this request (also sent back in a response header).
  std::string request_id;
};

// The event the real service would send the function for `request` on `route`, with
// `path_parameters` from the route's match. Bodies that are not text (by Content-Type, or not
// UTF-8) are base64 with isBase64Encoded, as the service does for binary payloads.
nlohmann::json BuildEvent(const HttpRoute& route,
                          const std::map<std::string, std::string>& path_parameters,
                          const GatewayRequest& request, const FrontDoor& door);

// A stable 10-character id ("a-z0-9") for an API or URL named `name`, in the shape of API
// Gateway's api ids; the same name always gives the same id.
std::string StableId(const std::string& name, size_t length = 10);

}  // namespace thaw::gateway

#endif  // THAW_EMULATOR_GATEWAY_GATEWAY_EVENT_H_
