#ifndef THAW_EMULATOR_CONFIG_HTTP_ROUTE_H_
#define THAW_EMULATOR_CONFIG_HTTP_ROUTE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace thaw {

// Which AWS front door an HTTP route stands for. It decides the event the function gets and how
// its answer becomes the HTTP response (emulator/gateway).
enum class HttpRouteKind {
  // An API Gateway REST API (SAM `Api`, serverless.yml `http`, AWS::ApiGateway::*): the v1 proxy
  // event ("httpMethod", "multiValueHeaders", ...).
  kRestApi,
  // An API Gateway HTTP API (SAM `HttpApi`, serverless.yml `httpApi`, AWS::ApiGatewayV2::*):
  // payload format 2.0 by default ("version": "2.0", "rawPath", "cookies", ...), or 1.0.
  kHttpApi,
  // A Lambda function URL (SAM `FunctionUrlConfig`, serverless.yml `url`, AWS::Lambda::Url):
  // payload 2.0 with the URL's request context; every method and path reaches the function.
  kFunctionUrl,
};

// One HTTP route to a function, as its configuration declares it. Plain value type.
struct HttpRoute {
  HttpRouteKind kind = HttpRouteKind::kHttpApi;
  // "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" or "ANY"; upper case.
  std::string method = "ANY";
  // The resource path as declared: literal segments, `{name}` parameters and a last greedy
  // `{name+}` ("/orders/{id}", "/{proxy+}"). "$default" is an HTTP API's default route (any
  // method, any path not matched by another route). A function URL's is "/" (it takes every
  // path).
  std::string path;
  // "2.0" or "1.0": the event's payload format. REST APIs always "1.0"; function URLs "2.0".
  std::string payload_format = "2.0";
  // The stage named in the event's request context: a REST API's stage name (SAM's implicit API:
  // "Prod"; serverless.yml: the provider's stage, "dev" by default), "$default" for HTTP APIs
  // unless declared otherwise. Local URLs do not include it (as `sam local start-api`).
  std::string stage;
  // The API the route belongs to: the template's logical id or name of an explicit API
  // (RestApiId / ApiId / a CDK RestApi), empty for the implicit one. Routes of one API share
  // its id in the request context.
  std::string api;
  // Function URLs: "NONE" or "AWS_IAM" (AuthType).
  std::string auth_type = "NONE";
  // Where it was declared, for messages ("template.yaml: Events.GetOrder").
  std::string source;

  friend bool operator==(const HttpRoute&, const HttpRoute&) = default;
};

// HttpRoute::path of an HTTP API's default route, and the route key that declares it.
inline constexpr std::string_view kDefaultRouteKey = "$default";

// The route checks every loader shares (thaw.yaml, SAM / CloudFormation and CDK templates,
// serverless.yml), so a route means the same whichever file declares it. Each returns the
// problem as a message (InvalidArgument) for the loader to place at its own key.

// The method as HttpRoute stores it: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS in any case,
// or ANY / "*" (the Framework's any method), all upper case "ANY".
absl::StatusOr<std::string> NormalizeHttpMethod(std::string_view method);

// Why `path` cannot be a route's resource path, or nothing: it starts with "/", has no empty
// segment (but "/" itself), each segment is literal or a whole `{name}` (name: letters, digits,
// _ - .), and only the last may be greedy `{name+}`. "$default" is not a path (see
// ParseRouteKey).
std::optional<std::string> CheckRoutePath(std::string_view path);

// A route key as API Gateway HTTP APIs write it: "GET /orders/{id}" (one space; the method as
// NormalizeHttpMethod takes it, the path checked by CheckRoutePath) or "$default", whose method
// is "ANY".
struct RouteKey {
  std::string method;
  std::string path;
};
absl::StatusOr<RouteKey> ParseRouteKey(std::string_view key);

// Why `auth_type` cannot be a function URL's AuthType (NONE or AWS_IAM), or nothing.
std::optional<std::string> CheckUrlAuthType(std::string_view auth_type);

// A function URL's one route: every method and path ("ANY /"), payload 2.0, stage "$default"
// (what a URL's request context says), with `auth_type` NONE or AWS_IAM.
HttpRoute FunctionUrlRoute(std::string auth_type, std::string source);

// "REST API", "HTTP API" or "function URL", for messages.
std::string_view HttpRouteKindName(HttpRouteKind kind);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_HTTP_ROUTE_H_
