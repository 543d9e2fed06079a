#include "emulator/config/sam_template.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "absl/status/status.h"
#include "core/json_text.h"
#include "core/status_macros.h"
#include "emulator/config/diagnostics.h"
#include "emulator/config/function_checks.h"
#include "emulator/config/http_route.h"
#include "emulator/config/iam_translation.h"
#include "emulator/config/zip_artifact.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace thaw {
namespace {

using Json = nlohmann::json;

// An intrinsic thaw cannot evaluate locally is Unimplemented (a note, the property is
// skipped); a malformed template is InvalidArgument (an error).
absl::Status Unresolved(const std::string& why) { return absl::UnimplementedError(why); }
// `!Ref AWS::NoValue` (through an If): as if the property were not there.
bool IsNoValue(const absl::Status& status) { return status.code() == absl::StatusCode::kNotFound; }

constexpr char kServerlessFunction[] = "AWS::Serverless::Function";
constexpr char kLambdaFunction[] = "AWS::Lambda::Function";
constexpr char kSecret[] = "AWS::SecretsManager::Secret";
constexpr char kParameter[] = "AWS::SSM::Parameter";
constexpr char kIamRole[] = "AWS::IAM::Role";
constexpr char kIamPolicy[] = "AWS::IAM::Policy";
constexpr char kIamManagedPolicy[] = "AWS::IAM::ManagedPolicy";
// CDK's analytics resource: nothing to create locally.
constexpr char kCdkMetadata[] = "AWS::CDK::Metadata";
// Layers whose content is local: it becomes FunctionConfig::layers of the functions naming them.
constexpr char kServerlessLayer[] = "AWS::Serverless::LayerVersion";
constexpr char kLambdaLayer[] = "AWS::Lambda::LayerVersion";
// What declares HTTP routes to the functions (FunctionConfig::http_routes): SAM's APIs (their
// stage), a function URL, and the API Gateway resources a CloudFormation or CDK template holds.
constexpr char kServerlessApi[] = "AWS::Serverless::Api";
constexpr char kServerlessHttpApi[] = "AWS::Serverless::HttpApi";
constexpr char kLambdaUrl[] = "AWS::Lambda::Url";
constexpr char kRestApi[] = "AWS::ApiGateway::RestApi";
constexpr char kRestResource[] = "AWS::ApiGateway::Resource";
constexpr char kRestMethod[] = "AWS::ApiGateway::Method";
constexpr char kRestStage[] = "AWS::ApiGateway::Stage";
constexpr char kRestDeployment[] = "AWS::ApiGateway::Deployment";
constexpr char kHttpApi[] = "AWS::ApiGatewayV2::Api";
constexpr char kHttpRoute[] = "AWS::ApiGatewayV2::Route";
constexpr char kHttpIntegration[] = "AWS::ApiGatewayV2::Integration";
constexpr char kHttpStage[] = "AWS::ApiGatewayV2::Stage";
// Lets the APIs and URLs above invoke their functions: implied by serving the routes.
constexpr char kLambdaPermission[] = "AWS::Lambda::Permission";
// Resources whose part in the routes is read (the others are noted as not created).
const std::set<std::string> kRouteResourceTypes = {
    kServerlessApi,   kServerlessHttpApi, kLambdaUrl,       kRestApi, kRestResource,
    kRestMethod,      kRestStage,         kRestDeployment,  kHttpApi, kHttpRoute,
    kHttpIntegration, kHttpStage,         kLambdaPermission};
// What `Type` of an AWS::Serverless::Function event becomes a route; the others are noted.
constexpr char kApiEvent[] = "Api";
constexpr char kHttpApiEvent[] = "HttpApi";
// The stages routes get when nothing names one: SAM's implicit REST API's, CDK's RestApi's.
constexpr char kSamRestStage[] = "Prod";
constexpr char kCdkRestStage[] = "prod";
// Why the route properties thaw reads past are not applied.
const std::map<std::string, std::string> kRouteUnappliedWhy = {
    {"Auth", "authorizers and API keys are not emulated: every request reaches the function"},
    {"RequestParameters", "requests are not validated"},
    {"RequestModel", "requests are not validated"},
    {"RouteSettings", "throttling is not emulated"},
    {"Cors", "CORS headers are not added"},
    {"InvokeMode", "responses are buffered, not streamed"},
    {"Qualifier", "thaw serves $LATEST"},
};
// Route properties with no effect locally: ignored without a note.
const std::set<std::string> kRouteInertProperties = {"TimeoutInMillis", "Description",
                                                     "OperationName", "Tags"};

// Where `cdk synth` (and `sam build`) say which local asset a resource's code property
// stands for: the asset's path relative to the template, and the property it replaces.
constexpr char kAssetPath[] = "aws:asset:path";
constexpr char kAssetProperty[] = "aws:asset:property";

// Properties read into the FunctionConfig (or refused with an error when they cannot run).
const std::set<std::string> kReadProperties = {"Runtime",
                                               "Handler",
                                               "CodeUri",
                                               "Code",
                                               "InlineCode",
                                               "MemorySize",
                                               "Timeout",
                                               "Environment",
                                               "ReservedConcurrentExecutions",
                                               "ProvisionedConcurrencyConfig",
                                               "Policies",
                                               "Role",
                                               "Layers",
                                               "FunctionName",
                                               "PackageType",
                                               "ImageUri",
                                               "Architectures",
                                               "Events",
                                               "FunctionUrlConfig"};
// Properties with no effect on how the function runs locally: ignored without a note.
const std::set<std::string> kInertProperties = {"Description",
                                                "Tags",
                                                "Tracing",
                                                "KmsKeyArn",
                                                "PermissionsBoundary",
                                                "PropagateTags",
                                                "CodeSigningConfigArn",
                                                "AssumeRolePolicyDocument",
                                                "VersionDescription",
                                                "RolePath",
                                                "RuntimeManagementConfig",
                                                "AutoPublishCodeSha256",
                                                "ImageConfig",
                                                "Metadata"};
// Why thaw does not apply the others people use.
const std::map<std::string, std::string> kUnappliedWhy = {
    {"AutoPublishAlias",
     "versions and aliases are not emulated; thaw serves $LATEST only (a qualified invoke "
     "answers 404)"},
    {"DeploymentPreference", "deployments are not emulated"},
    {"DeadLetterQueue", "asynchronous failures are not delivered anywhere (see the ledger)"},
    {"EventInvokeConfig", "thaw retries asynchronous invokes as Lambda's defaults do"},
    {"VpcConfig", "instances use the host's network"},
    {"EphemeralStorage", "instances share the host's /tmp"},
    {"SnapStart", "every cold start runs the full init"},
    {"FileSystemConfigs", "EFS mounts are not emulated"},
    {"LoggingConfig", "logs go to thaw's output in Lambda's text format"},
    {"RecursiveLoop", "not emulated"},
    {"Condition", "see the resource's condition"},
};

// The logical id a `Ref` or `Fn::GetAtt` (short or long form) names; empty for anything else.
std::string LogicalIdOf(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  if (tag == "!GetAtt" && node.IsScalar()) return node.Scalar().substr(0, node.Scalar().find('.'));
  if (tag == "!GetAtt" && node.IsSequence() && node.size() > 0) return node[0].Scalar();
  if (tag == "!Ref" && node.IsScalar()) return node.Scalar();
  if (node.IsMap() && node.size() == 1 && Get(node, "Fn::GetAtt")) {
    const YAML::Node arg = Get(node, "Fn::GetAtt");
    if (arg.IsSequence() && arg.size() > 0 && arg[0].IsScalar()) return arg[0].Scalar();
    if (arg.IsScalar()) return arg.Scalar().substr(0, arg.Scalar().find('.'));
  }
  if (node.IsMap() && node.size() == 1 && Get(node, "Ref") && Get(node, "Ref").IsScalar()) {
    return Get(node, "Ref").Scalar();
  }
  return "";
}

// The attribute a `Fn::GetAtt` (short or long form) reads ("RootResourceId"); empty for anything
// else.
std::string GetAttAttributeOf(const YAML::Node& node) {
  const bool short_form = node.Tag() == "!GetAtt";
  const YAML::Node arg = short_form ? node : Get(node, "Fn::GetAtt");
  if (!short_form && !(node.IsMap() && node.size() == 1 && arg)) return "";
  if (arg.IsScalar()) {
    const size_t dot = arg.Scalar().find('.');
    return dot == std::string::npos ? "" : arg.Scalar().substr(dot + 1);
  }
  if (arg.IsSequence() && arg.size() == 2 && arg[1].IsScalar()) return arg[1].Scalar();
  return "";
}

// The logical ids `node` names anywhere inside it, in order: Refs, GetAtts and the ${Id} /
// ${Id.Attr} of Subs (an integration's Uri names its function inside an Fn::Join or a Sub).
void LogicalIdsIn(const YAML::Node& node, std::vector<std::string>& ids) {
  if (const std::string id = LogicalIdOf(node); !id.empty()) {
    ids.push_back(id);
    return;
  }
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    for (size_t start = text.find("${"); start != std::string::npos;
         start = text.find("${", start + 2)) {
      const size_t end = text.find('}', start);
      if (end == std::string::npos) break;
      const std::string name = text.substr(start + 2, end - start - 2);
      ids.push_back(name.substr(0, name.find('.')));
    }
  } else if (node.IsMap()) {
    for (const auto& kv : node) LogicalIdsIn(kv.second, ids);
  } else if (node.IsSequence()) {
    for (const auto& item : node) LogicalIdsIn(item, ids);
  }
}

std::string S3CodeError(const std::string& code_key, const std::string& whose = "function's") {
  return "code in S3 is not supported: thaw runs local code; point " + code_key + " at the " +
         whose + " directory or a .zip (or give the resource Metadata." + kAssetPath +
         ", as cdk synth does)";
}

// The local asset `cdk synth` (or `sam build`) names for a resource's code property `key`:
// Metadata["aws:asset:path"] when the metadata is about `key` (or names no property); else null.
YAML::Node AssetPathOf(const YAML::Node& resource, const std::string& key) {
  const YAML::Node metadata = Get(resource, "Metadata");
  const YAML::Node asset = Get(metadata, kAssetPath);
  const YAML::Node asset_property = Get(metadata, kAssetProperty);
  if (asset && asset.IsScalar() &&
      (!asset_property || (asset_property.IsScalar() && asset_property.Scalar() == key))) {
    return asset;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string Scalar(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_null()) return "";
  return JsonText(value);
}

class TemplateLoader {
 public:
  TemplateLoader(YAML::Node root, const std::string& display_name, std::filesystem::path base_dir,
                 const LoadOptions& options)
      : root_(std::move(root)),
        diag_(display_name),
        base_dir_(std::move(base_dir)),
        options_(options) {
    // An overlay's settings are where the template starts from (its region is AWS::Region).
    if (options_.overlay) settings_ = options_.overlay->settings;
    stack_name_ = std::filesystem::absolute(base_dir_).lexically_normal().filename().string();
    if (stack_name_.empty()) stack_name_ = "thaw";
  }

  absl::StatusOr<ThawConfig> Load();

 private:
  struct Resource {
    std::string type;
    YAML::Node node;
  };

  std::string PropertyPath(const std::string& id, const YAML::Node& own,
                           const std::string& key) const {
    if (own && own.IsMap() && Get(own, key)) return "Resources." + id + ".Properties." + key;
    return "Globals.Function." + key;
  }

  absl::StatusOr<Json> Eval(const YAML::Node& node, const std::string& path);
  absl::StatusOr<Json> Intrinsic(const std::string& fn, const YAML::Node& arg,
                                 const std::string& path);
  absl::StatusOr<Json> Ref(const std::string& name, const std::string& path);
  absl::StatusOr<Json> GetAtt(const std::string& resource, const std::string& attribute,
                              const std::string& path);
  absl::StatusOr<Json> Sub(const std::string& text, const std::map<std::string, Json>& vars,
                           const std::string& path);
  absl::StatusOr<bool> Condition(const std::string& name, const std::string& path);
  // An evaluated scalar, as a string; errors and unresolved intrinsics as Eval.
  absl::StatusOr<std::string> EvalString(const YAML::Node& node, const std::string& path);
  absl::StatusOr<int> EvalInt(const YAML::Node& node, const std::string& path, int min, int max);

  absl::StatusOr<std::string> FunctionNameOf(const std::string& id);
  // The secret's Name, else the name CloudFormation generates: `<logical id>-<12 characters>`
  // (here derived from the stack and the id, so it is the same at every start).
  std::string SecretNameOf(const std::string& id);
  // For code in S3 (`{S3Bucket, S3Key}` or an s3:// CodeUri): the package's file name when a
  // file of that name is beside the template, as `serverless package` and `sam package` leave
  // it (.serverless/<service>.zip beside cloudformation-template-update-stack.json); noted.
  std::optional<std::string> PackageBesideTemplate(const YAML::Node& code, const std::string& path);
  // The parameter's Name, else CloudFormation's `CFN-<logical id>-<12 characters>`; empty when
  // the Name cannot be resolved.
  std::string ParameterNameOf(const std::string& id);
  // 12 letters and digits that depend only on the stack's name and `id`.
  std::string GeneratedSuffix(const std::string& id) const;
  std::string SecretArn(const std::string& name) const {
    return "arn:aws:secretsmanager:" + settings_.region + ":" + settings_.account_id +
           ":secret:" + name;
  }

  // One function resource being read: its id, its own Properties and, for SAM, the Globals
  // merged under them.
  struct FunctionSource {
    std::string id;
    bool sam = false;
    YAML::Node resource;
    YAML::Node own;      // the resource's Properties
    YAML::Node globals;  // Globals.Function (SAM only)
    YAML::Node props;    // own merged over globals
  };
  // Where `key` of `source` was written (its Properties or Globals.Function), for messages.
  std::string PathOf(const FunctionSource& source, const std::string& key) const {
    return PropertyPath(source.id, source.own, key);
  }
  // The property `key` as a string: AWS::NoValue and values that cannot be resolved locally are
  // errors naming it.
  absl::StatusOr<std::string> StringProperty(const FunctionSource& source, const std::string& key);
  // The optional integer property `key` into `value` when it is given and resolves; a value that
  // cannot be resolved is noted (`unresolved_note` says what is used instead).
  absl::Status OptionalIntProperty(const FunctionSource& source, const std::string& key, int min,
                                   int max, const std::string& unresolved_note, int& value);

  absl::Status LoadFunction(const std::string& id, const Resource& resource, ThawConfig& config);
  // LoadFunction's steps, each reading its properties of `source` into `fn`.
  // FunctionName (else the logical id), checked against Lambda's rules and `config`'s names.
  absl::Status LoadFunctionName(const FunctionSource& source, const ThawConfig& config,
                                FunctionConfig& fn);
  // Runtime, Handler and the code (CodeUri/Code, CDK asset metadata, a package beside the
  // template), resolved to what runs.
  absl::Status LoadFunctionCode(const FunctionSource& source, FunctionConfig& fn);
  // MemorySize, Timeout, reserved and provisioned concurrency.
  absl::Status LoadFunctionLimits(const FunctionSource& source, FunctionConfig& fn);
  absl::Status LoadFunctionEnvironment(const FunctionSource& source, FunctionConfig& fn);
  // The role's statements: SAM Policies, or the inline policies of a role in the template.
  absl::Status LoadFunctionRole(const FunctionSource& source, FunctionConfig& fn);
  // The globals' layers, then the function's own.
  absl::Status LoadFunctionLayers(const FunctionSource& source, FunctionConfig& fn);
  // Architectures, and a note for each property thaw does not apply.
  void NoteFunctionProperties(const FunctionSource& source, FunctionConfig& fn);

  // HTTP routes (FunctionConfig::http_routes).
  // SAM Events: Api and HttpApi events become routes, the other event types are noted.
  absl::Status LoadFunctionEvents(const FunctionSource& source, FunctionConfig& fn);
  // One Api / HttpApi event's route (`path`: its Properties); nullopt when a value cannot be
  // resolved locally (noted).
  absl::StatusOr<std::optional<HttpRoute>> EventRoute(const std::string& type,
                                                      const YAML::Node& props,
                                                      const std::string& path);
  // SAM FunctionUrlConfig.
  absl::Status LoadFunctionUrl(const FunctionSource& source, FunctionConfig& fn);
  // The routes resources declare, in the template's order: AWS::Lambda::Url,
  // AWS::ApiGatewayV2::Route and AWS::ApiGateway::Method. What does not map to a function's
  // route is noted.
  absl::Status LoadRouteResources(ThawConfig& config);
  absl::Status LoadUrlResource(const std::string& id, const YAML::Node& props, ThawConfig& config);
  absl::Status LoadHttpApiRoute(const std::string& id, const YAML::Node& props, ThawConfig& config);
  absl::Status LoadRestMethod(const std::string& id, const YAML::Node& props, ThawConfig& config);
  // A function URL's route with `props`' AuthType (and notes for what it does not apply).
  absl::StatusOr<std::optional<HttpRoute>> UrlRoute(const YAML::Node& props,
                                                    const std::string& path);
  // `node` as a string for a route: nullopt when it cannot be resolved locally (noted: the route
  // `what` is not served) or is AWS::NoValue.
  absl::StatusOr<std::optional<std::string>> RouteString(const YAML::Node& node,
                                                         const std::string& path);
  // The stage the API `api_id` (a logical id) serves its routes on: an AWS::Serverless::Api's or
  // HttpApi's StageName, the StageName of an AWS::ApiGateway::Stage / Deployment or
  // AWS::ApiGatewayV2::Stage of it; else `fallback`.
  std::string ApiStage(const std::string& api_id, const std::string& fallback);
  // The logical id of the first resource of type `type` that `node` names; empty when none.
  std::string NamedResource(const YAML::Node& node, const std::string& type) const;
  // The name of the function `node` names (a Ref, GetAtt Arn, or either inside a Join or Sub);
  // empty when it names none of the functions loaded.
  std::string NamedFunction(const YAML::Node& node) const;
  // The resource path of an AWS::ApiGateway::Method's ResourceId, walked up through the
  // AWS::ApiGateway::Resource ParentIds to the RestApi's RootResourceId ("/orders/{id}");
  // Unimplemented (a note) when it does not lead there.
  absl::StatusOr<std::string> RestResourcePath(const YAML::Node& resource_id,
                                               const std::string& path);
  // Notes the properties of a route declaration (`props` at `path`) outside `read`.
  void NoteRouteProperties(const YAML::Node& props, const std::string& path,
                           const std::set<std::string>& read);
  absl::Status LoadPolicies(const YAML::Node& policies, const std::string& path,
                            IamTranslation& iam);
  absl::Status LoadRolePolicies(const YAML::Node& role, const std::string& path,
                                IamTranslation& iam);
  // The statements of the AWS::IAM::Policy or AWS::IAM::ManagedPolicy `policy_id`, when it is
  // created and not attached to this role before (`attached`).
  absl::Status AttachPolicyResource(const std::string& policy_id, std::set<std::string>& attached,
                                    IamTranslation& iam);
  // The code directory a function's code property (or CDK asset metadata) names, a .zip
  // unpacked into the artifact cache; `node` and `path` are for messages.
  absl::StatusOr<std::filesystem::path> CodeDirectory(const std::string& location,
                                                      const YAML::Node& node,
                                                      const std::string& path,
                                                      const std::string& key);
  // The content directory of the layer resource `id` (AWS::Serverless::LayerVersion ContentUri,
  // AWS::Lambda::LayerVersion Content or its CDK asset), a .zip unpacked into the artifact
  // cache; found once per layer. An error when it is in S3 or does not exist.
  absl::StatusOr<std::filesystem::path> LayerContent(const std::string& id);
  // Notes the resources thaw does not create and IAM policies naming roles it cannot see.
  void NoteUnappliedResources();
  absl::Status LoadSecret(const std::string& id, const YAML::Node& props, ThawConfig& config);
  absl::Status LoadParameter(const std::string& id, const YAML::Node& props, ThawConfig& config);
  // Evaluates a resource-level Condition: false when the resource is not created.
  absl::StatusOr<bool> Created(const std::string& id, const YAML::Node& resource);

  const YAML::Node root_;
  Diagnostics diag_;
  std::filesystem::path base_dir_;
  const LoadOptions& options_;
  std::string stack_name_;
  Settings settings_;
  std::map<std::string, Resource> resources_;
  std::map<std::string, bool> conditions_done_;
  // LayerContent's answers, by logical id.
  std::map<std::string, std::filesystem::path> layer_content_;
  // The functions loaded: logical id -> function name (what route resources name).
  std::map<std::string, std::string> function_names_;
  std::set<std::string> conditions_busy_;
  // Set while a policy is evaluated: a secret's Ref is then the ARN pattern IAM matches
  // (`...:secret:name-??????`), elsewhere the partial ARN GetSecretValue accepts.
  bool in_policy_ = false;
};

absl::StatusOr<std::string> TemplateLoader::EvalString(const YAML::Node& node,
                                                       const std::string& path) {
  ASSIGN_OR_RETURN(auto value, Eval(node, path));
  if (value.is_discarded()) return absl::NotFoundError("AWS::NoValue");
  if (value.is_object() || value.is_array()) return diag_.Error(node, path, "expected a value");
  return Scalar(value);
}

absl::StatusOr<int> TemplateLoader::EvalInt(const YAML::Node& node, const std::string& path,
                                            int min, int max) {
  ASSIGN_OR_RETURN(auto text, EvalString(node, path));
  int value = 0;
  if (auto problem = CheckIntInRange(text, min, max, value)) {
    return diag_.Error(node, path, *problem);
  }
  return value;
}

absl::StatusOr<Json> TemplateLoader::Eval(const YAML::Node& node, const std::string& path) {
  if (!node.IsDefined()) return diag_.Error(path, "a value is missing");
  const std::string& tag = node.Tag();
  if (tag.size() > 1 && tag[0] == '!') {
    const std::string name = tag.substr(1);
    return Intrinsic(name == "Ref" || name == "Condition" ? name : "Fn::" + name, node, path);
  }
  if (node.IsMap()) {
    if (node.size() == 1) {
      const std::string key = node.begin()->first.as<std::string>();
      if (key == "Ref" || key.rfind("Fn::", 0) == 0) return Intrinsic(key, Get(node, key), path);
    }
    Json object = Json::object();
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      ASSIGN_OR_RETURN(auto value, Eval(kv.second, path + "." + key));
      if (!value.is_discarded()) object[key] = std::move(value);
    }
    return object;
  }
  if (node.IsSequence()) {
    Json array = Json::array();
    for (size_t i = 0; i < node.size(); ++i) {
      ASSIGN_OR_RETURN(auto value, Eval(node[i], path + "[" + std::to_string(i) + "]"));
      if (!value.is_discarded()) array.push_back(std::move(value));
    }
    return array;
  }
  if (node.IsNull()) return Json();
  return Json(node.Scalar());
}

absl::StatusOr<Json> TemplateLoader::Intrinsic(const std::string& fn, const YAML::Node& arg,
                                               const std::string& path) {
  auto args_of = [&](size_t n) -> absl::Status {
    if (!arg.IsSequence() || arg.size() != n) {
      return diag_.Error(arg, path, fn + " takes a list of " + std::to_string(n) + " items");
    }
    return absl::OkStatus();
  };
  if (fn == "Ref") {
    if (!arg.IsScalar()) return diag_.Error(arg, path, "Ref takes a name");
    return Ref(arg.Scalar(), path);
  }
  if (fn == "Fn::GetAtt") {
    std::string resource, attribute;
    if (arg.IsScalar()) {
      const std::string text = arg.Scalar();
      const size_t dot = text.find('.');
      if (dot == std::string::npos) return diag_.Error(arg, path, "GetAtt takes Resource.Attr");
      resource = text.substr(0, dot);
      attribute = text.substr(dot + 1);
    } else {
      RETURN_IF_ERROR(args_of(2));
      ASSIGN_OR_RETURN(auto name, EvalString(arg[1], path));
      resource = arg[0].Scalar();
      attribute = name;
    }
    return GetAtt(resource, attribute, path);
  }
  if (fn == "Fn::Sub") {
    std::map<std::string, Json> vars;
    YAML::Node text = arg;
    if (arg.IsSequence()) {
      RETURN_IF_ERROR(args_of(2));
      text.reset(arg[0]);
      if (!arg[1].IsMap()) return diag_.Error(arg[1], path, "Sub's variables are a mapping");
      for (const auto& kv : arg[1]) {
        ASSIGN_OR_RETURN(auto value, Eval(kv.second, path));
        vars[kv.first.as<std::string>()] = value;
      }
    }
    if (!text.IsScalar()) return diag_.Error(text, path, "Sub takes a string");
    return Sub(text.Scalar(), vars, path);
  }
  if (fn == "Fn::Join") {
    RETURN_IF_ERROR(args_of(2));
    ASSIGN_OR_RETURN(auto delimiter, EvalString(arg[0], path));
    ASSIGN_OR_RETURN(auto items, Eval(arg[1], path));
    if (!items.is_array()) return diag_.Error(arg[1], path, "Join takes a list of values");
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      out += (i ? delimiter : "") + Scalar(items[i]);
    }
    return Json(out);
  }
  if (fn == "Fn::Select") {
    RETURN_IF_ERROR(args_of(2));
    ASSIGN_OR_RETURN(auto index, EvalInt(arg[0], path, 0, 1 << 20));
    ASSIGN_OR_RETURN(auto items, Eval(arg[1], path));
    if (!items.is_array() || static_cast<size_t>(index) >= items.size()) {
      return diag_.Error(arg, path, "Select: index out of range");
    }
    return items[index];
  }
  if (fn == "Fn::Split") {
    RETURN_IF_ERROR(args_of(2));
    ASSIGN_OR_RETURN(auto delimiter, EvalString(arg[0], path));
    ASSIGN_OR_RETURN(auto text, EvalString(arg[1], path));
    if (delimiter.empty()) return diag_.Error(arg[0], path, "Split: empty delimiter");
    Json out = Json::array();
    size_t start = 0;
    while (true) {
      const size_t end = text.find(delimiter, start);
      out.push_back(text.substr(start, end == std::string::npos ? end : end - start));
      if (end == std::string::npos) break;
      start = end + delimiter.size();
    }
    return out;
  }
  if (fn == "Fn::FindInMap") {
    if (!arg.IsSequence() || arg.size() < 3) {
      return diag_.Error(arg, path, "FindInMap takes [MapName, TopLevelKey, SecondLevelKey]");
    }
    std::vector<std::string> keys;
    for (size_t i = 0; i < 3; ++i) {
      ASSIGN_OR_RETURN(auto key, EvalString(arg[i], path));
      keys.push_back(key);
    }
    const YAML::Node value = Get(Get(Get(Get(root_, "Mappings"), keys[0]), keys[1]), keys[2]);
    if (!value) {
      return diag_.Error(arg, path,
                         "FindInMap: no Mappings." + keys[0] + "." + keys[1] + "." + keys[2]);
    }
    return Eval(value, path);
  }
  if (fn == "Fn::If") {
    RETURN_IF_ERROR(args_of(3));
    ASSIGN_OR_RETURN(auto condition, Condition(arg[0].Scalar(), path));
    return Eval(condition ? arg[1] : arg[2], path);
  }
  if (fn == "Fn::Equals") {
    RETURN_IF_ERROR(args_of(2));
    ASSIGN_OR_RETURN(auto a, Eval(arg[0], path));
    ASSIGN_OR_RETURN(auto b, Eval(arg[1], path));
    return Json(a == b);
  }
  if (fn == "Fn::Not" || fn == "Fn::And" || fn == "Fn::Or") {
    if (!arg.IsSequence() || arg.size() == 0) {
      return diag_.Error(arg, path, fn + " takes a list of conditions");
    }
    std::vector<bool> values;
    for (const auto& item : arg) {
      // {Condition: Name} (long form) refers to a named condition here.
      if (item.IsMap() && item.size() == 1 && Get(item, "Condition") &&
          Get(item, "Condition").IsScalar()) {
        ASSIGN_OR_RETURN(auto named, Condition(Get(item, "Condition").Scalar(), path));
        values.push_back(named);
        continue;
      }
      ASSIGN_OR_RETURN(auto value, Eval(item, path));
      if (!value.is_boolean()) return diag_.Error(item, path, fn + " takes conditions");
      values.push_back(value.get<bool>());
    }
    if (fn == "Fn::Not") return Json(!values[0]);
    if (fn == "Fn::And")
      return Json(std::all_of(values.begin(), values.end(), [](bool v) { return v; }));
    return Json(std::any_of(values.begin(), values.end(), [](bool v) { return v; }));
  }
  if (fn == "Condition") {
    if (!arg.IsScalar()) return diag_.Error(arg, path, "Condition takes a name");
    ASSIGN_OR_RETURN(auto value, Condition(arg.Scalar(), path));
    return Json(value);
  }
  return Unresolved(fn + " is not evaluated by thaw");
}

absl::StatusOr<bool> TemplateLoader::Condition(const std::string& name, const std::string& path) {
  if (auto it = conditions_done_.find(name); it != conditions_done_.end()) return it->second;
  const YAML::Node node = Get(Get(root_, "Conditions"), name);
  if (!node) return diag_.Error(path, "no condition named " + name + " in Conditions");
  if (!conditions_busy_.insert(name).second) {
    return diag_.Error(node, "Conditions." + name, "the condition refers to itself");
  }
  auto value = Eval(node, "Conditions." + name);
  conditions_busy_.erase(name);
  if (!value.ok()) return value.status();
  if (!value->is_boolean()) {
    return diag_.Error(node, "Conditions." + name, "expected a condition function");
  }
  conditions_done_[name] = value->get<bool>();
  return value->get<bool>();
}

absl::StatusOr<Json> TemplateLoader::Ref(const std::string& name, const std::string& path) {
  if (name == "AWS::Region") return Json(settings_.region);
  if (name == "AWS::AccountId") return Json(settings_.account_id);
  if (name == "AWS::Partition") return Json("aws");
  if (name == "AWS::URLSuffix") return Json("amazonaws.com");
  if (name == "AWS::StackName") return Json(stack_name_);
  if (name == "AWS::NoValue") return Json(Json::value_t::discarded);
  if (name == "AWS::NotificationARNs") return Json::array();
  if (name.rfind("AWS::", 0) == 0) return Unresolved("the pseudo parameter " + name);
  if (const YAML::Node parameter = Get(Get(root_, "Parameters"), name); parameter) {
    const YAML::Node fallback = Get(parameter, "Default");
    const std::string type =
        Get(parameter, "Type") ? Get(parameter, "Type").as<std::string>() : "String";
    if (type.rfind("AWS::SSM::Parameter::Value", 0) == 0) {
      return Unresolved("the parameter " + name + " is read from SSM when deployed");
    }
    absl::StatusOr<Json> value;
    if (auto it = options_.parameter_overrides.find(name);
        it != options_.parameter_overrides.end()) {
      value = Json(it->second);
    } else if (!fallback) {
      diag_.Note("Parameters." + name,
                 "no Default and no --parameter-overrides value: its Refs are \"\" (pass "
                 "--parameter-overrides " +
                     name + "=VALUE)");
      value = Json("");
    } else {
      value = Eval(fallback, "Parameters." + name + ".Default");
    }
    if (!value.ok()) return value.status();
    if ((type == "CommaDelimitedList" || type.rfind("List<", 0) == 0) && value->is_string()) {
      Json list = Json::array();
      std::string text = value->get<std::string>();
      size_t start = 0;
      while (true) {
        const size_t end = text.find(',', start);
        list.push_back(text.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
      }
      return list;
    }
    return value;
  }
  auto it = resources_.find(name);
  if (it == resources_.end()) {
    return diag_.Error(path, "Ref to " + name + ", which is no parameter or resource");
  }
  const std::string& type = it->second.type;
  const YAML::Node props = Get(it->second.node, "Properties");
  if (type == kServerlessFunction || type == kLambdaFunction) {
    ASSIGN_OR_RETURN(auto fn, FunctionNameOf(name));
    return Json(fn);
  }
  if (type == kSecret) {
    const std::string arn = SecretArn(SecretNameOf(name));
    return Json(in_policy_ ? arn + "-??????" : arn);
  }
  if (type == kParameter && !Get(props, "Name")) return Json(ParameterNameOf(name));
  if ((type == kParameter && Get(props, "Name")) ||
      (type == "AWS::DynamoDB::Table" && Get(props, "TableName"))) {
    return Eval(Get(props, type == kParameter ? "Name" : "TableName"), path);
  }
  return Unresolved("Ref to " + name + " (" + type + ") is only known once deployed");
}

absl::StatusOr<Json> TemplateLoader::GetAtt(const std::string& resource,
                                            const std::string& attribute, const std::string& path) {
  auto it = resources_.find(resource);
  if (it == resources_.end()) {
    return diag_.Error(path, "GetAtt of " + resource + ", which is no resource");
  }
  const std::string& type = it->second.type;
  const YAML::Node props = Get(it->second.node, "Properties");
  if ((type == kServerlessFunction || type == kLambdaFunction) && attribute == "Arn") {
    ASSIGN_OR_RETURN(auto fn, FunctionNameOf(resource));
    return Json("arn:aws:lambda:" + settings_.region + ":" + settings_.account_id +
                ":function:" + fn);
  }
  if (type == kParameter && (attribute == "Value" || attribute == "Type") &&
      Get(props, attribute)) {
    return Eval(Get(props, attribute), path);
  }
  if (type == "AWS::DynamoDB::Table" && attribute == "Arn" && Get(props, "TableName")) {
    ASSIGN_OR_RETURN(auto table, EvalString(Get(props, "TableName"), path));
    return Json("arn:aws:dynamodb:" + settings_.region + ":" + settings_.account_id + ":table/" +
                table);
  }
  return Unresolved("GetAtt " + resource + "." + attribute + " (" + type +
                    ") is only known once deployed");
}

absl::StatusOr<Json> TemplateLoader::Sub(const std::string& text,
                                         const std::map<std::string, Json>& vars,
                                         const std::string& path) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = text.find("${", i);
    if (start == std::string::npos) {
      out += text.substr(i);
      break;
    }
    out += text.substr(i, start - i);
    const size_t end = text.find('}', start);
    if (end == std::string::npos) return diag_.Error(path, "Sub: unclosed ${ in '" + text + "'");
    const std::string name = text.substr(start + 2, end - start - 2);
    i = end + 1;
    if (!name.empty() && name[0] == '!') {  // ${!Literal} is the text ${Literal}
      out += "${" + name.substr(1) + "}";
      continue;
    }
    absl::StatusOr<Json> value;
    if (auto it = vars.find(name); it != vars.end()) {
      value = it->second;
    } else if (const size_t dot = name.find('.');
               dot != std::string::npos && name.rfind("AWS::", 0) != 0) {
      value = GetAtt(name.substr(0, dot), name.substr(dot + 1), path);
    } else {
      value = Ref(name, path);
    }
    if (!value.ok()) return value.status();
    if (value->is_array() || value->is_object()) {
      return diag_.Error(path, "Sub: ${" + name + "} is a list, not a string");
    }
    out += Scalar(*value);
  }
  return Json(out);
}

absl::StatusOr<std::string> TemplateLoader::FunctionNameOf(const std::string& id) {
  const YAML::Node props = Get(resources_.at(id).node, "Properties");
  if (props && Get(props, "FunctionName")) {
    auto name =
        EvalString(Get(props, "FunctionName"), "Resources." + id + ".Properties.FunctionName");
    if (name.ok()) return *name;
    if (!IsUnresolved(name.status())) return name.status();
  }
  return id;
}

std::optional<std::string> TemplateLoader::PackageBesideTemplate(const YAML::Node& code,
                                                                 const std::string& path) {
  absl::StatusOr<std::string> key = code.IsMap() && Get(code, "S3Key")
                                        ? EvalString(Get(code, "S3Key"), path + ".S3Key")
                                        : EvalString(code, path);
  if (!key.ok() || key->empty() || key->back() == '/') return std::nullopt;
  const std::string file = std::filesystem::path(*key).filename().string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(base_dir_ / file, ec)) return std::nullopt;
  diag_.Note(path, "in S3; thaw runs " + file +
                       ", the package beside the template (what was uploaded there)");
  return file;
}

std::string TemplateLoader::SecretNameOf(const std::string& id) {
  const YAML::Node props = Get(resources_.at(id).node, "Properties");
  if (props && Get(props, "Name")) {
    auto name = EvalString(Get(props, "Name"), "Resources." + id + ".Properties.Name");
    if (name.ok()) return *name;
  }
  return id + "-" + GeneratedSuffix(id);
}

std::string TemplateLoader::ParameterNameOf(const std::string& id) {
  const YAML::Node props = Get(resources_.at(id).node, "Properties");
  if (props && Get(props, "Name")) {
    auto name = EvalString(Get(props, "Name"), "Resources." + id + ".Properties.Name");
    return name.ok() ? *name : "";
  }
  return "CFN-" + id + "-" + GeneratedSuffix(id);
}

std::string TemplateLoader::GeneratedSuffix(const std::string& id) const {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (char c : stack_name_ + "/" + id) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  std::string out;
  for (int i = 0; i < 12; ++i) {
    hash ^= hash >> 29;
    hash *= 0xbf58476d1ce4e5b9ull;
    out += kChars[(hash >> 32) % (sizeof(kChars) - 1)];
  }
  return out;
}

absl::StatusOr<bool> TemplateLoader::Created(const std::string& id, const YAML::Node& resource) {
  if (!Get(resource, "Condition")) return true;
  auto created = Condition(Get(resource, "Condition").Scalar(), "Resources." + id + ".Condition");
  if (!created.ok()) {
    if (!IsUnresolved(created.status())) return created.status();
    diag_.Note("Resources." + id + ".Condition", "cannot be evaluated locally (" +
                                                     std::string(created.status().message()) +
                                                     "); the resource is created");
    return true;
  }
  if (!*created) {
    diag_.Note("Resources." + id,
               "not created: its condition " + Get(resource, "Condition").Scalar() + " is false");
  }
  return *created;
}

// Merges SAM Globals into a resource's own properties: mappings merged key by key, lists
// appended (globals first), anything else taken from the resource.
YAML::Node MergeGlobals(const YAML::Node& global, const YAML::Node& own) {
  if (!global) return own;
  if (!own) return global;
  if (global.IsMap() && own.IsMap() && global.Tag() == own.Tag() && global.Tag().size() <= 1) {
    YAML::Node merged(YAML::NodeType::Map);
    for (const auto& kv : global) merged[kv.first.as<std::string>()] = kv.second;
    for (const auto& kv : own) {
      const std::string key = kv.first.as<std::string>();
      merged[key] = MergeGlobals(global[key], kv.second);
    }
    return merged;
  }
  if (global.IsSequence() && own.IsSequence() && global.Tag().size() <= 1 &&
      own.Tag().size() <= 1) {
    YAML::Node merged(YAML::NodeType::Sequence);
    for (const auto& item : global) merged.push_back(item);
    for (const auto& item : own) merged.push_back(item);
    return merged;
  }
  return own;
}

absl::StatusOr<std::string> TemplateLoader::StringProperty(const FunctionSource& source,
                                                           const std::string& key) {
  const YAML::Node node = Get(source.props, key);
  auto value = EvalString(node, PathOf(source, key));
  if (!value.ok() && IsNoValue(value.status())) {
    return diag_.Error(node, PathOf(source, key), "AWS::NoValue: a value is required");
  }
  if (!value.ok() && IsUnresolved(value.status())) {
    return diag_.Error(node, PathOf(source, key),
                       "cannot be resolved locally: " + std::string(value.status().message()));
  }
  return value;
}

absl::Status TemplateLoader::OptionalIntProperty(const FunctionSource& source,
                                                 const std::string& key, int min, int max,
                                                 const std::string& unresolved_note, int& value) {
  const YAML::Node node = Get(source.props, key);
  if (!node) return absl::OkStatus();
  auto given = EvalInt(node, PathOf(source, key), min, max);
  if (given.ok()) {
    value = *given;
  } else if (IsUnresolved(given.status())) {
    diag_.Note(PathOf(source, key), "cannot be resolved locally (" +
                                        std::string(given.status().message()) + "); " +
                                        unresolved_note);
  } else if (!IsNoValue(given.status())) {  // AWS::NoValue keeps the default
    return given.status();
  }
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadFunction(const std::string& id, const Resource& resource,
                                          ThawConfig& config) {
  // Built at once: assigning to a YAML::Node writes into the node it refers to.
  const bool sam = resource.type == kServerlessFunction;
  const YAML::Node own = Get(resource.node, "Properties");
  if (own && !own.IsMap())
    return diag_.Error(own, "Resources." + id + ".Properties", "expected a mapping");
  const YAML::Node globals = sam ? Get(Get(root_, "Globals"), "Function") : YAML::Node();
  const FunctionSource source{.id = id,
                              .sam = sam,
                              .resource = resource.node,
                              .own = own,
                              .globals = globals,
                              .props = sam ? MergeGlobals(globals, own) : own};
  if (!source.props || !source.props.IsMap()) {
    return diag_.Error(resource.node, "Resources." + id + ".Properties", "required");
  }
  const YAML::Node& props = source.props;

  if (Get(resource.node, "Metadata") && Get(Get(resource.node, "Metadata"), "BuildMethod")) {
    diag_.Note("Resources." + id + ".Metadata.BuildMethod",
               "thaw runs CodeUri as it is, without `sam build`; to run the built code, run "
               "`sam build` and pass --config .aws-sam/build/template.yaml");
  }
  if (Get(props, "PackageType")) {
    ASSIGN_OR_RETURN(auto type, StringProperty(source, "PackageType"));
    if (type == "Image") {
      return diag_.Error(Get(props, "PackageType"), PathOf(source, "PackageType"),
                         "container image functions are not supported yet; use a zip-style "
                         "function (Runtime, Handler, CodeUri)");
    }
  }
  if (Get(props, "ImageUri")) {
    return diag_.Error(Get(props, "ImageUri"), PathOf(source, "ImageUri"),
                       "container image functions are not supported yet");
  }

  FunctionConfig fn;
  RETURN_IF_ERROR(LoadFunctionName(source, config, fn));
  RETURN_IF_ERROR(LoadFunctionCode(source, fn));
  RETURN_IF_ERROR(LoadFunctionLimits(source, fn));
  RETURN_IF_ERROR(LoadFunctionEnvironment(source, fn));
  RETURN_IF_ERROR(LoadFunctionRole(source, fn));
  RETURN_IF_ERROR(LoadFunctionLayers(source, fn));
  RETURN_IF_ERROR(LoadFunctionEvents(source, fn));
  RETURN_IF_ERROR(LoadFunctionUrl(source, fn));
  NoteFunctionProperties(source, fn);
  // `sam local invoke` takes the logical id; so does thaw, when the function has a name of
  // its own.
  if (fn.name != id) config.aliases[id] = fn.name;
  function_names_[id] = fn.name;
  config.functions[fn.name] = std::move(fn);
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadFunctionName(const FunctionSource& source,
                                              const ThawConfig& config, FunctionConfig& fn) {
  const YAML::Node name_node = Get(source.props, "FunctionName");
  const std::string name_path = PathOf(source, "FunctionName");
  fn.name = source.id;
  if (name_node) {
    auto name = EvalString(name_node, name_path);
    if (name.ok()) {
      fn.name = *name;
    } else if (IsUnresolved(name.status())) {
      diag_.Note(name_path, "cannot be resolved locally (" + std::string(name.status().message()) +
                                "); the function is named " + source.id);
    } else {
      return name.status();
    }
  }
  if (auto problem = CheckFunctionName(fn.name)) {
    return diag_.Error(name_node ? name_node : source.resource,
                       name_node ? name_path : "Resources." + source.id, *problem);
  }
  if (config.functions.count(fn.name)) {
    return diag_.Error(source.resource, "Resources." + source.id,
                       "a second function named " + fn.name);
  }
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadFunctionCode(const FunctionSource& source, FunctionConfig& fn) {
  const YAML::Node& props = source.props;
  if (!Get(props, "Runtime")) {
    return diag_.Error(source.resource, PathOf(source, "Runtime"), "required");
  }
  ASSIGN_OR_RETURN(fn.runtime, StringProperty(source, "Runtime"));
  if (Get(props, "Handler")) {
    ASSIGN_OR_RETURN(fn.handler, StringProperty(source, "Handler"));
  }

  // The code: a local directory, relative to the template.
  const std::string code_key = source.sam ? "CodeUri" : "Code";
  const std::string key_path = PathOf(source, code_key);
  std::filesystem::path code_dir = base_dir_;
  if (source.sam && Get(props, "InlineCode")) {
    return diag_.Error(Get(props, "InlineCode"), PathOf(source, "InlineCode"),
                       "inline code is not supported; put the code in a directory and point "
                       "CodeUri at it");
  }
  const YAML::Node asset = AssetPathOf(source.resource, code_key);
  const bool from_asset = asset.IsDefined();
  // Where the code was named, for messages.
  YAML::Node code_node = Get(props, code_key) ? Get(props, code_key) : source.resource;
  std::string code_path = key_path;
  const YAML::Node code = Get(props, code_key);
  if (code && from_asset) {
    // A `cdk synth` (or `sam build`) template: the property names the uploaded copy, the
    // metadata the local asset it was made from, as `sam local` reads it.
    code_node.reset(asset);
    code_path = "Resources." + source.id + ".Metadata." + kAssetPath;
    ASSIGN_OR_RETURN(code_dir, CodeDirectory(asset.Scalar(), asset, code_path, code_key));
  } else if (code && code.IsMap() && code.Tag().size() <= 1 && !Get(code, "Ref") &&
             !Get(code, "Fn::Sub") && !Get(code, "Fn::Join")) {
    if (Get(code, "ZipFile")) {
      return diag_.Error(code, key_path,
                         "inline code (ZipFile) is not supported; put the code in a directory "
                         "and point Code at it");
    }
    // {S3Bucket, S3Key}: runnable only when the package uploaded is still beside the template.
    auto package = PackageBesideTemplate(code, key_path);
    if (!package) return diag_.Error(code, key_path, S3CodeError(code_key));
    ASSIGN_OR_RETURN(code_dir, CodeDirectory(*package, code, key_path, code_key));
  } else if (code) {
    ASSIGN_OR_RETURN(auto location, StringProperty(source, code_key));
    if (location.rfind("s3://", 0) == 0) {
      auto package = PackageBesideTemplate(code, key_path);
      if (!package) return diag_.Error(code, key_path, S3CodeError(code_key));
      location = *package;
    }
    ASSIGN_OR_RETURN(code_dir, CodeDirectory(location, code, key_path, code_key));
  } else if (!source.sam) {
    return diag_.Error(source.resource, PathOf(source, "Code"), "required");
  }

  // settings.runtime_client (an overlay's) applies to the Node.js functions only.
  if (IsNodeRuntime(fn.runtime)) fn.runtime_client = settings_.runtime_client;
  if (auto problem = ResolveRuntime(code_dir, settings_.python, base_dir_, fn)) {
    switch (problem->input) {
      case FunctionInput::kRuntime:
      case FunctionInput::kPython:
        return diag_.Error(Get(props, "Runtime"), PathOf(source, "Runtime"), problem->message);
      case FunctionInput::kHandler:
        return diag_.Error(Get(props, "Handler") ? Get(props, "Handler") : source.resource,
                           PathOf(source, "Handler"), problem->message);
      case FunctionInput::kCode:
        return diag_.Error(code_node, code_path, problem->message);
    }
  }
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadFunctionLimits(const FunctionSource& source, FunctionConfig& fn) {
  RETURN_IF_ERROR(OptionalIntProperty(source, "MemorySize", kMinMemoryMb, kMaxMemoryMb,
                                      "128 MB is used", fn.memory_mb));
  RETURN_IF_ERROR(OptionalIntProperty(source, "Timeout", kMinTimeoutS, kMaxTimeoutS,
                                      "3 seconds are used", fn.timeout_s));
  const YAML::Node& props = source.props;
  if (Get(props, "ReservedConcurrentExecutions")) {
    ASSIGN_OR_RETURN(fn.reserved_concurrency,
                     EvalInt(Get(props, "ReservedConcurrentExecutions"),
                             PathOf(source, "ReservedConcurrentExecutions"), 0, 100000));
  }
  if (const YAML::Node pc = Get(props, "ProvisionedConcurrencyConfig"); pc) {
    const std::string pc_path =
        PathOf(source, "ProvisionedConcurrencyConfig") + ".ProvisionedConcurrentExecutions";
    if (!pc.IsMap() || !Get(pc, "ProvisionedConcurrentExecutions")) {
      return diag_.Error(pc, pc_path, "required");
    }
    ASSIGN_OR_RETURN(fn.provisioned_concurrency,
                     EvalInt(Get(pc, "ProvisionedConcurrentExecutions"), pc_path, 0, 1000));
  }
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadFunctionEnvironment(const FunctionSource& source,
                                                     FunctionConfig& fn) {
  const YAML::Node env = Get(source.props, "Environment");
  if (!env || !env.IsMap()) return absl::OkStatus();
  const YAML::Node vars = Get(env, "Variables");
  if (!vars) return absl::OkStatus();
  if (!vars.IsMap()) {
    return diag_.Error(vars, PathOf(source, "Environment") + ".Variables", "expected a mapping");
  }
  const YAML::Node& own = source.own;
  for (const auto& kv : vars) {
    const std::string key = kv.first.as<std::string>();
    const bool own_var = own && Get(own, "Environment") &&
                         Get(Get(own, "Environment"), "Variables") &&
                         Get(Get(Get(own, "Environment"), "Variables"), key);
    const std::string var_path =
        (own_var ? "Resources." + source.id + ".Properties" : std::string("Globals.Function")) +
        ".Environment.Variables." + key;
    if (auto problem = CheckEnvironmentName(key)) return diag_.Error(kv.first, var_path, *problem);
    auto value = EvalString(kv.second, var_path);
    if (value.ok()) {
      fn.environment[key] = *value;
    } else if (IsUnresolved(value.status())) {
      diag_.Note(var_path, "not set: " + std::string(value.status().message()));
    } else if (!IsNoValue(value.status())) {  // AWS::NoValue leaves the variable out
      return value.status();
    }
  }
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadFunctionRole(const FunctionSource& source, FunctionConfig& fn) {
  const YAML::Node& props = source.props;
  IamTranslation iam(diag_, settings_.region, settings_.account_id);
  if (Get(props, "Role")) {
    if (source.sam && Get(props, "Policies")) {
      diag_.Note(PathOf(source, "Policies"), "ignored because Role is set (as SAM does)");
    }
    RETURN_IF_ERROR(LoadRolePolicies(Get(props, "Role"), PathOf(source, "Role"), iam));
  } else if (source.sam && Get(props, "Policies")) {
    RETURN_IF_ERROR(LoadPolicies(Get(props, "Policies"), PathOf(source, "Policies"), iam));
  } else if (source.sam) {
    iam.DeclareNone();
    diag_.Note("Resources." + source.id + ".Properties.Policies",
               "none: SAM's default role (AWSLambdaBasicExecutionRole) allows no Secrets Manager "
               "or SSM call, so the fake AWS denies them too");
  }
  fn.iam_statements = iam.Statements();
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadFunctionLayers(const FunctionSource& source, FunctionConfig& fn) {
  std::vector<std::pair<YAML::Node, std::string>> layer_items;
  for (const auto& [layers, where] :
       {std::pair{Get(source.globals, "Layers"), std::string("Globals.Function.Layers")},
        std::pair{Get(source.own, "Layers"), "Resources." + source.id + ".Properties.Layers"}}) {
    if (!layers) continue;
    if (!layers.IsSequence()) return diag_.Error(layers, where, "expected a list");
    for (size_t i = 0; i < layers.size(); ++i) {
      layer_items.emplace_back(layers[i], where + "[" + std::to_string(i) + "]");
    }
  }
  // Lambda refuses a function with more layers (published ones included), so deploying this
  // template would fail: an error here rather than a run that cannot happen there.
  if (layer_items.size() > kMaxLayers) {
    return diag_.Error(layer_items[kMaxLayers].first, layer_items[kMaxLayers].second,
                       LayerCountProblem(layer_items.size()));
  }
  for (const auto& [layer, layer_path] : layer_items) {
    // A layer of this template: its local content, where Lambda extracts it (/opt).
    if (auto it = resources_.find(LogicalIdOf(layer));
        it != resources_.end() &&
        (it->second.type == kServerlessLayer || it->second.type == kLambdaLayer)) {
      ASSIGN_OR_RETURN(auto content, LayerContent(it->first));
      fn.layers.push_back(content);
      continue;
    }
    auto arn = EvalString(layer, layer_path);
    if (!arn.ok() && IsNoValue(arn.status())) continue;
    if (!arn.ok()) {
      if (!IsUnresolved(arn.status())) return arn.status();
      diag_.Note(layer_path, "not applied: " + std::string(arn.status().message()) +
                                 " (thaw applies the layers of this template and the "
                                 "Parameters and Secrets extension)");
      continue;
    }
    if (std::optional<std::string> note = ApplyLayer(*arn, fn)) diag_.Note(layer_path, *note);
  }
  return absl::OkStatus();
}

void TemplateLoader::NoteFunctionProperties(const FunctionSource& source, FunctionConfig& fn) {
  if (const YAML::Node arch = Get(source.props, "Architectures"); arch) {
    auto value = Eval(arch, PathOf(source, "Architectures"));
    if (value.ok() && JsonText(*value).find("arm64") != std::string::npos) {
      fn.architecture = "arm64";
      diag_.Note(PathOf(source, "Architectures"),
                 "arm64: the function runs on this machine's architecture");
    }
  }
  for (const auto& kv : source.props) {
    const std::string key = kv.first.as<std::string>();
    if (kReadProperties.count(key) || kInertProperties.count(key)) continue;
    auto why = kUnappliedWhy.find(key);
    diag_.Note(PathOf(source, key), "not applied: " + (why != kUnappliedWhy.end()
                                                           ? why->second
                                                           : std::string("thaw does not read it")));
  }
}

absl::StatusOr<std::optional<std::string>> TemplateLoader::RouteString(const YAML::Node& node,
                                                                       const std::string& path) {
  auto value = EvalString(node, path);
  if (value.ok()) return *std::move(value);
  if (IsNoValue(value.status())) return std::nullopt;
  if (!IsUnresolved(value.status())) return value.status();
  diag_.Note(path, "cannot be resolved locally (" + std::string(value.status().message()) +
                       "); the route is not served");
  return std::nullopt;
}

void TemplateLoader::NoteRouteProperties(const YAML::Node& props, const std::string& path,
                                         const std::set<std::string>& read) {
  if (!props || !props.IsMap()) return;
  for (const auto& kv : props) {
    const std::string key = kv.first.as<std::string>();
    if (read.count(key) || kRouteInertProperties.count(key)) continue;
    auto why = kRouteUnappliedWhy.find(key);
    diag_.Note(path + "." + key, "not applied: " + (why != kRouteUnappliedWhy.end()
                                                        ? why->second
                                                        : std::string("thaw does not read it")));
  }
}

std::string TemplateLoader::NamedResource(const YAML::Node& node, const std::string& type) const {
  std::vector<std::string> ids;
  LogicalIdsIn(node, ids);
  for (const std::string& id : ids) {
    if (auto it = resources_.find(id); it != resources_.end() && it->second.type == type) {
      return id;
    }
  }
  return "";
}

std::string TemplateLoader::NamedFunction(const YAML::Node& node) const {
  std::vector<std::string> ids;
  LogicalIdsIn(node, ids);
  for (const std::string& id : ids) {
    if (auto it = function_names_.find(id); it != function_names_.end()) return it->second;
  }
  return "";
}

std::string TemplateLoader::ApiStage(const std::string& api_id, const std::string& fallback) {
  auto api = resources_.find(api_id);
  if (api == resources_.end()) return fallback;
  // The stage's StageName, when it resolves.
  auto stage_name = [&](const std::string& id,
                        const YAML::Node& props) -> std::optional<std::string> {
    const YAML::Node name = Get(props, "StageName");
    if (!name) return std::nullopt;
    auto value = EvalString(name, "Resources." + id + ".Properties.StageName");
    if (value.ok() && !value->empty()) return *value;
    if (!value.ok()) {
      diag_.Note("Resources." + id + ".Properties.StageName",
                 "cannot be resolved locally (" + std::string(value.status().message()) +
                     "); its routes' stage is " + fallback);
    }
    return std::nullopt;
  };
  const std::string& type = api->second.type;
  if (type == kServerlessApi || type == kServerlessHttpApi) {
    return stage_name(api_id, Get(api->second.node, "Properties")).value_or(fallback);
  }
  // A stage resource of the API (CDK writes one; a Deployment's StageName is the older way).
  const bool rest = type == kRestApi;
  for (const std::string& stage_type : rest ? std::vector<std::string>{kRestStage, kRestDeployment}
                                            : std::vector<std::string>{kHttpStage}) {
    for (const auto& [id, resource] : resources_) {
      if (resource.type != stage_type) continue;
      const YAML::Node props = Get(resource.node, "Properties");
      if (LogicalIdOf(Get(props, rest ? "RestApiId" : "ApiId")) != api_id) continue;
      if (auto name = stage_name(id, props)) return *name;
    }
  }
  return fallback;
}

absl::StatusOr<std::optional<HttpRoute>> TemplateLoader::EventRoute(const std::string& type,
                                                                    const YAML::Node& props,
                                                                    const std::string& path) {
  if (props && !props.IsMap()) return diag_.Error(props, path, "expected a mapping");
  const bool rest = type == kApiEvent;
  HttpRoute route;
  route.kind = rest ? HttpRouteKind::kRestApi : HttpRouteKind::kHttpApi;
  const YAML::Node path_node = Get(props, "Path");
  const YAML::Node method_node = Get(props, "Method");
  if (rest || path_node || method_node) {
    // An HttpApi event without both is the API's $default route.
    if (!path_node || !method_node) {
      return diag_.Error(props, path + (path_node ? ".Method" : ".Path"),
                         rest ? "required"
                              : "required with " + std::string(path_node ? "Path" : "Method") +
                                    " (an HttpApi event with neither is the $default route)");
    }
    ASSIGN_OR_RETURN(auto route_path, RouteString(path_node, path + ".Path"));
    ASSIGN_OR_RETURN(auto method, RouteString(method_node, path + ".Method"));
    if (!route_path || !method) return std::nullopt;
    if (auto problem = CheckRoutePath(*route_path)) {
      return diag_.Error(path_node, path + ".Path", *problem);
    }
    auto normalized = NormalizeHttpMethod(*method);
    if (!normalized.ok()) {
      return diag_.Error(method_node, path + ".Method", std::string(normalized.status().message()));
    }
    route.path = *route_path;
    route.method = *normalized;
  } else {
    route.path = std::string(kDefaultRouteKey);
    route.method = "ANY";
  }
  route.payload_format = rest ? "1.0" : "2.0";
  if (const YAML::Node format = Get(props, "PayloadFormatVersion"); format && !rest) {
    ASSIGN_OR_RETURN(auto value, RouteString(format, path + ".PayloadFormatVersion"));
    if (!value) return std::nullopt;
    if (*value != "1.0" && *value != "2.0") {
      return diag_.Error(format, path + ".PayloadFormatVersion", "must be \"1.0\" or \"2.0\"");
    }
    route.payload_format = *value;
  }
  // The API: an explicit one of the template (its logical id and stage), else SAM's implicit
  // API (ServerlessRestApi / ServerlessHttpApi).
  const std::string api_key = rest ? "RestApiId" : "ApiId";
  const std::string fallback_stage = rest ? kSamRestStage : std::string(kDefaultRouteKey);
  route.stage = fallback_stage;
  if (const YAML::Node api = Get(props, api_key); api) {
    const std::string id = LogicalIdOf(api);
    auto it = resources_.find(id);
    const bool known = it != resources_.end() &&
                       (it->second.type == (rest ? kServerlessApi : kServerlessHttpApi) ||
                        it->second.type == (rest ? kRestApi : kHttpApi));
    if (known) {
      route.api = id;
      route.stage = ApiStage(id, fallback_stage);
    } else {
      diag_.Note(path + "." + api_key, "not a Ref to an " +
                                           std::string(rest ? kServerlessApi : kServerlessHttpApi) +
                                           " of this template: the route is served on the "
                                           "implicit API, stage " +
                                           fallback_stage);
    }
  }
  NoteRouteProperties(
      props, path,
      rest ? std::set<std::string>{"Path", "Method", "RestApiId"}
           : std::set<std::string>{"Path", "Method", "ApiId", "PayloadFormatVersion"});
  return route;
}

absl::Status TemplateLoader::LoadFunctionEvents(const FunctionSource& source, FunctionConfig& fn) {
  const YAML::Node events = Get(source.props, "Events");
  if (!events) return absl::OkStatus();
  const std::string events_path = PathOf(source, "Events");
  if (!events.IsMap()) return diag_.Error(events, events_path, "expected a mapping of events");
  for (const auto& kv : events) {
    const std::string event_path = events_path + "." + kv.first.as<std::string>();
    const YAML::Node type = Get(kv.second, "Type");
    if (!type || !type.IsScalar()) return diag_.Error(kv.second, event_path + ".Type", "required");
    if (type.Scalar() != kApiEvent && type.Scalar() != kHttpApiEvent) {
      diag_.Note(event_path, "not applied: " + type.Scalar() +
                                 " event sources are not emulated; invoke the function through "
                                 "the Invoke API");
      continue;
    }
    ASSIGN_OR_RETURN(auto route, EventRoute(type.Scalar(), Get(kv.second, "Properties"),
                                            event_path + ".Properties"));
    if (!route) continue;
    route->source = diag_.file() + ": " + event_path;
    fn.http_routes.push_back(*std::move(route));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<HttpRoute>> TemplateLoader::UrlRoute(const YAML::Node& props,
                                                                  const std::string& path) {
  if (!props.IsMap()) return diag_.Error(props, path, "expected a mapping");
  const YAML::Node auth = Get(props, "AuthType");
  if (!auth) return diag_.Error(props, path + ".AuthType", "required (NONE or AWS_IAM)");
  ASSIGN_OR_RETURN(auto auth_type, RouteString(auth, path + ".AuthType"));
  if (!auth_type) return std::nullopt;
  if (auto problem = CheckUrlAuthType(*auth_type)) {
    return diag_.Error(auth, path + ".AuthType", *problem);
  }
  NoteRouteProperties(props, path, {"AuthType", "TargetFunctionArn"});
  return FunctionUrlRoute(*auth_type, diag_.file() + ": " + path);
}

absl::Status TemplateLoader::LoadFunctionUrl(const FunctionSource& source, FunctionConfig& fn) {
  const YAML::Node url = Get(source.props, "FunctionUrlConfig");
  if (!url) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto route, UrlRoute(url, PathOf(source, "FunctionUrlConfig")));
  if (route) fn.http_routes.push_back(*std::move(route));
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadRouteResources(ThawConfig& config) {
  // The template's order, so a function's routes are in the order they were written.
  for (const auto& kv : Get(root_, "Resources")) {
    const std::string id = kv.first.as<std::string>();
    const Resource& resource = resources_.at(id);
    const std::string& type = resource.type;
    if (type != kLambdaUrl && type != kHttpRoute && type != kRestMethod && type != kServerlessApi &&
        type != kServerlessHttpApi && type != kRestApi && type != kHttpApi) {
      continue;
    }
    ASSIGN_OR_RETURN(auto created, Created(id, resource.node));
    if (!created) continue;
    const YAML::Node props = Get(resource.node, "Properties");
    const std::string path = "Resources." + id + ".Properties";
    if (type == kServerlessApi || type == kServerlessHttpApi) {
      // The routes are the functions' events; what the API adds to them is not applied.
      static const std::set<std::string> kNoted = {"Auth", "Cors", "CorsConfiguration",
                                                   "DefinitionBody", "DefinitionUri"};
      for (const auto& prop : props&& props.IsMap() ? props : YAML::Node(YAML::NodeType::Map)) {
        const std::string key = prop.first.as<std::string>();
        if (!kNoted.count(key)) continue;
        diag_.Note(path + "." + key,
                   "not applied: " + (key.rfind("Definition", 0) == 0
                                          ? std::string("the routes are the functions' Api / "
                                                        "HttpApi events, not the definition's")
                                      : key == "Auth" ? kRouteUnappliedWhy.at("Auth")
                                                      : kRouteUnappliedWhy.at("Cors")));
      }
      continue;
    }
    if (type == kRestApi || type == kHttpApi) {
      // An OpenAPI definition (a SAM-processed template's APIs) or an HTTP API's quick create.
      for (const char* key : {"Body", "BodyS3Location", "Target"}) {
        if (!Get(props, key)) continue;
        diag_.Note(path + "." + key,
                   "not applied: thaw serves the routes of AWS::ApiGatewayV2::Route and "
                   "AWS::ApiGateway::Method resources, not the API's own " +
                       std::string(key));
      }
      continue;
    }
    if (!props.IsMap()) return diag_.Error(resource.node, path, "required (a mapping)");
    if (type == kLambdaUrl) {
      RETURN_IF_ERROR(LoadUrlResource(id, props, config));
    } else if (type == kHttpRoute) {
      RETURN_IF_ERROR(LoadHttpApiRoute(id, props, config));
    } else {
      RETURN_IF_ERROR(LoadRestMethod(id, props, config));
    }
  }
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadUrlResource(const std::string& id, const YAML::Node& props,
                                             ThawConfig& config) {
  const std::string path = "Resources." + id + ".Properties";
  const std::string function = NamedFunction(Get(props, "TargetFunctionArn"));
  if (function.empty()) {
    diag_.Note(path + ".TargetFunctionArn",
               "not served: it names no function of this template (a Ref or GetAtt Arn)");
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto route, UrlRoute(props, path));
  if (!route) return absl::OkStatus();
  route->source = diag_.file() + ": Resources." + id;
  std::vector<HttpRoute>& routes = config.functions.at(function).http_routes;
  for (const HttpRoute& other : routes) {
    if (other.kind == HttpRouteKind::kFunctionUrl) {
      diag_.Note("Resources." + id,
                 "not served: " + function + " has a function URL already (" + other.source + ")");
      return absl::OkStatus();
    }
  }
  routes.push_back(*std::move(route));
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadHttpApiRoute(const std::string& id, const YAML::Node& props,
                                              ThawConfig& config) {
  const std::string path = "Resources." + id + ".Properties";
  const std::string api = LogicalIdOf(Get(props, "ApiId"));
  if (auto it = resources_.find(api); it != resources_.end() && it->second.type == kHttpApi) {
    const YAML::Node protocol = Get(Get(it->second.node, "Properties"), "ProtocolType");
    if (protocol && protocol.IsScalar() && protocol.Scalar() != "HTTP") {
      diag_.Note("Resources." + id,
                 "not served: " + protocol.Scalar() + " APIs are not emulated, HTTP APIs are");
      return absl::OkStatus();
    }
  }
  const std::string integration = NamedResource(Get(props, "Target"), kHttpIntegration);
  if (integration.empty()) {
    diag_.Note(path + ".Target",
               "not served: not integrations/<an AWS::ApiGatewayV2::Integration of this "
               "template>");
    return absl::OkStatus();
  }
  const std::string integration_path = "Resources." + integration + ".Properties";
  const YAML::Node integration_props = Get(resources_.at(integration).node, "Properties");
  const YAML::Node integration_type = Get(integration_props, "IntegrationType");
  if (!integration_type || !integration_type.IsScalar() ||
      integration_type.Scalar() != "AWS_PROXY") {
    diag_.Note(
        "Resources." + id,
        "not served: only Lambda proxy integrations (AWS_PROXY) are, "
        "and " +
            integration + " is " +
            (integration_type.IsScalar() ? integration_type.Scalar() : std::string("not one")));
    return absl::OkStatus();
  }
  const std::string function = NamedFunction(Get(integration_props, "IntegrationUri"));
  if (function.empty()) {
    diag_.Note(integration_path + ".IntegrationUri",
               "not served: it names no function of this template");
    return absl::OkStatus();
  }
  if (!Get(props, "RouteKey")) return diag_.Error(props, path + ".RouteKey", "required");
  ASSIGN_OR_RETURN(auto route_key, RouteString(Get(props, "RouteKey"), path + ".RouteKey"));
  if (!route_key) return absl::OkStatus();
  auto key = ParseRouteKey(*route_key);
  if (!key.ok()) {
    diag_.Note(path + ".RouteKey", "not served: " + std::string(key.status().message()));
    return absl::OkStatus();
  }
  HttpRoute route;
  route.kind = HttpRouteKind::kHttpApi;
  route.method = key->method;
  route.path = key->path;
  route.payload_format = "2.0";
  route.stage = ApiStage(api, std::string(kDefaultRouteKey));
  route.api = api;
  route.source = diag_.file() + ": Resources." + id;
  if (const YAML::Node format = Get(integration_props, "PayloadFormatVersion"); format) {
    ASSIGN_OR_RETURN(auto value, RouteString(format, integration_path + ".PayloadFormatVersion"));
    if (!value) return absl::OkStatus();
    if (*value != "1.0" && *value != "2.0") {
      return diag_.Error(format, integration_path + ".PayloadFormatVersion",
                         "must be \"1.0\" or \"2.0\"");
    }
    route.payload_format = *value;
  }
  if (const YAML::Node auth = Get(props, "AuthorizationType");
      auth && !(auth.IsScalar() && auth.Scalar() == "NONE")) {
    diag_.Note(path + ".AuthorizationType", "not applied: " + kRouteUnappliedWhy.at("Auth"));
  }
  config.functions.at(function).http_routes.push_back(std::move(route));
  return absl::OkStatus();
}

absl::StatusOr<std::string> TemplateLoader::RestResourcePath(const YAML::Node& resource_id,
                                                             const std::string& path) {
  std::string out;
  YAML::Node node = resource_id;
  // Each step goes one level up; a deeper chain than API Gateway allows is a loop.
  for (int depth = 0; depth < 64; ++depth) {
    const std::string id = LogicalIdOf(node);
    auto it = resources_.find(id);
    if (it == resources_.end()) break;
    if (it->second.type == kRestApi && GetAttAttributeOf(node) == "RootResourceId") {
      return out.empty() ? "/" : out;
    }
    if (it->second.type != kRestResource) break;
    const YAML::Node props = Get(it->second.node, "Properties");
    const std::string part_path = "Resources." + id + ".Properties.PathPart";
    if (!Get(props, "PathPart")) return diag_.Error(it->second.node, part_path, "required");
    ASSIGN_OR_RETURN(auto part, EvalString(Get(props, "PathPart"), part_path));
    out = "/" + part + out;
    node.reset(Get(props, "ParentId"));
  }
  return absl::UnimplementedError(path +
                                  " does not lead through AWS::ApiGateway::Resource ParentIds "
                                  "to a RestApi's RootResourceId");
}

absl::Status TemplateLoader::LoadRestMethod(const std::string& id, const YAML::Node& props,
                                            ThawConfig& config) {
  const std::string path = "Resources." + id + ".Properties";
  const YAML::Node integration = Get(props, "Integration");
  const YAML::Node integration_type = Get(integration, "Type");
  if (!integration_type || !integration_type.IsScalar() ||
      integration_type.Scalar() != "AWS_PROXY") {
    diag_.Note(
        path + ".Integration",
        "not served: only Lambda proxy integrations (Type: "
        "AWS_PROXY) are, not " +
            (integration_type.IsScalar() ? integration_type.Scalar() : std::string("this one")));
    return absl::OkStatus();
  }
  const std::string function = NamedFunction(Get(integration, "Uri"));
  if (function.empty()) {
    diag_.Note(path + ".Integration.Uri", "not served: it names no function of this template");
    return absl::OkStatus();
  }
  if (!Get(props, "HttpMethod")) return diag_.Error(props, path + ".HttpMethod", "required");
  ASSIGN_OR_RETURN(auto method, RouteString(Get(props, "HttpMethod"), path + ".HttpMethod"));
  if (!method) return absl::OkStatus();
  auto normalized = NormalizeHttpMethod(*method);
  if (!normalized.ok()) {
    return diag_.Error(Get(props, "HttpMethod"), path + ".HttpMethod",
                       std::string(normalized.status().message()));
  }
  auto resource_path = RestResourcePath(Get(props, "ResourceId"), path + ".ResourceId");
  if (!resource_path.ok()) {
    if (!IsUnresolved(resource_path.status())) return resource_path.status();
    diag_.Note(path + ".ResourceId",
               "not served: " + std::string(resource_path.status().message()));
    return absl::OkStatus();
  }
  if (auto problem = CheckRoutePath(*resource_path)) {
    diag_.Note(path + ".ResourceId", "not served: " + *problem);
    return absl::OkStatus();
  }
  const std::string api = NamedResource(Get(props, "RestApiId"), kRestApi);
  HttpRoute route;
  route.kind = HttpRouteKind::kRestApi;
  route.method = *normalized;
  route.path = *resource_path;
  route.payload_format = "1.0";
  route.stage = ApiStage(api, kCdkRestStage);
  route.api = api;
  route.source = diag_.file() + ": Resources." + id;
  if (const YAML::Node auth = Get(props, "AuthorizationType");
      auth && !(auth.IsScalar() && auth.Scalar() == "NONE")) {
    diag_.Note(path + ".AuthorizationType", "not applied: " + kRouteUnappliedWhy.at("Auth"));
  }
  config.functions.at(function).http_routes.push_back(std::move(route));
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadPolicies(const YAML::Node& policies, const std::string& path,
                                          IamTranslation& iam) {
  in_policy_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{in_policy_};
  const bool list = policies.IsSequence() && policies.Tag().size() <= 1;
  const size_t count = list ? policies.size() : 1;
  for (size_t i = 0; i < count; ++i) {
    const YAML::Node item = list ? policies[i] : policies;
    const std::string item_path = list ? path + "[" + std::to_string(i) + "]" : path;
    if (item.IsMap() && item.Tag().size() <= 1 && Get(item, "Statement")) {
      // A policy document: each statement on its own, so one that cannot be resolved
      // locally does not take the others with it.
      iam.DeclareNone();
      const YAML::Node statements = Get(item, "Statement");
      const bool many = statements.IsSequence() && statements.Tag().size() <= 1;
      for (size_t j = 0; j < (many ? statements.size() : 1); ++j) {
        const std::string statement_path =
            item_path + ".Statement" + (many ? "[" + std::to_string(j) + "]" : "");
        auto statement = Eval(many ? statements[j] : statements, statement_path);
        if (!statement.ok()) {
          if (!IsUnresolved(statement.status())) return statement.status();
          iam.Unresolved(statement_path, std::string(statement.status().message()));
          continue;
        }
        if (statement->is_array()) {
          iam.AddDocument(statement_path, *statement);
        } else {
          iam.AddStatement(statement_path, *statement);
        }
      }
      continue;
    }
    auto value = Eval(item, item_path);
    if (!value.ok()) {
      if (!IsUnresolved(value.status())) return value.status();
      iam.Unresolved(item_path, std::string(value.status().message()));
      continue;
    }
    if (value->is_string()) {
      iam.AddManagedPolicy(item_path, value->get<std::string>());
    } else if (value->is_object() && value->contains("Statement")) {
      iam.AddDocument(item_path, *value);
    } else if (value->is_object() && value->size() == 1) {
      iam.AddPolicyTemplate(item_path, value->begin().key(), value->begin().value());
    } else {
      return diag_.Error(item, item_path,
                         "expected a managed policy name, a policy document {Statement: [...]} "
                         "or a SAM policy template");
    }
  }
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadRolePolicies(const YAML::Node& role, const std::string& path,
                                              IamTranslation& iam) {
  // The role is in the template when Role is `!GetAtt R.Arn` (or `!Ref R`) of an AWS::IAM::Role.
  const std::string role_id = LogicalIdOf(role);
  auto it = resources_.find(role_id);
  if (it == resources_.end() || it->second.type != kIamRole) {
    diag_.Note(path,
               "the role is not in this template, so its permissions are unknown: the "
               "function's calls to the fake AWS are not restricted");
    iam.Unrestricted();
    return absl::OkStatus();
  }
  const YAML::Node props = Get(it->second.node, "Properties");
  const std::string role_path = "Resources." + role_id + ".Properties";
  in_policy_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{in_policy_};
  iam.DeclareNone();
  std::set<std::string> attached;
  if (const YAML::Node managed = Get(props, "ManagedPolicyArns"); managed) {
    const bool list = managed.IsSequence() && managed.Tag().size() <= 1;
    for (size_t i = 0; i < (list ? managed.size() : 1); ++i) {
      const YAML::Node item = list ? managed[i] : managed;
      const std::string item_path =
          role_path + ".ManagedPolicyArns" + (list ? "[" + std::to_string(i) + "]" : "");
      // `!Ref P` of an AWS::IAM::ManagedPolicy in the template: its own statements.
      if (auto policy = resources_.find(LogicalIdOf(item));
          policy != resources_.end() && policy->second.type == kIamManagedPolicy) {
        RETURN_IF_ERROR(AttachPolicyResource(policy->first, attached, iam));
        continue;
      }
      auto value = Eval(item, item_path);
      if (!value.ok()) {
        if (!IsUnresolved(value.status())) return value.status();
        iam.Unresolved(item_path, std::string(value.status().message()));
      } else if (value->is_array()) {
        for (size_t j = 0; j < value->size(); ++j) {
          iam.AddManagedPolicy(item_path + "[" + std::to_string(j) + "]", Scalar((*value)[j]));
        }
      } else if (!value->is_discarded()) {
        iam.AddManagedPolicy(item_path, Scalar(*value));
      }
    }
  }
  if (const YAML::Node policies = Get(props, "Policies"); policies && policies.IsSequence()) {
    for (size_t i = 0; i < policies.size(); ++i) {
      const std::string item_path = role_path + ".Policies[" + std::to_string(i) + "]";
      auto doc = Eval(Get(policies[i], "PolicyDocument"), item_path + ".PolicyDocument");
      if (!doc.ok()) {
        if (!IsUnresolved(doc.status())) return doc.status();
        iam.Unresolved(item_path, std::string(doc.status().message()));
        continue;
      }
      iam.AddDocument(item_path + ".PolicyDocument", *doc);
    }
  }
  // AWS::IAM::Policy and AWS::IAM::ManagedPolicy resources that name this role in `Roles`
  // (what CDK's grant* methods write).
  for (const auto& [policy_id, policy] : resources_) {
    if (policy.type != kIamPolicy && policy.type != kIamManagedPolicy) continue;
    const YAML::Node roles = Get(Get(policy.node, "Properties"), "Roles");
    if (!roles || !roles.IsSequence()) continue;
    for (const auto& item : roles) {
      if (LogicalIdOf(item) == role_id) {
        RETURN_IF_ERROR(AttachPolicyResource(policy_id, attached, iam));
        break;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status TemplateLoader::AttachPolicyResource(const std::string& policy_id,
                                                  std::set<std::string>& attached,
                                                  IamTranslation& iam) {
  if (!attached.insert(policy_id).second) return absl::OkStatus();
  const YAML::Node node = resources_.at(policy_id).node;
  ASSIGN_OR_RETURN(auto created, Created(policy_id, node));
  if (!created) return absl::OkStatus();
  const std::string path = "Resources." + policy_id + ".Properties.PolicyDocument";
  const YAML::Node document = Get(Get(node, "Properties"), "PolicyDocument");
  if (!document) return diag_.Error(node, path, "required");
  const bool outer = in_policy_;
  in_policy_ = true;
  auto doc = Eval(document, path);
  in_policy_ = outer;
  if (!doc.ok()) {
    if (!IsUnresolved(doc.status())) return doc.status();
    iam.Unresolved(path, std::string(doc.status().message()));
    return absl::OkStatus();
  }
  iam.AddDocument(path, *doc);
  return absl::OkStatus();
}

absl::StatusOr<std::filesystem::path> TemplateLoader::CodeDirectory(const std::string& location,
                                                                    const YAML::Node& node,
                                                                    const std::string& path,
                                                                    const std::string& key) {
  std::filesystem::path dir = location;
  if (dir.is_relative()) dir = base_dir_ / dir;
  dir = dir.lexically_normal();
  if (IsZipArtifact(dir)) {
    auto unpacked = UnpackZipArtifact(
        dir, options_.artifact_cache.empty() ? DefaultArtifactCache() : options_.artifact_cache);
    if (!unpacked.ok()) return diag_.Error(node, path, std::string(unpacked.status().message()));
    for (const std::string& problem : unpacked->limit_problems) diag_.Note(path, problem);
    return unpacked->dir;
  }
  std::error_code ec;
  if (std::filesystem::is_regular_file(dir, ec)) {
    return diag_.Error(node, path,
                       dir.string() + " is a file, not a directory or a .zip: point " + key +
                           " at the function's code");
  }
  return dir;
}

absl::StatusOr<std::filesystem::path> TemplateLoader::LayerContent(const std::string& id) {
  if (auto it = layer_content_.find(id); it != layer_content_.end()) return it->second;
  const Resource& resource = resources_.at(id);
  const std::string key = resource.type == kServerlessLayer ? "ContentUri" : "Content";
  const std::string path = "Resources." + id + ".Properties." + key;
  const YAML::Node content = Get(Get(resource.node, "Properties"), key);
  if (!content) return diag_.Error(resource.node, path, "required");
  absl::StatusOr<std::filesystem::path> dir;
  YAML::Node where = content;
  std::string where_path = path;
  if (const YAML::Node asset = AssetPathOf(resource.node, key); asset.IsDefined()) {
    where.reset(asset);
    where_path = "Resources." + id + ".Metadata." + kAssetPath;
    dir = CodeDirectory(asset.Scalar(), asset, where_path, key);
  } else if (content.IsMap() && content.Tag().size() <= 1 && !Get(content, "Ref") &&
             !Get(content, "Fn::Sub") && !Get(content, "Fn::Join")) {
    return diag_.Error(content, path, S3CodeError(key, "layer's"));
  } else {
    auto location = EvalString(content, path);
    if (!location.ok() && IsUnresolved(location.status())) {
      return diag_.Error(content, path,
                         "cannot be resolved locally: " + std::string(location.status().message()));
    }
    if (!location.ok()) return location.status();
    if (location->rfind("s3://", 0) == 0) {
      return diag_.Error(content, path, S3CodeError(key, "layer's"));
    }
    dir = CodeDirectory(*location, content, path, key);
  }
  if (!dir.ok()) return dir.status();
  std::error_code ec;
  if (!std::filesystem::is_directory(*dir, ec)) {
    return diag_.Error(where, where_path,
                       "layer content directory " + dir->string() + " does not exist");
  }
  std::filesystem::path absolute = std::filesystem::absolute(*dir).lexically_normal();
  if (absolute.filename().empty()) absolute = absolute.parent_path();  // "layer/" -> "layer"
  layer_content_[id] = absolute;
  return absolute;
}

void TemplateLoader::NoteUnappliedResources() {
  for (const auto& [id, resource] : resources_) {
    const std::string& type = resource.type;
    if (type == kServerlessFunction || type == kLambdaFunction || type == kSecret ||
        type == kParameter || type == kIamRole || type == kCdkMetadata ||
        type == kServerlessLayer || type == kLambdaLayer || kRouteResourceTypes.count(type)) {
      continue;
    }
    if (type == kIamPolicy || type == kIamManagedPolicy) {
      const YAML::Node roles = Get(Get(resource.node, "Properties"), "Roles");
      if (!roles || !roles.IsSequence()) {
        if (type == kIamPolicy) {
          diag_.Note("Resources." + id, "not applied: it names no role (Roles) in this template");
        }
        continue;
      }
      for (size_t i = 0; i < roles.size(); ++i) {
        auto role = resources_.find(LogicalIdOf(roles[i]));
        if (role == resources_.end() || role->second.type != kIamRole) {
          diag_.Note("Resources." + id + ".Properties.Roles[" + std::to_string(i) + "]",
                     "not applied: not a Ref to an AWS::IAM::Role of this template");
        }
      }
      continue;
    }
    diag_.Note("Resources." + id,
               "not created: thaw emulates Lambda functions, Secrets Manager secrets and SSM "
               "parameters, not " +
                   type);
  }
}

std::string RandomPassword(size_t length) {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device device;
  std::mt19937_64 rng(device());
  std::uniform_int_distribution<size_t> pick(0, sizeof(kChars) - 2);
  std::string out;
  for (size_t i = 0; i < length; ++i) out += kChars[pick(rng)];
  return out;
}

absl::Status TemplateLoader::LoadSecret(const std::string& id, const YAML::Node& props,
                                        ThawConfig& config) {
  const std::string path = "Resources." + id + ".Properties";
  SecretSeed seed;
  seed.name = SecretNameOf(id);
  if (seed.name.empty()) {
    diag_.Note(path + ".Name", "empty (a parameter with no value?): the secret is not seeded");
    return absl::OkStatus();
  }
  if (props && Get(props, "Description")) {
    auto description = EvalString(Get(props, "Description"), path + ".Description");
    if (description.ok()) seed.description = *description;
  }
  if (props && Get(props, "SecretString")) {
    auto value = Eval(Get(props, "SecretString"), path + ".SecretString");
    if (!value.ok()) {
      if (!IsUnresolved(value.status())) return value.status();
      diag_.Note(path + ".SecretString", "cannot be resolved locally (" +
                                             std::string(value.status().message()) +
                                             "); the secret is not seeded");
      return absl::OkStatus();
    }
    seed.value = value->is_string() ? value->get<std::string>() : JsonText(*value);
  } else if (props && Get(props, "GenerateSecretString")) {
    const YAML::Node generate = Get(props, "GenerateSecretString");
    int length = 32;
    if (Get(generate, "PasswordLength")) {
      auto n = EvalInt(Get(generate, "PasswordLength"),
                       path + ".GenerateSecretString.PasswordLength", 1, 4096);
      if (n.ok()) length = *n;
    }
    const std::string password = RandomPassword(length);
    seed.value = password;
    if (Get(generate, "SecretStringTemplate") && Get(generate, "GenerateStringKey")) {
      auto text = EvalString(Get(generate, "SecretStringTemplate"),
                             path + ".GenerateSecretString.SecretStringTemplate");
      auto key = EvalString(Get(generate, "GenerateStringKey"),
                            path + ".GenerateSecretString.GenerateStringKey");
      if (text.ok() && key.ok()) {
        Json object = Json::parse(*text, nullptr, false);
        if (object.is_object()) {
          object[*key] = password;
          seed.value = JsonText(object);
        }
      }
    }
    diag_.Note(path + ".GenerateSecretString",
               "the secret is seeded with a random value generated at start");
  } else {
    diag_.Note(path, "no SecretString: the secret " + seed.name + " is not seeded");
    return absl::OkStatus();
  }
  config.seeds.secrets.push_back(std::move(seed));
  return absl::OkStatus();
}

absl::Status TemplateLoader::LoadParameter(const std::string& id, const YAML::Node& props,
                                           ThawConfig& config) {
  const std::string path = "Resources." + id + ".Properties";
  if (!props || !Get(props, "Value")) {
    diag_.Note(path, "no Value: the parameter is not seeded");
    return absl::OkStatus();
  }
  ParameterSeed seed;
  auto name = Get(props, "Name") ? EvalString(Get(props, "Name"), path + ".Name")
                                 : absl::StatusOr<std::string>(ParameterNameOf(id));
  auto value = EvalString(Get(props, "Value"), path + ".Value");
  for (const auto* s : {&name, &value}) {
    if (s->ok()) continue;
    if (!IsUnresolved(s->status())) return s->status();
    diag_.Note(path, "cannot be resolved locally (" + std::string(s->status().message()) +
                         "); the parameter is not seeded");
    return absl::OkStatus();
  }
  seed.name = *name;
  seed.value = *value;
  if (Get(props, "Type")) {
    auto type = EvalString(Get(props, "Type"), path + ".Type");
    if (type.ok()) seed.type = *type;
  }
  config.seeds.parameters.push_back(std::move(seed));
  return absl::OkStatus();
}

absl::StatusOr<ThawConfig> TemplateLoader::Load() {
  ThawConfig config;
  config.source = diag_.file();
  if (!root_.IsMap()) return diag_.Error(root_, "", "expected a template (a mapping)");
  const YAML::Node resources = Get(root_, "Resources");
  if (!resources || !resources.IsMap()) {
    return diag_.Error(root_, "Resources", "required (a mapping of resources)");
  }
  if (const YAML::Node transform = Get(root_, "Transform"); transform) {
    const bool list = transform.IsSequence();
    for (size_t i = 0; i < (list ? transform.size() : 1); ++i) {
      const YAML::Node item = list ? transform[i] : transform;
      if (item.IsScalar() && item.Scalar() != "AWS::Serverless-2016-10-31") {
        diag_.Note("Transform", item.Scalar() + " is not applied");
      }
    }
  }
  for (const auto& kv : resources) {
    const std::string id = kv.first.as<std::string>();
    if (!kv.second.IsMap() || !Get(kv.second, "Type") || !Get(kv.second, "Type").IsScalar()) {
      return diag_.Error(kv.second, "Resources." + id + ".Type", "required");
    }
    resources_[id] = Resource{Get(kv.second, "Type").Scalar(), kv.second};
  }
  for (const auto& [id, resource] : resources_) {
    if (resource.type != kServerlessFunction && resource.type != kLambdaFunction &&
        resource.type != kSecret && resource.type != kParameter) {
      continue;
    }
    ASSIGN_OR_RETURN(auto created, Created(id, resource.node));
    if (!created) continue;
    absl::Status status;
    if (resource.type == kSecret) {
      // By its logical id too, whether the template gives it a value or not (config_overlay.h).
      config.secret_ids[id] = SecretNameOf(id);
      status = LoadSecret(id, Get(resource.node, "Properties"), config);
    } else if (resource.type == kParameter) {
      if (const std::string parameter = ParameterNameOf(id); !parameter.empty()) {
        config.parameter_ids[id] = parameter;
      }
      status = LoadParameter(id, Get(resource.node, "Properties"), config);
    } else {
      status = LoadFunction(id, resource, config);
    }
    if (!status.ok()) return status;
  }
  if (config.functions.empty()) {
    return diag_.Error("Resources", std::string("no ") + kServerlessFunction + " or " +
                                        kLambdaFunction + " to run");
  }
  RETURN_IF_ERROR(LoadRouteResources(config));
  NoteUnappliedResources();
  for (const auto& [key, value] : options_.parameter_overrides) {
    if (!Get(Get(root_, "Parameters"), key)) {
      diag_.Note("Parameters", "--parameter-overrides " + key +
                                   ": the template declares no such parameter; ignored");
    }
  }
  for (auto it = config.aliases.begin(); it != config.aliases.end();) {
    it = config.functions.count(it->first) ? config.aliases.erase(it) : std::next(it);
  }
  config.settings = settings_;
  if (auto problem = CheckConcurrency(config)) return diag_.Error("Resources", *problem);
  config.notes = diag_.TakeNotes();
  return config;
}

}  // namespace

absl::StatusOr<ThawConfig> ParseSamTemplate(const std::string& text,
                                            const std::string& display_name,
                                            const std::filesystem::path& base_dir,
                                            const LoadOptions& options) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    // JSON that YAML cannot read (tabs, for one): parse it as JSON.
    Json json = Json::parse(text, nullptr, false);
    if (json.is_discarded()) {
      return absl::InvalidArgumentError(display_name + ":" + std::to_string(e.mark.line + 1) +
                                        ": invalid YAML: " + e.msg);
    }
    root = YAML::Load(JsonText(json));
  }
  try {
    TemplateLoader loader(root, display_name, base_dir, options);
    return loader.Load();
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(display_name + ":" + std::to_string(e.mark.line + 1) + ": " +
                                      e.msg);
  }
}

}  // namespace thaw
