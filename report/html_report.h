#ifndef THAW_REPORT_HTML_REPORT_H_
#define THAW_REPORT_HTML_REPORT_H_

#include <string>
#include <vector>

#include "core/ledger.h"

namespace thaw::report {

// One expectation of a scenario and how it came out.
struct Verdict {
  std::string name;  // as written, e.g. "momento.data_connections per instance == 1"
  bool passed = false;
  std::string detail;  // why it failed (instances, events), or what was measured
};

struct ReportInput {
  std::string title;              // the scenario's name
  std::vector<Event> events;      // the whole ledger, in seq order
  std::vector<Verdict> verdicts;  // in the scenario's order
};

// A self-contained HTML page (no external resources): a timeline with one lane per instance
// (spawn, init, busy, frozen, idle, reaped), marks for Momento connections and secret fetches
// with hover details, and the verdicts. Pure function; thread-safe.
std::string RenderHtmlReport(const ReportInput& input);

}  // namespace thaw::report

#endif  // THAW_REPORT_HTML_REPORT_H_
