#ifndef THAW_TESTS_FUZZ_FUZZ_HTTP_H_
#define THAW_TESTS_FUZZ_FUZZ_HTTP_H_

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "core/http/http_server.h"

namespace thaw::fuzz {

// Reads the requests in `data` with Beast's request_parser configured the way HttpServer's
// sessions configure it (core/http/http_server.cc): the header under `header_limit`, no body
// limit while the header is read, then a Content-Length over `body_limit` leaves the body
// unread (the handler gets the header with body_too_large, and the connection ends), else the
// body is read under `body_limit`. Calls `serve(request, body_too_large)` for each request as a
// handler would get it, at most `max_requests`; stops at the first malformed or incomplete one
// and after a request without keep-alive, as the server closes the connection there.
template <typename Serve>
void ForEachRequest(std::string_view data, size_t header_limit, size_t body_limit, Serve&& serve,
                    int max_requests = 8) {
  namespace beast = boost::beast;
  for (int served = 0; served < max_requests && !data.empty(); ++served) {
    beast::http::request_parser<beast::http::string_body> parser;
    parser.eager(false);
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(header_limit, std::numeric_limits<std::uint32_t>::max())));
    beast::error_code ec;
    while (!parser.is_header_done()) {
      const size_t used = parser.put(boost::asio::buffer(data.data(), data.size()), ec);
      data.remove_prefix(used);
      if (ec || used == 0) return;  // malformed, over the limit, or cut short
    }
    const auto length = parser.content_length();
    if (length && *length > body_limit) {
      http::Request request = parser.release();
      serve(request, /*body_too_large=*/true);
      return;
    }
    parser.body_limit(body_limit);
    parser.eager(true);
    while (!parser.is_done()) {
      if (data.empty()) {
        parser.put_eof(ec);
        if (ec) return;
        break;
      }
      const size_t used = parser.put(boost::asio::buffer(data.data(), data.size()), ec);
      data.remove_prefix(used);
      if (ec == beast::http::error::body_limit) {
        http::Request request = parser.release();
        serve(request, /*body_too_large=*/true);
        return;
      }
      if (ec == beast::http::error::need_more) {
        if (used > 0) continue;
        // Everything there is was given: the rest of the message never comes.
        ec = {};
        parser.put_eof(ec);
        if (ec) return;
        break;
      }
      if (ec) return;
      if (used == 0 && !parser.is_done()) return;
    }
    if (!parser.is_done()) return;
    http::Request request = parser.release();
    const bool keep_alive = request.keep_alive();
    serve(request, /*body_too_large=*/false);
    if (!keep_alive) return;
  }
}

}  // namespace thaw::fuzz

#endif  // THAW_TESTS_FUZZ_FUZZ_HTTP_H_
