#ifndef THAW_CHECK_EXPECTATION_H_
#define THAW_CHECK_EXPECTATION_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/ledger.h"
#include "nlohmann/json.hpp"

namespace thaw::check {

// One rule of a scenario's `expect:` list, as parsed. Plain value type.
//   momento.data_connections per instance == 1
//   aws.GetSecretValue per instance for orders <= 1
//   duration.warm.p99 < 50ms
struct Expectation {
  enum class Per { kAll, kInstance, kFunction };
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

  // The rule in its canonical one-line form (what the output and JUnit call it).
  std::string text;
  // 1-based line in the scenario file (0 when not parsed from one).
  int line = 0;
  std::string metric;
  Per per = Per::kAll;
  // Only this function's events; empty for every function.
  std::string function;
  Op op = Op::kEq;
  // Counts are plain numbers; durations are milliseconds (written `50ms`, `1.5s` or `50`).
  double value = 0;
};

// How one expectation came out.
struct ExpectationResult {
  Expectation expectation;
  bool passed = false;
  // What was measured, in a few words: "1 on each of 4 instances", "17".
  std::string measured;
  // When failed: one line per instance or function that broke the rule, naming the events
  // that did it: "instance 3 (orders) opened 5 Momento data connections, one per invoke: at
  // seq 41, 57, 73, 89, 105".
  std::vector<std::string> failures;
};

// Parses the one-line form `METRIC [per instance|per function] [for FUNCTION] OP VALUE`.
// InvalidArgument saying what is wrong (no file or line: the caller adds them).
absl::StatusOr<Expectation> ParseExpectation(std::string_view text);

// Parses the mapping form {metric, per, function, op, value}; `value` may be a number or a
// string like "50ms". Errors as ParseExpectation.
absl::StatusOr<Expectation> ExpectationFromJson(const nlohmann::json& spec);

// Whether `metric` names a metric (see the README's list); InvalidArgument listing the known
// ones when it does not.
absl::Status CheckMetricName(std::string_view metric);

// Evaluates `expectation` over `events` (a whole run's ledger, in seq order). `functions` are
// the scenario's function names, so that "per function" also covers a function that never ran.
// Pure; thread-safe.
ExpectationResult Evaluate(const Expectation& expectation, const std::vector<Event>& events,
                           const std::vector<std::string>& functions);

// "==", "<=", ...
std::string_view OpText(Expectation::Op op);

}  // namespace thaw::check

#endif  // THAW_CHECK_EXPECTATION_H_
