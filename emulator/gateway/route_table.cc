#include "emulator/gateway/route_table.h"

#include <algorithm>
#include <tuple>

#include "core/http/query.h"

namespace thaw::gateway {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    const size_t end = std::min(path.find('/', start), path.size());
    out.push_back(path.substr(start, end - start));
    start = end;
  }
  return out;
}

bool IsParameter(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

bool IsGreedy(std::string_view segment) {
  return IsParameter(segment) && segment.size() >= 3 && segment[segment.size() - 2] == '+';
}

// "{name}" and "{name+}" -> "name".
std::string ParameterName(std::string_view segment) {
  segment.remove_prefix(1);
  segment.remove_suffix(1);
  if (!segment.empty() && segment.back() == '+') segment.remove_suffix(1);
  return std::string(segment);
}

// Per segment: 0 literal, 1 parameter, 2 greedy (lower sorts first); `$default` sorts last.
std::vector<int> Specificity(const HttpRoute& route) {
  if (route.path == "$default") return {3};
  std::vector<int> out;
  for (std::string_view segment : Segments(route.path)) {
    out.push_back(IsGreedy(segment) ? 2 : IsParameter(segment) ? 1 : 0);
  }
  out.push_back(-1);  // a shorter literal path before a longer one with the same prefix
  return out;
}

bool MethodMatches(const HttpRoute& route, std::string_view method) {
  return route.method == "ANY" || route.method == method;
}

// Matches `path`'s segments against the route's; fills the parameters.
bool PathMatches(const HttpRoute& route, const std::vector<std::string_view>& path,
                 std::map<std::string, std::string>& parameters) {
  if (route.path == "$default") return true;
  const std::vector<std::string_view> pattern = Segments(route.path);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsGreedy(pattern[i])) {
      // A greedy parameter takes one segment or more.
      if (i >= path.size()) return false;
      std::string rest;
      for (size_t j = i; j < path.size(); ++j) {
        if (j > i) rest += '/';
        rest += http::PercentDecode(path[j]);
      }
      parameters[ParameterName(pattern[i])] = rest;
      return true;
    }
    if (i >= path.size()) return false;
    if (IsParameter(pattern[i])) {
      parameters[ParameterName(pattern[i])] = http::PercentDecode(path[i]);
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return pattern.size() == path.size();
}

}  // namespace

RouteTable::RouteTable(const ThawConfig& config) {
  for (const auto& [name, function] : config.functions) {
    for (const HttpRoute& route : function.http_routes) {
      if (route.kind == HttpRouteKind::kFunctionUrl) continue;
      entries_.push_back({name, route});
    }
  }
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const RouteEntry& a, const RouteEntry& b) {
                     return std::make_tuple(Specificity(a.route), a.route.method == "ANY") <
                            std::make_tuple(Specificity(b.route), b.route.method == "ANY");
                   });
}

std::optional<RouteMatch> RouteTable::Match(std::string_view method,
                                            std::string_view path) const {
  const std::vector<std::string_view> segments = Segments(path);
  for (const RouteEntry& entry : entries_) {
    if (!MethodMatches(entry.route, method)) continue;
    RouteMatch match;
    match.entry = &entry;
    if (PathMatches(entry.route, segments, match.path_parameters)) return match;
  }
  return std::nullopt;
}

HttpRouteKind RouteTable::NotFoundKind(std::string_view path) const {
  const std::vector<std::string_view> segments = Segments(path);
  for (const RouteEntry& entry : entries_) {
    std::map<std::string, std::string> ignored;
    if (entry.route.path != "$default" && PathMatches(entry.route, segments, ignored)) {
      return entry.route.kind;
    }
  }
  const bool only_rest =
      !entries_.empty() && std::all_of(entries_.begin(), entries_.end(), [](const RouteEntry& e) {
        return e.route.kind == HttpRouteKind::kRestApi;
      });
  return only_rest ? HttpRouteKind::kRestApi : HttpRouteKind::kHttpApi;
}

}  // namespace thaw::gateway
