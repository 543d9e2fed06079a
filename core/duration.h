#ifndef THAW_CORE_DURATION_H_
#define THAW_CORE_DURATION_H_

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace thaw {

// Parses "300ms", "10s", "11m", "2h", "1m30s" or "0" into milliseconds. InvalidArgument names
// the accepted units otherwise. Thread-safe.
absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);

// "11m", "1m30s", "300ms", "0s": the shortest text ParseDuration reads back.
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace thaw

#endif  // THAW_CORE_DURATION_H_
