#ifndef THAW_EMULATOR_RUNTIMES_RIC_PREPARE_RUNTIME_CLIENTS_H_
#define THAW_EMULATOR_RUNTIMES_RIC_PREPARE_RUNTIME_CLIENTS_H_

#include <filesystem>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "emulator/config/thaw_config.h"

namespace thaw {

// Makes every function whose runtime_client is "aws-lambda-ric" run the official client:
// installs it once (RicInstaller, into `cache_dir`, or DefaultCacheDir() when empty) and sets
// the function's args to its entry point (`node <cache>/.../aws-lambda-ric/index.mjs`). Does
// nothing, and needs nothing, when no function asks for it. `on_install` is told before an
// install starts. Call it after loading the configuration and before starting instances; a
// configuration not passed through it runs thaw's own bootstrap for every Node.js function.
// Errors are RicInstaller's, prefixed with the first function that asked for the client.
absl::Status PrepareRuntimeClients(ThawConfig& config,
                                   std::function<void(const std::string&)> on_install,
                                   const std::filesystem::path& cache_dir = {});

}  // namespace thaw

#endif  // THAW_EMULATOR_RUNTIMES_RIC_PREPARE_RUNTIME_CLIENTS_H_
