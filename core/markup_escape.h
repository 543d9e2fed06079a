#ifndef THAW_CORE_MARKUP_ESCAPE_H_
#define THAW_CORE_MARKUP_ESCAPE_H_

#include <string>
#include <string_view>

namespace thaw {

// Escapes `text` for HTML and XML text and for double- or single-quoted attribute values:
// & < > " ' become &amp; &lt; &gt; &quot; &#39;. Control characters other than tab and newline
// (which XML 1.0 cannot carry, and which a hostile event could use to break a page) become
// U+FFFD. Other bytes pass through, so UTF-8 stays UTF-8. The one escaper of the HTML report and
// the JUnit writer. Pure; thread-safe.
std::string MarkupEscape(std::string_view text);

}  // namespace thaw

#endif  // THAW_CORE_MARKUP_ESCAPE_H_
