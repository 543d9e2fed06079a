#ifndef THAW_EMULATOR_CONFIG_LOAD_FLAGS_H_
#define THAW_EMULATOR_CONFIG_LOAD_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "emulator/config/thaw_config.h"

namespace thaw {

// What `serve`, `invoke`, `check` and `package-check` take on the command line about how the
// configuration is read, beside the file itself. Plain value type.
struct LoadFlags {
  // --parameter-overrides, as `sam deploy` takes them (parameter_overrides.h).
  std::vector<std::string> parameter_overrides;
  // --overlay FILE: a thaw.yaml laid over the configuration (config_overlay.h); empty: none.
  std::string overlay;
  // --env-vars FILE: SAM's env.json (env_vars_file.h); empty: none.
  std::string env_vars;
};

// Reads the files the flags name. Errors are those of ParseParameterOverrides,
// LoadConfigOverlay and LoadEnvVarsFile (they name the file). Thread-safe.
absl::StatusOr<LoadOptions> MakeLoadOptions(const LoadFlags& flags);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_LOAD_FLAGS_H_
