#ifndef THAW_CHECK_SCENARIO_FILES_H_
#define THAW_CHECK_SCENARIO_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace thaw::check {

// Whether `file_name` (a name, not a path) is a scenario by its name: `scenario.yaml` or
// `*.scenario.yaml` (`.yml` too).
bool IsScenarioFileName(const std::string& file_name);

// The scenario files `thaw check` runs for its arguments, in order and without repeats:
//   - a file is taken as it is, whatever its name (a missing one too: loading it says so);
//   - a directory is searched at any depth for files IsScenarioFileName() accepts, in path
//     order. Hidden directories (`.git`) and `node_modules` are not entered, and symbolic links
//     to directories are not followed (no loops); links to files are taken.
// Errors: InvalidArgument for a directory
// that holds no scenario ("samples/x: no scenario.yaml or *.scenario.yaml under it"), so a
// typo is never a green run of nothing. Reads the file system; thread-compatible.
absl::StatusOr<std::vector<std::string>> FindScenarioFiles(const std::vector<std::string>& args);

}  // namespace thaw::check

#endif  // THAW_CHECK_SCENARIO_FILES_H_
