#include "report/events_jsonl.h"

#include <iterator>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace thaw::report {

namespace {

absl::StatusOr<Event> EventFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("not a JSON object");
  const auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string()) {
    return absl::InvalidArgumentError("no \"kind\" string");
  }
  Event event;
  event.kind = kind->get<std::string>();
  if (const auto it = j.find("seq"); it != j.end() && it->is_number_unsigned()) {
    event.seq = it->get<uint64_t>();
  }
  if (const auto it = j.find("ms"); it != j.end() && it->is_number()) {
    event.ms = it->get<double>();
  }
  if (const auto it = j.find("instance"); it != j.end() && it->is_number_integer()) {
    event.instance = it->get<int64_t>();
  }
  if (const auto it = j.find("function"); it != j.end() && it->is_string()) {
    event.function = it->get<std::string>();
  }
  if (const auto it = j.find("attrs"); it != j.end() && it->is_object()) {
    event.attrs = *it;
  } else {
    event.attrs = nlohmann::json::object();
  }
  return event;
}

}  // namespace

absl::StatusOr<std::vector<Event>> ReadEventsJsonl(std::istream& in) {
  const std::string text(std::istreambuf_iterator<char>(in), {});
  std::vector<Event> events;
  // A saved GET /_thaw/events answer: {"events":[...],"last_seq":N}.
  if (const nlohmann::json whole = nlohmann::json::parse(text, nullptr, false);
      whole.is_object() && !whole.contains("kind") && whole.contains("events") &&
      whole["events"].is_array()) {
    for (size_t i = 0; i < whole["events"].size(); ++i) {
      absl::StatusOr<Event> event = EventFromJson(whole["events"][i]);
      if (!event.ok()) {
        return absl::InvalidArgumentError("events[" + std::to_string(i) +
                                          "]: " + std::string(event.status().message()));
      }
      events.push_back(*std::move(event));
    }
    return events;
  }
  size_t number = 0;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + begin, end - begin);
    begin = end + 1;
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return absl::InvalidArgumentError("line " + std::to_string(number) + ": not JSON");
    }
    absl::StatusOr<Event> event = EventFromJson(j);
    if (!event.ok()) {
      return absl::InvalidArgumentError("line " + std::to_string(number) + ": " +
                                        std::string(event.status().message()));
    }
    events.push_back(*std::move(event));
  }
  return events;
}

size_t LastRunStart(const std::vector<Event>& events) {
  size_t start = 0;
  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].seq <= events[i - 1].seq) start = i;
  }
  return start;
}

}  // namespace thaw::report
