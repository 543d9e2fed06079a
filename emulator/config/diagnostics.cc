#include "emulator/config/diagnostics.h"

namespace thaw {

absl::Status Diagnostics::Error(const YAML::Node& node, const std::string& path,
                                const std::string& what) const {
  std::string out = file_;
  if (node.IsDefined() && node.Mark().line >= 0) out += ":" + std::to_string(node.Mark().line + 1);
  return absl::InvalidArgumentError(out + ": " + path + ": " + what);
}

absl::Status Diagnostics::Error(const std::string& path, const std::string& what) const {
  return absl::InvalidArgumentError(file_ + ": " + path + ": " + what);
}

void Diagnostics::Note(const std::string& path, const std::string& what) {
  std::string note = file_ + ": " + path + ": " + what;
  if (seen_.insert(note).second) notes_.push_back(std::move(note));
}

YAML::Node Get(const YAML::Node& node, const std::string& key) {
  const YAML::Node missing(YAML::NodeType::Map);
  if (!node.IsDefined() || !node.IsMap()) return missing[key];
  return node[key];
}

}  // namespace thaw
