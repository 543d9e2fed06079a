#include "fakes/momento/momento_status.h"

#include "absl/strings/cord.h"

namespace thaw::momento {

namespace {
// Debian's Abseil has its own string_view, hence std::string at this boundary.
const char kErrPayloadUrl[] = "type.thaw.dev/momento.err";
}  // namespace

absl::Status WithErrTrailer(absl::Status status, std::string_view err) {
  status.SetPayload(kErrPayloadUrl, absl::Cord(std::string(err)));
  return status;
}

absl::Status LimitExceeded(std::string_view err, std::string_view detail) {
  std::string_view words = "limit exceeded";
  if (err == kErrItemSizeLimitExceeded) {
    words = "item size limit exceeded";
  } else if (err == kErrElementSizeLimitExceeded) {
    words = "element size limit exceeded";
  } else if (err == kErrRequestSizeLimitExceeded) {
    words = "request limit exceeded";
  } else if (err == kErrTopicSubscriptionsLimitExceeded) {
    words = "subscribers limit exceeded";
  }
  return WithErrTrailer(
      absl::ResourceExhaustedError(std::string(words) + ": " + std::string(detail)), err);
}

std::optional<std::string> ErrTrailer(const absl::Status& status) {
  auto payload = status.GetPayload(kErrPayloadUrl);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

std::string StatusCodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "OK";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    case absl::StatusCode::kUnknown:
      return "UNKNOWN";
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case absl::StatusCode::kAborted:
      return "ABORTED";
    case absl::StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case absl::StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case absl::StatusCode::kInternal:
      return "INTERNAL";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kDataLoss:
      return "DATA_LOSS";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    default:
      return "CODE_" + std::to_string(static_cast<int>(code));
  }
}

}  // namespace thaw::momento
