#ifndef THAW_EMULATOR_CONTROL_INVOKE_API_H_
#define THAW_EMULATOR_CONTROL_INVOKE_API_H_

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "core/aws_error.h"
#include "core/http/http_server.h"
#include "emulator/control/control_plane.h"
#include "emulator/control/invocation.h"

namespace thaw {

// Largest synchronous request payload (6 MB) and asynchronous one (1 MB), in bytes.
inline constexpr size_t kMaxSyncPayload = 6291456;
inline constexpr size_t kMaxAsyncPayload = 1048576;

// One call of Lambda's Invoke operation as its caller made it, before any validation. The HTTP
// front fills it from the path, query and headers; thaw::testing and scenario steps fill it
// directly, so all three get the same validation and the same errors.
struct InvokeCall {
  // FunctionName as sent (percent-decoded): a name, a partial ARN or a full ARN, maybe with a
  // qualifier.
  std::string function_name;
  std::string qualifier;        // ?Qualifier=
  std::string invocation_type;  // X-Amz-Invocation-Type: "" (RequestResponse), Event, DryRun
  std::string log_type;         // X-Amz-Log-Type: "" (None), None, Tail
  std::string client_context;   // X-Amz-Client-Context, base64 as sent
  std::string payload;          // "" stands for {}
  // The transport refused to read a body over its limit (the payload is then incomplete).
  bool payload_too_large = false;
};

// How the Invoke operation answered.
struct InvokeAnswer {
  // Not OK when the API refused the call (validation, resolution, throttling...) and nothing
  // ran: an AWS error (core/aws_error.h).
  absl::Status error;
  // 200 (RequestResponse: `result` holds the function's answer), 202 (Event: queued, the
  // request id is the event's), 204 (DryRun); the error's status when `error` is set.
  unsigned status = 200;
  std::string request_id;
  bool tail_log = false;  // the caller asked for the log tail (RequestResponse + Tail)
  InvokeResult result;
};

// The Invoke call an HTTP request to the Invoke API's path
//   POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=]
// makes: FunctionName percent-decoded from the path, the qualifier from the query, the X-Amz-*
// headers, and the body (moved out of `request`). Nullopt when the request's path is not the
// Invoke path; the method is the caller's to check. Pure.
std::optional<InvokeCall> InvokeCallFromHttp(http::Request& request, bool body_too_large);

// CallInvoke's checks that need no control plane, in its order after the FunctionName is
// resolved: the invocation and log type enums, the payload size for the type, the payload's
// JSON and the client context. OK, or the AWS error CallInvoke refuses the call with. Pure.
absl::Status CheckInvokeCall(const InvokeCall& call);

// Lambda's Invoke operation over `control`: validates `call` the way the service does
// (invocation and log type enums, payload size for the type, payload JSON, FunctionName and
// qualifier resolution), then runs it synchronously, queues it (Event) or only checks it
// (DryRun). Errors carry the service's types and messages. Runs on the control plane's
// io_context.
boost::asio::awaitable<InvokeAnswer> CallInvoke(ControlPlane& control, InvokeCall call);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_INVOKE_API_H_
