// The HTTP front doors' answers (emulator/gateway): a function's payload, as it returned it,
// made into the HTTP response (MapResult) for each kind of front door and payload format. Every
// header of the response must be one that can be written as it is (no CR, LF or NUL to end the
// field and start another), and the response must serialise.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/http_server.h"
#include "emulator/gateway/gateway_response.h"

namespace {

using thaw::HttpRoute;
using thaw::HttpRouteKind;

HttpRoute Route(HttpRouteKind kind, const std::string& payload_format) {
  HttpRoute route;
  route.kind = kind;
  route.method = "ANY";
  route.path = "/{proxy+}";
  route.payload_format = payload_format;
  return route;
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    // RFC 9110 token characters.
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const HttpRoute kRoutes[] = {
      Route(HttpRouteKind::kRestApi, "1.0"),
      Route(HttpRouteKind::kHttpApi, "2.0"),
      Route(HttpRouteKind::kHttpApi, "1.0"),
      thaw::FunctionUrlRoute("NONE", "fuzz"),
  };
  thaw::InvokeResult result;
  result.payload.assign(reinterpret_cast<const char*>(data), size);
  result.request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";
  for (const HttpRoute& route : kRoutes) {
    thaw::http::Response response = thaw::gateway::MapResult(route, result, "fuzz-request-id");
    for (const auto& field : response) {
      if (!ValidName(field.name_string()) || !thaw::http::IsValidFieldValue(field.value())) {
        __builtin_trap();
      }
    }
    response.prepare_payload();
    boost::beast::http::response_serializer<boost::beast::http::string_body> serializer(response);
    boost::beast::error_code ec;
    size_t bytes = 0;
    while (!serializer.is_done() && !ec) {
      serializer.next(ec, [&](boost::beast::error_code&, const auto& buffers) {
        const size_t n = boost::asio::buffer_size(buffers);
        bytes += n;
        serializer.consume(n);
      });
    }
  }
  return 0;
}
