#ifndef THAW_CORE_HTTP_QUERY_H_
#define THAW_CORE_HTTP_QUERY_H_

#include <string>
#include <string_view>

namespace thaw::http {

// Percent-decodes `in` ("%2F" -> "/"); an escape that is not '%' and two hex digits is kept as it
// is. Pure.
std::string PercentDecode(std::string_view in);

// The value of `key` in a query string ("a=1&b=2"), percent-decoded; empty when absent. Pure.
std::string QueryParam(std::string_view query, std::string_view key);

}  // namespace thaw::http

#endif  // THAW_CORE_HTTP_QUERY_H_
