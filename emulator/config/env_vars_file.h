#ifndef THAW_EMULATOR_CONFIG_ENV_VARS_FILE_H_
#define THAW_EMULATOR_CONFIG_ENV_VARS_FILE_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "emulator/config/thaw_config.h"

namespace thaw {

// SAM's `--env-vars` file, which `sam local invoke` and `sam local start-api` take:
//   {"Parameters": {"TABLE_NAME": "local"},          <- for every function
//    "MyFunction": {"TABLE_NAME": "orders"}}          <- by logical id or function name
// As in SAM, a value replaces the value of a variable the function declares (its
// Environment.Variables, thaw.yaml `environment`); a variable the function does not declare is
// not added (it would not exist once deployed) and gets a note, as does a key that names no
// function. Values are strings, numbers or booleans (written as JSON writes them).
// All functions here are thread-safe.

// InvalidArgument / NotFound name the file and what is wrong ("env.json: MyFunction.PORT:
// expected a string, a number or a boolean").
absl::StatusOr<EnvVarOverrides> LoadEnvVarsFile(const std::filesystem::path& path);
absl::StatusOr<EnvVarOverrides> ParseEnvVarsFile(const std::string& text,
                                                 const std::string& display_name);

// Applies `overrides` to `config`'s functions, adding its notes to ThawConfig::notes.
void ApplyEnvVarOverrides(const EnvVarOverrides& overrides, ThawConfig& config);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_ENV_VARS_FILE_H_
