#ifndef THAW_EMULATOR_CONFIG_YAML_FIELDS_H_
#define THAW_EMULATOR_CONFIG_YAML_FIELDS_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace thaw {

// Builds InvalidArgument errors that point at a node of a YAML file:
// "<file>:<line>: <path>: <what>" (the path is left out when empty).
class YamlReporter {
 public:
  explicit YamlReporter(std::string file) : file_(std::move(file)) {}
  absl::Status Error(const YAML::Node& node, const std::string& path,
                     const std::string& what) const;
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

// "a, b, c".
std::string JoinNames(const std::vector<std::string>& items);

// The typed readers of thaw.yaml and scenario files. Each returns the reporter's error when the
// node has the wrong shape; `path` names the key in messages ("functions.f.memory").
// A mapping whose keys are all in `allowed`; an unknown one is "<path>.<key>: unknown key".
absl::Status CheckKeys(const YamlReporter& r, const YAML::Node& map, const std::string& path,
                       const std::vector<std::string>& allowed);
absl::StatusOr<std::string> GetString(const YamlReporter& r, const YAML::Node& node,
                                      const std::string& path);
absl::StatusOr<int> GetInt(const YamlReporter& r, const YAML::Node& node, const std::string& path,
                           int min, int max);
absl::StatusOr<std::chrono::milliseconds> GetDuration(const YamlReporter& r, const YAML::Node& node,
                                                      const std::string& path);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_YAML_FIELDS_H_
