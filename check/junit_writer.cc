#include "check/junit_writer.h"

#include <chrono>
#include <cstdio>
#include <sstream>

#include "core/ledger.h"
#include "core/markup_escape.h"

namespace thaw::check {

std::string RenderJunit(const Scenario& scenario, const RunResult& result) {
  int failures = 0;
  int errors = 0;
  for (const auto& x : result.expectations) failures += x.passed ? 0 : 1;
  for (const auto& s : result.steps) errors += (!s.ok && !s.skipped) ? 1 : 0;
  const int tests = static_cast<int>(result.expectations.size()) + errors;
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.3f", result.seconds);
  const std::string suite = MarkupEscape(scenario.name);
  const std::string classname = MarkupEscape("thaw.check." + scenario.name);

  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"thaw check\" tests=\"" << tests << "\" failures=\"" << failures
      << "\" errors=\"" << errors << "\" time=\"" << seconds << "\">\n";
  out << "  <testsuite name=\"" << suite << "\" tests=\"" << tests << "\" failures=\"" << failures
      << "\" errors=\"" << errors << "\" skipped=\"0\" time=\"" << seconds << "\" timestamp=\""
      << FormatIsoTime(std::chrono::system_clock::now()) << "\" file=\""
      << MarkupEscape(scenario.path) << "\">\n";
  for (const auto& s : result.steps) {
    if (s.ok || s.skipped) continue;
    char step_seconds[32];
    std::snprintf(step_seconds, sizeof(step_seconds), "%.3f", s.seconds);
    out << "    <testcase name=\"step: " << MarkupEscape(s.step->text) << "\" classname=\""
        << classname << "\" file=\"" << MarkupEscape(scenario.path) << "\" line=\"" << s.step->line
        << "\" time=\"" << step_seconds << "\">\n";
    out << "      <error message=\"" << MarkupEscape(s.detail) << "\">"
        << MarkupEscape(scenario.path + ":" + std::to_string(s.step->line) + ": " + s.detail)
        << "</error>\n";
    out << "    </testcase>\n";
  }
  for (const auto& x : result.expectations) {
    out << "    <testcase name=\"" << MarkupEscape(x.expectation.text) << "\" classname=\""
        << classname << "\" file=\"" << MarkupEscape(scenario.path) << "\" line=\""
        << x.expectation.line << "\" time=\"0\">\n";
    if (!x.passed) {
      std::string body;
      for (const std::string& line : x.failures) body += line + "\n";
      body += x.expectation.line > 0 ? scenario.path + ":" + std::to_string(x.expectation.line)
                                     : scenario.path + ": a default rule (state a rule on " +
                                           x.expectation.metric + " to replace it)";
      out << "      <failure message=\""
          << MarkupEscape(x.expectation.text + " (" + x.measured + ")")
          << "\" type=\"expectation\">" << MarkupEscape(body) << "</failure>\n";
    } else {
      out << "      <system-out>" << MarkupEscape("measured: " + x.measured) << "</system-out>\n";
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace thaw::check
