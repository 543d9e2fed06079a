#ifndef THAW_HOST_ADMIN_API_H_
#define THAW_HOST_ADMIN_API_H_

#include "core/http/http_server.h"
#include "emulator/control/control_plane.h"
#include "emulator/control/invoke_api.h"
#include "host/emulator_session.h"

namespace thaw {

// The handler of `thaw serve`'s port: the Lambda Invoke API
//   POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=] (CallInvoke)
// and the admin API
//   GET  /_thaw/instances, GET /_thaw/events?since=SEQ&wait_ms=MS, GET /_thaw/metrics,
//   GET  /_thaw/clock, POST /_thaw/clock/advance {"duration":"11m"},
//   POST /_thaw/reap {"function"?, "instance"?}, POST /_thaw/instances/{id}/kill,
//   GET  /_thaw/momento (Momento connections and RPCs per instance),
//   GET  /_thaw/aws (AWS requests per instance),
//   POST /_thaw/faults {"service":"momento"|"aws", ...} -> 201 {"id"}, GET /_thaw/faults,
//   DELETE /_thaw/faults (all), DELETE /_thaw/faults/{id} (http::RouteFaults over `faults`).
// `session` must outlive the handler. Strand-confined to the session's io_context.
http::Handler MakeApiHandler(EmulatorSession& session);

// The options of the server MakeApiHandler is given to: its own answers (malformed request,
// header too large, too many connections, a failed handler) are Lambda rest-json errors
// (x-amzn-ErrorType, {"Type","Message"}), as an SDK expects on this port.
http::HttpServer::Options ApiServerOptions();

}  // namespace thaw

#endif  // THAW_HOST_ADMIN_API_H_
