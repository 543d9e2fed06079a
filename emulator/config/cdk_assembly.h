#ifndef THAW_EMULATOR_CONFIG_CDK_ASSEMBLY_H_
#define THAW_EMULATOR_CONFIG_CDK_ASSEMBLY_H_

#include <filesystem>

#include "absl/status/statusor.h"

namespace thaw {

// The template of the one stack in a CDK cloud assembly: `dir` is what `cdk synth` writes
// (`cdk.out`), and its manifest.json lists the stacks as artifacts of type
// "aws:cloudformation:stack" with `properties.templateFile` relative to `dir`. Errors
// (InvalidArgument / NotFound) name manifest.json: no manifest, no stack, or several stacks
// (naming each and how to pick one: `--config cdk.out/<Stack>.template.json`). Thread-safe.
absl::StatusOr<std::filesystem::path> CdkStackTemplate(const std::filesystem::path& dir);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_CDK_ASSEMBLY_H_
