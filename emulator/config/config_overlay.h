#ifndef THAW_EMULATOR_CONFIG_CONFIG_OVERLAY_H_
#define THAW_EMULATOR_CONFIG_CONFIG_OVERLAY_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "emulator/config/thaw_config.h"

namespace thaw {

// A thaw.yaml laid over any configuration (`thaw serve --config template.yaml --overlay
// thaw.yaml`; a scenario's own `settings:`/`secrets:`/`parameters:` over its `config:`). It
// gives what a template cannot say without being edited:
//   secrets:                        # by name, or by a template secret's logical id
//     MomentoApiKey: '{{momento_api_key_v2}}'
//   parameters: {/app/table: orders}
//   caches: [cache]
//   settings: {keepalive: 2m}
// Its `functions:` (and any other key) are an error: the functions are the configuration's.
// All functions here are thread-safe.

// Reads an overlay. InvalidArgument / NotFound name the file, the line and the key, as
// LoadConfigFile's do.
absl::StatusOr<ConfigOverlay> LoadConfigOverlay(const std::filesystem::path& path);
absl::StatusOr<ConfigOverlay> ParseConfigOverlay(const std::string& text,
                                                 const std::string& display_name,
                                                 const std::filesystem::path& base_dir);

// Copies the settings `overlay` gives (ConfigOverlay::given_settings) into `settings`.
void ApplyGivenSettings(const ConfigOverlay& overlay, Settings& settings);

// Lays `overlay` over `config`: a seed replaces the configuration's seed of the same name, or
// of the name whose logical id it gives (ThawConfig::secret_ids / parameter_ids), else is
// added; its caches are added; the settings it gives win.
void ApplyConfigOverlay(const ConfigOverlay& overlay, ThawConfig& config);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_CONFIG_OVERLAY_H_
