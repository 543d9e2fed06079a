#include "core/http/http_server.h"

#include <unistd.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <limits>
#include <list>
#include <type_traits>

#include "absl/status/status.h"

namespace thaw::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct HttpServer::State {
  State(asio::io_context& io, Handler h, Options o)
      : acceptor(io), handler(std::move(h)), options(o) {}
  tcp::acceptor acceptor;
  Handler handler;
  Options options;
  bool closed = false;
  // Open connections, so Close() can end them. Entries are removed when a session ends.
  std::list<std::shared_ptr<tcp::socket>> sockets;
};

namespace {

// Most bytes read and dropped after refusing an oversized body.
constexpr size_t kMaxDrain = 256 * 1024 * 1024;

// Serves requests on `stream` (a TCP socket, or a TLS stream over `socket`) until either side
// ends the connection.
template <typename Stream>
asio::awaitable<void> ServeRequests(HttpServer::State& state, Stream& stream, tcp::socket& socket) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  while (!state.closed) {
    beast::http::request_parser<beast::http::string_body> parser;
    // No limit while reading the header (Beast would fail the header on a large
    // Content-Length); the limit is applied below, so an oversized request still gets an answer.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(64 * 1024);
    co_await beast::http::async_read_header(stream, buffer, parser,
                                            asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    RequestContext context;
    const auto length = parser.content_length();
    if (length && *length > state.options.body_limit) {
      context.body_too_large = true;
    } else {
      parser.body_limit(state.options.body_limit);
      co_await beast::http::async_read(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec == beast::http::error::body_limit) {
        context.body_too_large = true;
      } else if (ec) {
        break;
      }
    }
    Request request = parser.release();
    Response response = co_await state.handler(request, context);
    if (context.body_too_large) response.keep_alive(false);
    response.prepare_payload();
    const bool keep_alive = response.keep_alive();
    if (state.closed) break;
    co_await beast::http::async_write(stream, response,
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && context.body_too_large) {
      // Lingering close: drain what the client is still sending, so it gets to read our answer
      // instead of a reset. Over TLS the read side must stay a TLS stream, so only plaintext
      // half-closes first; a TLS client closes once it has read the `Connection: close` answer.
      if constexpr (std::is_same_v<Stream, tcp::socket>) {
        socket.shutdown(tcp::socket::shutdown_send, ec);
      }
      std::array<char, 64 * 1024> sink;
      size_t drained = 0;
      while (!ec && drained < kMaxDrain) {
        drained += co_await stream.async_read_some(asio::buffer(sink),
                                                   asio::redirect_error(asio::use_awaitable, ec));
      }
      break;
    }
    if (ec || !keep_alive) break;
  }
}

// Owns one connection: `stream` is the TCP socket `*it` itself, or the TLS stream over it.
template <typename Stream>
asio::awaitable<void> Session(std::shared_ptr<HttpServer::State> state,
                              std::list<std::shared_ptr<tcp::socket>>::iterator it,
                              std::shared_ptr<Stream> stream) {
  std::shared_ptr<tcp::socket> socket = *it;
  bool ready = true;
  if constexpr (!std::is_same_v<Stream, tcp::socket>) {
    beast::error_code ec;
    co_await stream->async_handshake(asio::ssl::stream_base::server,
                                     asio::redirect_error(asio::use_awaitable, ec));
    ready = !ec;
  }
  if (ready) co_await ServeRequests(*state, *stream, *socket);
  beast::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_send, ignored);
  socket->close(ignored);
  if (!state->closed) state->sockets.erase(it);
}

asio::awaitable<void> Accept(std::shared_ptr<HttpServer::State> state) {
  while (!state->closed) {
    beast::error_code ec;
    tcp::socket accepted(state->acceptor.get_executor());
    co_await state->acceptor.async_accept(accepted, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || state->closed) break;
      continue;  // e.g. EMFILE: keep serving the connections we have.
    }
    accepted.set_option(tcp::no_delay(true), ec);
    const auto executor = state->acceptor.get_executor();
    if (state->options.tls) {
      auto stream = std::make_shared<asio::ssl::stream<tcp::socket>>(std::move(accepted),
                                                                     *state->options.tls);
      // The list holds the TCP socket inside the stream (aliasing: it keeps the stream alive).
      state->sockets.push_front(std::shared_ptr<tcp::socket>(stream, &stream->next_layer()));
      asio::co_spawn(executor, Session(state, state->sockets.begin(), std::move(stream)),
                     asio::detached);
    } else {
      auto socket = std::make_shared<tcp::socket>(std::move(accepted));
      state->sockets.push_front(socket);
      asio::co_spawn(executor, Session(state, state->sockets.begin(), std::move(socket)),
                     asio::detached);
    }
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Listen(asio::io_context& io,
                                                               const std::string& host,
                                                               uint16_t port, Handler handler,
                                                               Options options) {
  auto state = std::make_shared<State>(io, std::move(handler), options);
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError("invalid listen address '" + host + "'");
  const tcp::endpoint endpoint(address, port);
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                  ec.message());
  }
  const uint16_t bound = state->acceptor.local_endpoint().port();
  asio::co_spawn(io, Accept(state), asio::detached);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state), bound));
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Serve(asio::io_context& io,
                                                              int listening_fd, Handler handler,
                                                              Options options) {
  auto state = std::make_shared<State>(io, std::move(handler), options);
  beast::error_code ec;
  state->acceptor.assign(tcp::v4(), listening_fd, ec);
  if (ec) {
    ::close(listening_fd);
    return absl::InvalidArgumentError("not a listening socket: " + ec.message());
  }
  const auto local = state->acceptor.local_endpoint(ec);
  if (ec) return absl::InvalidArgumentError("not a listening socket: " + ec.message());
  asio::co_spawn(io, Accept(state), asio::detached);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state), local.port()));
}

HttpServer::~HttpServer() { Close(); }

void HttpServer::Close() {
  if (state_->closed) return;
  state_->closed = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
  for (auto& socket : state_->sockets) {
    socket->shutdown(tcp::socket::shutdown_both, ignored);
    socket->close(ignored);
  }
  state_->sockets.clear();
}

Response MakeResponse(const Request& request, unsigned status, std::string body,
                      const std::string& content_type) {
  Response response{static_cast<beast::http::status>(status), request.version()};
  response.keep_alive(request.keep_alive());
  if (!content_type.empty()) response.set(beast::http::field::content_type, content_type);
  response.body() = std::move(body);
  return response;
}

}  // namespace thaw::http
