#ifndef THAW_REPORT_HTML_ESCAPE_H_
#define THAW_REPORT_HTML_ESCAPE_H_

#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace thaw::report {

// Escapes `text` for HTML text and double- or single-quoted attribute values: & < > " ' become
// entities. Control characters other than tab and newline become U+FFFD, so a hostile event
// cannot break the page's structure. Bytes are otherwise passed through (UTF-8 stays UTF-8).
std::string HtmlEscape(std::string_view text);

// `value` as compact JSON text; invalid UTF-8 in strings is replaced (U+FFFD) instead of
// thrown on, since events may carry bytes a handler sent. Not escaped: pass it to HtmlEscape.
std::string JsonText(const nlohmann::json& value);

}  // namespace thaw::report

#endif  // THAW_REPORT_HTML_ESCAPE_H_
