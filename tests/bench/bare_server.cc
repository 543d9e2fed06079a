#include "tests/bench/bare_server.h"

#include <cstdio>

#include "tests/bench/loopback_server.h"

namespace thaw::bench {

namespace http = boost::beast::http;

int RunBareServer() {
  return ServeLoopback(
      "bare",
      [](BenchRequest& request) -> boost::asio::awaitable<BenchResponse> {
        const bool post = request.method() == http::verb::post;
        BenchResponse response{post ? http::status::ok : http::status::method_not_allowed,
                               request.version()};
        response.set(http::field::content_type, "application/json");
        response.keep_alive(request.keep_alive());
        response.body() = post ? "{}" : R"({"error":"POST only"})";
        co_return response;
      },
      [](uint16_t port) {
        std::printf("bare: listening on http://127.0.0.1:%u\n", port);
        std::fflush(stdout);
        return true;
      });
}

}  // namespace thaw::bench
