#ifndef THAW_EMULATOR_CONTROL_INSTANCE_ENVIRONMENT_H_
#define THAW_EMULATOR_CONTROL_INSTANCE_ENVIRONMENT_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "emulator/config/thaw_config.h"

namespace thaw {

// Everything an instance's environment is built from.
struct InstanceEnvironmentInputs {
  // AWS_LAMBDA_RUNTIME_API: "127.0.0.1:<port>", or "127.0.0.1:9001" in a sandbox.
  std::string runtime_api;
  // The instance runs in a sandbox, where the real names reach the fakes: the services' THAW_*
  // and AWS_ENDPOINT_URL* variables are left out, as in Lambda.
  bool sandboxed = false;
  std::string log_stream;
  std::string initialization_type = "on-demand";
  // Variables of the instance's own services (THAW_MOMENTO_ENDPOINT, ...).
  std::map<std::string, std::string> services;
};

// Builds an instance's whole environment ("NAME=value" entries): the Lambda variables, the
// function's own variables and the names listed in settings.pass_env (read from thaw's own
// environment). Nothing else is inherited: no host AWS_* credentials, and AWS_CONFIG_FILE /
// AWS_SHARED_CREDENTIALS_FILE point at /dev/null so an SDK never reads ~/.aws.
// The layers (FunctionConfig::layers): in a sandbox they are at /opt, and PATH (/opt/bin),
// LD_LIBRARY_PATH (/opt/lib) and the runtime's variables (NODE_PATH's /opt/nodejs/...,
// PYTHONPATH's /opt/python...) name them there, as Lambda's do. Without the sandbox each of those
// /opt entries becomes one entry per layer directory, the last layer first, so the layer that
// would win at /opt is found first; with no layers the entries are left out. Thread-safe.
std::vector<std::string> BuildInstanceEnvironment(const FunctionConfig& function,
                                                  const Settings& settings,
                                                  const InstanceEnvironmentInputs& inputs);

// What an instance's process runs: argv[0] and the rest.
struct InstanceCommand {
  std::filesystem::path executable;
  std::vector<std::string> args;
};

// The command Lambda's own bootstrap would exec for `function` (FunctionConfig::executable and
// ::args, which name thaw's runtime), so that a handler sees what it sees in Lambda:
// - Node.js runtimes: node gets Lambda's flags before the script: --expose-gc (global.gc),
//   --max-http-header-size 81920, and a heap sized from the memory setting
//   (--max-semi-space-size=M/20, --max-old-space-size=M-M/10, in MB);
// - managed runtimes (Node.js, Python) with AWS_LAMBDA_EXEC_WRAPPER among the function's
//   variables: the wrapper runs with the runtime's command as its arguments, and, as in Lambda,
//   a wrapper that is missing or not executable ends the instance at init with Lambda's message
//   ("<wrapper>: does not exist", exit 127; "<wrapper>: is not an executable", exit 126). The
//   check runs inside the instance (through /bin/sh), so a sandbox's /opt is where it looks; a
//   process instance (`sandboxed` false) looks for an /opt path in its layers, last layer first.
// Provided runtimes run <code>/bootstrap as it is (Lambda ignores the wrapper there too).
// Thread-safe.
InstanceCommand BuildInstanceCommand(const FunctionConfig& function, bool sandboxed);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_INSTANCE_ENVIRONMENT_H_
