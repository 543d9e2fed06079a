// `thaw check` scenario files (check/scenario.h ParseScenario): steps, faults, expectations and a
// `config:` file, from text, with relative paths resolved in an empty scratch directory. The
// rules a parsed scenario implies are computed over no events.
#include <cstddef>
#include <cstdint>
#include <string>

#include "check/scenario.h"
#include "tests/fuzz/fuzz_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const thaw::LoadOptions options = thaw::fuzz::FuzzLoadOptions();
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<thaw::check::Scenario> scenario =
      thaw::check::ParseScenario(text, "scenario.yaml", thaw::fuzz::ScratchDir() / "base", options);
  if (scenario.ok()) (void)thaw::check::CauseRules(*scenario, {});
  return 0;
}
