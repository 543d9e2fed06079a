#include "emulator/runtimes/ric/prepare_runtime_clients.h"

#include <cstdlib>

#include "emulator/runtimes/ric/ric_installer.h"

namespace thaw {
namespace {

// Where thaw's runtime files live (THAW_RUNTIMES_DIR overrides the built-in path, as for the
// bootstraps).
std::filesystem::path RuntimesDir() {
  if (const char* dir = std::getenv("THAW_RUNTIMES_DIR")) return dir;
  return THAW_DEFAULT_RUNTIMES_DIR;
}

}  // namespace

absl::Status PrepareRuntimeClients(ThawConfig& config,
                                   std::function<void(const std::string&)> on_install,
                                   const std::filesystem::path& cache_dir) {
  std::string first;
  for (const auto& [name, fn] : config.functions) {
    if (fn.runtime_client == "aws-lambda-ric") {
      first = name;
      break;
    }
  }
  if (first.empty()) return absl::OkStatus();
  std::filesystem::path cache = cache_dir;
  if (cache.empty()) {
    auto dir = DefaultCacheDir();
    if (!dir.ok())
      return absl::FailedPreconditionError("functions." + first + ": " +
                                           std::string(dir.status().message()));
    cache = *dir;
  }
  // Absolute: instances run the entry point from their own code directory.
  RicInstaller installer({.cache_dir = std::filesystem::absolute(cache),
                          .pin_dir = RuntimesDir() / "ric",
                          .on_install = std::move(on_install)});
  auto entry = installer.EnsureInstalled();
  if (!entry.ok()) {
    return absl::Status(entry.status().code(),
                        "functions." + first + ": " + std::string(entry.status().message()));
  }
  for (auto& [name, fn] : config.functions) {
    if (fn.runtime_client == "aws-lambda-ric") fn.args = {entry->string()};
  }
  return absl::OkStatus();
}

}  // namespace thaw
