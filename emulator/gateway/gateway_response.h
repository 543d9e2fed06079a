#ifndef THAW_EMULATOR_GATEWAY_GATEWAY_RESPONSE_H_
#define THAW_EMULATOR_GATEWAY_GATEWAY_RESPONSE_H_

#include <string>

#include "core/http/http_server.h"
#include "emulator/config/http_route.h"
#include "emulator/control/invocation.h"

namespace thaw::gateway {

// Why a front door answers for itself instead of the function.
enum class GatewayFailure {
  kNoRoute,        // no route for this method and path
  kInvokeRefused,  // Lambda refused the invoke (throttled, ...): nothing ran
  kFunctionFailed, // the function failed, or answered in a shape the front door cannot read
  kTimedOut,       // the front door's own integration limit passed (REST 29 s, HTTP API 30 s)
};

// The front door's own answer, as the real one gives it:
//   REST API:     403 {"message":"Missing Authentication Token"}, 500/502
//                 {"message":"Internal server error"}, 504 {"message":"Endpoint request timed out"};
//   HTTP API:     404 {"message":"Not Found"}, 500 {"message":"Internal Server Error"},
//                 503 {"message":"Service Unavailable"};
//   function URL: 500/502 "Internal Server Error".
// `request_id` goes in the front door's request id header.
http::Response FailureAnswer(HttpRouteKind kind, GatewayFailure failure,
                             const std::string& request_id);

// The HTTP response for the function's `result` on `route`:
//   - v1 (REST APIs, HTTP API payload 1.0): the result must be an object with `statusCode`
//     (`headers`, `multiValueHeaders`, `body`, `isBase64Encoded` optional);
//   - v2 (HTTP API 2.0, function URLs): the same with `cookies` (each a Set-Cookie); a result
//     without `statusCode` is the body of a 200 application/json answer (a JSON string's text,
//     anything else as JSON), the 2.0 format's shortcut.
// A function error, or a result in the wrong shape, is FailureAnswer(kFunctionFailed).
// `keep_alive` and the version are the caller's to set.
http::Response MapResult(const HttpRoute& route, const InvokeResult& result,
                         const std::string& request_id);

// The header that carries the front door's request id ("x-amzn-RequestId", or HTTP APIs'
// "apigw-requestid").
const char* RequestIdHeader(HttpRouteKind kind);

}  // namespace thaw::gateway

#endif  // THAW_EMULATOR_GATEWAY_GATEWAY_RESPONSE_H_
