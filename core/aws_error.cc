#include "core/aws_error.h"

#include <map>

#include "absl/strings/cord.h"
#include "nlohmann/json.hpp"

namespace thaw {
namespace {

constexpr char kTypeUrl[] = "thaw.aws/error-type";
constexpr char kHttpStatusUrl[] = "thaw.aws/http-status";
constexpr char kReasonUrl[] = "thaw.aws/reason";

absl::StatusCode CodeFor(std::string_view type) {
  static const std::map<std::string_view, absl::StatusCode> kCodes = {
      {"ResourceNotFoundException", absl::StatusCode::kNotFound},
      {"ParameterNotFound", absl::StatusCode::kNotFound},
      {"ParameterVersionNotFound", absl::StatusCode::kNotFound},
      {"ResourceExistsException", absl::StatusCode::kAlreadyExists},
      {"ParameterAlreadyExists", absl::StatusCode::kAlreadyExists},
      {"AccessDeniedException", absl::StatusCode::kPermissionDenied},
      {"UnrecognizedClientException", absl::StatusCode::kUnauthenticated},
      {"InvalidSignatureException", absl::StatusCode::kUnauthenticated},
      {"IncompleteSignatureException", absl::StatusCode::kUnauthenticated},
      {"MissingAuthenticationTokenException", absl::StatusCode::kUnauthenticated},
      {"ExpiredTokenException", absl::StatusCode::kUnauthenticated},
      {"ThrottlingException", absl::StatusCode::kResourceExhausted},
      {"TooManyRequestsException", absl::StatusCode::kResourceExhausted},
      {"InternalServiceError", absl::StatusCode::kInternal},
      {"InternalServerError", absl::StatusCode::kInternal},
      {"ServiceException", absl::StatusCode::kUnavailable},
      {"InvalidRequestException", absl::StatusCode::kFailedPrecondition},
  };
  auto it = kCodes.find(type);
  return it == kCodes.end() ? absl::StatusCode::kInvalidArgument : it->second;
}

}  // namespace

absl::Status AwsError(std::string_view type, std::string_view message, unsigned http_status) {
  absl::Status status(CodeFor(type), std::string(message));
  status.SetPayload(kTypeUrl, absl::Cord(std::string(type)));
  if (http_status != 400) {
    status.SetPayload(kHttpStatusUrl, absl::Cord(std::to_string(http_status)));
  }
  return status;
}

absl::Status AwsNullMemberError(std::string_view member) {
  return AwsError("ValidationException", "1 validation error detected: Value null at '" +
                                             std::string(member) +
                                             "' failed to satisfy constraint: Member must not be "
                                             "null");
}

absl::Status AwsThrottle(std::string_view message, std::string_view reason) {
  absl::Status status = AwsError("TooManyRequestsException", message, 429);
  status.SetPayload(kReasonUrl, absl::Cord(std::string(reason)));
  return status;
}

std::string AwsErrorType(const absl::Status& status) {
  auto payload = status.GetPayload(kTypeUrl);
  return payload ? std::string(*payload) : "InternalFailure";
}

unsigned AwsHttpStatus(const absl::Status& status) {
  if (auto payload = status.GetPayload(kHttpStatusUrl)) {
    return static_cast<unsigned>(std::stoul(std::string(*payload)));
  }
  return status.GetPayload(kTypeUrl) ? 400 : 500;
}

std::string AwsErrorReason(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonUrl);
  return payload ? std::string(*payload) : "";
}

std::string LambdaErrorBody(const absl::Status& status) {
  const std::string kind = AwsHttpStatus(status) >= 500 ? "Service" : "User";
  const std::string message(status.message());
  const std::string reason = AwsErrorReason(status);
  nlohmann::json body;
  if (!reason.empty()) {
    body = {{"Reason", reason}, {"Type", kind}, {"message", message}};
  } else {
    body = {{"Type", kind}, {"Message", message}};
  }
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace thaw
