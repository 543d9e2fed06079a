#include "check/terminal_report.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/accounting.h"
#include "core/duration.h"
#include "core/event_kinds.h"

namespace thaw::check {
namespace {

struct Row {
  std::string function;
  std::string isolation = "-";  // sandbox or process
  std::string init = "-";
  long invocations = 0;
  long errors = 0;
  long connections = 0;
  long data_connections = 0;
  long secret_fetches = 0;
  long parameter_fetches = 0;
  long egress_blocked = 0;  // names it tried to reach outside its sandbox
  long failed_calls = 0;    // Momento RPCs and fake AWS requests that failed
  std::string ended = "running";
  // How far its clocks were ahead of real time when it ended (or now): "+20m" with virtual
  // time, "real" without, "-" when the ledger does not say.
  std::string clock = "-";
};

}  // namespace

bool UseColor(std::FILE* out) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return ::isatty(::fileno(out)) == 1;
}

namespace {

// Why a handler would try to reach `host`, when its name says it: a Momento endpoint from a key
// thaw did not mint, or an AWS service thaw does not fake. Empty otherwise.
std::string EgressHint(const std::string& host) {
  auto under = [&host](const char* domain) {
    const std::string d = domain;
    return host == d || host.ends_with("." + d);
  };
  if (under("momentohq.com") || under("gomomento.com")) {
    return "a Momento endpoint from a key thaw did not mint (hardcoded, or read from where thaw "
           "does not put one): put {{momento_api_key}} in the secret or variable the handler "
           "reads its key from";
  }
  if (under("amazonaws.com")) {
    return "thaw fakes Secrets Manager and SSM Parameter Store only: other AWS services are "
           "blocked (settings.egress: allow lets them out)";
  }
  return "";
}

// What the instances tried to reach outside their sandboxes, once per destination
// ("api.example.com:443/tcp ×3 (instances 1, 2)"), so a failing `egress_blocked == 0` names it.
// Invocations that answered success while every call they made to a fake failed, per function:
// a handler that swallows its errors passes `errors == 0`, so this is said without a rule.
void PrintSwallowedFailures(std::FILE* out, const Ledger& ledger, bool color) {
  const std::vector<SwallowedFailure> swallowed = SwallowedFailures(ledger.Since(0));
  if (swallowed.empty()) return;
  std::map<std::string, std::vector<const SwallowedFailure*>> by_function;
  for (const SwallowedFailure& s : swallowed) by_function[s.function].push_back(&s);
  for (const auto& [function, list] : by_function) {
    std::fprintf(out,
                 "%s  warning:%s %s answered success on %zu invocation%s in which every call to a "
                 "fake failed (the rule swallowed_failures == 0 fails it):\n",
                 Paint(color, kRed), Paint(color, kReset), function.c_str(), list.size(),
                 list.size() == 1 ? "" : "s");
    for (size_t i = 0; i < list.size() && i < 5; ++i) {
      std::fprintf(out, "    instance %lld, seq %llu: %s\n",
                   static_cast<long long>(list[i]->instance),
                   static_cast<unsigned long long>(list[i]->seq), list[i]->Describe().c_str());
    }
    if (list.size() > 5) std::fprintf(out, "    and %zu more\n", list.size() - 5);
  }
}

void PrintEgressDestinations(std::FILE* out, const Ledger& ledger, bool color) {
  struct Destination {
    long attempts = 0;
    std::set<int64_t> instances;
    std::string hint;
  };
  std::map<std::string, Destination> destinations;
  for (const Event& e : ledger.Since(0)) {
    if (e.kind != kinds::kSandboxEgressBlocked) continue;
    std::string where = e.attrs.value("host", "?");
    if (e.attrs.contains("port")) where += ":" + std::to_string(e.attrs.value("port", 0));
    if (e.attrs.contains("protocol")) where += "/" + e.attrs.value("protocol", "");
    if (e.attrs.contains("query")) where += " (lookup " + e.attrs.value("query", "") + ")";
    Destination& d = destinations[where];
    d.hint = EgressHint(e.attrs.value("host", ""));
    ++d.attempts;
    d.instances.insert(e.instance);
  }
  if (destinations.empty()) return;
  std::fprintf(out, "%s  egress blocked:%s\n", Paint(color, kRed), Paint(color, kReset));
  for (const auto& [where, d] : destinations) {
    std::string instances;
    for (int64_t id : d.instances) {
      instances += (instances.empty() ? "" : ", ") + std::to_string(id);
    }
    std::fprintf(out, "    %s ×%ld (instance%s %s)\n", where.c_str(), d.attempts,
                 d.instances.size() == 1 ? "" : "s", instances.c_str());
    if (!d.hint.empty()) {
      std::fprintf(out, "      %s%s%s\n", Paint(color, kDim), d.hint.c_str(), Paint(color, kReset));
    }
  }
}

}  // namespace

void PrintInstanceTable(std::FILE* out, const Ledger& ledger, bool color) {
  std::map<int64_t, Row> rows;
  // The scheduler clock's total advance so far, and the instances whose clocks follow it.
  long offset_ms = 0;
  std::set<int64_t> following;
  const auto clock_text = [](long ms) {
    return "+" + FormatDuration(std::chrono::milliseconds(ms));
  };
  for (const Event& e : ledger.Since(0)) {
    if (e.kind == kinds::kClockAdvanced) {
      offset_ms = e.attrs.value("offset_ms", offset_ms);
      for (int64_t id : following) rows[id].clock = clock_text(offset_ms);
    }
    if (e.instance == 0) continue;
    if (e.kind == kinds::kInstanceSpawned) {
      rows[e.instance].function = e.function;
      rows[e.instance].isolation = e.attrs.value("isolation", "-");
      if (e.attrs.contains("virtual_time")) {
        const bool virtual_time = e.attrs.value("virtual_time", false);
        rows[e.instance].clock = virtual_time ? clock_text(offset_ms) : "real";
        if (virtual_time) following.insert(e.instance);
      }
    }
    if (e.kind == kinds::kClockNotVirtual) {
      rows[e.instance].clock = "real";
      following.erase(e.instance);
    }
    if (e.kind == kinds::kSandboxEgressBlocked) ++rows[e.instance].egress_blocked;
    // Egress has its own column.
    if (const auto call = AsFakeCall(e);
        call && call->failed && e.kind != kinds::kSandboxEgressBlocked) {
      ++rows[e.instance].failed_calls;
    }
    if (e.kind == kinds::kInstanceReady) {
      char text[32];
      std::snprintf(text, sizeof(text), "%.0f ms", e.attrs.value("init_ms", 0.0));
      rows[e.instance].init = text;
    }
    if (e.kind == kinds::kInvokeEnd) {
      ++rows[e.instance].invocations;
      if (e.attrs.value("outcome", "success") != "success") ++rows[e.instance].errors;
    }
    if (e.kind == kinds::kInstanceGone) {
      rows[e.instance].ended = e.attrs.value("reason", "gone");
      following.erase(e.instance);
    }
  }
  for (const MomentoConnections& m : MomentoConnectionsPerInstance(ledger)) {
    if (m.instance == 0) continue;
    rows[m.instance].connections = m.connections;
    rows[m.instance].data_connections = m.data_connections;
  }
  for (const AwsRequests& a : AwsRequestsPerInstance(ledger)) {
    if (a.instance == 0) continue;
    rows[a.instance].secret_fetches = a.SecretFetches();
    rows[a.instance].parameter_fetches = a.ParameterFetches();
  }
  if (rows.empty()) {
    std::fprintf(out, "  (no instance ran)\n");
    return;
  }
  size_t width = 8;
  for (const auto& [id, row] : rows) width = std::max(width, row.function.size());
  std::fprintf(out, "%s  %-8s  %-*s  %-9s  %9s  %7s  %6s  %13s  %14s  %10s  %12s  %6s  %7s  %s%s\n",
               Paint(color, kBold), "instance", static_cast<int>(width), "function", "isolation",
               "init", "invokes", "errors", "momento conns", "(data conns)", "secret gets",
               "failed calls", "egress", "clock", "ended", Paint(color, kReset));
  Row total;
  long cold = 0;
  for (const auto& [id, row] : rows) {
    std::fprintf(
        out,
        "  %-8lld  %-*s  %-9s  %9s  %7ld  %s%6ld%s  %13ld  %14ld  %10ld  %s%12ld%s  %s%6ld%s  %7s  "
        "%s\n",
        static_cast<long long>(id), static_cast<int>(width), row.function.c_str(),
        row.isolation.c_str(), row.init.c_str(), row.invocations, Paint(color && row.errors, kRed),
        row.errors, Paint(color && row.errors, kReset), row.connections, row.data_connections,
        row.secret_fetches + row.parameter_fetches, Paint(color && row.failed_calls, kRed),
        row.failed_calls, Paint(color && row.failed_calls, kReset),
        Paint(color && row.egress_blocked, kRed), row.egress_blocked,
        Paint(color && row.egress_blocked, kReset), row.clock.c_str(), row.ended.c_str());
    total.invocations += row.invocations;
    total.errors += row.errors;
    total.connections += row.connections;
    total.data_connections += row.data_connections;
    total.secret_fetches += row.secret_fetches + row.parameter_fetches;
    total.egress_blocked += row.egress_blocked;
    total.failed_calls += row.failed_calls;
    if (row.init != "-") ++cold;
  }
  std::fprintf(out, "%s  %-8s  %-*s  %-9s  %9s  %7ld  %6ld  %13ld  %14ld  %10ld  %12ld  %6ld%s\n",
               Paint(color, kDim), "total", static_cast<int>(width),
               (std::to_string(rows.size()) + " inst.").c_str(), "",
               (std::to_string(cold) + " cold").c_str(), total.invocations, total.errors,
               total.connections, total.data_connections, total.secret_fetches, total.failed_calls,
               total.egress_blocked, Paint(color, kReset));
  PrintEgressDestinations(out, ledger, color);
  PrintSwallowedFailures(out, ledger, color);
}

void PrintVerdicts(std::FILE* out, const Scenario& scenario, const RunResult& result, bool color) {
  int failed = 0;
  for (const StepResult& s : result.steps) {
    if (s.ok || s.skipped) continue;
    ++failed;
    std::fprintf(out, "  %sFAIL%s  step: %s\n        %s\n        %s%s:%d%s\n", Paint(color, kRed),
                 Paint(color, kReset), s.step->text.c_str(), s.detail.c_str(), Paint(color, kDim),
                 scenario.path.c_str(), s.step->line, Paint(color, kReset));
  }
  int failed_rules = 0;
  for (const ExpectationResult& x : result.expectations) {
    if (x.passed) {
      std::fprintf(out, "  %sPASS%s  %s  %s(%s)%s\n", Paint(color, kGreen), Paint(color, kReset),
                   x.expectation.text.c_str(), Paint(color, kDim), x.measured.c_str(),
                   Paint(color, kReset));
      continue;
    }
    ++failed_rules;
    std::fprintf(out, "  %sFAIL%s  %s  (%s)\n", Paint(color, kRed), Paint(color, kReset),
                 x.expectation.text.c_str(), x.measured.c_str());
    for (const std::string& line : x.failures) std::fprintf(out, "        %s\n", line.c_str());
    // Line 0: a default rule (kDefaultRules), which the file does not spell.
    const std::string where = x.expectation.line > 0
                                  ? scenario.path + ":" + std::to_string(x.expectation.line)
                                  : scenario.path + ": a default rule (state a rule on " +
                                        x.expectation.metric + " to replace it)";
    std::fprintf(out, "        %s%s%s\n", Paint(color, kDim), where.c_str(), Paint(color, kReset));
  }
  const size_t rules = result.expectations.size();
  if (failed == 0 && failed_rules == 0) {
    std::fprintf(out, "\n%sPASSED%s %s: all %zu expectations hold (%.1f s)\n", Paint(color, kGreen),
                 Paint(color, kReset), scenario.name.c_str(), rules, result.seconds);
  } else {
    std::string what =
        std::to_string(failed_rules) + " of " + std::to_string(rules) + " expectations failed";
    if (failed) what += ", a step failed";
    std::fprintf(out, "\n%sFAILED%s %s: %s (%.1f s)\n", Paint(color, kRed), Paint(color, kReset),
                 scenario.name.c_str(), what.c_str(), result.seconds);
  }
}

void PrintScenarioSummary(std::FILE* out, const std::vector<ScenarioSummary>& scenarios,
                          double seconds, bool color) {
  using Verdict = ScenarioSummary::Verdict;
  size_t name_width = 4;
  size_t path_width = 4;
  int counts[4] = {0, 0, 0, 0};
  for (const ScenarioSummary& s : scenarios) {
    name_width = std::max(name_width, s.name.size());
    path_width = std::max(path_width, s.path.size());
    ++counts[static_cast<int>(s.verdict)];
  }
  std::fprintf(out, "%sScenarios%s\n", Paint(color, kBold), Paint(color, kReset));
  for (const ScenarioSummary& s : scenarios) {
    const char* paint = s.verdict == Verdict::kPassed   ? kGreen
                        : s.verdict == Verdict::kNotRun ? kDim
                                                        : kRed;
    const char* word = s.verdict == Verdict::kPassed   ? "PASS "
                       : s.verdict == Verdict::kFailed ? "FAIL "
                       : s.verdict == Verdict::kError  ? "ERROR"
                                                       : "-    ";
    std::string rules = "-";
    if (s.verdict == Verdict::kPassed || s.verdict == Verdict::kFailed) {
      rules = std::to_string(s.rules_passed) + "/" + std::to_string(s.rules) + " rules hold";
    }
    std::string after = s.verdict == Verdict::kNotRun ? "not run (--fail-fast)" : s.detail;
    char time[32] = "";
    if (s.verdict == Verdict::kPassed || s.verdict == Verdict::kFailed) {
      std::snprintf(time, sizeof(time), "%.1f s", s.seconds);
    }
    std::fprintf(out, "  %s%s%s  %-*s  %-*s  %-16s %7s%s%s\n", Paint(color, paint), word,
                 Paint(color, kReset), static_cast<int>(name_width), s.name.c_str(),
                 static_cast<int>(path_width), s.path.c_str(), rules.c_str(), time,
                 after.empty() ? "" : "  ", after.c_str());
  }
  std::fprintf(out, "\n%zu scenarios: %d passed, %d failed, %d error%s, %d not run (%.1f s)\n",
               scenarios.size(), counts[static_cast<int>(Verdict::kPassed)],
               counts[static_cast<int>(Verdict::kFailed)],
               counts[static_cast<int>(Verdict::kError)],
               counts[static_cast<int>(Verdict::kError)] == 1 ? "" : "s",
               counts[static_cast<int>(Verdict::kNotRun)], seconds);
}

}  // namespace thaw::check
