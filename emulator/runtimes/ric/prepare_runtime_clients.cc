#include "emulator/runtimes/ric/prepare_runtime_clients.h"

#include <cstdlib>

#include "emulator/runtimes/ric/ric_installer.h"

namespace thaw {
namespace {

// thaw's pin of the client sits beside its Node.js bootstrap (<runtimes>/ric next to
// <runtimes>/nodejs/bootstrap.mjs, which the configuration loader found: in the source tree, an
// installed thaw's share/thaw/runtimes, or THAW_RUNTIMES_DIR). Deriving it from there keeps one
// place that decides where the runtimes are.
std::filesystem::path PinDir(const FunctionConfig& fn) {
  if (!fn.args.empty()) {
    const std::filesystem::path bootstrap = fn.args.front();
    if (bootstrap.filename() == "bootstrap.mjs") {
      return bootstrap.parent_path().parent_path() / "ric";
    }
  }
  if (const char* dir = std::getenv("THAW_RUNTIMES_DIR")) return std::filesystem::path(dir) / "ric";
  return std::filesystem::path(THAW_DEFAULT_RUNTIMES_DIR) / "ric";
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
    if (!dir.ok()) {
      return absl::FailedPreconditionError("functions." + first + ": " +
                                           std::string(dir.status().message()));
    }
    cache = *dir;
  }
  // Absolute: instances run the entry point from their own code directory.
  RicInstaller installer({.cache_dir = std::filesystem::absolute(cache),
                          .pin_dir = PinDir(config.functions.at(first)),
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
