#include "emulator/config/cdk_assembly.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace thaw {

absl::StatusOr<std::filesystem::path> CdkStackTemplate(const std::filesystem::path& dir) {
  const std::filesystem::path manifest_path = dir / "manifest.json";
  std::ifstream in(manifest_path);
  if (!in) {
    return absl::NotFoundError(dir.string() +
                               " is a directory without manifest.json; --config takes a "
                               "thaw.yaml, a SAM / CloudFormation template, a serverless.yml or "
                               "a CDK cloud assembly (cdk.out)");
  }
  const nlohmann::json manifest = nlohmann::json::parse(in, nullptr, false);
  if (!manifest.is_object() || !manifest.contains("artifacts") ||
      !manifest["artifacts"].is_object()) {
    return absl::InvalidArgumentError(manifest_path.string() +
                                      ": artifacts: expected a CDK cloud assembly manifest");
  }
  struct Stack {
    std::string id;
    std::string template_file;
  };
  std::vector<Stack> stacks;
  for (const auto& [id, artifact] : manifest["artifacts"].items()) {
    if (!artifact.is_object() || artifact.value("type", "") != "aws:cloudformation:stack") {
      continue;
    }
    const nlohmann::json properties = artifact.value("properties", nlohmann::json::object());
    if (!properties.is_object() || !properties.contains("templateFile") ||
        !properties["templateFile"].is_string()) {
      return absl::InvalidArgumentError(manifest_path.string() + ": artifacts." + id +
                                        ".properties.templateFile: required");
    }
    stacks.push_back({id, properties["templateFile"].get<std::string>()});
  }
  if (stacks.empty()) {
    return absl::InvalidArgumentError(manifest_path.string() +
                                      ": no stack (artifact of type aws:cloudformation:stack)");
  }
  if (stacks.size() > 1) {
    std::string names;
    for (const Stack& stack : stacks) {
      names += (names.empty() ? "" : ", ") + stack.id + " (" +
               (dir / stack.template_file).string() + ")";
    }
    return absl::InvalidArgumentError(manifest_path.string() + ": the cloud assembly holds " +
                                      std::to_string(stacks.size()) + " stacks: " + names +
                                      "; pick one with --config " +
                                      (dir / stacks.front().template_file).string());
  }
  return dir / stacks.front().template_file;
}

}  // namespace thaw
