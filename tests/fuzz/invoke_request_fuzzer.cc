// The Invoke API's front: raw bytes read as HttpServer reads a request, the request made into an
// InvokeCall (path, query, X-Amz-* headers, body), the FunctionName parsed as the control plane
// resolves it, and CallInvoke's own checks (enums, payload size and JSON, client context).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/aws_error.h"
#include "core/http/http_server.h"
#include "core/json_text.h"
#include "emulator/control/control_plane.h"
#include "emulator/control/function_reference.h"
#include "emulator/control/invoke_api.h"
#include "tests/fuzz/fuzz_http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const thaw::http::HttpServer::Options limits;
  thaw::fuzz::ForEachRequest(
      input, limits.header_limit, limits.body_limit,
      [](thaw::http::Request& request, bool body_too_large) {
        std::optional<thaw::InvokeCall> call = thaw::InvokeCallFromHttp(request, body_too_large);
        if (!call) return;
        (void)thaw::ParseFunctionReference(call->function_name);
        (void)thaw::ParseFunctionReference(call->function_name + ":" + call->qualifier);
        const absl::Status checked = thaw::CheckInvokeCall(*call);
        if (!checked.ok()) {
          // What the Invoke API answers with.
          (void)thaw::AwsHttpStatus(checked);
          (void)thaw::AwsErrorType(checked);
          (void)thaw::LambdaErrorBody(checked);
        }
        if (!call->client_context.empty()) {
          absl::StatusOr<std::string> context = thaw::ClientContextForRuntime(call->client_context);
          // What the runtime gets must be a header value it can be sent in.
          if (context.ok() && !thaw::http::IsValidFieldValue(*context)) __builtin_trap();
        }
      });
  return 0;
}
