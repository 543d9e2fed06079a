#ifndef THAW_EMULATOR_CONFIG_FUNCTION_CHECKS_H_
#define THAW_EMULATOR_CONFIG_FUNCTION_CHECKS_H_

#include <filesystem>
#include <optional>
#include <string>

#include "emulator/config/thaw_config.h"

namespace thaw {

// The checks and the runtime resolution every function definition goes through, whichever
// file it came from (thaw.yaml, a SAM / CloudFormation template, a serverless.yml). Each
// loader turns a problem into an error pointing at its own key. Free functions; thread-safe
// (they read the environment and the file system only).

// Which input of a function a problem is about.
enum class FunctionInput { kRuntime, kHandler, kCode, kPython };

struct FunctionProblem {
  FunctionInput input;
  std::string message;
};

// Fills in what an instance of `fn` runs — fn.code (absolute), fn.executable, fn.args,
// fn.execution_env — from fn.runtime and fn.handler:
// - provided, provided.al2, provided.al2023: `code_dir`/bootstrap, which must be executable;
// - nodejs18.x/20.x/22.x: `node` from PATH with thaw's bootstrap.mjs;
// - python3.9 ... python3.13: `python` when not empty, else $THAW_PYTHON, else /usr/bin/python3,
//   else python3 on PATH, with thaw's bootstrap.py (`python` is ignored for other runtimes).
// `code_dir` must already be resolved against the definition's directory. `python` is a path
// (relative ones resolved against `base_dir`) or a bare name looked up on PATH.
// Thaw's own bootstraps are found under THAW_RUNTIMES_DIR, else an installed thaw's
// share/thaw/runtimes, else the source tree's emulator/runtimes. fn.runtime_client is left
// alone: a Node.js function always gets thaw's bootstrap here, and PrepareRuntimeClients
// (emulator/runtimes/ric) swaps in aws-lambda-ric when asked.
std::optional<FunctionProblem> ResolveRuntime(const std::filesystem::path& code_dir,
                                              const std::string& python,
                                              const std::filesystem::path& base_dir,
                                              FunctionConfig& fn);

// The interpreter `python` names (see ResolveRuntime), or a message saying why it cannot be
// used.
std::optional<std::string> CheckPython(const std::string& python,
                                       const std::filesystem::path& base_dir,
                                       std::filesystem::path* resolved);

// Why `name` cannot be a Lambda function name (1-64 letters, digits, - and _), or nothing.
std::optional<std::string> CheckFunctionName(const std::string& name);

// Why `name` cannot be one of a function's environment variables (Lambda's pattern and its
// reserved names), or nothing.
std::optional<std::string> CheckEnvironmentName(const std::string& name);

// python3.9 ... python3.13.
bool IsPythonRuntime(const std::string& runtime);

// `text` as a whole decimal integer in [min, max]; otherwise the problem ("expected an integer,
// got 'x'" or "must be between min and max"), for the loaders to place at the value.
std::optional<std::string> CheckIntInRange(const std::string& text, int min, int max, int& value);
// nodejs18.x, nodejs20.x, nodejs22.x.
bool IsNodeRuntime(const std::string& runtime);

// True for the variables Lambda sets itself (AWS_REGION, _HANDLER, ...): never taken from a
// function definition or thaw's own environment.
bool IsReservedEnvironmentName(const std::string& name);

// Lambda's limits: memory 128-10240 MB, timeout 1-900 s.
inline constexpr int kMinMemoryMb = 128;
inline constexpr int kMaxMemoryMb = 10240;
inline constexpr int kMinTimeoutS = 1;
inline constexpr int kMaxTimeoutS = 900;

// The checks across functions: provisioned concurrency within the reserved one, and the
// reservations within the account's concurrency. The message names the function.
std::optional<std::string> CheckConcurrency(const ThawConfig& config);

// A published layer `fn` lists, by its (resolved) ARN: the AWS Parameters and Secrets extension
// layer adds `parameters-and-secrets` to fn.extensions (once); thaw cannot fetch any other
// published layer, and the note to report for it is returned. (Layers with local content are
// the loaders' to add to fn.layers.)
std::optional<std::string> ApplyLayer(const std::string& arn, FunctionConfig& fn);

// Lambda's most layers per function, published ones included: it refuses to create a function
// with more, so the loaders refuse such a definition too (an error, not a note: it could not
// be deployed as written).
inline constexpr size_t kMaxLayers = 5;
// The message for a function listing `count` layers, more than kMaxLayers.
std::string LayerCountProblem(size_t count);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_FUNCTION_CHECKS_H_
