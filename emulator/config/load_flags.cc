#include "emulator/config/load_flags.h"

#include "core/status_macros.h"
#include "emulator/config/config_overlay.h"
#include "emulator/config/env_vars_file.h"
#include "emulator/config/parameter_overrides.h"

namespace thaw {

absl::StatusOr<LoadOptions> MakeLoadOptions(const LoadFlags& flags) {
  LoadOptions options;
  ASSIGN_OR_RETURN(auto overrides, ParseParameterOverrides(flags.parameter_overrides));
  options.parameter_overrides = std::move(overrides);
  if (!flags.overlay.empty()) {
    ASSIGN_OR_RETURN(auto overlay, LoadConfigOverlay(flags.overlay));
    options.overlay = std::move(overlay);
  }
  if (!flags.env_vars.empty()) {
    ASSIGN_OR_RETURN(auto env_vars, LoadEnvVarsFile(flags.env_vars));
    options.env_vars = std::move(env_vars);
  }
  return options;
}

}  // namespace thaw
