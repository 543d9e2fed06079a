#include "tests/bench/loopback_server.h"

#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>

namespace thaw::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

asio::awaitable<void> Session(const BenchHandler& handler, tcp::socket socket) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(8 * 1024 * 1024);
    co_await http::async_read(socket, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    BenchRequest request = parser.release();
    BenchResponse response = co_await handler(request);
    response.prepare_payload();
    co_await http::async_write(socket, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !response.keep_alive()) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Accept(const BenchHandler& handler, tcp::acceptor& acceptor) {
  while (true) {
    beast::error_code ec;
    tcp::socket socket(acceptor.get_executor());
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) break;
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), Session(handler, std::move(socket)), asio::detached);
  }
}

}  // namespace

int ServeLoopback(const char* name, BenchHandler handler,
                  const std::function<bool(uint16_t port)>& on_listening) {
  ::signal(SIGPIPE, SIG_IGN);
  asio::io_context io(1);
  beast::error_code ec;
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "%s: cannot listen: %s\n", name, ec.message().c_str());
    return 1;
  }
  if (!on_listening(acceptor.local_endpoint().port())) return 1;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const beast::error_code&, int) { io.stop(); });
  asio::co_spawn(io, Accept(handler, acceptor), asio::detached);
  io.run();
  return 0;
}

}  // namespace thaw::bench
