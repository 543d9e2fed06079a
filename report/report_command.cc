#include "report/report_command.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "report/events_jsonl.h"
#include "report/html_report.h"

namespace thaw::report {

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "thaw: %s\n", what.c_str());
  return 2;
}

}  // namespace

int RunReportCommand(const ReportCommandOptions& options) {
  const bool from_stdin = options.events_file == "-";
  std::ifstream file;
  if (!from_stdin) {
    file.open(options.events_file);
    if (!file) return Fail(options.events_file + ": cannot open the events file");
  }
  absl::StatusOr<std::vector<Event>> events = ReadEventsJsonl(from_stdin ? std::cin : file);
  if (!events.ok()) {
    return Fail((from_stdin ? std::string("stdin") : options.events_file) + ": " +
                std::string(events.status().message()) +
                " (expected one ledger event per line, as --events writes them)");
  }
  if (const size_t start = LastRunStart(*events); start > 0) {
    std::fprintf(stderr, "thaw: %s holds several runs; reporting the last (%zu events)\n",
                 options.events_file.c_str(), events->size() - start);
    events->erase(events->begin(), events->begin() + static_cast<std::ptrdiff_t>(start));
  }

  ReportInput input;
  input.title = !options.title.empty() ? options.title
                : from_stdin           ? "thaw events"
                             : std::filesystem::path(options.events_file).filename().string();
  std::set<int64_t> instances;
  for (const Event& event : *events) {
    if (event.instance != 0) instances.insert(event.instance);
  }
  const size_t count = events->size();
  input.events = *std::move(events);
  const std::string html = RenderHtmlReport(input);

  if (options.output == "-") {
    std::fwrite(html.data(), 1, html.size(), stdout);
    std::fflush(stdout);
  } else {
    std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
    out.write(html.data(), static_cast<std::streamsize>(html.size()));
    out.close();
    if (!out) return Fail(options.output + ": cannot write the report");
  }
  std::fprintf(stderr, "thaw: wrote %s (%zu events, %zu instances)\n",
               options.output == "-" ? "the report to stdout" : options.output.c_str(), count,
               instances.size());
  return 0;
}

}  // namespace thaw::report
