#include "emulator/control/instance_environment.h"

#include <cstdlib>
#include <map>

#include "emulator/config/function_checks.h"

namespace thaw {
namespace {

// Lambda's search paths name the layers at /opt, where a sandbox mounts them. A process instance
// has no such mount: each /opt entry of `value` becomes one entry per layer directory instead,
// the last layer first (the one whose files win at /opt), and none without layers (the host's
// /opt is not Lambda's).
std::string RelocateOpt(const std::string& value, const FunctionConfig& function, bool sandboxed) {
  if (sandboxed) return value;
  std::string out;
  auto add = [&out](const std::string& entry) {
    if (!out.empty()) out += ':';
    out += entry;
  };
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(':', start);
    if (end == std::string::npos) end = value.size();
    const std::string entry = value.substr(start, end - start);
    if (entry == "/opt" || entry.starts_with("/opt/")) {
      for (auto it = function.layers.rbegin(); it != function.layers.rend(); ++it) {
        add(it->string() + entry.substr(4));
      }
    } else {
      add(entry);
    }
    start = end + 1;
  }
  return out;
}

// The path a process instance finds at `path` when it is under /opt: the last layer that holds
// it (what the sandbox's /opt would show). Anything else is returned as it is.
std::filesystem::path RelocateOptFile(const std::string& path, const FunctionConfig& function,
                                      bool sandboxed) {
  if (sandboxed || !path.starts_with("/opt/")) return path;
  for (auto it = function.layers.rbegin(); it != function.layers.rend(); ++it) {
    const std::filesystem::path candidate = it->string() + path.substr(4);
    std::error_code ec;
    if (std::filesystem::exists(candidate, ec)) return candidate;
  }
  return path;
}

// What Lambda's exec-wrapper step does, run by /bin/sh inside the instance: $1 is the wrapper,
// the rest the runtime's command.
constexpr char kExecWrapperScript[] =
    "w=\"$1\"; shift; "
    "if [ ! -f \"$w\" ]; then echo \"$w: does not exist\"; exit 127; fi; "
    "if [ ! -x \"$w\" ]; then echo \"$w: is not an executable\"; exit 126; fi; "
    "exec \"$w\" \"$@\"";

}  // namespace

InstanceCommand BuildInstanceCommand(const FunctionConfig& function, bool sandboxed) {
  InstanceCommand command{function.executable, {}};
  if (IsNodeRuntime(function.runtime)) {
    // Lambda's nodejs bootstrap: a new space of a tenth of the memory, half of it per semi
    // space, and the rest for the old space.
    const int new_space_mb = function.memory_mb / 10;
    command.args = {"--expose-gc", "--max-http-header-size", "81920",
                    "--max-semi-space-size=" + std::to_string(new_space_mb / 2),
                    "--max-old-space-size=" + std::to_string(function.memory_mb - new_space_mb)};
  }
  command.args.insert(command.args.end(), function.args.begin(), function.args.end());
  const auto wrapper = function.environment.find("AWS_LAMBDA_EXEC_WRAPPER");
  if (wrapper == function.environment.end() || wrapper->second.empty() ||
      !(IsNodeRuntime(function.runtime) || IsPythonRuntime(function.runtime))) {
    return command;
  }
  std::vector<std::string> args = {"-c", kExecWrapperScript, "sh",
                                   RelocateOptFile(wrapper->second, function, sandboxed).string(),
                                   command.executable.string()};
  args.insert(args.end(), command.args.begin(), command.args.end());
  return InstanceCommand{"/bin/sh", std::move(args)};
}

std::vector<std::string> BuildInstanceEnvironment(const FunctionConfig& function,
                                                  const Settings& settings,
                                                  const InstanceEnvironmentInputs& inputs) {
  std::map<std::string, std::string> env;
  // Pass-through first, so neither Lambda's variables nor the function's can be overridden
  // from the host by accident.
  for (const std::string& name : settings.pass_env) {
    if (const char* value = std::getenv(name.c_str())) env[name] = value;
  }
  for (const auto& [name, value] : function.runtime_environment) {
    env[name] = RelocateOpt(value, function, inputs.sandboxed);
  }
  for (const auto& [name, value] : function.environment) env[name] = value;
  env["PATH"] = RelocateOpt("/usr/local/bin:/usr/bin/:/bin:/opt/bin", function, inputs.sandboxed);
  if (const auto it = std::find(settings.pass_env.begin(), settings.pass_env.end(), "PATH");
      it != settings.pass_env.end()) {
    if (const char* value = std::getenv("PATH")) env["PATH"] = value;
  }
  env["LANG"] = "en_US.UTF-8";
  env["TZ"] = ":UTC";
  env["LD_LIBRARY_PATH"] =
      RelocateOpt("/usr/local/lib:/usr/lib:/lib:/opt/lib", function, inputs.sandboxed);
  env["_HANDLER"] = function.handler;
  env["AWS_REGION"] = settings.region;
  env["AWS_DEFAULT_REGION"] = settings.region;
  env["AWS_LAMBDA_FUNCTION_NAME"] = function.name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(function.memory_mb);
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + function.name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = inputs.log_stream;
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = inputs.initialization_type;
  env["AWS_LAMBDA_RUNTIME_API"] = inputs.runtime_api;
  env["LAMBDA_TASK_ROOT"] = function.code.string();
  env["LAMBDA_RUNTIME_DIR"] = function.code.string();
  env["AWS_CONFIG_FILE"] = "/dev/null";
  env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
  env["AWS_EC2_METADATA_DISABLED"] = "true";
  if (!function.execution_env.empty()) env["AWS_EXECUTION_ENV"] = function.execution_env;
  for (const auto& [name, value] : inputs.services) {
    if (inputs.sandboxed && (name.starts_with("THAW_") || name.starts_with("AWS_ENDPOINT_URL"))) {
      continue;
    }
    env[name] = value;
  }
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

}  // namespace thaw
