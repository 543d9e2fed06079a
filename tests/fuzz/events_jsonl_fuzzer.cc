// `thaw report`'s input: ledger events as JSON lines (or a saved GET /_thaw/events answer), read
// by ReadEventsJsonl, cut to the last run (LastRunStart) and rendered as the HTML timeline
// (RenderHtmlReport), as RunReportCommand does.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "report/events_jsonl.h"
#include "report/html_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  absl::StatusOr<std::vector<thaw::Event>> events = thaw::report::ReadEventsJsonl(in);
  if (!events.ok()) return 0;
  const size_t start = thaw::report::LastRunStart(*events);
  if (start > events->size()) __builtin_trap();
  events->erase(events->begin(), events->begin() + static_cast<std::ptrdiff_t>(start));
  thaw::report::ReportInput input;
  input.title = "fuzz";
  input.events = *std::move(events);
  (void)thaw::report::RenderHtmlReport(input);
  return 0;
}
