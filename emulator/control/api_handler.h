#ifndef THAW_EMULATOR_CONTROL_API_HANDLER_H_
#define THAW_EMULATOR_CONTROL_API_HANDLER_H_

#include "emulator/control/control_plane.h"
#include "core/http/http_server.h"

namespace thaw {

// The handler of `thaw serve`'s port: the Lambda Invoke API
//   POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=]
// and the admin API
//   GET  /_thaw/instances, GET /_thaw/events?since=SEQ&wait_ms=MS, GET /_thaw/metrics,
//   GET  /_thaw/clock, POST /_thaw/clock/advance {"duration":"11m"},
//   POST /_thaw/reap {"function"?, "instance"?}, POST /_thaw/instances/{id}/kill,
//   GET  /_thaw/momento (Momento connections and RPCs per instance),
//   GET  /_thaw/aws (AWS requests per instance),
//   POST /_thaw/faults {"service":"momento"|"aws", ...} -> 201 {"id"}, GET /_thaw/faults,
//   DELETE /_thaw/faults (all), DELETE /_thaw/faults/{id} (see each FaultTarget for fields).
// `control` must outlive the handler. Strand-confined to the control plane's io_context.
http::Handler MakeApiHandler(ControlPlane& control);

// Largest synchronous request payload (6 MB) and asynchronous one (1 MB), in bytes.
inline constexpr size_t kMaxSyncPayload = 6291456;
inline constexpr size_t kMaxAsyncPayload = 1048576;

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_API_HANDLER_H_
