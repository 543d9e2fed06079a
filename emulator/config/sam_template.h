#ifndef THAW_EMULATOR_CONFIG_SAM_TEMPLATE_H_
#define THAW_EMULATOR_CONFIG_SAM_TEMPLATE_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "emulator/config/thaw_config.h"

namespace thaw {

// Reads the functions of a SAM or CloudFormation template (YAML, short or long intrinsic
// forms, or JSON) into a ThawConfig:
// - AWS::Serverless::Function (with Globals.Function merged in as SAM does: maps merged, lists
//   appended, scalars overridden) and AWS::Lambda::Function: Runtime, Handler, CodeUri / Code
//   (a local directory or a .zip unpacked into options.artifact_cache (zip_artifact.h),
//   relative to `base_dir`; code in S3 is the local asset the resource's
//   Metadata["aws:asset:path"] names, as `cdk synth` writes it), MemorySize, Timeout,
//   Environment.Variables, ReservedConcurrentExecutions, ProvisionedConcurrencyConfig,
//   FunctionName (else the logical id is the name), Policies (inline statements and the
//   Secrets Manager / SSM policy templates become FunctionConfig::iam_statements), Layers
//   (Globals' then the function's, at most 5: a Ref or GetAtt to an
//   AWS::Serverless::LayerVersion (ContentUri) or AWS::Lambda::LayerVersion (Content, or its
//   Metadata["aws:asset:path"]), a directory or a .zip, becomes FunctionConfig::layers, and
//   content that does not exist is an error; the AWS Parameters and Secrets extension layer
//   becomes extensions "parameters-and-secrets"; other published layers are noted);
// - a Role `!GetAtt R.Arn` of an AWS::IAM::Role in the template: its Policies,
//   ManagedPolicyArns, and the PolicyDocument of each AWS::IAM::Policy / ManagedPolicy whose
//   Roles name it (CDK's grant* methods);
// - HTTP routes (FunctionConfig::http_routes, in the template's order): SAM `Api` events (REST
//   API, payload 1.0, the RestApiId AWS::Serverless::Api's StageName, else "Prod"), `HttpApi`
//   events (no Path and Method: "$default"; PayloadFormatVersion; the ApiId
//   AWS::Serverless::HttpApi's StageName, else "$default"), FunctionUrlConfig and
//   AWS::Lambda::Url (a function URL), and the API Gateway resources CloudFormation and CDK
//   write: AWS::ApiGatewayV2::Route -> Integration (AWS_PROXY) -> the function, and
//   AWS::ApiGateway::Method (AWS_PROXY) with its path walked up the AWS::ApiGateway::Resource
//   ParentIds, each on its API's stage resource. Other event types, authorizers, CORS and
//   routes that do not lead to a function of the template (non-proxy integrations, WebSocket
//   APIs) are notes;
// - AWS::SecretsManager::Secret and AWS::SSM::Parameter resources seed the fake AWS; any other
//   resource type (but AWS::CDK::Metadata and the API Gateway / Lambda URL and permission
//   resources read for routes) is a note that it is not created;
// - parameters: options.parameter_overrides, else Default, else "" with a note;
// - intrinsics Ref (parameters, pseudo parameters, the resources above), Sub,
//   GetAtt (function Arn, parameter Value/Type), Join, Select, Split, FindInMap, If and the
//   condition functions. What cannot be resolved, or is read but not emulated (Role,
//   other event types, other layers, ...), becomes a note in ThawConfig::notes naming the property.
// Errors (InvalidArgument) name the file, the line when known and the property path:
// "template.yaml:14: Resources.Fn.Properties.CodeUri: ...". Thread-safe (no shared state).
absl::StatusOr<ThawConfig> ParseSamTemplate(const std::string& text,
                                            const std::string& display_name,
                                            const std::filesystem::path& base_dir,
                                            const LoadOptions& options = {});

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_SAM_TEMPLATE_H_
