#include "emulator/config/load_flags.h"

#include "emulator/config/config_overlay.h"
#include "emulator/config/env_vars_file.h"
#include "emulator/config/parameter_overrides.h"

namespace thaw {

absl::StatusOr<LoadOptions> MakeLoadOptions(const LoadFlags& flags) {
  LoadOptions options;
  auto overrides = ParseParameterOverrides(flags.parameter_overrides);
  if (!overrides.ok()) return overrides.status();
  options.parameter_overrides = *std::move(overrides);
  if (!flags.overlay.empty()) {
    auto overlay = LoadConfigOverlay(flags.overlay);
    if (!overlay.ok()) return overlay.status();
    options.overlay = *std::move(overlay);
  }
  if (!flags.env_vars.empty()) {
    auto env_vars = LoadEnvVarsFile(flags.env_vars);
    if (!env_vars.ok()) return env_vars.status();
    options.env_vars = *std::move(env_vars);
  }
  return options;
}

}  // namespace thaw
