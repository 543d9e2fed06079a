#ifndef THAW_FAKES_MOMENTO_MOMENTO_STATUS_H_
#define THAW_FAKES_MOMENTO_MOMENTO_STATUS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace thaw::momento {

// Values of the `err` trailer the Momento SDK reads to pick an error subtype
// (shared/reference/momento-and-aws-protocol.md §2.6).
inline constexpr std::string_view kErrItemSizeLimitExceeded = "item_size_limit_exceeded";
inline constexpr std::string_view kErrRequestSizeLimitExceeded = "request_size_limit_exceeded";
inline constexpr std::string_view kErrElementSizeLimitExceeded = "element_size_limit_exceeded";
inline constexpr std::string_view kErrTopicSubscriptionsLimitExceeded =
    "topic_subscriptions_limit_exceeded";

// Returns `status` carrying `err`, which the gRPC services send as the `err` trailer.
absl::Status WithErrTrailer(absl::Status status, std::string_view err);

// RESOURCE_EXHAUSTED for a limit, with the `err` trailer `err` (one of the kErr*LimitExceeded
// values) and the message "<words>: <detail>", where <words> are what the SDK looks for in the
// status details to pick its LimitExceededError message ("element size", "item size", "request
// limit", "subscribers"): @gomomento/sdk 1.118.1 chooses that message before it stores the
// `err` trailer, so in practice the details decide what the SDK says.
absl::Status LimitExceeded(std::string_view err, std::string_view detail);

// The `err` trailer value carried by `status`, if any.
std::optional<std::string> ErrTrailer(const absl::Status& status);

// The gRPC/absl status code name, e.g. "NOT_FOUND" (the codes are numerically the same).
std::string StatusCodeName(absl::StatusCode code);

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_MOMENTO_STATUS_H_
