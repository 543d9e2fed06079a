#include "emulator/config/config_discovery.h"

#include "absl/status/status.h"
#include "core/status_macros.h"
#include "emulator/config/cdk_assembly.h"

namespace thaw {
namespace {

// The last is what `serverless package` writes in .serverless/, beside the package it uploads.
constexpr const char* kNames[] = {"thaw.yaml",       ".aws-sam/build/template.yaml",
                                  "template.yaml",   "template.yml",
                                  "template.json",   "serverless.yml",
                                  "serverless.yaml", "cloudformation-template-update-stack.json"};

}  // namespace

absl::StatusOr<ConfigChoice> ConfigFileIn(const std::filesystem::path& dir) {
  std::error_code ec;
  auto in = [&dir](const std::filesystem::path& name) {
    return dir == "." || dir.empty() ? name : dir / name;
  };
  if (std::filesystem::exists(in("manifest.json"), ec)) {
    ASSIGN_OR_RETURN(auto stack, CdkStackTemplate(dir));
    return ConfigChoice{stack, std::nullopt};
  }
  for (const char* name : kNames) {
    const std::filesystem::path path = in(name);
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    ConfigChoice choice{path, std::nullopt};
    if (std::string(name) == ".aws-sam/build/template.yaml" &&
        std::filesystem::exists(in("template.yaml"), ec)) {
      choice.note = path.string() +
                    ": read instead of template.yaml, as sam local does (the code sam build "
                    "built); pass --config template.yaml for the sources";
    }
    return choice;
  }
  if (std::filesystem::exists(in("cdk.out") / "manifest.json", ec)) {
    ASSIGN_OR_RETURN(auto stack, CdkStackTemplate(in("cdk.out")));
    return ConfigChoice{stack, std::nullopt};
  }
  const std::string where =
      dir == "." || dir.empty() ? std::string("the current directory") : dir.string();
  return absl::NotFoundError(
      "no configuration in " + where +
      ": looked for thaw.yaml, .aws-sam/build/template.yaml, template.yaml (.yml, .json), "
      "serverless.yml and a CDK cloud assembly (manifest.json, cdk.out); pass --config FILE (a "
      "thaw.yaml, a SAM / CloudFormation template, a serverless.yml or a cdk.out directory)");
}

}  // namespace thaw
