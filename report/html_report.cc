#include "report/html_report.h"

namespace thaw::report {

// Placeholder until the timeline lands: lists the verdicts only.
std::string RenderHtmlReport(const ReportInput& input) {
  std::string html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>thaw</title>"
                     "</head><body><h1>thaw</h1><ul>";
  for (const Verdict& v : input.verdicts) {
    html += "<li>" + std::string(v.passed ? "PASS " : "FAIL ") + "</li>";
  }
  html += "</ul></body></html>";
  return html;
}

}  // namespace thaw::report
