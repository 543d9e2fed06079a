#include "emulator/config/thaw_config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "core/duration.h"
#include "core/status_macros.h"
#include "emulator/config/cdk_assembly.h"
#include "emulator/config/config_discovery.h"
#include "emulator/config/config_overlay.h"
#include "emulator/config/env_vars_file.h"
#include "emulator/config/function_checks.h"
#include "emulator/config/http_route.h"
#include "emulator/config/sam_template.h"
#include "emulator/config/serverless_config.h"
#include "emulator/config/yaml_fields.h"
#include "emulator/config/zip_artifact.h"
#include "yaml-cpp/yaml.h"

namespace thaw {
namespace {

enum class ConfigFormat { kThawYaml, kSamTemplate, kServerless };

// Host settings that would let a function reach real AWS with the host's identity.
const std::set<std::string> kHostOnlyEnv = {"AWS_SECURITY_TOKEN",
                                            "AWS_PROFILE",
                                            "AWS_DEFAULT_PROFILE",
                                            "AWS_CONFIG_FILE",
                                            "AWS_SHARED_CREDENTIALS_FILE",
                                            "AWS_ROLE_ARN",
                                            "AWS_WEB_IDENTITY_TOKEN_FILE",
                                            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                            "AWS_CONTAINER_AUTHORIZATION_TOKEN"};

using Reporter = YamlReporter;

absl::StatusOr<bool> GetBool(const Reporter& r, const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    const std::string& v = node.Scalar();
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
  }
  return r.Error(node, path, "expected true or false");
}

// "thaw" or "aws-lambda-ric" (see FunctionConfig::runtime_client).
absl::StatusOr<std::string> GetRuntimeClient(const Reporter& r, const YAML::Node& node,
                                             const std::string& path) {
  ASSIGN_OR_RETURN(auto client, GetString(r, node, path));
  if (client != "thaw" && client != "aws-lambda-ric") {
    return r.Error(node, path, "must be thaw or aws-lambda-ric");
  }
  return client;
}

std::string YamlToJsonText(const YAML::Node& node);  // below, with the seeds

// Where a function's code or a layer is: a directory, or a .zip unpacked once into the artifact
// cache (zip_artifact.h), whose limit problems become notes.
absl::StatusOr<std::filesystem::path> LocalContent(const Reporter& r, const YAML::Node& node,
                                                   const std::string& path,
                                                   const std::string& location,
                                                   const std::filesystem::path& base_dir,
                                                   const LoadOptions& options,
                                                   std::vector<std::string>& notes) {
  std::filesystem::path dir(location);
  if (dir.is_relative()) dir = base_dir / dir;
  dir = dir.lexically_normal();
  if (!IsZipArtifact(dir)) return dir;
  auto unpacked = UnpackZipArtifact(
      dir, options.artifact_cache.empty() ? DefaultArtifactCache() : options.artifact_cache);
  if (!unpacked.ok()) return r.Error(node, path, std::string(unpacked.status().message()));
  for (const std::string& problem : unpacked->limit_problems) {
    notes.push_back(r.file() + ": " + path + ": " + problem);
  }
  return unpacked->dir;
}

// ParseFunction's steps, each reading its keys of the function at `path` into `fn`.
// runtime, handler, code, layers, python and runtime_client, resolved to what runs.
absl::Status ParseFunctionCode(const Reporter& r, const std::string& path, const YAML::Node& node,
                               const std::filesystem::path& base_dir, const Settings& settings,
                               const LoadOptions& options, std::vector<std::string>& notes,
                               FunctionConfig& fn) {
  if (!node["runtime"]) return r.Error(node, path + ".runtime", "required key is missing");
  ASSIGN_OR_RETURN(auto runtime, GetString(r, node["runtime"], path + ".runtime"));
  fn.runtime = runtime;

  if (node["handler"]) {
    ASSIGN_OR_RETURN(auto handler, GetString(r, node["handler"], path + ".handler"));
    fn.handler = handler;
  }

  if (!node["code"]) return r.Error(node, path + ".code", "required key is missing");
  ASSIGN_OR_RETURN(auto code, GetString(r, node["code"], path + ".code"));
  ASSIGN_OR_RETURN(auto code_dir,
                   LocalContent(r, node["code"], path + ".code", code, base_dir, options, notes));
  const std::filesystem::path code_path = code_dir;
  if (const YAML::Node layers = node["layers"]; layers) {
    if (!layers.IsSequence()) {
      return r.Error(layers, path + ".layers", "expected a list of directories or .zip files");
    }
    if (layers.size() > kMaxLayers) {
      return r.Error(layers, path + ".layers", LayerCountProblem(layers.size()));
    }
    for (size_t i = 0; i < layers.size(); ++i) {
      const std::string where = path + ".layers[" + std::to_string(i + 1) + "]";
      ASSIGN_OR_RETURN(auto location, GetString(r, layers[i], where));
      ASSIGN_OR_RETURN(auto dir,
                       LocalContent(r, layers[i], where, location, base_dir, options, notes));
      std::error_code ec;
      if (!std::filesystem::is_directory(dir, ec)) {
        return r.Error(layers[i], where, "no such directory: " + dir.string());
      }
      fn.layers.push_back(dir);
    }
  }

  std::string python = settings.python;
  if (node["python"]) {
    ASSIGN_OR_RETURN(auto value, GetString(r, node["python"], path + ".python"));
    if (!IsPythonRuntime(fn.runtime)) {
      return r.Error(
          node["python"], path + ".python",
          "only python3.x functions run a Python interpreter (this one is " + fn.runtime + ")");
    }
    python = value;
  }
  if (auto problem = ResolveRuntime(code_path, python, base_dir, fn)) {
    switch (problem->input) {
      case FunctionInput::kRuntime:
        return r.Error(node["runtime"], path + ".runtime", problem->message);
      case FunctionInput::kHandler:
        return r.Error(node["handler"] ? node["handler"] : node, path + ".handler",
                       problem->message);
      case FunctionInput::kCode:
        return r.Error(node["code"], path + ".code", problem->message);
      case FunctionInput::kPython:
        if (node["python"]) return r.Error(node["python"], path + ".python", problem->message);
        // From settings.python (checked already) or $THAW_PYTHON.
        return r.Error(node["runtime"], path + ".runtime", problem->message);
    }
  }

  // settings.runtime_client applies to the Node.js functions only.
  if (IsNodeRuntime(fn.runtime)) fn.runtime_client = settings.runtime_client;
  if (node["runtime_client"]) {
    ASSIGN_OR_RETURN(auto client,
                     GetRuntimeClient(r, node["runtime_client"], path + ".runtime_client"));
    if (client == "aws-lambda-ric" && !IsNodeRuntime(fn.runtime)) {
      return r.Error(node["runtime_client"], path + ".runtime_client",
                     "aws-lambda-ric runs Node.js functions only (runtime nodejs18.x, 20.x or "
                     "22.x), not " +
                         fn.runtime);
    }
    fn.runtime_client = client;
  }

  return absl::OkStatus();
}

// memory, timeout, keepalive, max_lifetime, virtual_time and the concurrency keys.
absl::Status ParseFunctionLimits(const Reporter& r, const std::string& path, const YAML::Node& node,
                                 FunctionConfig& fn) {
  if (node["memory"]) {
    ASSIGN_OR_RETURN(auto memory, GetInt(r, node["memory"], path + ".memory", 128, 10240));
    fn.memory_mb = memory;
  }
  if (node["timeout"]) {
    ASSIGN_OR_RETURN(auto timeout, GetInt(r, node["timeout"], path + ".timeout", 1, 900));
    fn.timeout_s = timeout;
  }
  if (node["keepalive"]) {
    ASSIGN_OR_RETURN(auto d, GetDuration(r, node["keepalive"], path + ".keepalive"));
    fn.keepalive = d;
  }
  if (node["max_lifetime"]) {
    ASSIGN_OR_RETURN(auto d, GetDuration(r, node["max_lifetime"], path + ".max_lifetime"));
    fn.max_lifetime = d;
  }
  if (node["virtual_time"]) {
    ASSIGN_OR_RETURN(fn.virtual_time, GetBool(r, node["virtual_time"], path + ".virtual_time"));
  }
  if (node["reserved_concurrency"]) {
    ASSIGN_OR_RETURN(
        auto n, GetInt(r, node["reserved_concurrency"], path + ".reserved_concurrency", 0, 100000));
    fn.reserved_concurrency = n;
  }
  if (node["provisioned_concurrency"]) {
    ASSIGN_OR_RETURN(auto n, GetInt(r, node["provisioned_concurrency"],
                                    path + ".provisioned_concurrency", 0, 1000));
    fn.provisioned_concurrency = n;
  }
  return absl::OkStatus();
}

// environment, policy and extensions.
absl::Status ParseFunctionAccess(const Reporter& r, const std::string& path, const YAML::Node& node,
                                 FunctionConfig& fn) {
  if (const YAML::Node env = node["environment"]; env) {
    if (!env.IsMap()) return r.Error(env, path + ".environment", "expected a mapping");
    for (const auto& kv : env) {
      const std::string key = kv.first.as<std::string>();
      const std::string key_path = path + ".environment." + key;
      if (auto problem = CheckEnvironmentName(key)) return r.Error(kv.first, key_path, *problem);
      if (!kv.second.IsScalar()) return r.Error(kv.second, key_path, "expected a string value");
      fn.environment[key] = kv.second.as<std::string>();
    }
  }
  // The role's IAM statements, in IAM's JSON shape written as YAML (the fake AWS parses and
  // checks them when it starts).
  if (const YAML::Node policy = node["policy"]; policy) {
    if (!policy.IsSequence() && !policy.IsMap()) {
      return r.Error(policy, path + ".policy",
                     "expected a list of statements ({Effect, Action, Resource})");
    }
    fn.iam_statements = nlohmann::json::parse(YamlToJsonText(policy));
  }
  if (const YAML::Node extensions = node["extensions"]; extensions) {
    if (!extensions.IsSequence()) {
      return r.Error(extensions, path + ".extensions", "expected a list of extension names");
    }
    for (const auto& item : extensions) {
      ASSIGN_OR_RETURN(auto extension, GetString(r, item, path + ".extensions"));
      if (extension != "parameters-and-secrets") {
        return r.Error(item, path + ".extensions",
                       "unknown extension '" + extension + "' (known: parameters-and-secrets)");
      }
      fn.extensions.push_back(extension);
    }
  }
  return absl::OkStatus();
}

// One `http:` item: "GET /orders/{id}" or "$default" (an HTTP API route, payload 2.0), or
// {method, path, api: rest|http, payload_format, stage}.
absl::StatusOr<HttpRoute> ParseHttpItem(const Reporter& r, const std::string& path,
                                        const YAML::Node& node) {
  HttpRoute route;
  route.source = r.file() + ": " + path;
  if (node.IsScalar()) {
    auto key = ParseRouteKey(node.Scalar());
    if (!key.ok()) return r.Error(node, path, std::string(key.status().message()));
    route.kind = HttpRouteKind::kHttpApi;
    route.method = key->method;
    route.path = key->path;
    route.stage = std::string(kDefaultRouteKey);
    return route;
  }
  if (!node.IsMap()) {
    return r.Error(node, path,
                   "expected \"METHOD /path\", $default or {method, path, api, payload_format, "
                   "stage}");
  }
  RETURN_IF_ERROR(CheckKeys(r, node, path, {"method", "path", "api", "payload_format", "stage"}));
  route.kind = HttpRouteKind::kHttpApi;
  if (node["api"]) {
    ASSIGN_OR_RETURN(auto api, GetString(r, node["api"], path + ".api"));
    if (api == "rest") {
      route.kind = HttpRouteKind::kRestApi;
    } else if (api != "http") {
      return r.Error(node["api"], path + ".api", "must be rest or http");
    }
  }
  const bool rest = route.kind == HttpRouteKind::kRestApi;
  if (!node["path"]) return r.Error(node, path + ".path", "required key is missing");
  ASSIGN_OR_RETURN(route.path, GetString(r, node["path"], path + ".path"));
  const bool default_route = route.path == kDefaultRouteKey;
  if (default_route && rest) {
    return r.Error(node["path"], path + ".path", "$default is an HTTP API route (api: http)");
  }
  if (!default_route) {
    if (auto problem = CheckRoutePath(route.path)) {
      return r.Error(node["path"], path + ".path", *problem);
    }
  }
  if (node["method"]) {
    ASSIGN_OR_RETURN(auto method, GetString(r, node["method"], path + ".method"));
    auto normalized = NormalizeHttpMethod(method);
    if (!normalized.ok()) {
      return r.Error(node["method"], path + ".method", std::string(normalized.status().message()));
    }
    if (default_route && *normalized != "ANY") {
      return r.Error(node["method"], path + ".method", "the $default route takes any method");
    }
    route.method = *normalized;
  } else if (!default_route) {
    return r.Error(node, path + ".method", "required key is missing");
  }
  // REST APIs send the 1.0 event only; HTTP APIs either, 2.0 by default.
  route.payload_format = rest ? "1.0" : "2.0";
  if (node["payload_format"]) {
    ASSIGN_OR_RETURN(auto format, GetString(r, node["payload_format"], path + ".payload_format"));
    if (format != "1.0" && format != "2.0") {
      return r.Error(node["payload_format"], path + ".payload_format",
                     "must be \"1.0\" or \"2.0\"");
    }
    if (rest && format != "1.0") {
      return r.Error(node["payload_format"], path + ".payload_format",
                     "a REST API (api: rest) sends payload format 1.0 only");
    }
    route.payload_format = format;
  }
  route.stage = rest ? "Prod" : std::string(kDefaultRouteKey);
  if (node["stage"]) {
    ASSIGN_OR_RETURN(route.stage, GetString(r, node["stage"], path + ".stage"));
    if (route.stage.empty()) return r.Error(node["stage"], path + ".stage", "must not be empty");
  }
  return route;
}

// http (API Gateway routes) and url (a function URL).
absl::Status ParseFunctionRoutes(const Reporter& r, const std::string& path, const YAML::Node& node,
                                 FunctionConfig& fn) {
  if (const YAML::Node http = node["http"]; http) {
    if (!http.IsSequence()) {
      return r.Error(http, path + ".http",
                     "expected a list of routes (\"GET /orders/{id}\", $default or {method, "
                     "path, ...})");
    }
    for (size_t i = 0; i < http.size(); ++i) {
      ASSIGN_OR_RETURN(auto route,
                       ParseHttpItem(r, path + ".http[" + std::to_string(i + 1) + "]", http[i]));
      fn.http_routes.push_back(std::move(route));
    }
  }
  if (const YAML::Node url = node["url"]; url) {
    HttpRoute route = FunctionUrlRoute("NONE", r.file() + ": " + path + ".url");
    if (url.IsMap()) {
      RETURN_IF_ERROR(CheckKeys(r, url, path + ".url", {"auth"}));
      if (url["auth"]) {
        ASSIGN_OR_RETURN(route.auth_type, GetString(r, url["auth"], path + ".url.auth"));
        if (auto problem = CheckUrlAuthType(route.auth_type)) {
          return r.Error(url["auth"], path + ".url.auth", *problem);
        }
      }
      fn.http_routes.push_back(std::move(route));
    } else {
      const auto on =
          url.IsScalar()
              ? GetBool(r, url, path + ".url")
              : absl::StatusOr<bool>(r.Error(url, path + ".url", "expected true, false or {auth}"));
      if (!on.ok()) return on.status();
      if (*on) fn.http_routes.push_back(std::move(route));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<FunctionConfig> ParseFunction(const Reporter& r, const std::string& name,
                                             const YAML::Node& node,
                                             const std::filesystem::path& base_dir,
                                             const Settings& settings, const LoadOptions& options,
                                             std::vector<std::string>& notes) {
  const std::string path = "functions." + name;
  if (auto problem = CheckFunctionName(name)) return r.Error(node, path, *problem);
  if (auto s = CheckKeys(r, node, path,
                         {"runtime", "handler", "code", "memory", "timeout", "environment",
                          "keepalive", "max_lifetime", "reserved_concurrency",
                          "provisioned_concurrency", "runtime_client", "python", "policy",
                          "extensions", "architecture", "layers", "virtual_time", "http", "url"});
      !s.ok()) {
    return s;
  }
  FunctionConfig fn;
  fn.name = name;
  if (node["architecture"]) {
    ASSIGN_OR_RETURN(auto arch, GetString(r, node["architecture"], path + ".architecture"));
    if (arch != "x86_64" && arch != "arm64") {
      return r.Error(node["architecture"], path + ".architecture",
                     "expected x86_64 or arm64, got '" + arch + "'");
    }
    fn.architecture = arch;
  }

  RETURN_IF_ERROR(ParseFunctionCode(r, path, node, base_dir, settings, options, notes, fn));
  RETURN_IF_ERROR(ParseFunctionLimits(r, path, node, fn));
  RETURN_IF_ERROR(ParseFunctionAccess(r, path, node, fn));
  RETURN_IF_ERROR(ParseFunctionRoutes(r, path, node, fn));
  return fn;
}

absl::Status ParseSettings(const Reporter& r, const YAML::Node& node,
                           const std::filesystem::path& base_dir, Settings& settings) {
  std::vector<std::string> keys;
  for (const SettingKey& key : SettingKeys()) keys.emplace_back(key.name);
  RETURN_IF_ERROR(CheckKeys(r, node, "settings", keys));
  if (node["python"]) {
    ASSIGN_OR_RETURN(auto python, GetString(r, node["python"], "settings.python"));
    std::filesystem::path resolved;
    if (auto problem = CheckPython(python, base_dir, &resolved)) {
      return r.Error(node["python"], "settings.python", *problem);
    }
    settings.python = python;
  }
  if (node["account_concurrency"]) {
    ASSIGN_OR_RETURN(
        auto n, GetInt(r, node["account_concurrency"], "settings.account_concurrency", 1, 100000));
    settings.account_concurrency = n;
  }
  if (node["async_queue_mb"]) {
    ASSIGN_OR_RETURN(settings.async_queue_mb,
                     GetInt(r, node["async_queue_mb"], "settings.async_queue_mb", 1, 1 << 20));
  }
  if (const YAML::Node pass = node["pass_env"]; pass) {
    if (!pass.IsSequence()) return r.Error(pass, "settings.pass_env", "expected a list of names");
    for (const auto& item : pass) {
      ASSIGN_OR_RETURN(auto name, GetString(r, item, "settings.pass_env"));
      if (IsReservedEnvironmentName(name) || kHostOnlyEnv.count(name)) {
        return r.Error(item, "settings.pass_env",
                       name +
                           " is never passed to instances (host credentials and Lambda's own "
                           "variables stay out of functions)");
      }
      settings.pass_env.push_back(name);
    }
  }
  if (node["region"]) {
    ASSIGN_OR_RETURN(auto region, GetString(r, node["region"], "settings.region"));
    static const std::regex kRegionRe("[a-z]{2}(-[a-z]+)+-[0-9]+");
    if (!std::regex_match(region, kRegionRe)) {
      return r.Error(node["region"], "settings.region", "not a region name like us-east-1");
    }
    settings.region = region;
  }
  if (node["account_id"]) {
    ASSIGN_OR_RETURN(auto account, GetString(r, node["account_id"], "settings.account_id"));
    static const std::regex kAccountRe("[0-9]{12}");
    if (!std::regex_match(account, kAccountRe)) {
      return r.Error(node["account_id"], "settings.account_id", "must be 12 digits");
    }
    settings.account_id = account;
  }
  struct DurationKey {
    const char* key;
    std::chrono::milliseconds* value;
  };
  for (const DurationKey& d : {DurationKey{"keepalive", &settings.keepalive},
                               DurationKey{"max_lifetime", &settings.max_lifetime},
                               DurationKey{"shutdown_grace", &settings.shutdown_grace},
                               DurationKey{"init_timeout", &settings.init_timeout}}) {
    if (!node[d.key]) continue;
    ASSIGN_OR_RETURN(auto value, GetDuration(r, node[d.key], std::string("settings.") + d.key));
    *d.value = value;
  }
  if (node["freeze"]) {
    ASSIGN_OR_RETURN(settings.freeze, GetBool(r, node["freeze"], "settings.freeze"));
  }
  if (node["virtual_time"]) {
    ASSIGN_OR_RETURN(settings.virtual_time,
                     GetBool(r, node["virtual_time"], "settings.virtual_time"));
  }
  if (node["runtime_client"]) {
    ASSIGN_OR_RETURN(auto client,
                     GetRuntimeClient(r, node["runtime_client"], "settings.runtime_client"));
    settings.runtime_client = client;
  }
  if (node["isolation"]) {
    ASSIGN_OR_RETURN(auto isolation, GetString(r, node["isolation"], "settings.isolation"));
    if (isolation == "sandbox") {
      settings.isolation = Isolation::kSandbox;
    } else if (isolation == "process") {
      settings.isolation = Isolation::kProcess;
    } else {
      return r.Error(node["isolation"], "settings.isolation", "must be sandbox or process");
    }
  }
  if (node["egress"]) {
    ASSIGN_OR_RETURN(auto egress, GetString(r, node["egress"], "settings.egress"));
    if (egress == "block") {
      settings.egress = Egress::kBlock;
    } else if (egress == "allow") {
      settings.egress = Egress::kAllow;
    } else {
      return r.Error(node["egress"], "settings.egress", "must be block or allow");
    }
  }
  if (const YAML::Node keys = node["momento_api_keys"]; keys) {
    const std::string path = "settings.momento_api_keys";
    if (!keys.IsSequence()) return r.Error(keys, path, "expected a list of API keys");
    for (const auto& item : keys) {
      ASSIGN_OR_RETURN(auto key, GetString(r, item, path));
      // The key is compared with the `authorization` metadata value, which is never empty and
      // holds printable ASCII only.
      if (key.empty()) return r.Error(item, path, "an API key must not be empty");
      for (unsigned char c : key) {
        if (c <= 0x20 || c >= 0x7f) {
          return r.Error(item, path,
                         "an API key holds printable ASCII without spaces (it is sent as gRPC "
                         "metadata)");
        }
      }
      settings.momento_api_keys.push_back(key);
    }
  }
  return absl::OkStatus();
}

// --- secrets: / parameters: (the fake AWS's seeds) ---

// A YAML value as JSON: mappings (in file order) and sequences become objects and arrays,
// every scalar a string.
nlohmann::ordered_json YamlToStringJson(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& kv : node) out[kv.first.as<std::string>()] = YamlToStringJson(kv.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& item : node) out.push_back(YamlToStringJson(item));
    return out;
  }
  if (node.IsNull()) return nullptr;
  return node.Scalar();
}

// The same as compact JSON text.
std::string YamlToJsonText(const YAML::Node& node) {
  return YamlToStringJson(node).dump(-1, ' ', false,
                                     nlohmann::ordered_json::error_handler_t::replace);
}

absl::Status ParseSeedSections(const Reporter& r, const YAML::Node& root, ServiceSeeds& seeds) {
  if (const YAML::Node secrets = root["secrets"]; secrets) {
    if (!secrets.IsMap()) return r.Error(secrets, "secrets", "expected a mapping of names");
    for (const auto& kv : secrets) {
      SecretSeed seed;
      seed.name = kv.first.as<std::string>();
      const std::string path = "secrets." + seed.name;
      if (kv.second.IsScalar()) {
        seed.value = kv.second.Scalar();
      } else {
        RETURN_IF_ERROR(CheckKeys(r, kv.second, path, {"value", "description"}));
        const YAML::Node value = kv.second["value"];
        if (!value) return r.Error(kv.second, path + ".value", "required key is missing");
        seed.value = value.IsScalar() ? value.Scalar() : YamlToJsonText(value);
        if (kv.second["description"]) {
          ASSIGN_OR_RETURN(auto d, GetString(r, kv.second["description"], path + ".description"));
          seed.description = d;
        }
      }
      seeds.secrets.push_back(std::move(seed));
    }
  }
  if (const YAML::Node parameters = root["parameters"]; parameters) {
    if (!parameters.IsMap()) {
      return r.Error(parameters, "parameters", "expected a mapping of names");
    }
    for (const auto& kv : parameters) {
      ParameterSeed seed;
      seed.name = kv.first.as<std::string>();
      const std::string path = "parameters." + seed.name;
      if (kv.second.IsScalar()) {
        seed.value = kv.second.Scalar();
      } else {
        RETURN_IF_ERROR(CheckKeys(r, kv.second, path, {"type", "value"}));
        if (!kv.second["value"]) {
          return r.Error(kv.second, path + ".value", "required key is missing");
        }
        ASSIGN_OR_RETURN(auto value, GetString(r, kv.second["value"], path + ".value"));
        seed.value = value;
        if (kv.second["type"]) {
          ASSIGN_OR_RETURN(auto type, GetString(r, kv.second["type"], path + ".type"));
          if (type != "String" && type != "StringList" && type != "SecureString") {
            return r.Error(kv.second["type"], path + ".type",
                           "must be String, StringList or SecureString");
          }
          seed.type = type;
        }
      }
      seeds.parameters.push_back(std::move(seed));
    }
  }
  return absl::OkStatus();
}

}  // namespace

// Which loader reads a file: a template has AWSTemplateFormatVersion, Transform or
// Resources; a serverless.yml has service and provider; anything else is a thaw.yaml.
ConfigFormat FormatOf(const YAML::Node& root) {
  if (!root.IsMap()) return ConfigFormat::kThawYaml;
  if (root["AWSTemplateFormatVersion"] || root["Transform"] || root["Resources"]) {
    return ConfigFormat::kSamTemplate;
  }
  if (root["service"] && root["provider"]) return ConfigFormat::kServerless;
  return ConfigFormat::kThawYaml;
}

absl::StatusOr<ThawConfig> ParseThawYaml(const YAML::Node& root, const std::string& display_name,
                                         const std::filesystem::path& base_dir,
                                         const LoadOptions& options) {
  Reporter r(display_name);
  ThawConfig config;
  config.source = display_name;
  if (root.IsNull()) return absl::InvalidArgumentError(display_name + ": the file is empty");
  try {
    if (auto s =
            CheckKeys(r, root, "", {"functions", "settings", "secrets", "parameters", "caches"});
        !s.ok()) {
      return s;
    }
    if (const YAML::Node caches = root["caches"]; caches) {
      // One name, or a list of them.
      if (caches.IsScalar()) {
        config.caches.push_back(caches.Scalar());
      } else if (caches.IsSequence()) {
        for (size_t i = 0; i < caches.size(); ++i) {
          ASSIGN_OR_RETURN(auto name,
                           GetString(r, caches[i], "caches[" + std::to_string(i + 1) + "]"));
          config.caches.push_back(name);
        }
      } else {
        return r.Error(caches, "caches", "expected a list of cache names");
      }
      for (const std::string& name : config.caches) {
        if (name.empty()) return r.Error(caches, "caches", "a cache name cannot be empty");
      }
    }
    RETURN_IF_ERROR(ParseSeedSections(r, root, config.seeds));
    if (const YAML::Node settings = root["settings"]; settings) {
      RETURN_IF_ERROR(ParseSettings(r, settings, base_dir, config.settings));
    }
    // An overlay's settings win, before the functions are built from them.
    if (options.overlay) ApplyGivenSettings(*options.overlay, config.settings);
    const YAML::Node functions = root["functions"];
    if (!functions) {
      return absl::InvalidArgumentError(display_name + ": functions: required key is missing");
    }
    if (!functions.IsMap()) return r.Error(functions, "functions", "expected a mapping");
    for (const auto& kv : functions) {
      const std::string name = kv.first.as<std::string>();
      ASSIGN_OR_RETURN(auto fn, ParseFunction(r, name, kv.second, base_dir, config.settings,
                                              options, config.notes));
      config.functions[name] = std::move(fn);
    }
    int reserved = 0;
    for (const auto& [name, fn] : config.functions) {
      reserved += fn.reserved_concurrency.value_or(0);
      if (fn.reserved_concurrency && fn.provisioned_concurrency > *fn.reserved_concurrency) {
        return r.Error(functions[name]["provisioned_concurrency"],
                       "functions." + name + ".provisioned_concurrency",
                       "cannot exceed the function's reserved_concurrency");
      }
    }
    if (reserved > config.settings.account_concurrency) {
      return absl::InvalidArgumentError(
          display_name + ": the functions' reserved_concurrency adds up to " +
          std::to_string(reserved) + ", more than settings.account_concurrency (" +
          std::to_string(config.settings.account_concurrency) + ")");
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(display_name + ":" + std::to_string(e.mark.line + 1) + ": " +
                                      e.msg);
  }
  return config;
}

absl::StatusOr<ThawConfig> ParseConfig(const std::string& text, const std::string& display_name,
                                       const std::filesystem::path& base_dir,
                                       const LoadOptions& options) {
  absl::StatusOr<ThawConfig> config;
  YAML::Node root;
  bool json_template = false;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    // A JSON template YAML cannot read (tabs, for one).
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || text[first] != '{') {
      return absl::InvalidArgumentError(display_name + ":" + std::to_string(e.mark.line + 1) +
                                        ": invalid YAML: " + e.msg);
    }
    json_template = true;
  }
  const ConfigFormat format = json_template ? ConfigFormat::kSamTemplate : FormatOf(root);
  switch (format) {
    case ConfigFormat::kSamTemplate:
      config = ParseSamTemplate(text, display_name, base_dir, options);
      break;
    case ConfigFormat::kServerless:
      config = ParseServerlessConfig(text, display_name, base_dir, options);
      break;
    case ConfigFormat::kThawYaml:
      config = ParseThawYaml(root, display_name, base_dir, options);
      break;
  }
  if (!config.ok()) return config;
  if (format != ConfigFormat::kSamTemplate && !options.parameter_overrides.empty()) {
    config->notes.push_back(display_name +
                            ": --parameter-overrides: ignored; only a SAM / CloudFormation "
                            "template has parameters");
  }
  if (options.overlay) ApplyConfigOverlay(*options.overlay, *config);
  if (options.env_vars) ApplyEnvVarOverrides(*options.env_vars, *config);
  return config;
}

absl::StatusOr<ThawConfig> LoadConfigFile(const std::filesystem::path& path,
                                          const LoadOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    ASSIGN_OR_RETURN(auto choice, ConfigFileIn(path));
    auto config = LoadConfigFile(choice.file, options);
    if (config.ok() && choice.note) config->notes.insert(config->notes.begin(), *choice.note);
    return config;
  }
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(path.string() + ": cannot read the configuration file");
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  return ParseConfig(text.str(), path.string(), base, options);
}

absl::StatusOr<ServiceSeeds> ParseSeeds(const std::string& yaml, const std::string& display_name) {
  Reporter r(display_name);
  ServiceSeeds seeds;
  try {
    const YAML::Node root = YAML::Load(yaml);
    if (root.IsNull()) return seeds;
    if (!root.IsMap()) return r.Error(root, "", "expected a mapping");
    RETURN_IF_ERROR(ParseSeedSections(r, root, seeds));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(display_name + ":" + std::to_string(e.mark.line + 1) +
                                      ": invalid YAML: " + e.msg);
  }
  return seeds;
}

absl::StatusOr<ServiceSeeds> LoadSeedsFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(path.string() + ": cannot read the configuration file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseSeeds(text.str(), path.string());
}

#define THAW_SETTING(key, scenario)                                               \
  SettingKey {                                                                    \
#key, scenario, [](const Settings& from, Settings& to) { to.key = from.key; } \
  }

const std::vector<SettingKey>& SettingKeys() {
  static const std::vector<SettingKey> kKeys = {
      THAW_SETTING(account_concurrency, true),
      THAW_SETTING(async_queue_mb, true),
      THAW_SETTING(pass_env, true),
      THAW_SETTING(region, true),
      THAW_SETTING(account_id, true),
      THAW_SETTING(keepalive, true),
      THAW_SETTING(max_lifetime, true),
      THAW_SETTING(freeze, true),
      THAW_SETTING(shutdown_grace, true),
      THAW_SETTING(init_timeout, true),
      THAW_SETTING(virtual_time, true),
      THAW_SETTING(runtime_client, false),
      THAW_SETTING(python, false),
      THAW_SETTING(momento_api_keys, false),
      THAW_SETTING(isolation, false),
      THAW_SETTING(egress, false),
  };
  return kKeys;
}

#undef THAW_SETTING

const SettingKey* FindSettingKey(std::string_view name) {
  for (const SettingKey& key : SettingKeys()) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

}  // namespace thaw
