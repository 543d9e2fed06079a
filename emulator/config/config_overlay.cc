#include "emulator/config/config_overlay.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/status_macros.h"
#include "emulator/config/yaml_fields.h"
#include "yaml-cpp/yaml.h"

namespace thaw {
namespace {

template <typename Seed>
void MergeSeeds(const std::vector<Seed>& from, const std::map<std::string, std::string>& ids,
                std::vector<Seed>& to) {
  for (Seed seed : from) {
    // A template's logical id stands for the name the resource has.
    if (auto id = ids.find(seed.name); id != ids.end()) seed.name = id->second;
    auto it =
        std::find_if(to.begin(), to.end(), [&seed](const Seed& s) { return s.name == seed.name; });
    if (it != to.end()) {
      *it = std::move(seed);
    } else {
      to.push_back(std::move(seed));
    }
  }
}

}  // namespace

absl::StatusOr<ConfigOverlay> ParseConfigOverlay(const std::string& text,
                                                 const std::string& display_name,
                                                 const std::filesystem::path& base_dir) {
  YamlReporter r(display_name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(display_name + ":" + std::to_string(e.mark.line + 1) +
                                      ": invalid YAML: " + e.msg);
  }
  ConfigOverlay overlay;
  overlay.source = display_name;
  if (root.IsNull()) return overlay;
  if (!root.IsMap()) return r.Error(root, "", "expected a mapping (a thaw.yaml)");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (key != "secrets" && key != "parameters" && key != "caches" && key != "settings") {
      return r.Error(kv.first, key,
                     "an overlay gives secrets:, parameters:, caches: and settings: only; " + key +
                         ": belongs in the configuration it is laid over");
    }
  }
  // The thaw.yaml loader checks each section; a placeholder `functions:` after the last line
  // keeps the line numbers the file's.
  ASSIGN_OR_RETURN(auto config, ParseConfig(text + "\nfunctions: {}\n", display_name, base_dir));
  overlay.settings = config.settings;
  overlay.seeds = config.seeds;
  overlay.caches = config.caches;
  if (const YAML::Node settings = root["settings"]; settings && settings.IsMap()) {
    for (const auto& kv : settings) overlay.given_settings.insert(kv.first.as<std::string>());
  }
  // A relative interpreter path is the overlay's, not the configuration's it is laid over.
  const std::string& python = overlay.settings.python;
  if (python.find('/') != std::string::npos && std::filesystem::path(python).is_relative()) {
    overlay.settings.python = (base_dir / python).lexically_normal().string();
  }
  return overlay;
}

absl::StatusOr<ConfigOverlay> LoadConfigOverlay(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(path.string() + ": cannot read the overlay");
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfigOverlay(text.str(), path.string(),
                            std::filesystem::absolute(path).parent_path());
}

void ApplyGivenSettings(const ConfigOverlay& overlay, Settings& to) {
  const Settings& from = overlay.settings;
  for (const std::string& key : overlay.given_settings) {
    if (const SettingKey* setting = FindSettingKey(key)) setting->copy(from, to);
  }
}

void ApplyConfigOverlay(const ConfigOverlay& overlay, ThawConfig& config) {
  MergeSeeds(overlay.seeds.secrets, config.secret_ids, config.seeds.secrets);
  MergeSeeds(overlay.seeds.parameters, config.parameter_ids, config.seeds.parameters);
  for (const std::string& cache : overlay.caches) {
    if (std::find(config.caches.begin(), config.caches.end(), cache) == config.caches.end()) {
      config.caches.push_back(cache);
    }
  }
  ApplyGivenSettings(overlay, config.settings);
}

}  // namespace thaw
