#ifndef THAW_EMULATOR_GATEWAY_ROUTE_TABLE_H_
#define THAW_EMULATOR_GATEWAY_ROUTE_TABLE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/config/http_route.h"
#include "emulator/config/thaw_config.h"

namespace thaw::gateway {

// A route and the function it reaches.
struct RouteEntry {
  std::string function;
  HttpRoute route;
};

// A request matched to its route.
struct RouteMatch {
  const RouteEntry* entry = nullptr;
  // `{name}` and `{name+}` values, percent-decoded; empty when the route has none.
  std::map<std::string, std::string> path_parameters;
};

// The API Gateway routes of a configuration (REST and HTTP API routes; function URLs have their
// own listeners), matched the way API Gateway picks a route: the route whose path is the most
// specific wins (a literal segment over a `{parameter}` over a greedy `{proxy+}`, compared
// segment by segment from the left), then one naming the method over ANY; an HTTP API's
// `$default` only when nothing else matches. A trailing slash is ignored ("/orders/" is
// "/orders").
//
// Immutable after construction; safe to read from any thread.
class RouteTable {
 public:
  explicit RouteTable(const ThawConfig& config);

  // The route for `method` (upper case) and `path` (as sent, percent-encoded, no query), or
  // nullopt.
  std::optional<RouteMatch> Match(std::string_view method, std::string_view path) const;

  // In the order Match prefers them.
  const std::vector<RouteEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  // Which front door answers "no route" for `path`: the kind of a route with this path (for
  // another method), else REST's when every route is a REST API's, else an HTTP API's.
  HttpRouteKind NotFoundKind(std::string_view path) const;

 private:
  std::vector<RouteEntry> entries_;
};

}  // namespace thaw::gateway

#endif  // THAW_EMULATOR_GATEWAY_ROUTE_TABLE_H_
