#ifndef THAW_EMULATOR_CONFIG_SERVERLESS_CONFIG_H_
#define THAW_EMULATOR_CONFIG_SERVERLESS_CONFIG_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "emulator/config/thaw_config.h"

namespace thaw {

// Reads the functions of a Serverless Framework (v3 / v4) serverless.yml into a ThawConfig:
// - provider.runtime, .environment, .memorySize (default 1024, as the Framework's), .timeout
//   (default 6), .region (settings.region), .stage, .layers, .iam.role.statements and
//   .iam.role.managedPolicies (and the older .iamRoleStatements / .iamManagedPolicies);
// - functions.<name>.handler, .runtime, .environment (over the provider's), .memorySize,
//   .timeout, .reservedConcurrency, .provisionedConcurrency, .layers, .name, and
//   .iamRoleStatements (serverless-iam-roles-per-function);
// - each function is named `<service>-<stage>-<name>` (or its `name:`) and also answers to
//   `<name>` (ThawConfig::aliases); its code directory is the file's directory, or
//   its (else the service's) package.artifact, a .zip unpacked into options.artifact_cache;
// - layers (the function's .layers, else provider.layers, at most 5): `{Ref: <Name>LambdaLayer}`
//   names a top-level `layers.<name>` (its `path`, or its package.artifact .zip), added to
//   FunctionConfig::layers (a missing directory is an error); the Parameters and Secrets
//   extension's ARN adds that extension; other ARNs are noted;
// - HTTP routes (FunctionConfig::http_routes): `http` events (REST API, payload 1.0, stage
//   provider.stage; "GET orders/{id}" or {path, method}, the path given its leading /), `httpApi`
//   events (HTTP API, stage "$default", payload provider.httpApi.payload, else 2.0; '*' is the
//   $default route) and `url` (a function URL; {authorizer: aws_iam} is AWS_IAM); other event
//   types are noted, one note per event;
// - variables ${self:...}, ${sls:stage}, ${opt:...} (no options are given, so their
//   fallback), ${env:...}, ${aws:region}, ${aws:accountId}, with fallbacks
//   (`${opt:stage, 'dev'}`) and nesting; others (${file(...)}, ${ssm:...}, ${cf:...}) and
//   CloudFormation intrinsics are noted and the property skipped.
// What is not applied becomes a note in ThawConfig::notes naming the key. Errors
// (InvalidArgument) name the file, the line when known and the key path. Thread-safe.
absl::StatusOr<ThawConfig> ParseServerlessConfig(const std::string& text,
                                                 const std::string& display_name,
                                                 const std::filesystem::path& base_dir,
                                                 const LoadOptions& options = {});

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_SERVERLESS_CONFIG_H_
