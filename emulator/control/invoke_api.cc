#include "emulator/control/invoke_api.h"

#include <utility>

#include "core/http/query.h"
#include "emulator/control/ids.h"
#include "nlohmann/json.hpp"

namespace thaw {
namespace {

absl::Status EnumError(const std::string& value, const std::string& member,
                       const std::string& set) {
  return AwsError("ValidationException",
                  "1 validation error detected: Value '" + value + "' at '" + member +
                      "' failed to satisfy constraint: Member must satisfy enum value set: [" +
                      set + "]");
}

InvokeAnswer Refused(absl::Status error, std::string request_id) {
  InvokeAnswer answer;
  answer.status = AwsHttpStatus(error);
  answer.error = std::move(error);
  answer.request_id = std::move(request_id);
  return answer;
}

}  // namespace

std::optional<InvokeCall> InvokeCallFromHttp(http::Request& request, bool body_too_large) {
  constexpr std::string_view kInvokePrefix = "/2015-03-31/functions/";
  constexpr std::string_view kInvokeSuffix = "/invocations";
  const std::string_view target = request.target();
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  if (path.size() <= kInvokePrefix.size() + kInvokeSuffix.size() ||
      path.substr(0, kInvokePrefix.size()) != kInvokePrefix ||
      path.substr(path.size() - kInvokeSuffix.size()) != kInvokeSuffix) {
    return std::nullopt;
  }
  InvokeCall call;
  call.function_name = http::PercentDecode(
      path.substr(kInvokePrefix.size(), path.size() - kInvokePrefix.size() - kInvokeSuffix.size()));
  call.qualifier = http::QueryParam(query, "Qualifier");
  call.invocation_type = std::string(request["X-Amz-Invocation-Type"]);
  call.log_type = std::string(request["X-Amz-Log-Type"]);
  call.client_context = std::string(request["X-Amz-Client-Context"]);
  call.payload_too_large = body_too_large;
  call.payload = std::move(request.body());
  return call;
}

absl::Status CheckInvokeCall(const InvokeCall& call) {
  const std::string type = call.invocation_type.empty() ? "RequestResponse" : call.invocation_type;
  if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
    return EnumError(type, "invocationType", "Event, RequestResponse, DryRun");
  }
  const std::string log_type = call.log_type.empty() ? "None" : call.log_type;
  if (log_type != "None" && log_type != "Tail") {
    return EnumError(log_type, "logType", "None, Tail");
  }
  const size_t limit = type == "Event" ? kMaxAsyncPayload : kMaxSyncPayload;
  if (call.payload_too_large || call.payload.size() > limit) {
    return AwsError("RequestEntityTooLargeException",
                    "Request must be smaller than " + std::to_string(limit) +
                        " bytes for the InvokeFunction operation",
                    413);
  }
  // Both sides string_view: a std::string temporary here would leave the view dangling.
  const std::string_view payload =
      call.payload.empty() ? std::string_view("{}") : std::string_view(call.payload);
  if (!nlohmann::json::accept(payload)) {
    std::string detail = "Unexpected content";
    try {
      [[maybe_unused]] auto parsed = nlohmann::json::parse(payload);
    } catch (const nlohmann::json::exception& e) {
      // A parse error, or out_of_range for a number past a double's range ("1E400").
      detail = e.what();
    }
    return AwsError("InvalidRequestContentException",
                    "Could not parse request body into json: Could not parse "
                    "payload into json: " +
                        detail);
  }
  // Checked here, not only when the event reaches an instance: an Event invoke is answered 202
  // before that, and its caller would never see the 400.
  if (!call.client_context.empty()) {
    if (absl::StatusOr<std::string> context = ClientContextForRuntime(call.client_context);
        !context.ok()) {
      return context.status();
    }
  }
  return absl::OkStatus();
}

boost::asio::awaitable<InvokeAnswer> CallInvoke(ControlPlane& control, InvokeCall call) {
  const std::string api_request_id = NewRequestId();
  absl::StatusOr<std::string> name = control.Resolve(call.function_name, call.qualifier);
  if (!name.ok()) co_return Refused(name.status(), api_request_id);
  if (absl::Status checked = CheckInvokeCall(call); !checked.ok()) {
    co_return Refused(std::move(checked), api_request_id);
  }
  const std::string type = call.invocation_type.empty() ? "RequestResponse" : call.invocation_type;
  const std::string log_type = call.log_type.empty() ? "None" : call.log_type;
  std::string payload = std::move(call.payload);
  if (payload.empty()) payload = "{}";

  InvokeAnswer answer;
  if (type == "DryRun") {
    answer.status = 204;
    answer.request_id = api_request_id;
    co_return answer;
  }
  InvokeRequest request;
  request.function = *std::move(name);
  request.payload = std::move(payload);
  request.client_context = std::move(call.client_context);
  request.tail_log = log_type == "Tail" && type == "RequestResponse";
  answer.tail_log = request.tail_log;
  if (type == "Event") {
    // Queued and retried like Lambda's asynchronous invocations; the outcome is in the ledger.
    absl::StatusOr<std::string> event_id = control.InvokeAsync(std::move(request));
    if (!event_id.ok()) co_return Refused(event_id.status(), api_request_id);
    answer.status = 202;
    answer.request_id = *std::move(event_id);
    co_return answer;
  }
  absl::StatusOr<InvokeResult> outcome = co_await control.Invoke(std::move(request));
  if (!outcome.ok()) co_return Refused(outcome.status(), api_request_id);
  answer.status = 200;
  answer.request_id = outcome->request_id;
  answer.result = *std::move(outcome);
  co_return answer;
}

}  // namespace thaw
