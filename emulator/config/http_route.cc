#include "emulator/config/http_route.h"

#include <array>
#include <cctype>

#include "absl/status/status.h"

namespace thaw {
namespace {

// The methods API Gateway routes take (ANY aside).
constexpr std::array<std::string_view, 7> kMethods = {"GET",    "POST", "PUT",    "PATCH",
                                                      "DELETE", "HEAD", "OPTIONS"};

bool IsParameterNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

}  // namespace

absl::StatusOr<std::string> NormalizeHttpMethod(std::string_view method) {
  std::string upper;
  for (char c : method) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "*" || upper == "ANY") return std::string("ANY");
  for (std::string_view known : kMethods) {
    if (upper == known) return upper;
  }
  return absl::InvalidArgumentError("'" + std::string(method) +
                                    "' is not an HTTP method (GET, POST, PUT, PATCH, DELETE, "
                                    "HEAD, OPTIONS or ANY)");
}

std::optional<std::string> CheckRoutePath(std::string_view path) {
  const std::string quoted = "'" + std::string(path) + "'";
  if (path.empty() || path[0] != '/') return quoted + ": a route path starts with /";
  if (path == "/") return std::nullopt;
  size_t start = 1;
  while (true) {
    const size_t end = path.find('/', start);
    const std::string_view segment =
        path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const bool last = end == std::string_view::npos;
    if (segment.empty()) return quoted + ": empty path segment (// or a trailing /)";
    // A parameter is the whole segment: one { first and one } last.
    const bool braced = segment.front() == '{' && segment.back() == '}' &&
                        segment.find_first_of("{}", 1) == segment.size() - 1;
    if (!braced) {
      if (segment.find_first_of("{}") != std::string_view::npos) {
        return quoted + ": a parameter is a whole segment, {name} or a last {name+}";
      }
    } else {
      std::string_view name = segment.substr(1, segment.size() - 2);
      const bool greedy = !name.empty() && name.back() == '+';
      if (greedy) name.remove_suffix(1);
      if (name.empty()) return quoted + ": a parameter needs a name ({name})";
      for (char c : name) {
        if (!IsParameterNameChar(c)) {
          return quoted + ": parameter names hold letters, digits, _, - and . only";
        }
      }
      if (greedy && !last) return quoted + ": only the last segment may be greedy ({name+})";
    }
    if (last) return std::nullopt;
    start = end + 1;
  }
}

absl::StatusOr<RouteKey> ParseRouteKey(std::string_view key) {
  if (key == kDefaultRouteKey) return RouteKey{"ANY", std::string(kDefaultRouteKey)};
  const size_t space = key.find(' ');
  if (space == std::string_view::npos) {
    return absl::InvalidArgumentError("'" + std::string(key) +
                                      "' is not a route: expected \"METHOD /path\" or $default");
  }
  auto method = NormalizeHttpMethod(key.substr(0, space));
  if (!method.ok()) return method.status();
  const std::string_view path = key.substr(space + 1);
  if (auto problem = CheckRoutePath(path)) return absl::InvalidArgumentError(*problem);
  return RouteKey{*std::move(method), std::string(path)};
}

std::optional<std::string> CheckUrlAuthType(std::string_view auth_type) {
  if (auth_type == "NONE" || auth_type == "AWS_IAM") return std::nullopt;
  return "'" + std::string(auth_type) + "': a function URL's AuthType is NONE or AWS_IAM";
}

HttpRoute FunctionUrlRoute(std::string auth_type, std::string source) {
  HttpRoute route;
  route.kind = HttpRouteKind::kFunctionUrl;
  route.method = "ANY";
  route.path = "/";
  route.payload_format = "2.0";
  route.stage = std::string(kDefaultRouteKey);
  route.auth_type = std::move(auth_type);
  route.source = std::move(source);
  return route;
}

std::string_view HttpRouteKindName(HttpRouteKind kind) {
  switch (kind) {
    case HttpRouteKind::kRestApi:
      return "REST API";
    case HttpRouteKind::kHttpApi:
      return "HTTP API";
    case HttpRouteKind::kFunctionUrl:
      return "function URL";
  }
  return "HTTP route";
}

}  // namespace thaw
