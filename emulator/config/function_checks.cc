#include "emulator/config/function_checks.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>

namespace thaw {
namespace {

const std::set<std::string> kProvidedRuntimes = {"provided", "provided.al2", "provided.al2023"};
const std::set<std::string> kNodeRuntimes = {"nodejs18.x", "nodejs20.x", "nodejs22.x"};
const std::set<std::string> kPythonRuntimes = {"python3.9", "python3.10", "python3.11",
                                               "python3.12", "python3.13"};

// Lambda refuses these as function environment variables; so do we.
const std::set<std::string> kReservedEnv = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
};

// Where thaw's own runtime bootstraps live: THAW_RUNTIMES_DIR, else an installed thaw's
// <prefix>/share/thaw/runtimes (next to <prefix>/bin/thaw, see cmake/install.cmake), else the
// source tree it was built from.
std::filesystem::path RuntimesDir() {
  if (const char* dir = std::getenv("THAW_RUNTIMES_DIR")) return dir;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path installed =
        exe.parent_path().parent_path() / "share" / "thaw" / "runtimes";
    if (std::filesystem::exists(installed / "python" / "bootstrap.py", ec)) return installed;
  }
  return THAW_DEFAULT_RUNTIMES_DIR;
}

// An executable named `name` on PATH, or empty.
std::filesystem::path FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = dirs.find(':', start);
    const std::string dir =
        dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty()) {
      const std::filesystem::path candidate = std::filesystem::path(dir) / name;
      std::error_code ec;
      if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate, ec)) {
        return candidate;
      }
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

FunctionProblem Problem(FunctionInput input, std::string message) {
  return FunctionProblem{input, std::move(message)};
}

}  // namespace

std::optional<std::string> CheckPython(const std::string& python,
                                       const std::filesystem::path& base_dir,
                                       std::filesystem::path* resolved) {
  std::filesystem::path path;
  if (python.find('/') == std::string::npos) {
    path = FindOnPath(python);
    if (path.empty()) return "no executable '" + python + "' on PATH";
  } else {
    path = python;
    if (path.is_relative()) path = base_dir / path;
    path = path.lexically_normal();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return path.string() + " does not exist";
    if (::access(path.c_str(), X_OK) != 0 || std::filesystem::is_directory(path, ec)) {
      return path.string() + " is not an executable file";
    }
  }
  *resolved = path;
  return std::nullopt;
}

std::optional<FunctionProblem> ResolveRuntime(const std::filesystem::path& code_dir,
                                              const std::string& python,
                                              const std::filesystem::path& base_dir,
                                              FunctionConfig& fn) {
  static const std::set<std::string> kLaterRuntimes = {"java8.al2", "java11",  "java17",
                                                       "java21",    "dotnet6", "dotnet8",
                                                       "ruby3.2",   "ruby3.3", "go1.x"};
  if (kLaterRuntimes.count(fn.runtime)) {
    return Problem(FunctionInput::kRuntime,
                   "runtime '" + fn.runtime +
                       "' is not supported yet; use nodejs18.x/20.x/22.x, python3.9-3.13, or "
                       "provided, provided.al2 or provided.al2023 with a bootstrap executable");
  }
  const bool node_runtime = kNodeRuntimes.count(fn.runtime) > 0;
  const bool python_runtime = kPythonRuntimes.count(fn.runtime) > 0;
  if (!kProvidedRuntimes.count(fn.runtime) && !node_runtime && !python_runtime) {
    return Problem(FunctionInput::kRuntime,
                   "unknown runtime '" + fn.runtime +
                       "' (supported: nodejs18.x, nodejs20.x, nodejs22.x, python3.9 to "
                       "python3.13, provided, provided.al2, provided.al2023)");
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(code_dir, ec)) {
    return Problem(FunctionInput::kCode, "code directory " + code_dir.string() + " does not exist");
  }
  fn.code = std::filesystem::absolute(code_dir).lexically_normal();
  if (fn.code.filename().empty()) fn.code = fn.code.parent_path();  // "src/" -> "src"

  if (node_runtime) {
    static const std::regex kHandlerRe("[^\\s]+\\.[A-Za-z_$][A-Za-z0-9_$.]*");
    if (!std::regex_match(fn.handler, kHandlerRe)) {
      return Problem(FunctionInput::kHandler,
                     "a " + fn.runtime + " handler is path/file.export (like index.handler)");
    }
    const std::filesystem::path node_binary = FindOnPath("node");
    if (node_binary.empty()) {
      return Problem(FunctionInput::kRuntime,
                     fn.runtime + " needs node on PATH (apt-get install nodejs)");
    }
    const std::filesystem::path bootstrap_js = RuntimesDir() / "nodejs" / "bootstrap.mjs";
    if (!std::filesystem::exists(bootstrap_js, ec)) {
      return Problem(FunctionInput::kRuntime,
                     "thaw's Node.js runtime is missing: " + bootstrap_js.string() +
                         " (set THAW_RUNTIMES_DIR)");
    }
    fn.executable = node_binary;
    fn.args = {bootstrap_js.string()};
    // Lambda's NODE_PATH, with thaw's copy of the SDK (beside the bootstrap; see its sdk/) where
    // Lambda has /var/runtime/node_modules.
    const std::string major = fn.runtime.substr(6, fn.runtime.find('.') - 6);  // "nodejs20.x"
    fn.runtime_environment["NODE_PATH"] =
        "/opt/nodejs/node" + major + "/node_modules:/opt/nodejs/node_modules:" +
        (bootstrap_js.parent_path() / "sdk" / "node_modules").string() + ":" + fn.code.string();
    fn.execution_env = "AWS_Lambda_" + fn.runtime;
    return std::nullopt;
  }

  if (python_runtime) {
    static const std::regex kHandlerRe("[^\\s]+\\.[A-Za-z_][A-Za-z0-9_]*");
    if (!std::regex_match(fn.handler, kHandlerRe)) {
      return Problem(FunctionInput::kHandler,
                     "a " + fn.runtime + " handler is module.function (like app.handler)");
    }
    std::filesystem::path interpreter;
    const char* from_env = std::getenv("THAW_PYTHON");
    if (!python.empty()) {
      if (auto problem = CheckPython(python, base_dir, &interpreter)) {
        return Problem(FunctionInput::kPython, *problem);
      }
    } else if (from_env != nullptr && *from_env != '\0') {
      if (auto problem = CheckPython(from_env, std::filesystem::current_path(), &interpreter)) {
        return Problem(FunctionInput::kPython, "THAW_PYTHON: " + *problem);
      }
    } else {
      // Debian's interpreter first: a version manager's shim on PATH may need variables the
      // instance's built environment does not carry.
      interpreter = "/usr/bin/python3";
      if (::access(interpreter.c_str(), X_OK) != 0) interpreter = FindOnPath("python3");
      if (interpreter.empty()) {
        return Problem(FunctionInput::kRuntime,
                       fn.runtime + " needs python3 (apt-get install python3, or set python:)");
      }
    }
    const std::filesystem::path bootstrap_py = RuntimesDir() / "python" / "bootstrap.py";
    if (!std::filesystem::exists(bootstrap_py, ec)) {
      return Problem(FunctionInput::kRuntime,
                     "thaw's Python runtime is missing: " + bootstrap_py.string() +
                         " (set THAW_RUNTIMES_DIR)");
    }
    fn.executable = interpreter;
    fn.args = {"-B", "-u", bootstrap_py.string()};  // no __pycache__ in the code directory
    // Lambda's Python runtimes look in the layers (at /opt) after the function's own code.
    fn.runtime_environment["PYTHONPATH"] =
        "/opt/python/lib/" + fn.runtime + "/site-packages:/opt/python";
    fn.execution_env = "AWS_Lambda_" + fn.runtime;
    return std::nullopt;
  }

  // A provided runtime: the function's own bootstrap; AWS_EXECUTION_ENV stays unset.
  const auto bootstrap = code_dir / "bootstrap";
  if (!std::filesystem::exists(bootstrap, ec)) {
    return Problem(FunctionInput::kCode, "no bootstrap in " + code_dir.string() +
                                             " (a provided runtime runs <code>/bootstrap)");
  }
  if (::access(bootstrap.c_str(), X_OK) != 0 || std::filesystem::is_directory(bootstrap, ec)) {
    return Problem(FunctionInput::kCode, bootstrap.string() + " is not executable (chmod +x it)");
  }
  fn.executable = fn.code / "bootstrap";
  fn.args.clear();
  fn.execution_env.clear();
  return std::nullopt;
}

std::optional<std::string> CheckFunctionName(const std::string& name) {
  static const std::regex kNameRe("[A-Za-z0-9_-]{1,64}");
  if (!std::regex_match(name, kNameRe)) {
    return "function names are 1 to 64 letters, digits, hyphens or underscores";
  }
  return std::nullopt;
}

std::optional<std::string> CheckEnvironmentName(const std::string& name) {
  static const std::regex kEnvRe("[a-zA-Z][a-zA-Z0-9_]*");
  if (!std::regex_match(name, kEnvRe)) {
    return "environment variable names start with a letter and hold only letters, digits and "
           "underscores";
  }
  if (kReservedEnv.count(name)) return "reserved by Lambda and cannot be set";
  return std::nullopt;
}

bool IsPythonRuntime(const std::string& runtime) { return kPythonRuntimes.count(runtime) > 0; }

bool IsNodeRuntime(const std::string& runtime) { return kNodeRuntimes.count(runtime) > 0; }

bool IsReservedEnvironmentName(const std::string& name) { return kReservedEnv.count(name) > 0; }

std::optional<std::string> CheckConcurrency(const ThawConfig& config) {
  int reserved = 0;
  for (const auto& [name, fn] : config.functions) {
    reserved += fn.reserved_concurrency.value_or(0);
    if (fn.reserved_concurrency && fn.provisioned_concurrency > *fn.reserved_concurrency) {
      return "function " + name + ": provisioned concurrency (" +
             std::to_string(fn.provisioned_concurrency) +
             ") cannot exceed its reserved concurrency (" +
             std::to_string(*fn.reserved_concurrency) + ")";
    }
  }
  if (reserved > config.settings.account_concurrency) {
    return "the functions' reserved concurrency adds up to " + std::to_string(reserved) +
           ", more than the account concurrency (" +
           std::to_string(config.settings.account_concurrency) + ")";
  }
  return std::nullopt;
}

std::optional<std::string> CheckIntInRange(const std::string& text, int min, int max, int& value) {
  size_t used = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) return "expected an integer, got '" + text + "'";
  if (value < min || value > max) {
    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
  }
  return std::nullopt;
}

std::optional<std::string> ApplyLayer(const std::string& arn, FunctionConfig& fn) {
  if (arn.find("AWS-Parameters-and-Secrets-Lambda-Extension") == std::string::npos) {
    return arn +
           ": not applied (a published layer: thaw applies layers whose content is local, "
           "declared in the same file, and the Parameters and Secrets extension)";
  }
  if (std::find(fn.extensions.begin(), fn.extensions.end(), "parameters-and-secrets") ==
      fn.extensions.end()) {
    fn.extensions.push_back("parameters-and-secrets");
  }
  return std::nullopt;
}

std::string LayerCountProblem(size_t count) {
  return std::to_string(count) + " layers: Lambda allows at most " + std::to_string(kMaxLayers) +
         " per function, so deploying it fails";
}

}  // namespace thaw
