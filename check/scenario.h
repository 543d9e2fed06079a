#ifndef THAW_CHECK_SCENARIO_H_
#define THAW_CHECK_SCENARIO_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "check/expectation.h"
#include "emulator/config/thaw_config.h"
#include "nlohmann/json.hpp"

namespace thaw::check {

// One step of a scenario's `steps:` list. Plain value type; which fields matter depends on
// `kind` (see each field).
struct Step {
  enum class Kind {
    kInvoke,        // function, payload, count, concurrency, invocation_type
    kAdvance,       // duration
    kReap,          // function (empty: every function), instance (0: every idle one)
    kKill,          // function, instance (the function's Nth instance; 0: its newest live one)
    kFault,         // service, spec
    kClearFaults,   // service (empty: every service)
    kRotateSecret,  // secret, value (none: RotateSecret's own new version)
    kWaitFor,       // event_kind, function, count, duration (the timeout)
  };
  Kind kind = Kind::kInvoke;
  // 1-based line in the scenario file.
  int line = 0;
  // A one-line description for progress and JUnit: "invoke orders x9 (concurrency 3)".
  std::string text;

  std::string function;
  std::string payload = "{}";
  int count = 1;
  int concurrency = 1;
  std::string invocation_type = "RequestResponse";  // RequestResponse, Event or DryRun
  std::chrono::milliseconds duration{0};
  int64_t instance = 0;
  std::string service;
  nlohmann::json spec;
  std::string secret;
  std::optional<std::string> value;
  std::string event_kind;
};

// A parsed scenario file: what to run (config), how to seed it, the steps and the rules.
// Plain value type.
struct Scenario {
  std::string name;
  // The file as given on the command line.
  std::string path;
  // The functions, settings and seeds: from `config:` (a thaw.yaml, relative to the scenario)
  // or inline `functions:`, with the scenario's own `settings:`, `secrets:` and `parameters:`
  // applied over them.
  ThawConfig config;
  // Momento caches that exist when the first step runs.
  std::vector<std::string> caches;
  std::vector<Step> steps;
  // The `expect:` rules in file order, then the default rules (kDefaultRules) the file does not
  // state a rule for (their line is 0).
  std::vector<Expectation> expectations;
};

// The rules every scenario gets after its own, unless it states a rule on the same metric
// (`package.errors <= 2` replaces the default): a package that will not load on Lambda (a
// Mac-built addon, the wrong architecture or glibc; see emulator/package) fails the check.
inline constexpr const char* kDefaultRules[] = {"package.errors == 0"};

// `thaw check --defaults`: the rules that know the cause, for each function of the run that
// reached a fake (a Momento connection, a fake AWS request, an attempt to leave its sandbox),
// decided after the run from its events:
//   momento.unprovoked_connections per instance for F == 0   (F opened a Momento connection)
//   aws.<Read>.unprovoked per instance for F == 0   (F called GetSecretValue, GetParameter, ...)
//   swallowed_failures for F == 0
//   events.sandbox.egress_blocked for F == 0
// Each is left out when the scenario states a rule on the same metric (for any function). Their
// line is 0, like kDefaultRules'. Pure; thread-safe.
std::vector<Expectation> CauseRules(const Scenario& scenario, const std::vector<Event>& events);

// Reads and validates a scenario. Errors are InvalidArgument / NotFound with the file, the line
// and what is wrong: "scenario.yaml:12: steps[2].invoke.count: must be between 1 and 100000".
// Errors in a `config:` file name that file and its line. `options` apply to the `config:`
// file (a template's --parameter-overrides).
absl::StatusOr<Scenario> LoadScenarioFile(const std::filesystem::path& path,
                                          const LoadOptions& options = {});

// Same, from text: `display_name` in messages, `base_dir` for relative paths.
absl::StatusOr<Scenario> ParseScenario(const std::string& yaml, const std::string& display_name,
                                       const std::filesystem::path& base_dir,
                                       const LoadOptions& options = {});

}  // namespace thaw::check

#endif  // THAW_CHECK_SCENARIO_H_
