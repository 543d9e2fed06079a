#ifndef THAW_EMULATOR_CONFIG_CONFIG_DISCOVERY_H_
#define THAW_EMULATOR_CONFIG_CONFIG_DISCOVERY_H_

#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace thaw {

// The file a directory stands for, when `--config` names a directory or is not given (then the
// current directory):
// - a CDK cloud assembly (it has manifest.json): its one stack's template (cdk_assembly.h);
// - otherwise the first of, in this order: thaw.yaml, .aws-sam/build/template.yaml (what
//   `sam build` wrote, preferred over the source template as `sam local` prefers it),
//   template.yaml, template.yml, template.json, serverless.yml, serverless.yaml,
//   cloudformation-template-update-stack.json (what `serverless package` writes in
//   .serverless/, beside the package) and a cdk.out cloud assembly; a `sam build` output
//   directory (.aws-sam/build) holds template.yaml.
// `note` is set when the choice may surprise (sam build's output over a template.yaml beside
// it). NotFound names the directory and what was looked for; a cloud assembly's errors as
// CdkStackTemplate's. Thread-safe. Paths in the current directory are given relative ("thaw.yaml").
struct ConfigChoice {
  std::filesystem::path file;
  std::optional<std::string> note;
};
absl::StatusOr<ConfigChoice> ConfigFileIn(const std::filesystem::path& dir);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_CONFIG_DISCOVERY_H_
