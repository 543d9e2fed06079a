#include "emulator/gateway/gateway_response.h"

#include <boost/beast/http/field.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

#include "emulator/control/ids.h"
#include "emulator/gateway/gateway_event.h"
#include "nlohmann/json.hpp"

namespace thaw::gateway {
namespace {

using Json = nlohmann::json;
namespace bhttp = boost::beast::http;

http::Response Answer(unsigned status, std::string body, const std::string& content_type) {
  http::Response response{static_cast<bhttp::status>(status), 11};
  if (!content_type.empty()) response.set(bhttp::field::content_type, content_type);
  response.body() = std::move(body);
  return response;
}

// A header value as API Gateway writes it: strings as they are, other scalars as JSON text.
// Nullopt for a value that cannot be written as it is (CR, LF, NUL: it would end the field and
// start another, a header the function never declared).
std::optional<std::string> HeaderValue(const Json& value) {
  std::string text;
  if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_number() || value.is_boolean()) {
    text = value.dump();
  } else {
    return std::nullopt;
  }
  if (!http::IsValidFieldValue(text)) return std::nullopt;
  return text;
}

// RFC 9110's field name: one or more token characters.
bool IsValidFieldName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  return true;
}

std::optional<unsigned> StatusCode(const Json& value) {
  int64_t code = 0;
  if (value.is_number_integer()) {
    // As int64_t: get<int>() would wrap 4294967496 around to 200.
    code = value.get<int64_t>();
  } else if (value.is_string()) {
    try {
      code = std::stoi(value.get<std::string>());
    } catch (...) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (code < 100 || code > 599) return std::nullopt;
  return static_cast<unsigned>(code);
}

// The structured answer ({"statusCode", ...}); nullopt when it is malformed.
std::optional<http::Response> Structured(const Json& result, bool v2) {
  const std::optional<unsigned> status = StatusCode(result["statusCode"]);
  if (!status) return std::nullopt;
  http::Response response{static_cast<bhttp::status>(*status), 11};
  if (result.contains("headers") && !result["headers"].is_null()) {
    if (!result["headers"].is_object()) return std::nullopt;
    for (const auto& [name, value] : result["headers"].items()) {
      const std::optional<std::string> text = HeaderValue(value);
      if (!text || !IsValidFieldName(name)) return std::nullopt;
      response.set(name, *text);
    }
  }
  if (result.contains("multiValueHeaders") && !result["multiValueHeaders"].is_null()) {
    if (!result["multiValueHeaders"].is_object()) return std::nullopt;
    for (const auto& [name, values] : result["multiValueHeaders"].items()) {
      if (!values.is_array() || !IsValidFieldName(name)) return std::nullopt;
      // multiValueHeaders win over headers of the same name.
      response.erase(name);
      for (const Json& value : values) {
        const std::optional<std::string> text = HeaderValue(value);
        if (!text) return std::nullopt;
        response.insert(name, *text);
      }
    }
  }
  if (v2 && result.contains("cookies") && !result["cookies"].is_null()) {
    if (!result["cookies"].is_array()) return std::nullopt;
    for (const Json& cookie : result["cookies"]) {
      if (!cookie.is_string() || !http::IsValidFieldValue(cookie.get<std::string>())) {
        return std::nullopt;
      }
      response.insert(bhttp::field::set_cookie, cookie.get<std::string>());
    }
  }
  std::string body;
  if (result.contains("body") && !result["body"].is_null()) {
    if (result["body"].is_string()) {
      body = result["body"].get<std::string>();
    } else if (v2) {
      body = result["body"].dump();
    } else {
      return std::nullopt;  // a REST API takes only a string body
    }
  }
  // Read only when a boolean: value() would throw on another type.
  const auto base64 = result.find("isBase64Encoded");
  if (base64 != result.end() && !base64->is_null() && !base64->is_boolean()) return std::nullopt;
  if (base64 != result.end() && *base64 == true) {
    std::string decoded;
    if (!Base64Decode(body, decoded)) return std::nullopt;
    body = std::move(decoded);
  }
  if (!v2 && response.find(bhttp::field::content_type) == response.end()) {
    response.set(bhttp::field::content_type, "application/json");
  }
  // A status that has no body (1xx, 204, 304) is sent without the one given: Beast refuses to
  // write it with one (prepare_payload throws), and the client would not read it.
  if (*status < 200 || *status == 204 || *status == 304) body.clear();
  response.body() = std::move(body);
  return response;
}

}  // namespace

const char* RequestIdHeader(HttpRouteKind kind) {
  return kind == HttpRouteKind::kHttpApi ? "apigw-requestid" : "x-amzn-RequestId";
}

http::Response FailureAnswer(HttpRouteKind kind, GatewayFailure failure,
                             const std::string& request_id) {
  http::Response response;
  switch (kind) {
    case HttpRouteKind::kRestApi:
      switch (failure) {
        case GatewayFailure::kNoRoute:
          response =
              Answer(403, R"({"message":"Missing Authentication Token"})", "application/json");
          response.set("x-amzn-ErrorType", "MissingAuthenticationTokenException");
          break;
        case GatewayFailure::kInvokeRefused:
          response = Answer(500, R"({"message": "Internal server error"})", "application/json");
          break;
        case GatewayFailure::kFunctionFailed:
          response = Answer(502, R"({"message": "Internal server error"})", "application/json");
          break;
        case GatewayFailure::kTimedOut:
          response =
              Answer(504, R"({"message": "Endpoint request timed out"})", "application/json");
          break;
      }
      break;
    case HttpRouteKind::kHttpApi:
      switch (failure) {
        case GatewayFailure::kNoRoute:
          response = Answer(404, R"({"message":"Not Found"})", "application/json");
          break;
        case GatewayFailure::kInvokeRefused:
        case GatewayFailure::kFunctionFailed:
          response = Answer(500, R"({"message":"Internal Server Error"})", "application/json");
          break;
        case GatewayFailure::kTimedOut:
          response = Answer(503, R"({"message":"Service Unavailable"})", "application/json");
          break;
      }
      break;
    case HttpRouteKind::kFunctionUrl:
      response = Answer(failure == GatewayFailure::kInvokeRefused ? 500 : 502,
                        "Internal Server Error", "text/plain");
      break;
  }
  response.set(RequestIdHeader(kind), request_id);
  return response;
}

http::Response MapResult(const HttpRoute& route, const InvokeResult& result,
                         const std::string& request_id) {
  const bool v2 = FormatOf(route) == PayloadFormat::kV2;
  auto failed = [&] {
    return FailureAnswer(route.kind, GatewayFailure::kFunctionFailed, request_id);
  };
  if (!result.function_error.empty()) return failed();
  const Json parsed = Json::parse(result.payload, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return failed();
  std::optional<http::Response> response;
  if (parsed.is_object() && parsed.contains("statusCode")) {
    response = Structured(parsed, v2);
  } else if (v2) {
    response = Answer(200, parsed.is_string() ? parsed.get<std::string>() : result.payload,
                      "application/json");
  }
  if (!response) return failed();
  response->set(RequestIdHeader(route.kind), request_id);
  return *std::move(response);
}

}  // namespace thaw::gateway
