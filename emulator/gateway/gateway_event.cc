#include "emulator/gateway/gateway_event.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/http/query.h"
#include "emulator/control/ids.h"

namespace thaw::gateway {
namespace {

using Json = nlohmann::json;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool IsUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

// Whether API Gateway passes a body of this Content-Type as text: text/*, JSON, XML, JavaScript,
// form data; anything else (images, octet-stream...) is binary. No Content-Type: text when it
// is UTF-8.
bool IsTextBody(const std::string& content_type, const std::string& body) {
  const std::string type = Lower(content_type);
  if (type.empty()) return IsUtf8(body);
  for (const char* text : {"text/", "json", "xml", "javascript", "x-www-form-urlencoded", "yaml",
                           "graphql", "html"}) {
    if (type.find(text) != std::string::npos) return IsUtf8(body);
  }
  return false;
}

struct Parsed {
  std::string raw_path;
  std::string raw_query;
  // Query parameters decoded, in order, repeats kept.
  std::vector<std::pair<std::string, std::string>> query;
  std::string user_agent;
  std::string content_type;
  std::vector<std::string> cookies;
};

Parsed Parse(const GatewayRequest& request) {
  Parsed out;
  const size_t question = request.target.find('?');
  out.raw_path = request.target.substr(0, question);
  if (out.raw_path.empty()) out.raw_path.push_back('/');
  if (question != std::string::npos) out.raw_query = request.target.substr(question + 1);
  size_t start = 0;
  while (start < out.raw_query.size()) {
    const size_t end = std::min(out.raw_query.find('&', start), out.raw_query.size());
    const std::string_view pair = std::string_view(out.raw_query).substr(start, end - start);
    if (!pair.empty()) {
      const size_t equals = pair.find('=');
      out.query.emplace_back(http::PercentDecode(pair.substr(0, equals)),
                             equals == std::string_view::npos
                                 ? std::string()
                                 : http::PercentDecode(pair.substr(equals + 1)));
    }
    start = end + 1;
  }
  for (const auto& [name, value] : request.headers) {
    const std::string lower = Lower(name);
    if (lower == "user-agent") out.user_agent = value;
    if (lower == "content-type") out.content_type = value;
    if (lower == "cookie") {
      size_t from = 0;
      while (from < value.size()) {
        size_t to = std::min(value.find(';', from), value.size());
        std::string cookie = value.substr(from, to - from);
        cookie.erase(0, cookie.find_first_not_of(' '));
        if (!cookie.empty()) out.cookies.push_back(cookie);
        from = to + 1;
      }
    }
  }
  return out;
}

std::string RequestTime(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::strftime(text, sizeof(text), "%d/%b/%Y:%H:%M:%S +0000", &utc);
  return text;
}

int64_t EpochMs(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// Concatenation without operator+ on temporaries, which g++ 12 misreads (-Wrestrict).
std::string Joined(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

std::string DomainPrefix(const std::string& domain) { return domain.substr(0, domain.find('.')); }

// The body and isBase64Encoded.
std::pair<Json, bool> Body(const GatewayRequest& request, const Parsed& parsed, bool v1) {
  if (request.body.empty()) return {v1 ? Json(nullptr) : Json(), false};
  if (IsTextBody(parsed.content_type, request.body)) return {request.body, false};
  return {Base64Encode(request.body), true};
}

Json BuildV1(const HttpRoute& route, const std::map<std::string, std::string>& path_parameters,
             const GatewayRequest& request, const FrontDoor& door, const Parsed& parsed) {
  Json headers = Json::object();
  Json multi_headers = Json::object();
  for (const auto& [name, value] : request.headers) {
    headers[name] = value;
    multi_headers[name].push_back(value);
  }
  Json query = Json::object();
  Json multi_query = Json::object();
  for (const auto& [name, value] : parsed.query) {
    query[name] = value;
    multi_query[name].push_back(value);
  }
  const bool rest = route.kind == HttpRouteKind::kRestApi;
  const std::string resource = route.path == "$default" ? parsed.raw_path : route.path;
  auto [body, base64] = Body(request, parsed, /*v1=*/true);
  Json context = {
      {"accountId", door.account_id},
      {"apiId", door.id},
      {"domainName", door.domain_name},
      {"domainPrefix", DomainPrefix(door.domain_name)},
      {"extendedRequestId", door.request_id},
      {"httpMethod", request.method},
      {"identity",
       {{"accessKey", nullptr},
        {"accountId", nullptr},
        {"caller", nullptr},
        {"cognitoAuthenticationProvider", nullptr},
        {"cognitoAuthenticationType", nullptr},
        {"cognitoIdentityId", nullptr},
        {"cognitoIdentityPoolId", nullptr},
        {"principalOrgId", nullptr},
        {"sourceIp", request.peer_address},
        {"user", nullptr},
        {"userAgent", parsed.user_agent},
        {"userArn", nullptr}}},
      // A REST API's request path names its stage (the execute-api URL's first segment).
      {"path", rest ? Joined({"/", route.stage, parsed.raw_path}) : parsed.raw_path},
      {"protocol", "HTTP/1.1"},
      {"requestId", door.request_id},
      {"requestTime", RequestTime(request.time)},
      {"requestTimeEpoch", EpochMs(request.time)},
      {"resourceId", StableId(Joined({route.method, " ", resource}), 6)},
      {"resourcePath", resource},
      {"stage", route.stage}};
  Json event;
  if (!rest) event["version"] = "1.0";
  event["resource"] = resource;
  event["path"] = parsed.raw_path;
  event["httpMethod"] = request.method;
  event["headers"] = headers.empty() ? Json(nullptr) : headers;
  event["multiValueHeaders"] = multi_headers.empty() ? Json(nullptr) : multi_headers;
  event["queryStringParameters"] = query.empty() ? Json(nullptr) : query;
  event["multiValueQueryStringParameters"] = multi_query.empty() ? Json(nullptr) : multi_query;
  event["pathParameters"] = path_parameters.empty() ? Json(nullptr) : Json(path_parameters);
  event["stageVariables"] = nullptr;
  event["requestContext"] = std::move(context);
  event["body"] = std::move(body);
  event["isBase64Encoded"] = base64;
  return event;
}

Json BuildV2(const HttpRoute& route, const std::map<std::string, std::string>& path_parameters,
             const GatewayRequest& request, const FrontDoor& door, const Parsed& parsed) {
  const bool url = route.kind == HttpRouteKind::kFunctionUrl;
  const std::string route_key =
      url || route.path == "$default" ? "$default" : Joined({route.method, " ", route.path});
  // Header names lower case; repeats joined with commas. Cookies go to `cookies` instead.
  Json headers = Json::object();
  for (const auto& [name, value] : request.headers) {
    const std::string lower = Lower(name);
    if (lower == "cookie") continue;
    if (headers.contains(lower)) {
      headers[lower] = headers[lower].get<std::string>() + "," + value;
    } else {
      headers[lower] = value;
    }
  }
  Json query = Json::object();
  for (const auto& [name, value] : parsed.query) {
    query[name] = query.contains(name) ? query[name].get<std::string>() + "," + value : value;
  }
  Json event = {{"version", "2.0"},
                {"routeKey", route_key},
                {"rawPath", parsed.raw_path},
                {"rawQueryString", parsed.raw_query}};
  if (!parsed.cookies.empty()) event["cookies"] = parsed.cookies;
  event["headers"] = std::move(headers);
  if (!query.empty()) event["queryStringParameters"] = std::move(query);
  Json context = {{"accountId", url ? "anonymous" : door.account_id},
                  {"apiId", door.id},
                  {"domainName", door.domain_name},
                  {"domainPrefix", DomainPrefix(door.domain_name)},
                  {"http",
                   {{"method", request.method},
                    {"path", parsed.raw_path},
                    {"protocol", "HTTP/1.1"},
                    {"sourceIp", request.peer_address},
                    {"userAgent", parsed.user_agent}}},
                  {"requestId", door.request_id},
                  {"routeKey", route_key},
                  {"stage", url ? "$default" : route.stage},
                  {"time", RequestTime(request.time)},
                  {"timeEpoch", EpochMs(request.time)}};
  event["requestContext"] = std::move(context);
  auto [body, base64] = Body(request, parsed, /*v1=*/false);
  if (!body.is_null()) event["body"] = std::move(body);
  if (!url && !path_parameters.empty()) event["pathParameters"] = path_parameters;
  event["isBase64Encoded"] = base64;
  return event;
}

}  // namespace

PayloadFormat FormatOf(const HttpRoute& route) {
  if (route.kind == HttpRouteKind::kRestApi) return PayloadFormat::kV1;
  if (route.kind == HttpRouteKind::kHttpApi && route.payload_format == "1.0") {
    return PayloadFormat::kV1;
  }
  return PayloadFormat::kV2;
}

Json BuildEvent(const HttpRoute& route, const std::map<std::string, std::string>& path_parameters,
                const GatewayRequest& request, const FrontDoor& door) {
  const Parsed parsed = Parse(request);
  return FormatOf(route) == PayloadFormat::kV1
             ? BuildV1(route, path_parameters, request, door, parsed)
             : BuildV2(route, path_parameters, request, door, parsed);
}

std::string StableId(const std::string& name, size_t length) {
  // FNV-1a, then base 36: stable across runs and machines.
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : name) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  static constexpr char kDigits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (size_t i = 0; i < length; ++i) {
    out += kDigits[hash % 36];
    hash /= 36;
    if (hash == 0) hash = 1469598103934665603ull ^ (i + 1);
  }
  return out;
}

}  // namespace thaw::gateway
