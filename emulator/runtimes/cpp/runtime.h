#ifndef THAW_EMULATOR_RUNTIMES_CPP_RUNTIME_H_
#define THAW_EMULATOR_RUNTIMES_CPP_RUNTIME_H_

#include <chrono>
#include <functional>
#include <string>

// thaw::runtime: a small Lambda Runtime API client for C++ handlers (custom runtimes:
// provided, provided.al2, provided.al2023). It works against thaw and against AWS Lambda.
//
//   int main() {
//     return thaw::runtime::Run([](const thaw::runtime::InvocationRequest& req) {
//       return thaw::runtime::InvocationResponse::Success(req.payload);
//     });
//   }
namespace thaw::runtime {

// One event, with the Lambda-Runtime-* headers that came with it.
struct InvocationRequest {
  std::string payload;
  std::string request_id;
  std::string function_arn;
  std::string trace_id;
  std::string client_context;    // JSON, empty when none
  std::string cognito_identity;  // JSON, empty when none
  std::string content_type;
  std::chrono::system_clock::time_point deadline;

  std::chrono::milliseconds RemainingTime() const;
};

// What the handler answers: a payload, or an error reported through /error.
class InvocationResponse {
 public:
  static InvocationResponse Success(std::string payload,
                                    std::string content_type = "application/json");
  // `error_type` is the errorType in the body; the Lambda-Runtime-Function-Error-Type header
  // gets "Function.<error_type>"-style validation on the server side.
  static InvocationResponse Failure(std::string error_type, std::string error_message);

  bool success() const { return success_; }
  const std::string& payload() const { return payload_; }
  const std::string& content_type() const { return content_type_; }
  const std::string& error_type() const { return error_type_; }

 private:
  bool success_ = true;
  std::string payload_;
  std::string content_type_;
  std::string error_type_;
};

using Handler = std::function<InvocationResponse(const InvocationRequest&)>;

// Serves events forever: GET /next, call `handler`, POST its answer. Returns (with a non-zero
// exit code) only when AWS_LAMBDA_RUNTIME_API is missing or the Runtime API cannot be reached.
// A handler that throws is reported as an error of type "Runtime.UnhandledException".
int Run(const Handler& handler);

// Reports an initialization failure through /runtime/init/error. Returns true when accepted.
// The runtime should exit afterwards.
bool ReportInitError(const std::string& error_type, const std::string& error_message);

}  // namespace thaw::runtime

#endif  // THAW_EMULATOR_RUNTIMES_CPP_RUNTIME_H_
