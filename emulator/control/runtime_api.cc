#include "emulator/control/runtime_api.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include "core/json_text.h"
#include "emulator/control/instance.h"
#include "nlohmann/json.hpp"

namespace thaw {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr std::string_view kPrefix = "/2018-06-01/runtime/";

http::Response Error(const http::Request& request, unsigned status, const std::string& type,
                     const std::string& message) {
  return http::MakeResponse(
      request, status, JsonText(nlohmann::json{{"errorMessage", message}, {"errorType", type}}));
}

http::Response Accepted(const http::Request& request) {
  return http::MakeResponse(request, 202, R"({"status":"OK"})");
}

http::Response PostAnswer(const http::Request& request, Instance::PostStatus status) {
  switch (status) {
    case Instance::PostStatus::kAccepted:
      return Accepted(request);
    case Instance::PostStatus::kInvalidRequestId:
      return Error(request, 400, "InvalidRequestID", "Invalid request ID");
    case Instance::PostStatus::kInvalidState:
      return Error(request, 403, "InvalidStateTransition",
                   "State transition is not allowed: the runtime has already answered this "
                   "request or init is over");
    case Instance::PostStatus::kTooLarge:
      return Error(request, 413, "RequestEntityTooLarge",
                   "Exceeded maximum allowed payload size (6291556 bytes).");
  }
  return Error(request, 500, "Runtime.Unknown", "unexpected state");
}

}  // namespace

std::string NormalizeErrorType(std::string_view header) {
  // (Runtime|Function)\.[A-Z][a-zA-Z]+, checked by hand: std::regex matches recursively, a
  // frame per character, and a header of some 30,000 letters overflowed the stack.
  const auto valid_after = [header](std::string_view prefix) {
    if (header.substr(0, prefix.size()) != prefix) return false;
    const std::string_view name = header.substr(prefix.size());
    const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    return name.size() >= 2 && name[0] >= 'A' && name[0] <= 'Z' &&
           std::all_of(name.begin(), name.end(), letter);
  };
  if (valid_after("Runtime.") || valid_after("Function.")) return std::string(header);
  if (header.substr(0, 9) == "Function.") return "Function.Unknown";
  return "Runtime.Unknown";
}

// The runtime's answer to an event, answered. When it ended the invocation, the caller's Invoke
// was woken (its resumption is queued on this executor): one yield lets that caller's answer go
// out before this 202. The caller is waiting on its answer; the runtime is done with the event,
// and thaw's bootstraps do not even wait for the 202 (they send /next along with the answer).
// Measured (thaw_runtime_bench --b-thaw, 8 rounds): Node.js's p50 at c1 0.79x per round, better
// in 7 of 8 rounds; Python's within noise.
asio::awaitable<http::Response> AnswerAfterCaller(const http::Request& request,
                                                  Instance::PostStatus status) {
  if (status == Instance::PostStatus::kAccepted || status == Instance::PostStatus::kTooLarge) {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  }
  co_return PostAnswer(request, status);
}

asio::awaitable<http::Response> HandleRuntimeApi(std::shared_ptr<Instance> instance,
                                                 http::Request& request,
                                                 const http::RequestContext& context) {
  const std::string_view target = request.target();
  std::string_view path = target.substr(0, target.find('?'));
  if (path.substr(0, kPrefix.size()) != kPrefix) {
    co_return Error(request, 404, "InvalidRequest", "Unknown Runtime API path");
  }
  path.remove_prefix(kPrefix.size());
  const auto method = request.method();

  if (path == "invocation/next") {
    if (method != beast::http::verb::get) {
      co_return Error(request, 405, "MethodNotAllowed", "Use GET for invocation/next");
    }
    if (instance->HasUndeliveredAnswer()) {
      co_return Error(request, 403, "InvalidStateTransition",
                      "State transition from Invoking to Next is not allowed: the current "
                      "invocation has no answer yet");
    }
    absl::StatusOr<std::shared_ptr<Invocation>> next = co_await instance->NextEvent(context.client);
    if (absl::IsFailedPrecondition(next.status())) {
      co_return Error(request, 403, "InvalidStateTransition",
                      "State transition from Next to Next is not allowed: a newer "
                      "invocation/next replaced this one (one runtime polls for one event)");
    }
    if (!next.ok()) {
      co_return Error(request, 500, "Runtime.Unknown", "The execution environment is gone.");
    }
    const std::shared_ptr<Invocation> inv = *std::move(next);
    http::Response response = http::MakeResponse(request, 200, inv->request.payload);
    // Every value is made or checked by thaw (the client context by ClientContextForRuntime);
    // this is the last line: a value that could end the field is left out, never written.
    const auto set = [&response](std::string_view name, const std::string& value) {
      if (http::IsValidFieldValue(value)) response.set(name, value);
    };
    set("Lambda-Runtime-Aws-Request-Id", inv->request_id);
    // On the instance's own clock, which virtual time may have moved ahead of real time: the
    // runtime's getRemainingTimeInMillis() subtracts its Date.now() from it.
    set("Lambda-Runtime-Deadline-Ms",
        std::to_string(
            inv->deadline_epoch_ms +
            std::chrono::duration_cast<std::chrono::milliseconds>(instance->clock_offset())
                .count()));
    set("Lambda-Runtime-Invoked-Function-Arn", instance->function_arn());
    set("Lambda-Runtime-Trace-Id", inv->trace_id);
    if (!inv->client_context_json.empty()) {
      set("Lambda-Runtime-Client-Context", inv->client_context_json);
    }
    co_return response;
  }

  if (path == "init/error") {
    if (method != beast::http::verb::post) {
      co_return Error(request, 405, "MethodNotAllowed", "Use POST for init/error");
    }
    const std::string type = NormalizeErrorType(request["Lambda-Runtime-Function-Error-Type"]);
    co_return PostAnswer(request, instance->PostInitError(type, std::move(request.body())));
  }

  constexpr std::string_view kInvocation = "invocation/";
  if (path.substr(0, kInvocation.size()) == kInvocation && method == beast::http::verb::post) {
    std::string_view rest = path.substr(kInvocation.size());
    const size_t slash = rest.find('/');
    if (slash != std::string_view::npos) {
      const std::string id(rest.substr(0, slash));
      const std::string_view action = rest.substr(slash + 1);
      if (action == "response") {
        co_return co_await AnswerAfterCaller(
            request, instance->PostResponse(id, std::move(request.body()), context.body_too_large));
      }
      if (action == "error") {
        const std::string type = NormalizeErrorType(request["Lambda-Runtime-Function-Error-Type"]);
        co_return co_await AnswerAfterCaller(
            request, instance->PostError(id, type, std::move(request.body())));
      }
    }
  }
  co_return Error(request, 404, "InvalidRequest", "Unknown Runtime API path");
}

}  // namespace thaw
