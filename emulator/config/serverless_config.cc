#include "emulator/config/serverless_config.h"

#include <cctype>
#include <cstdlib>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "absl/status/status.h"
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

// The Framework's defaults when neither the function nor the provider says.
constexpr int kDefaultMemoryMb = 1024;
constexpr int kDefaultTimeoutS = 6;

// Keys with no effect on how a function runs locally: ignored without a note.
const std::set<std::string> kInertProviderKeys = {"name",
                                                  "profile",
                                                  "deploymentBucket",
                                                  "deploymentPrefix",
                                                  "stackName",
                                                  "apiName",
                                                  "tags",
                                                  "stackTags",
                                                  "logRetentionInDays",
                                                  "versionFunctions",
                                                  "lambdaHashingVersion",
                                                  "deploymentMethod",
                                                  "cfnRole",
                                                  "rolePermissionsBoundary",
                                                  "disableRollback",
                                                  "stackPolicy",
                                                  "stackParameters",
                                                  "notificationArns",
                                                  "tracing",
                                                  "logs",
                                                  "kmsKeyArn",
                                                  "apiGateway",
                                                  "httpApi",
                                                  "websocketsApiName",
                                                  "websocketsApiRouteSelectionExpression",
                                                  "endpointType",
                                                  "ecr",
                                                  "alb",
                                                  "s3",
                                                  "eventBridge",
                                                  "cloudFront",
                                                  "logDataProtectionPolicy"};
const std::set<std::string> kInertFunctionKeys = {
    "description",        "tags",           "package", "disableLogs", "tracing", "kmsKeyArn",
    "logRetentionInDays", "versionFunction"};

class ServerlessLoader {
 public:
  ServerlessLoader(YAML::Node root, const std::string& display_name, std::filesystem::path base_dir,
                   const LoadOptions& options)
      : root_(std::move(root)),
        diag_(display_name),
        base_dir_(std::move(base_dir)),
        options_(options) {
    // An overlay's settings are where the file starts from (provider.region still wins).
    if (options_.overlay) settings_ = options_.overlay->settings;
  }

  absl::StatusOr<ThawConfig> Load();

 private:
  // `node` with its variables resolved: a variable that is the whole value may yield a
  // mapping or a list.
  absl::StatusOr<YAML::Node> Resolve(const YAML::Node& node, const std::string& path,
                                     int depth = 0);
  absl::StatusOr<YAML::Node> ResolveText(const std::string& text, const std::string& path,
                                         int depth);
  absl::StatusOr<YAML::Node> Variable(const std::string& expression, const std::string& path,
                                      int depth);
  absl::StatusOr<YAML::Node> Source(const std::string& reference, const std::string& path,
                                    int depth);
  // A fully resolved value as JSON (scalars as strings).
  absl::StatusOr<Json> ToJson(const YAML::Node& node, const std::string& path, int depth = 0);
  absl::StatusOr<std::string> String(const YAML::Node& node, const std::string& path);
  absl::StatusOr<int> Int(const YAML::Node& node, const std::string& path, int min, int max);
  // Like Int, but a value that cannot be resolved is noted and `fallback` kept.
  absl::Status OptionalInt(const YAML::Node& node, const std::string& path, int min, int max,
                           int& value);

  absl::Status LoadIam(const YAML::Node& provider, IamTranslation& iam);
  absl::Status LoadStatements(const YAML::Node& statements, const std::string& path,
                              IamTranslation& iam);
  absl::Status LoadManaged(const YAML::Node& policies, const std::string& path,
                           IamTranslation& iam);
  absl::Status LoadLayers(const YAML::Node& layers, const std::string& path, FunctionConfig& fn);
  // The code directory a .zip `artifact` (package.artifact) names, unpacked into the artifact
  // cache; errors and notes at `path`.
  absl::StatusOr<std::filesystem::path> UnpackArtifact(const YAML::Node& artifact,
                                                       const std::string& path);
  // The content directory of the top-level layer whose logical id (the Framework's: TitleCased
  // name + "LambdaLayer") is `logical_id`: layers.<name>.path, or its package.artifact; found
  // once per layer. Nullopt when no layer has that id; an error when its content is missing.
  absl::StatusOr<std::optional<std::filesystem::path>> LayerContent(const std::string& logical_id);
  absl::Status LoadFunction(const std::string& key, const YAML::Node& node,
                            const YAML::Node& provider, ThawConfig& config);
  // One entry of `functions:` being read: its key, its path for messages, the entry as written
  // (`node`, for messages) and resolved (`def`), and the resolved provider.
  struct FunctionEntry {
    std::string key;
    std::string path;
    YAML::Node node;
    YAML::Node def;
    YAML::Node provider;
  };
  // LoadFunction's steps, each reading its keys of `entry` into `fn`.
  // runtime, handler and the code (the service directory or a package.artifact).
  absl::Status LoadFunctionCode(const FunctionEntry& entry, FunctionConfig& fn);
  // memorySize, timeout and environment (the provider's, then the function's), concurrency.
  absl::Status LoadFunctionSettings(const FunctionEntry& entry, FunctionConfig& fn);
  // The role: the provider's, or the function's own (serverless-iam-roles-per-function).
  absl::Status LoadFunctionRole(const FunctionEntry& entry, FunctionConfig& fn);
  // The provider's or the function's environment (`where` is its path) into `fn`.
  absl::Status LoadEnvironment(const YAML::Node& env, const std::string& where, FunctionConfig& fn);
  // Architecture, layers, and a note for each key thaw does not apply.
  absl::Status LoadFunctionExtras(const FunctionEntry& entry, FunctionConfig& fn);
  // The HTTP routes: http and httpApi events, url. The other events are noted.
  absl::Status LoadFunctionRoutes(const FunctionEntry& entry, FunctionConfig& fn);
  // An http (REST API) or httpApi event's route (`value` at `path`); nullopt when it is not
  // served (noted).
  absl::StatusOr<std::optional<HttpRoute>> EventRoute(const std::string& type,
                                                      const YAML::Node& value,
                                                      const std::string& path,
                                                      const YAML::Node& provider);

  const YAML::Node root_;
  Diagnostics diag_;
  std::filesystem::path base_dir_;
  const LoadOptions& options_;
  std::string service_;
  std::string stage_ = "dev";
  Settings settings_;
  // LayerContent's answers, by logical id.
  std::map<std::string, std::filesystem::path> layer_content_;
};

// The Framework's logical id of the top-level layer `name` (its normalizeName: '-' becomes
// "Dash", '_' "Underscore", the first letter upper case) + "LambdaLayer".
std::string LayerLogicalId(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '-') {
      out += "Dash";
    } else if (c == '_') {
      out += "Underscore";
    } else {
      out += c;
    }
  }
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out + "LambdaLayer";
}

absl::StatusOr<YAML::Node> ServerlessLoader::Resolve(const YAML::Node& node,
                                                     const std::string& path, int depth) {
  if (!node.IsDefined()) return diag_.Error(path, "a value is missing");
  if (depth > 20) return diag_.Error(node, path, "variables refer to each other in a loop");
  if (!node.IsScalar() || node.Scalar().find("${") == std::string::npos) return node;
  return ResolveText(node.Scalar(), path, depth);
}

absl::StatusOr<YAML::Node> ServerlessLoader::ResolveText(const std::string& input,
                                                         const std::string& path, int depth) {
  std::string text = input;
  while (true) {
    // The last ${ opens an innermost variable: any nested one would start after it.
    const size_t start = text.rfind("${");
    if (start == std::string::npos) return YAML::Node(text);
    const size_t end = text.find('}', start);
    if (end == std::string::npos) {
      return diag_.Error(path, "unclosed ${ in '" + input + "'");
    }
    auto value = Variable(text.substr(start + 2, end - start - 2), path, depth);
    if (!value.ok()) return value;
    if (start == 0 && end == text.size() - 1) return *value;  // the whole value
    if (!value->IsScalar()) {
      return diag_.Error(path, "${" + text.substr(start + 2, end - start - 2) +
                                   "} is a mapping or a list, used inside a string");
    }
    text = text.substr(0, start) + value->Scalar() + text.substr(end + 1);
  }
}

// Splits "a, 'b, c', d" at the commas outside quotes.
std::vector<std::string> SplitFallbacks(const std::string& expression) {
  std::vector<std::string> parts;
  std::string current;
  char quote = 0;
  for (char c : expression) {
    if (quote) {
      if (c == quote) quote = 0;
      current += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      current += c;
    } else if (c == ',') {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  for (auto& part : parts) {
    const size_t first = part.find_first_not_of(" \t");
    const size_t last = part.find_last_not_of(" \t");
    part = first == std::string::npos ? "" : part.substr(first, last - first + 1);
  }
  return parts;
}

absl::StatusOr<YAML::Node> ServerlessLoader::Variable(const std::string& expression,
                                                      const std::string& path, int depth) {
  std::string why;
  for (const std::string& part : SplitFallbacks(expression)) {
    if (part.size() >= 2 && (part[0] == '\'' || part[0] == '"') && part.back() == part[0]) {
      return YAML::Node(part.substr(1, part.size() - 2));
    }
    static const std::regex kNumber("-?[0-9]+(\\.[0-9]+)?");
    if (std::regex_match(part, kNumber) || part == "true" || part == "false" || part == "null") {
      return YAML::Node(part);
    }
    auto value = Source(part, path, depth);
    if (value.ok() && !value->IsNull()) return value;
    if (!value.ok() && !IsUnresolved(value.status())) return value;
    if (why.empty()) {
      why = value.ok() ? "${" + part + "} is empty" : std::string(value.status().message());
    }
  }
  return absl::UnimplementedError(why);
}

absl::StatusOr<YAML::Node> ServerlessLoader::Source(const std::string& reference,
                                                    const std::string& path, int depth) {
  const size_t colon = reference.find(':');
  const std::string source = colon == std::string::npos ? "" : reference.substr(0, colon);
  const std::string address = colon == std::string::npos ? "" : reference.substr(colon + 1);
  if (source == "self") {
    YAML::Node node = root_;
    std::string walked;
    size_t start = 0;
    while (start < address.size()) {
      size_t dot = address.find('.', start);
      const std::string key = address.substr(start, dot == std::string::npos ? dot : dot - start);
      walked += (walked.empty() ? "" : ".") + key;
      auto resolved = Resolve(node, path, depth + 1);
      if (!resolved.ok()) return resolved;
      node.reset(*resolved);
      if (node.IsSequence() && std::all_of(key.begin(), key.end(), ::isdigit) && !key.empty()) {
        const YAML::Node sequence = node;
        node.reset(sequence[std::stoul(key)]);
      } else if (node.IsMap()) {
        node.reset(Get(node, key));
      } else {
        return absl::UnimplementedError("${self:" + address + "}: " + walked +
                                        " is not in the file");
      }
      if (!node || !node.IsDefined()) {
        return absl::UnimplementedError("${self:" + address + "}: " + walked +
                                        " is not in the file");
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return Resolve(node, path, depth + 1);
  }
  if (source == "sls" && address == "stage") return YAML::Node(stage_);
  if (source == "sls" && address == "instanceId") return YAML::Node("thaw");
  if (source == "aws" && address == "region") return YAML::Node(settings_.region);
  if (source == "aws" && address == "accountId") return YAML::Node(settings_.account_id);
  if (source == "env") {
    if (const char* value = std::getenv(address.c_str())) return YAML::Node(std::string(value));
    return absl::UnimplementedError("${env:" + address + "}: " + address +
                                    " is not set in thaw's environment");
  }
  if (source == "opt") {
    return absl::UnimplementedError("${opt:" + address +
                                    "}: thaw takes no Framework options (give a fallback, "
                                    "like ${opt:" +
                                    address + ", 'dev'})");
  }
  return absl::UnimplementedError("${" + reference +
                                  "} is not resolved by thaw (it reads "
                                  "self:, sls:stage, opt: fallbacks, env:, aws:region and "
                                  "aws:accountId)");
}

absl::StatusOr<Json> ServerlessLoader::ToJson(const YAML::Node& node, const std::string& path,
                                              int depth) {
  ASSIGN_OR_RETURN(auto resolved, Resolve(node, path, depth));
  const YAML::Node& value = resolved;
  const std::string& tag = value.Tag();
  if (tag.size() > 1 && tag[0] == '!') {
    return absl::UnimplementedError("the CloudFormation intrinsic " + tag +
                                    " is only known once deployed");
  }
  if (value.IsMap()) {
    if (value.size() == 1) {
      const std::string key = value.begin()->first.as<std::string>();
      if (key == "Ref" || key.rfind("Fn::", 0) == 0) {
        return absl::UnimplementedError("the CloudFormation intrinsic " + key +
                                        " is only known once deployed");
      }
    }
    Json object = Json::object();
    for (const auto& kv : value) {
      const std::string key = kv.first.as<std::string>();
      ASSIGN_OR_RETURN(auto item, ToJson(kv.second, path + "." + key, depth + 1));
      object[key] = std::move(item);
    }
    return object;
  }
  if (value.IsSequence()) {
    Json array = Json::array();
    for (size_t i = 0; i < value.size(); ++i) {
      ASSIGN_OR_RETURN(auto item,
                       ToJson(value[i], path + "[" + std::to_string(i) + "]", depth + 1));
      array.push_back(std::move(item));
    }
    return array;
  }
  if (value.IsNull()) return Json();
  return Json(value.Scalar());
}

absl::StatusOr<std::string> ServerlessLoader::String(const YAML::Node& node,
                                                     const std::string& path) {
  ASSIGN_OR_RETURN(auto value, ToJson(node, path));
  if (!value.is_string()) return diag_.Error(node, path, "expected a string");
  return value.get<std::string>();
}

absl::StatusOr<int> ServerlessLoader::Int(const YAML::Node& node, const std::string& path, int min,
                                          int max) {
  ASSIGN_OR_RETURN(auto text, String(node, path));
  int value = 0;
  if (auto problem = CheckIntInRange(text, min, max, value)) {
    return diag_.Error(node, path, *problem);
  }
  return value;
}

absl::Status ServerlessLoader::OptionalInt(const YAML::Node& node, const std::string& path, int min,
                                           int max, int& value) {
  auto n = Int(node, path, min, max);
  if (n.ok()) {
    value = *n;
    return absl::OkStatus();
  }
  if (!IsUnresolved(n.status())) return n.status();
  diag_.Note(path, std::string(n.status().message()) + "; " + std::to_string(value) + " is used");
  return absl::OkStatus();
}

absl::Status ServerlessLoader::LoadStatements(const YAML::Node& statements, const std::string& path,
                                              IamTranslation& iam) {
  auto list = Resolve(statements, path);
  if (!list.ok()) {
    if (!IsUnresolved(list.status())) return list.status();
    iam.Unresolved(path, std::string(list.status().message()));
    return absl::OkStatus();
  }
  if (!list->IsSequence()) return diag_.Error(statements, path, "expected a list of statements");
  iam.DeclareNone();
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    auto statement = ToJson((*list)[i], item_path);
    if (!statement.ok()) {
      if (!IsUnresolved(statement.status())) return statement.status();
      iam.Unresolved(item_path, std::string(statement.status().message()));
      continue;
    }
    iam.AddStatement(item_path, *statement);
  }
  return absl::OkStatus();
}

absl::Status ServerlessLoader::LoadManaged(const YAML::Node& policies, const std::string& path,
                                           IamTranslation& iam) {
  auto list = ToJson(policies, path);
  if (!list.ok()) {
    if (!IsUnresolved(list.status())) return list.status();
    iam.Unresolved(path, std::string(list.status().message()));
    return absl::OkStatus();
  }
  if (!list->is_array()) return diag_.Error(policies, path, "expected a list of policy ARNs");
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!(*list)[i].is_string()) return diag_.Error(policies, item_path, "expected an ARN");
    iam.AddManagedPolicy(item_path, (*list)[i].get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status ServerlessLoader::LoadIam(const YAML::Node& provider, IamTranslation& iam) {
  iam.DeclareNone();  // the Framework's default role grants logs only
  bool any = false;
  if (const YAML::Node iam_node = Get(provider, "iam"); iam_node) {
    ASSIGN_OR_RETURN(auto resolved, Resolve(iam_node, "provider.iam"));
    const YAML::Node role = Get(resolved, "role");
    if (role && role.IsScalar()) {
      diag_.Note("provider.iam.role", "an existing role (" + role.Scalar() +
                                          "): its permissions are unknown, so the functions' "
                                          "calls to the fake AWS are not restricted");
      iam.Unrestricted();
      return absl::OkStatus();
    }
    if (role && role.IsMap()) {
      for (const auto& kv : role) {
        const std::string key = kv.first.as<std::string>();
        if (key == "statements") {
          any = true;
          if (auto s = LoadStatements(kv.second, "provider.iam.role.statements", iam); !s.ok()) {
            return s;
          }
        } else if (key == "managedPolicies") {
          any = true;
          if (auto s = LoadManaged(kv.second, "provider.iam.role.managedPolicies", iam); !s.ok()) {
            return s;
          }
        } else if (key != "name" && key != "path" && key != "tags" &&
                   key != "permissionsBoundary") {
          diag_.Note("provider.iam.role." + key, "not applied: thaw does not read it");
        }
      }
    }
  }
  if (const YAML::Node old = Get(provider, "iamRoleStatements"); old) {
    any = true;
    RETURN_IF_ERROR(LoadStatements(old, "provider.iamRoleStatements", iam));
  }
  if (const YAML::Node old = Get(provider, "iamManagedPolicies"); old) {
    any = true;
    RETURN_IF_ERROR(LoadManaged(old, "provider.iamManagedPolicies", iam));
  }
  if (const YAML::Node role = Get(provider, "role"); role) {
    diag_.Note("provider.role",
               "an existing role: its permissions are unknown, so the "
               "functions' calls to the fake AWS are not restricted");
    iam.Unrestricted();
  }
  if (!any && !Get(provider, "role")) {
    diag_.Note("provider.iam",
               "no role statements: the Framework's default role allows no "
               "Secrets Manager or SSM call, so the fake AWS denies them too");
  }
  return absl::OkStatus();
}

absl::Status ServerlessLoader::LoadLayers(const YAML::Node& layers, const std::string& path,
                                          FunctionConfig& fn) {
  auto list = Resolve(layers, path);
  if (!list.ok()) {
    if (!IsUnresolved(list.status())) return list.status();
    diag_.Note(path, "not applied: " + std::string(list.status().message()));
    return absl::OkStatus();
  }
  if (!list->IsSequence()) return diag_.Error(layers, path, "expected a list of layer ARNs");
  // Lambda refuses a function with more layers (see kMaxLayers).
  if (list->size() > kMaxLayers) {
    return diag_.Error((*list)[kMaxLayers], path + "[" + std::to_string(kMaxLayers) + "]",
                       LayerCountProblem(list->size()));
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    // {Ref: <Name>LambdaLayer}: a layer of this serverless.yml, with local content.
    if (const YAML::Node ref = Get((*list)[i], "Ref");
        (*list)[i].IsMap() && ref && ref.IsScalar()) {
      ASSIGN_OR_RETURN(auto content, LayerContent(ref.Scalar()));
      if (!content.has_value()) {
        return diag_.Error(ref, item_path,
                           "Ref to " + ref.Scalar() +
                               ", which is no layer under `layers:` (layer myLayer is " +
                               LayerLogicalId("myLayer") + ")");
      }
      fn.layers.push_back(*content);
      continue;
    }
    auto arn = String((*list)[i], item_path);
    if (!arn.ok()) {
      if (!IsUnresolved(arn.status())) return arn.status();
      diag_.Note(item_path, "not applied: " + std::string(arn.status().message()));
      continue;
    }
    if (std::optional<std::string> note = ApplyLayer(*arn, fn)) diag_.Note(item_path, *note);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::filesystem::path> ServerlessLoader::UnpackArtifact(const YAML::Node& artifact,
                                                                       const std::string& path) {
  ASSIGN_OR_RETURN(auto location, String(artifact, path));
  std::filesystem::path zip = location;
  if (zip.is_relative()) zip = base_dir_ / zip;
  zip = zip.lexically_normal();
  if (!IsZipArtifact(zip)) {
    return diag_.Error(artifact, path,
                       zip.string() + " is no .zip file; thaw runs a .zip artifact or a directory");
  }
  auto unpacked = UnpackZipArtifact(
      zip, options_.artifact_cache.empty() ? DefaultArtifactCache() : options_.artifact_cache);
  if (!unpacked.ok()) return diag_.Error(artifact, path, std::string(unpacked.status().message()));
  for (const std::string& problem : unpacked->limit_problems) diag_.Note(path, problem);
  return unpacked->dir;
}

absl::StatusOr<std::optional<std::filesystem::path>> ServerlessLoader::LayerContent(
    const std::string& logical_id) {
  if (auto it = layer_content_.find(logical_id); it != layer_content_.end()) return it->second;
  const YAML::Node layers = Get(root_, "layers");
  if (!layers || !layers.IsMap()) return std::nullopt;
  for (const auto& kv : layers) {
    const std::string name = kv.first.as<std::string>();
    if (LayerLogicalId(name) != logical_id) continue;
    const std::string path = "layers." + name;
    ASSIGN_OR_RETURN(auto def, Resolve(kv.second, path));
    if (!def.IsMap()) return diag_.Error(kv.second, path, "expected a mapping");
    std::filesystem::path dir;
    if (const YAML::Node artifact = Get(Get(def, "package"), "artifact"); artifact) {
      ASSIGN_OR_RETURN(auto unpacked, UnpackArtifact(artifact, path + ".package.artifact"));
      dir = unpacked;
    } else if (const YAML::Node location = Get(def, "path"); location) {
      ASSIGN_OR_RETURN(auto text, String(location, path + ".path"));
      dir = text;
      if (dir.is_relative()) dir = base_dir_ / dir;
      std::error_code ec;
      if (!std::filesystem::is_directory(dir, ec)) {
        return diag_.Error(
            location, path + ".path",
            "layer content directory " + dir.lexically_normal().string() + " does not exist");
      }
    } else {
      return diag_.Error(kv.second, path + ".path", "required (the layer's directory)");
    }
    dir = std::filesystem::absolute(dir).lexically_normal();
    if (dir.filename().empty()) dir = dir.parent_path();  // "layer/" -> "layer"
    layer_content_[logical_id] = dir;
    return dir;
  }
  return std::nullopt;
}

absl::Status ServerlessLoader::LoadFunction(const std::string& key, const YAML::Node& node,
                                            const YAML::Node& provider, ThawConfig& config) {
  const std::string path = "functions." + key;
  ASSIGN_OR_RETURN(YAML::Node def, Resolve(node, path));
  if (!def.IsMap()) return diag_.Error(node, path, "expected a mapping");
  const FunctionEntry entry{
      .key = key, .path = path, .node = node, .def = def, .provider = provider};

  FunctionConfig fn;
  fn.name = service_ + "-" + stage_ + "-" + key;
  if (Get(def, "name")) {
    ASSIGN_OR_RETURN(fn.name, String(Get(def, "name"), path + ".name"));
  }
  if (auto problem = CheckFunctionName(fn.name)) {
    return diag_.Error(Get(def, "name") ? Get(def, "name") : node,
                       Get(def, "name") ? path + ".name" : path, fn.name + ": " + *problem);
  }
  if (Get(def, "image")) {
    return diag_.Error(Get(def, "image"), path + ".image",
                       "container image functions are not supported yet");
  }
  RETURN_IF_ERROR(LoadFunctionCode(entry, fn));
  RETURN_IF_ERROR(LoadFunctionSettings(entry, fn));
  RETURN_IF_ERROR(LoadFunctionRole(entry, fn));
  RETURN_IF_ERROR(LoadFunctionExtras(entry, fn));
  RETURN_IF_ERROR(LoadFunctionRoutes(entry, fn));
  if (config.functions.count(fn.name)) {
    return diag_.Error(node, path, "a second function named " + fn.name);
  }
  if (fn.name != key) config.aliases[key] = fn.name;
  config.functions[fn.name] = std::move(fn);
  return absl::OkStatus();
}

absl::Status ServerlessLoader::LoadFunctionCode(const FunctionEntry& entry, FunctionConfig& fn) {
  const YAML::Node& def = entry.def;
  const std::string& path = entry.path;
  // The code: the service directory, or a .zip package.artifact (the function's, else the
  // service's) unpacked into the artifact cache.
  std::filesystem::path code_dir = base_dir_;
  const bool own_artifact = Get(Get(def, "package"), "artifact").IsDefined();
  if (const YAML::Node artifact = own_artifact ? Get(Get(def, "package"), "artifact")
                                               : Get(Get(root_, "package"), "artifact");
      artifact) {
    ASSIGN_OR_RETURN(code_dir,
                     UnpackArtifact(artifact, own_artifact ? path + ".package.artifact"
                                                           : std::string("package.artifact")));
  }

  const YAML::Node runtime_node =
      Get(def, "runtime") ? Get(def, "runtime") : Get(entry.provider, "runtime");
  const std::string runtime_path = Get(def, "runtime") ? path + ".runtime" : "provider.runtime";
  if (!runtime_node) {
    return diag_.Error(entry.node, path + ".runtime", "required (here or in provider.runtime)");
  }
  ASSIGN_OR_RETURN(fn.runtime, String(runtime_node, runtime_path));
  if (!Get(def, "handler")) return diag_.Error(entry.node, path + ".handler", "required");
  ASSIGN_OR_RETURN(fn.handler, String(Get(def, "handler"), path + ".handler"));

  // settings.runtime_client (an overlay's) applies to the Node.js functions only.
  if (IsNodeRuntime(fn.runtime)) fn.runtime_client = settings_.runtime_client;
  if (auto problem = ResolveRuntime(code_dir, settings_.python, base_dir_, fn)) {
    switch (problem->input) {
      case FunctionInput::kRuntime:
      case FunctionInput::kPython:
        return diag_.Error(runtime_node, runtime_path, problem->message);
      case FunctionInput::kHandler:
        return diag_.Error(Get(def, "handler"), path + ".handler", problem->message);
      case FunctionInput::kCode:
        return diag_.Error(entry.node, path, problem->message);
    }
  }
  return absl::OkStatus();
}

absl::Status ServerlessLoader::LoadFunctionSettings(const FunctionEntry& entry,
                                                    FunctionConfig& fn) {
  fn.memory_mb = kDefaultMemoryMb;
  fn.timeout_s = kDefaultTimeoutS;
  for (const auto& [node_of, where] :
       {std::pair{entry.provider, std::string("provider")}, std::pair{entry.def, entry.path}}) {
    if (Get(node_of, "memorySize")) {
      RETURN_IF_ERROR(OptionalInt(Get(node_of, "memorySize"), where + ".memorySize", kMinMemoryMb,
                                  kMaxMemoryMb, fn.memory_mb));
    }
    if (Get(node_of, "timeout")) {
      RETURN_IF_ERROR(OptionalInt(Get(node_of, "timeout"), where + ".timeout", kMinTimeoutS,
                                  kMaxTimeoutS, fn.timeout_s));
    }
    if (const YAML::Node env = Get(node_of, "environment"); env) {
      RETURN_IF_ERROR(LoadEnvironment(env, where + ".environment", fn));
    }
  }
  const YAML::Node& def = entry.def;
  if (Get(def, "reservedConcurrency")) {
    ASSIGN_OR_RETURN(fn.reserved_concurrency, Int(Get(def, "reservedConcurrency"),
                                                  entry.path + ".reservedConcurrency", 0, 100000));
  }
  if (Get(def, "provisionedConcurrency")) {
    ASSIGN_OR_RETURN(
        fn.provisioned_concurrency,
        Int(Get(def, "provisionedConcurrency"), entry.path + ".provisionedConcurrency", 0, 1000));
  }
  return absl::OkStatus();
}

absl::Status ServerlessLoader::LoadEnvironment(const YAML::Node& env, const std::string& where,
                                               FunctionConfig& fn) {
  auto vars = Resolve(env, where);
  if (!vars.ok()) {
    if (!IsUnresolved(vars.status())) return vars.status();
    diag_.Note(where, "not set: " + std::string(vars.status().message()));
    return absl::OkStatus();
  }
  if (!vars->IsMap()) return diag_.Error(env, where, "expected a mapping");
  for (const auto& kv : *vars) {
    const std::string name = kv.first.as<std::string>();
    const std::string var_path = where + "." + name;
    if (auto problem = CheckEnvironmentName(name)) {
      return diag_.Error(kv.first, var_path, *problem);
    }
    auto value = ToJson(kv.second, var_path);
    if (!value.ok()) {
      if (!IsUnresolved(value.status())) return value.status();
      diag_.Note(var_path, "not set: " + std::string(value.status().message()));
      fn.environment.erase(name);
      continue;
    }
    if (value->is_object() || value->is_array()) {
      return diag_.Error(kv.second, var_path, "expected a string value");
    }
    fn.environment[name] = value->is_string() ? value->get<std::string>() : "";
  }
  return absl::OkStatus();
}

absl::Status ServerlessLoader::LoadFunctionRole(const FunctionEntry& entry, FunctionConfig& fn) {
  const YAML::Node& def = entry.def;
  const std::string& path = entry.path;
  IamTranslation iam(diag_, settings_.region, settings_.account_id);
  if (Get(def, "iamRoleStatements")) {
    bool inherit = false;
    if (Get(def, "iamRoleStatementsInherit")) {
      auto value = String(Get(def, "iamRoleStatementsInherit"), path + ".iamRoleStatementsInherit");
      inherit = value.ok() && *value == "true";
    }
    if (inherit) RETURN_IF_ERROR(LoadIam(entry.provider, iam));
    RETURN_IF_ERROR(
        LoadStatements(Get(def, "iamRoleStatements"), path + ".iamRoleStatements", iam));
  } else if (Get(def, "role")) {
    diag_.Note(path + ".role",
               "an existing role: its permissions are unknown, so the "
               "function's calls to the fake AWS are not restricted");
    iam.Unrestricted();
  } else {
    RETURN_IF_ERROR(LoadIam(entry.provider, iam));
  }
  fn.iam_statements = iam.Statements();
  return absl::OkStatus();
}

absl::Status ServerlessLoader::LoadFunctionExtras(const FunctionEntry& entry, FunctionConfig& fn) {
  const YAML::Node& def = entry.def;
  const YAML::Node& provider = entry.provider;
  // The function's architecture, else the provider's (what the packaging check compares with).
  for (const YAML::Node& arch : {Get(def, "architecture"), Get(provider, "architecture")}) {
    if (!arch || !arch.IsScalar()) continue;
    if (arch.Scalar() == "arm64") fn.architecture = "arm64";
    break;
  }
  // Function-level layers replace the provider's, as in the Framework.
  if (Get(def, "layers")) {
    RETURN_IF_ERROR(LoadLayers(Get(def, "layers"), entry.path + ".layers", fn));
  } else if (Get(provider, "layers")) {
    RETURN_IF_ERROR(LoadLayers(Get(provider, "layers"), "provider.layers", fn));
  }
  static const std::map<std::string, std::string> kUnappliedWhy = {
      {"vpc", "instances use the host's network"},
      {"destinations", "asynchronous results are not delivered anywhere (see the ledger)"},
      {"onError", "asynchronous failures are not delivered anywhere (see the ledger)"},
      {"maximumRetryAttempts", "thaw retries asynchronous invokes as Lambda's defaults do"},
      {"maximumEventAge", "thaw retries asynchronous invokes as Lambda's defaults do"},
      {"ephemeralStorageSize", "instances share the host's /tmp"},
      {"snapStart", "every cold start runs the full init"},
      {"fileSystemConfig", "EFS mounts are not emulated"},
      {"architecture", "the function runs on this machine's architecture"},
  };
  static const std::set<std::string> kRead = {"handler",
                                              "runtime",
                                              "environment",
                                              "memorySize",
                                              "timeout",
                                              "reservedConcurrency",
                                              "provisionedConcurrency",
                                              "name",
                                              "layers",
                                              "iamRoleStatements",
                                              "iamRoleStatementsInherit",
                                              "role",
                                              "image",
                                              "events",
                                              "url"};
  for (const auto& kv : def) {
    const std::string name = kv.first.as<std::string>();
    if (kRead.count(name) || kInertFunctionKeys.count(name)) continue;
    if (name == "architecture" && kv.second.IsScalar() && kv.second.Scalar() == "x86_64") continue;
    auto why = kUnappliedWhy.find(name);
    diag_.Note(
        entry.path + "." + name,
        "not applied: " +
            (why != kUnappliedWhy.end() ? why->second : std::string("thaw does not read it")));
  }

  return absl::OkStatus();
}

// The Framework writes REST paths without the leading slash ("orders/{id}", "" for the root);
// HttpRoute keeps API Gateway's.
std::string WithLeadingSlash(const std::string& path) {
  return !path.empty() && path[0] == '/' ? path : "/" + path;
}

// Why the event settings thaw reads past are not applied.
const std::map<std::string, std::string> kEventUnappliedWhy = {
    {"authorizer", "authorizers are not emulated: every request reaches the function"},
    {"private", "API keys are not checked"},
    {"cors", "CORS headers are not added"},
    {"request", "requests are not validated or mapped"},
    {"response", "responses are not mapped"},
    {"async", "the function is invoked synchronously"},
    {"invokeMode", "responses are buffered, not streamed"},
};

absl::StatusOr<std::optional<HttpRoute>> ServerlessLoader::EventRoute(const std::string& type,
                                                                      const YAML::Node& value,
                                                                      const std::string& path,
                                                                      const YAML::Node& provider) {
  auto resolved = ToJson(value, path);
  if (!resolved.ok()) {
    if (!IsUnresolved(resolved.status())) return resolved.status();
    diag_.Note(path, "cannot be resolved locally (" + std::string(resolved.status().message()) +
                         "); the route is not served");
    return std::nullopt;
  }
  const Json& event = *resolved;
  const bool rest = type == "http";
  HttpRoute route;
  route.kind = rest ? HttpRouteKind::kRestApi : HttpRouteKind::kHttpApi;
  route.source = diag_.file() + ": " + path;
  std::string method, route_path;
  if (event.is_string()) {
    // "GET orders/{id}" (http), "GET /orders/{id}" or "*" (httpApi).
    const std::string text = event.get<std::string>();
    if (!rest && text == "*") {
      method = "*";
      route_path = std::string(kDefaultRouteKey);
    } else {
      const size_t space = text.find(' ');
      if (space == std::string::npos) {
        return diag_.Error(value, path,
                           "expected \"METHOD " + std::string(rest ? "path" : "/path") + "\"" +
                               (rest ? "" : " or '*'") + " or {method, path}");
      }
      method = text.substr(0, space);
      const size_t start = text.find_first_not_of(' ', space);
      route_path = start == std::string::npos ? "" : text.substr(start);
    }
  } else if (event.is_object()) {
    for (const char* key : {"method", "path"}) {
      if (!event.contains(key) || !event[key].is_string()) {
        return diag_.Error(value, path + "." + key, "required (a string)");
      }
    }
    method = event["method"].get<std::string>();
    route_path = event["path"].get<std::string>();
    if (rest && event.contains("integration") && event["integration"].is_string()) {
      std::string integration = event["integration"].get<std::string>();
      for (char& c : integration)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (integration != "lambda-proxy" && integration != "aws_proxy" &&
          integration != "aws-proxy") {
        diag_.Note(path + ".integration",
                   "not served: only Lambda proxy integrations (lambda-proxy) are, not " +
                       event["integration"].get<std::string>());
        return std::nullopt;
      }
    }
    for (const auto& [key, ignored] : event.items()) {
      if (key == "method" || key == "path" || key == "integration") continue;
      auto why = kEventUnappliedWhy.find(key);
      diag_.Note(path + "." + key, "not applied: " + (why != kEventUnappliedWhy.end()
                                                          ? why->second
                                                          : std::string("thaw does not read it")));
    }
  } else {
    return diag_.Error(value, path, "expected \"METHOD path\" or {method, path}");
  }
  auto normalized = NormalizeHttpMethod(method);
  if (!normalized.ok()) {
    return diag_.Error(value, path + (event.is_object() ? ".method" : ""),
                       std::string(normalized.status().message()));
  }
  route.method = *normalized;
  route.path = route_path == kDefaultRouteKey && !rest ? route_path : WithLeadingSlash(route_path);
  if (route.path == kDefaultRouteKey) {
    if (route.method != "ANY") {
      return diag_.Error(value, path, "the $default route ('*') takes any method");
    }
  } else if (auto problem = CheckRoutePath(route.path)) {
    return diag_.Error(value, path + (event.is_object() ? ".path" : ""), *problem);
  }
  if (rest) {
    route.payload_format = "1.0";
    route.stage = stage_;
  } else {
    route.stage = std::string(kDefaultRouteKey);
    route.payload_format = "2.0";
    if (const YAML::Node payload = Get(Get(provider, "httpApi"), "payload"); payload) {
      auto format = String(payload, "provider.httpApi.payload");
      if (!format.ok()) {
        if (!IsUnresolved(format.status())) return format.status();
        diag_.Note("provider.httpApi.payload",
                   std::string(format.status().message()) + "; payload format 2.0 is used");
      } else if (*format != "1.0" && *format != "2.0") {
        return diag_.Error(payload, "provider.httpApi.payload", "must be '1.0' or '2.0'");
      } else {
        route.payload_format = *format;
      }
    }
  }
  return route;
}

absl::Status ServerlessLoader::LoadFunctionRoutes(const FunctionEntry& entry, FunctionConfig& fn) {
  const YAML::Node& def = entry.def;
  if (const YAML::Node events_node = Get(def, "events"); events_node) {
    const std::string events_path = entry.path + ".events";
    auto resolved = Resolve(events_node, events_path);
    if (!resolved.ok()) {
      if (!IsUnresolved(resolved.status())) return resolved.status();
      diag_.Note(events_path, "not applied: " + std::string(resolved.status().message()));
      resolved = YAML::Node(YAML::NodeType::Sequence);
    }
    const YAML::Node events = *resolved;
    if (!events.IsSequence()) return diag_.Error(events_node, events_path, "expected a list");
    for (size_t i = 0; i < events.size(); ++i) {
      const std::string item_path = events_path + "[" + std::to_string(i) + "]";
      const YAML::Node item = events[i];
      if (!item.IsMap() || item.size() != 1) {
        return diag_.Error(item, item_path, "expected one event ({http: ...}, {sqs: ...}, ...)");
      }
      const std::string type = item.begin()->first.as<std::string>();
      if (type != "http" && type != "httpApi") {
        diag_.Note(item_path, "not applied: " + type +
                                  " event sources are not emulated; invoke the function through "
                                  "the Invoke API");
        continue;
      }
      ASSIGN_OR_RETURN(auto route, EventRoute(type, item.begin()->second, item_path + "." + type,
                                              entry.provider));
      if (route) fn.http_routes.push_back(*std::move(route));
    }
  }
  if (const YAML::Node url_node = Get(def, "url"); url_node) {
    const std::string url_path = entry.path + ".url";
    auto url = ToJson(url_node, url_path);
    if (!url.ok()) {
      if (!IsUnresolved(url.status())) return url.status();
      diag_.Note(url_path, "not applied: " + std::string(url.status().message()));
      return absl::OkStatus();
    }
    std::string auth_type = "NONE";
    if (url->is_object()) {
      for (const auto& [key, setting] : url->items()) {
        if (key == "authorizer") {
          if (!setting.is_string() || (setting != "aws_iam" && setting != "none")) {
            return diag_.Error(url_node, url_path + ".authorizer", "must be aws_iam (or none)");
          }
          if (setting == "aws_iam") auth_type = "AWS_IAM";
          continue;
        }
        auto why = kEventUnappliedWhy.find(key);
        diag_.Note(url_path + "." + key,
                   "not applied: " + (why != kEventUnappliedWhy.end()
                                          ? why->second
                                          : std::string("thaw does not read it")));
      }
    } else if (*url == "false") {
      return absl::OkStatus();
    } else if (*url != "true") {
      return diag_.Error(url_node, url_path, "expected true or {authorizer: aws_iam}");
    }
    fn.http_routes.push_back(FunctionUrlRoute(auth_type, diag_.file() + ": " + url_path));
  }
  return absl::OkStatus();
}

absl::StatusOr<ThawConfig> ServerlessLoader::Load() {
  ThawConfig config;
  config.source = diag_.file();
  if (!root_.IsMap()) return diag_.Error(root_, "", "expected a mapping");

  const YAML::Node service_node = Get(root_, "service");
  if (!service_node) return diag_.Error(root_, "service", "required");
  {
    ASSIGN_OR_RETURN(auto service, service_node.IsMap()
                                       ? String(Get(service_node, "name"), "service.name")
                                       : String(service_node, "service"));
    service_ = service;
  }
  if (!Get(root_, "provider")) return diag_.Error(root_, "provider", "required");
  ASSIGN_OR_RETURN(auto provider_resolved, Resolve(Get(root_, "provider"), "provider"));
  const YAML::Node provider = provider_resolved;
  if (!provider.IsMap())
    return diag_.Error(Get(root_, "provider"), "provider", "expected a mapping");
  if (Get(provider, "name")) {
    ASSIGN_OR_RETURN(auto name, String(Get(provider, "name"), "provider.name"));
    if (name != "aws") {
      return diag_.Error(Get(provider, "name"), "provider.name",
                         "thaw emulates AWS Lambda only (provider.name: aws)");
    }
  }
  if (Get(provider, "region")) {
    auto region = String(Get(provider, "region"), "provider.region");
    if (region.ok()) {
      static const std::regex kRegionRe("[a-z]{2}(-[a-z]+)+-[0-9]+");
      if (!std::regex_match(*region, kRegionRe)) {
        return diag_.Error(Get(provider, "region"), "provider.region",
                           "not a region name like us-east-1");
      }
      settings_.region = *region;
    } else if (IsUnresolved(region.status())) {
      diag_.Note("provider.region",
                 std::string(region.status().message()) + "; " + settings_.region + " is used");
    } else {
      return region.status();
    }
  }
  if (Get(provider, "stage")) {
    auto stage = String(Get(provider, "stage"), "provider.stage");
    if (stage.ok()) {
      stage_ = *stage;
    } else if (IsUnresolved(stage.status())) {
      diag_.Note("provider.stage", std::string(stage.status().message()) + "; dev is used");
    } else {
      return stage.status();
    }
  }
  static const std::set<std::string> kReadProviderKeys = {"runtime",
                                                          "stage",
                                                          "region",
                                                          "environment",
                                                          "memorySize",
                                                          "timeout",
                                                          "iam",
                                                          "iamRoleStatements",
                                                          "iamManagedPolicies",
                                                          "role",
                                                          "layers"};
  static const std::map<std::string, std::string> kProviderWhy = {
      {"vpc", "instances use the host's network"},
      {"architecture", "the functions run on this machine's architecture"},
      {"ephemeralStorageSize", "instances share the host's /tmp"},
  };
  for (const auto& kv : provider) {
    const std::string key = kv.first.as<std::string>();
    if (kReadProviderKeys.count(key) || kInertProviderKeys.count(key)) continue;
    if (key == "architecture" && kv.second.IsScalar() && kv.second.Scalar() == "x86_64") continue;
    auto why = kProviderWhy.find(key);
    diag_.Note("provider." + key, "not applied: " + (why != kProviderWhy.end()
                                                         ? why->second
                                                         : std::string("thaw does not read it")));
  }
  if (Get(root_, "plugins")) {
    diag_.Note("plugins",
               "not run: thaw reads serverless.yml as written (serverless-offline, "
               "bundlers and the like do not apply)");
  }
  if (Get(root_, "resources")) {
    diag_.Note("resources",
               "CloudFormation resources are not created; seed secrets and "
               "parameters in a thaw.yaml for `thaw aws` or use a SAM template");
  }

  if (!Get(root_, "functions")) return diag_.Error(root_, "functions", "required");
  auto functions_resolved = Resolve(Get(root_, "functions"), "functions");
  if (!functions_resolved.ok()) {
    return diag_.Error(
        Get(root_, "functions"), "functions",
        "cannot be resolved locally: " + std::string(functions_resolved.status().message()) +
            " (write the functions in serverless.yml)");
  }
  const YAML::Node functions = *functions_resolved;
  if (!functions.IsMap() || functions.size() == 0) {
    return diag_.Error(root_, "functions", "required (a mapping of functions)");
  }
  config.settings = settings_;
  for (const auto& kv : functions) {
    if (auto s = LoadFunction(kv.first.as<std::string>(), kv.second, provider, config); !s.ok()) {
      return s;
    }
  }
  // A short name that is some function's full name stays that function's.
  for (auto it = config.aliases.begin(); it != config.aliases.end();) {
    it = config.functions.count(it->first) ? config.aliases.erase(it) : std::next(it);
  }
  if (auto problem = CheckConcurrency(config)) return diag_.Error("functions", *problem);
  config.notes = diag_.TakeNotes();
  return config;
}

}  // namespace

absl::StatusOr<ThawConfig> ParseServerlessConfig(const std::string& text,
                                                 const std::string& display_name,
                                                 const std::filesystem::path& base_dir,
                                                 const LoadOptions& options) {
  try {
    const YAML::Node root = YAML::Load(text);
    ServerlessLoader loader(root, display_name, base_dir, options);
    return loader.Load();
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(display_name + ":" + std::to_string(e.mark.line + 1) + ": " +
                                      e.msg);
  }
}

}  // namespace thaw
