#include "emulator/config/yaml_fields.h"

#include <algorithm>
#include <sstream>

#include "core/duration.h"

namespace thaw {

absl::Status YamlReporter::Error(const YAML::Node& node, const std::string& path,
                                 const std::string& what) const {
  std::ostringstream out;
  out << file_;
  if (node.IsDefined() && node.Mark().line >= 0) out << ":" << node.Mark().line + 1;
  out << ": " << (path.empty() ? "" : path + ": ") << what;
  return absl::InvalidArgumentError(out.str());
}

std::string JoinNames(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

absl::Status CheckKeys(const YamlReporter& r, const YAML::Node& map, const std::string& path,
                       const std::vector<std::string>& allowed) {
  if (!map.IsMap()) return r.Error(map, path, "expected a mapping");
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return r.Error(kv.first, path.empty() ? key : path + "." + key,
                     "unknown key (expected one of: " + JoinNames(allowed) + ")");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GetString(const YamlReporter& r, const YAML::Node& node,
                                      const std::string& path) {
  if (!node.IsScalar()) return r.Error(node, path, "expected a string");
  return node.as<std::string>();
}

absl::StatusOr<int> GetInt(const YamlReporter& r, const YAML::Node& node, const std::string& path,
                           int min, int max) {
  if (!node.IsScalar()) return r.Error(node, path, "expected an integer");
  int value;
  try {
    value = node.as<int>();
  } catch (const YAML::Exception&) {
    return r.Error(node, path, "expected an integer, got '" + node.Scalar() + "'");
  }
  if (value < min || value > max) {
    return r.Error(node, path,
                   "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

absl::StatusOr<std::chrono::milliseconds> GetDuration(const YamlReporter& r, const YAML::Node& node,
                                                      const std::string& path) {
  if (!node.IsScalar()) return r.Error(node, path, "expected a duration like 10m or 500ms");
  auto value = ParseDuration(node.Scalar());
  if (!value.ok()) return r.Error(node, path, std::string(value.status().message()));
  return *value;
}

}  // namespace thaw
