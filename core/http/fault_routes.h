#ifndef THAW_CORE_HTTP_FAULT_ROUTES_H_
#define THAW_CORE_HTTP_FAULT_ROUTES_H_

#include <optional>

#include "core/fault_registry.h"
#include "core/http/http_server.h"

namespace thaw::http {

// The admin API's fault routes, served the same way by `thaw serve` and the standalone fakes:
//   POST   /_thaw/faults        {"service":..., ...} -> 201 {"id":"momento-1"}
//   GET    /_thaw/faults        -> 200 {"faults":[{...spec, "service","id","fired"}]}
//   DELETE /_thaw/faults        -> 200 {"cleared":n}
//   DELETE /_thaw/faults/{id}   -> 200 {"removed":id}, 404 when there is no such fault
// Errors are JsonError bodies ({"error": message}); a bad spec is 400 with FaultRegistry's
// message. Nullopt when `request` is not one of these routes. Call on the registry's thread.
std::optional<Response> RouteFaults(FaultRegistry& faults, const Request& request);

}  // namespace thaw::http

#endif  // THAW_CORE_HTTP_FAULT_ROUTES_H_
