#ifndef THAW_EMULATOR_CONTROL_INVOCATION_H_
#define THAW_EMULATOR_CONTROL_INVOCATION_H_

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/json_text.h"

namespace thaw {

// What a caller asks for.
struct InvokeRequest {
  std::string function;        // a function name known to the control plane
  std::string payload;         // JSON text, already validated
  std::string client_context;  // X-Amz-Client-Context as sent (base64), may be empty
  bool tail_log = false;
};

// The answer a function gave (or the platform gave for it).
struct InvokeResult {
  std::string payload;
  // Empty on success; "Unhandled" on a function error, timeout or crash.
  std::string function_error;
  // The invocation's log (START ... REPORT), only when the request asked for the tail.
  std::string log;
  std::string request_id;
  int64_t instance = 0;
};

// A function error's payload as Lambda writes it for an error of the platform's (a crash, a
// timeout, a response too large): {"errorType":...,"errorMessage":...}. Pure.
inline std::string FunctionErrorPayload(const std::string& type, const std::string& message) {
  return JsonText(nlohmann::json{{"errorType", type}, {"errorMessage", message}});
}

// One invocation in flight. Shared by the caller's coroutine, the instance serving it and the
// Runtime API. Strand-confined to the control plane's io_context.
struct Invocation {
  explicit Invocation(boost::asio::any_io_executor executor) : wake(executor) {}

  InvokeRequest request;
  std::string request_id;
  std::string trace_id;
  // X-Amz-Client-Context decoded (the runtime gets JSON, the caller sends base64).
  std::string client_context_json;
  // When the event times out, set and enforced by the instance that holds it: the init limit
  // plus the timeout while the event waits for a new instance, then delivery time plus the
  // function timeout.
  std::chrono::steady_clock::time_point deadline;
  int64_t deadline_epoch_ms = 0;
  std::chrono::steady_clock::time_point delivered_at;
  bool delivered = false;
  std::optional<InvokeResult> result;
  // Cancelled to wake the caller when `result` is set.
  boost::asio::steady_timer wake;
  std::string log;

  void Complete(InvokeResult r) {
    if (result) return;
    result = std::move(r);
    wake.cancel();
  }
};

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_INVOCATION_H_
