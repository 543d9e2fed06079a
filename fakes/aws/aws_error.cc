#include "fakes/aws/aws_error.h"

#include <map>

#include "absl/strings/cord.h"

namespace thaw::aws {

namespace {

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
      {"InternalServiceError", absl::StatusCode::kInternal},
      {"InternalServerError", absl::StatusCode::kInternal},
      {"InvalidRequestException", absl::StatusCode::kFailedPrecondition},
  };
  auto it = kCodes.find(type);
  return it == kCodes.end() ? absl::StatusCode::kInvalidArgument : it->second;
}

}  // namespace

absl::Status AwsError(std::string_view type, std::string_view message) {
  absl::Status status(CodeFor(type), std::string(message));
  status.SetPayload(kAwsErrorTypeUrl, absl::Cord(std::string(type)));
  return status;
}

std::string AwsErrorType(const absl::Status& status) {
  auto payload = status.GetPayload(kAwsErrorTypeUrl);
  if (!payload) return "InternalFailure";
  return std::string(*payload);
}

}  // namespace thaw::aws
