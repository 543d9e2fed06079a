#ifndef THAW_EMULATOR_CONFIG_THAW_CONFIG_H_
#define THAW_EMULATOR_CONFIG_THAW_CONFIG_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/service_seeds.h"
#include "emulator/config/http_route.h"
#include "nlohmann/json.hpp"

namespace thaw {

// One function, as a thaw.yaml `functions.<name>` entry describes it. Plain value type.
struct FunctionConfig {
  std::string name;
  std::string runtime;  // nodejs18.x-22.x, python3.9-3.13, provided, provided.al2(023)
  std::string handler;  // becomes _HANDLER
  // Absolute path of the code directory (LAMBDA_TASK_ROOT); it holds an executable `bootstrap`.
  std::filesystem::path code;
  // What an instance runs: <code>/bootstrap for provided runtimes; for managed runtimes the
  // interpreter with thaw's own bootstrap as its argument.
  std::filesystem::path executable;
  std::vector<std::string> args;
  // Variables the managed runtime itself sets (NODE_PATH for Node.js, naming thaw's copy of the
  // AWS SDK v3 where Lambda has /var/runtime/node_modules; PYTHONPATH for Python, naming the
  // layers' /opt/python folders); the function's own `environment` overrides them, as in Lambda.
  // Their /opt entries are Lambda's: see BuildInstanceEnvironment for where they point.
  std::map<std::string, std::string> runtime_environment;
  // AWS_EXECUTION_ENV (AWS_Lambda_nodejs20.x); empty for provided runtimes, as in Lambda.
  std::string execution_env;
  int memory_mb = 128;
  int timeout_s = 3;
  std::map<std::string, std::string> environment;
  // Overrides of settings.keepalive / settings.max_lifetime for this function.
  std::optional<std::chrono::milliseconds> keepalive;
  std::optional<std::chrono::milliseconds> max_lifetime;
  // Overrides settings.virtual_time for this function.
  std::optional<bool> virtual_time;
  // Most invocations of this function in flight at once, reserved from the account's pool.
  std::optional<int> reserved_concurrency;
  // Instances initialized at start (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency)
  // and used before on-demand ones; never reaped for idleness.
  int provisioned_concurrency = 0;
  // The function role's identity-based policy: a JSON array of IAM statements
  // ({"Effect","Action","Resource"}), from thaw.yaml `policy`, SAM `Policies` or serverless.yml
  // `provider.iam.role.statements`. Null when none is declared: the fake AWS then allows
  // every call (and says so once in the log).
  nlohmann::json iam_statements;
  // The runtime client a managed Node.js runtime runs: "thaw" (thaw's own bootstrap) or
  // "aws-lambda-ric" (the npm package, installed on demand). The loader leaves `executable` and
  // `args` on thaw's bootstrap either way; PrepareRuntimeClients (emulator/runtimes/ric)
  // installs aws-lambda-ric and points `args` at it. Always "thaw" for other runtimes.
  std::string runtime_client = "thaw";
  // Lambda extensions every instance gets, e.g. "parameters-and-secrets".
  std::vector<std::string> extensions;
  // The instruction set Lambda would run it on: "x86_64" (the default) or "arm64" (thaw.yaml
  // `architecture`, SAM `Architectures`, serverless.yml `architecture`). Instances run on this
  // machine whatever it says; the packaging check (emulator/package) compares native binaries
  // with it.
  std::string architecture = "x86_64";
  // The function's layers whose content is local (a directory, or a .zip unpacked into the
  // artifact cache): absolute directories in Lambda's order, so a later layer's file wins over
  // an earlier one's. A sandboxed instance sees them at /opt, as in Lambda; with
  // settings.isolation: process they are put on the runtime's search paths instead
  // (instance_environment.h). Published layer ARNs are not here (the loaders note them).
  std::vector<std::filesystem::path> layers;
  // The HTTP routes that reach it (API Gateway events, its function URL), in declaration order;
  // served by `thaw serve --api-port` (emulator/gateway).
  std::vector<HttpRoute> http_routes;

  // Every field alike (`thaw serve`'s hot reload tells a changed definition by it).
  friend bool operator==(const FunctionConfig&, const FunctionConfig&) = default;
};

// The `settings:` section.
// How an instance is kept apart from thaw, from the machine and from other instances.
enum class Isolation {
  // Its own PID, network and mount (and user) namespaces: Lambda's environment, loopback only,
  // the Runtime API at 127.0.0.1:9001 (emulator/sandbox/sandbox.h). Where namespaces are
  // unavailable, instances run as kProcess, and thaw says why once.
  kSandbox,
  // A process group of thaw's, on the host's network, pointed at per-instance ports by THAW_* and
  // AWS_ENDPOINT_URL* variables.
  kProcess,
};

// What a sandboxed instance may reach besides thaw's fakes.
enum class Egress {
  // Nothing: every attempt fails at once and is a `sandbox.egress_blocked` event.
  kBlock,
  // The internet, through slirp4netns (emulator/sandbox/outside_link.h); the fakes still answer
  // at their real names, and the counts cover only the faked services.
  kAllow,
};

// settings.isolation when thaw.yaml does not set it: inside a sandbox the fakes answer at their
// real names over TLS, so a handler runs with no line changed.
inline constexpr Isolation kDefaultIsolation = Isolation::kSandbox;

struct Settings {
  // Most instances busy at once, across all functions; beyond it invokes get 429.
  int account_concurrency = 1000;
  // Most payload bytes (in MiB) held by asynchronous (Event) invocations waiting for an
  // instance or a retry; an Event invoke that would go over it gets 429. Lambda's own queue
  // has no such limit a caller can see: this one keeps a local run's memory bounded.
  int async_queue_mb = 256;
  // Names of thaw's own environment variables passed through to every instance.
  std::vector<std::string> pass_env;
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  // How long an idle instance is kept, on the scheduler clock; 0 = reap after every invoke.
  std::chrono::milliseconds keepalive = std::chrono::minutes(10);
  // Longest an instance lives, on the scheduler clock; 0 = no limit.
  std::chrono::milliseconds max_lifetime{0};
  // Stop (SIGSTOP) an instance's processes while it waits for an event.
  bool freeze = true;
  // The instances' own clocks (realtime and monotonic) move with the scheduler clock: after
  // `advance 20m` a handler's Date.now() / time.time() / clock_gettime() is 20 minutes later
  // (emulator/vtime). Off: they read real time, whatever the scheduler clock says.
  bool virtual_time = true;
  // Time between SIGTERM and SIGKILL when an instance is stopped.
  std::chrono::milliseconds shutdown_grace{300};
  // Lambda's init phase limit (real time); past it init is retried within the first invoke.
  std::chrono::milliseconds init_timeout{10000};
  // The default FunctionConfig::runtime_client of the Node.js functions.
  std::string runtime_client = "thaw";
  // The interpreter python3.x functions run, as written (a path, relative to the file, or a
  // name looked up on PATH); empty: $THAW_PYTHON, else /usr/bin/python3, else python3 on PATH.
  std::string python;
  // API keys the fake Momento accepts in `authorization`, besides the keys minted for instances
  // (`{{momento_api_key}}`); any other key, the empty one included, is UNAUTHENTICATED. Empty:
  // any key is accepted (momento-local's behaviour).
  std::vector<std::string> momento_api_keys;
  // settings.isolation: sandbox | process.
  Isolation isolation = kDefaultIsolation;
  // settings.egress: block | allow (sandboxed instances only).
  Egress egress = Egress::kBlock;

  friend bool operator==(const Settings&, const Settings&) = default;
};

// Every key of `settings:`, once: ParseSettings accepts these keys, an overlay copies the ones
// it gives (ApplyGivenSettings), and a scenario may give those marked `scenario` (read when
// instances start, not when the functions are built).
struct SettingKey {
  std::string_view name;
  bool scenario;
  void (*copy)(const Settings& from, Settings& to);
};
const std::vector<SettingKey>& SettingKeys();
// The key named `name`, or null.
const SettingKey* FindSettingKey(std::string_view name);

// The keepalive and max lifetime that apply to `function`.
inline std::chrono::milliseconds KeepaliveOf(const FunctionConfig& function,
                                             const Settings& settings) {
  return function.keepalive.value_or(settings.keepalive);
}
inline std::chrono::milliseconds MaxLifetimeOf(const FunctionConfig& function,
                                               const Settings& settings) {
  return function.max_lifetime.value_or(settings.max_lifetime);
}

// Whether `function`'s instances see the scheduler clock's advances.
inline bool VirtualTimeOf(const FunctionConfig& function, const Settings& settings) {
  return function.virtual_time.value_or(settings.virtual_time);
}

struct ThawConfig {
  // The file the configuration came from ("<embedded>" when none).
  std::string source;
  std::map<std::string, FunctionConfig> functions;
  Settings settings;
  ServiceSeeds seeds;
  // Momento caches that exist from the start (thaw.yaml `caches:`), for `serve` and `invoke` as
  // for `check`; a scenario's own `caches:` adds to them.
  std::vector<std::string> caches;
  // Other names a function answers to (serverless.yml's short `<name>` for
  // `<service>-<stage>-<name>`): alias -> function name.
  std::map<std::string, std::string> aliases;
  // A template's AWS::SecretsManager::Secret and AWS::SSM::Parameter resources: logical id ->
  // the name they have (given, or generated the way CloudFormation does), so that a seed may
  // name either (config_overlay.h).
  std::map<std::string, std::string> secret_ids;
  std::map<std::string, std::string> parameter_ids;
  // Things the loader could not apply or chose to ignore, each once with its path
  // ("template.yaml: Resources.Fn.Properties.Role: ignored; ..."); printed at start.
  std::vector<std::string> notes;
};

// A thaw.yaml laid over another configuration (`--overlay FILE`): read and applied by
// config_overlay.h. Plain value type.
struct ConfigOverlay {
  std::string source;  // the file, for messages
  // Its settings: defaults where it gives none. `python` is absolute when it names a file.
  Settings settings;
  std::set<std::string> given_settings;  // the `settings:` keys it gives
  ServiceSeeds seeds;
  std::vector<std::string> caches;
};

// SAM's `--env-vars FILE` (env.json): values for the environment variables the functions
// declare. Read and applied by env_vars_file.h. Plain value type.
struct EnvVarOverrides {
  std::string source;  // the file, for messages
  // "Parameters": for every function.
  std::map<std::string, std::string> all;
  // By logical id or function name: for that function, over `all`.
  std::map<std::string, std::map<std::string, std::string>> by_function;
};

// How a configuration file is read, beyond the file itself.
struct LoadOptions {
  // A template's parameter values, as `sam deploy --parameter-overrides` gives them; they win
  // over the parameters' Default. A key the template does not declare is a note.
  std::map<std::string, std::string> parameter_overrides;
  // Where .zip code artifacts are unpacked (<dir>/<sha256>); empty: DefaultArtifactCache()
  // (zip_artifact.h).
  std::filesystem::path artifact_cache;
  // Laid over the configuration once it is read (secrets, parameters, caches, the settings it
  // gives). Its settings are also where a template or serverless.yml starts from, so a
  // template's AWS::Region or a function's Python interpreter is the overlay's.
  std::optional<ConfigOverlay> overlay;
  // Applied to the functions once the configuration is read (and overlaid).
  std::optional<EnvVarOverrides> env_vars;
};

// Reads and validates a configuration file, in whichever form it comes:
// - a SAM / CloudFormation template (YAML or JSON; it has AWSTemplateFormatVersion, Transform
//   or Resources): see sam_template.h;
// - a serverless.yml (it has service and provider): see serverless_config.h;
// - otherwise thaw's own thaw.yaml;
// - a directory: a CDK cloud assembly (`cdk.out`, with manifest.json) holding one stack, whose
//   template is read (see cdk_assembly.h).
// Relative paths are resolved against the file's directory. Errors are InvalidArgument /
// NotFound with a message that names the file, the line and the key:
// "thaw.yaml:7: functions.echo.memry: unknown key ...". What a template or serverless.yml
// declares but thaw does not apply is in ThawConfig::notes.
absl::StatusOr<ThawConfig> LoadConfigFile(const std::filesystem::path& path,
                                          const LoadOptions& options = {});

// Same, from text. `display_name` is used in messages; `base_dir` resolves relative paths.
absl::StatusOr<ThawConfig> ParseConfig(const std::string& text, const std::string& display_name,
                                       const std::filesystem::path& base_dir,
                                       const LoadOptions& options = {});

// Reads only the `secrets:` and `parameters:` sections of a thaw.yaml (for `thaw aws`, which
// needs no functions); other top-level keys are not checked here. Errors as LoadConfigFile.
//   secrets:
//     prod/momento: {value: {MOMENTO_API_KEY: "..."}, description: "..."}
//     plain: a-string-value
//   parameters:
//     /app/table: {type: String, value: orders}
//     /app/flag: "on"
absl::StatusOr<ServiceSeeds> LoadSeedsFile(const std::filesystem::path& path);
absl::StatusOr<ServiceSeeds> ParseSeeds(const std::string& yaml, const std::string& display_name);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_THAW_CONFIG_H_
