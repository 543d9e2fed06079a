#ifndef THAW_EMULATOR_CONFIG_PARAMETER_OVERRIDES_H_
#define THAW_EMULATOR_CONFIG_PARAMETER_OVERRIDES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace thaw {

// The values of `--parameter-overrides`, in the two syntaxes `sam deploy` takes, mixed freely:
// `Key=Value` and `ParameterKey=Key,ParameterValue=Value`. Each argument may hold several,
// separated by spaces (`--parameter-overrides "Stage=prod Table=orders"`); double quotes keep
// spaces in a value (`Greeting="hello world"`). A later value for a key wins.
// InvalidArgument names the argument that is neither form. Thread-safe.
absl::StatusOr<std::map<std::string, std::string>> ParseParameterOverrides(
    const std::vector<std::string>& arguments);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_PARAMETER_OVERRIDES_H_
