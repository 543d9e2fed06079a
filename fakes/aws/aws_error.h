#ifndef THAW_FAKES_AWS_AWS_ERROR_H_
#define THAW_FAKES_AWS_AWS_ERROR_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace thaw::aws {

// AWS errors travel inside absl::Status: the status message is AWS's `Message` and a payload
// (kAwsErrorTypeUrl) holds the `__type` ("ResourceNotFoundException", "ParameterNotFound"...).
// The absl code is only a coarse category; the wire answer is built from the type.
inline constexpr char kAwsErrorTypeUrl[] = "thaw.aws/error-type";

// Makes a status that answers as `{"__type": type, "Message": message}` with HTTP 400.
absl::Status AwsError(std::string_view type, std::string_view message);

// The `__type` carried by `status`; "InternalFailure" for a status made elsewhere.
std::string AwsErrorType(const absl::Status& status);

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_AWS_ERROR_H_
