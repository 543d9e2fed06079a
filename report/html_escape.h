#ifndef THAW_REPORT_HTML_ESCAPE_H_
#define THAW_REPORT_HTML_ESCAPE_H_

#include <string>
#include <string_view>

#include "core/markup_escape.h"
#include "nlohmann/json.hpp"

namespace thaw::report {

// HTML escaping is core/markup_escape.h's MarkupEscape.
using ::thaw::MarkupEscape;

// `value` as compact JSON text; invalid UTF-8 in strings is replaced (U+FFFD) instead of
// thrown on, since events may carry bytes a handler sent. Not escaped: pass it to HtmlEscape.
std::string JsonText(const nlohmann::json& value);

}  // namespace thaw::report

#endif  // THAW_REPORT_HTML_ESCAPE_H_
