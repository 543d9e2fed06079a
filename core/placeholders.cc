#include "core/placeholders.h"

namespace thaw {

std::string RenderPlaceholders(const std::string& text, const PlaceholderValue& value) {
  std::string out;
  size_t from = 0;
  for (size_t open = text.find("{{"); open != std::string::npos; open = text.find("{{", from)) {
    const size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) break;
    out.append(text, from, open - from);
    if (std::optional<std::string> rendered = value(text.substr(open + 2, close - open - 2))) {
      out += *rendered;
    } else {
      out.append(text, open, close + 2 - open);
    }
    from = close + 2;
  }
  out.append(text, from, std::string::npos);
  return out;
}

}  // namespace thaw
