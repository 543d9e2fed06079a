#ifndef THAW_REPORT_REPORT_COMMAND_H_
#define THAW_REPORT_REPORT_COMMAND_H_

#include <string>

namespace thaw::report {

// `thaw report EVENTS.jsonl -o FILE.html`: the HTML timeline of an events file, as `--events`
// writes it (thaw momento, thaw aws) or as GET /_thaw/events answers. There are no
// expectations here: the page shows the timeline only.
struct ReportCommandOptions {
  std::string events_file;             // "-" reads stdin
  std::string output = "report.html";  // "-" writes stdout
  std::string title;                   // default: the events file's name
};

// Writes the report and prints `thaw: wrote FILE (N events, M instances)` on stderr; returns
// 0. When the file holds several runs (`--events` appends), reports the last and says so.
// Returns 2 after printing `thaw: <what>` on stderr when the events file cannot be read or
// has a line that is not an event, or the output cannot be written.
int RunReportCommand(const ReportCommandOptions& options);

}  // namespace thaw::report

#endif  // THAW_REPORT_REPORT_COMMAND_H_
