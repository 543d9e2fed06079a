#ifndef THAW_CORE_AWS_ERROR_H_
#define THAW_CORE_AWS_ERROR_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace thaw {

// AWS errors travel inside absl::Status at every AWS-shaped front thaw serves: the Lambda
// Invoke API (host/admin_api, thaw::testing, scenarios) and the fake Secrets Manager / SSM.
// The status message is AWS's message; payloads carry the error type
// ("ResourceNotFoundException", "ParameterNotFound"...), the HTTP status when it is not 400,
// and, for Lambda's 429, its Reason. The absl code is only a coarse category derived from the
// type. Each front renders its own wire shape from these (LambdaErrorBody below for the Lambda
// API's rest-json; AWS JSON 1.1 in the fake AWS).

// A status that answers as AWS error `type` with `message`, HTTP `http_status`.
absl::Status AwsError(std::string_view type, std::string_view message, unsigned http_status = 400);
// The ValidationException an AWS JSON service answers when a required member is missing
// ("1 validation error detected: Value null at 'SecretId' failed to satisfy constraint: Member
// must not be null").
absl::Status AwsNullMemberError(std::string_view member);
// Lambda's 429 TooManyRequestsException with its Reason ("ReservedFunctionConcurrent...").
absl::Status AwsThrottle(std::string_view message, std::string_view reason);

// The error type `status` carries; "InternalFailure" for a status made elsewhere.
std::string AwsErrorType(const absl::Status& status);
// The HTTP status `status` answers with: the one it was made with, else 400 for an AWS error
// and 500 for any other status.
unsigned AwsHttpStatus(const absl::Status& status);
// The 429's Reason; empty for other errors.
std::string AwsErrorReason(const absl::Status& status);

// The Lambda API's rest-json error body: {"Type":"User"|"Service","Message":...}, or for a
// 429 {"Reason":...,"Type":"User","message":...} (lower case, as the service spells it).
std::string LambdaErrorBody(const absl::Status& status);

}  // namespace thaw

#endif  // THAW_CORE_AWS_ERROR_H_
