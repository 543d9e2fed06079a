#include "core/duration.h"

#include <cctype>
#include <charconv>

#include "absl/status/status.h"

namespace thaw {

absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::string original(text);
  auto invalid = [&] {
    return absl::InvalidArgumentError("invalid duration '" + original +
                                      "' (use a number with ms, s, m or h, like 300ms, 10s, "
                                      "11m, 1h30m; or 0)");
  };
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return invalid();
  long long total = 0;
  while (!text.empty()) {
    long long value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr == text.data() || value < 0) return invalid();
    text.remove_prefix(ptr - text.data());
    size_t unit_len = 0;
    while (unit_len < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_len]))) {
      ++unit_len;
    }
    const std::string_view unit = text.substr(0, unit_len);
    long long factor;
    if (unit == "ms") {
      factor = 1;
    } else if (unit == "s") {
      factor = 1000;
    } else if (unit == "m") {
      factor = 60 * 1000;
    } else if (unit == "h") {
      factor = 3600 * 1000;
    } else {
      return invalid();
    }
    if (value > (1LL << 40)) return invalid();
    total += value * factor;
    text.remove_prefix(unit_len);
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  long long ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  const long long h = ms / 3600000;
  ms %= 3600000;
  const long long m = ms / 60000;
  ms %= 60000;
  const long long s = ms / 1000;
  ms %= 1000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  if (ms) out += std::to_string(ms) + "ms";
  return out;
}

}  // namespace thaw
