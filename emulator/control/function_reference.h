#ifndef THAW_EMULATOR_CONTROL_FUNCTION_REFERENCE_H_
#define THAW_EMULATOR_CONTROL_FUNCTION_REFERENCE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace thaw {

// A FunctionName as the Invoke API accepts it, split into its parts.
struct FunctionReference {
  std::string name;
  std::string qualifier;  // empty when none was given
  std::string region;     // from a full ARN, else empty
  std::string account;    // from a (partial) ARN, else empty
};

// Parses "name", "name:qualifier", "123456789012:function:name[:qualifier]" and
// "arn:aws:lambda:region:123456789012:function:name[:qualifier]". InvalidArgument when the
// text is none of these. Thread-safe.
absl::StatusOr<FunctionReference> ParseFunctionReference(std::string_view text);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_FUNCTION_REFERENCE_H_
