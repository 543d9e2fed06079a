#ifndef THAW_TESTS_BENCH_LOOPBACK_SERVER_H_
#define THAW_TESTS_BENCH_LOOPBACK_SERVER_H_

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>

namespace thaw::bench {

using BenchRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BenchResponse = boost::beast::http::response<boost::beast::http::string_body>;
// Answers one request; it may wait (co_await) as long as it likes. The response is sent as
// returned, after prepare_payload().
using BenchHandler = std::function<boost::asio::awaitable<BenchResponse>(BenchRequest&)>;

// The HTTP server every benchmark baseline is built on, in the shape of thaw's own: Boost.Beast on
// 127.0.0.1 (an ephemeral port), one thread, one coroutine per keep-alive connection (TCP_NODELAY),
// requests answered in order by `handler`. Once listening it calls `on_listening(port)` (which
// prints the "listening on" line the benchmark waits for; false stops at once), then serves until
// SIGTERM or SIGINT. Returns the process exit code: 1 when it cannot listen (said on stderr,
// prefixed with `name`) or when on_listening returned false.
int ServeLoopback(const char* name, BenchHandler handler,
                  const std::function<bool(uint16_t port)>& on_listening);

}  // namespace thaw::bench

#endif  // THAW_TESTS_BENCH_LOOPBACK_SERVER_H_
