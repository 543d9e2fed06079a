// Configuration files: serverless.yml (emulator/config/serverless_config.h ParseServerlessConfig),
// from text, with relative paths resolved in an empty scratch directory. Its notes and routes are
// read as the CLI prints them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "emulator/config/serverless_config.h"
#include "tests/fuzz/fuzz_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const thaw::LoadOptions options = thaw::fuzz::FuzzLoadOptions();
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<thaw::ThawConfig> config = thaw::ParseServerlessConfig(
      text, "serverless.yml", thaw::fuzz::ScratchDir() / "base", options);
  if (!config.ok()) return 0;
  size_t routes = 0;
  for (const auto& [name, function] : config->functions) routes += function.http_routes.size();
  (void)routes;
  return 0;
}
