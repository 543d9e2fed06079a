#include "core/http/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <limits>
#include <list>
#include <optional>
#include <type_traits>

#include "absl/status/status.h"
#include "core/json_text.h"

namespace thaw::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Duration = std::chrono::steady_clock::duration;

struct HttpServer::State {
  State(asio::io_context& io, Handler h, Options o)
      : acceptor(io),
        accept_backoff(io),
        handler(std::move(h)),
        options(std::move(o)),
        drained(io) {}
  tcp::acceptor acceptor;
  // Waits between accept attempts while accepting fails (descriptors exhausted).
  asio::steady_timer accept_backoff;
  Handler handler;
  Options options;
  // The bound port, set once listening.
  uint16_t port = 0;
  bool closed = false;
  // Accepting fails since the last success (so it is logged once per episode).
  bool accept_failing = false;
  // An open connection; `busy` from the moment its request's header is read until its answer
  // is written (or the request is given up).
  struct Connection {
    std::shared_ptr<tcp::socket> socket;
    bool busy = false;
  };
  // Open connections, so Close() can end them. Each entry belongs to its session, which removes
  // it when it ends (Close() too only closes the sockets: a session spawned but not yet started
  // when the server closes still reads its entry when it starts).
  std::list<Connection> sockets;
  // Sessions serving requests (not the ones being refused over max_connections).
  size_t serving = 0;
  // StopAccepting was called: no new request is read, answers close their connection.
  bool draining = false;
  // Connections with `busy` set; Drain waits for none.
  size_t busy = 0;
  // Woken (cancelled) when `busy` drops to zero while draining.
  asio::steady_timer drained;
};

namespace {

// Most bytes read and dropped after refusing a request, while lingering.
constexpr size_t kMaxDrain = 256 * 1024 * 1024;
// How long the accept loop waits before retrying after a failure (EMFILE, ENFILE, ENOBUFS):
// retrying at once would spin, since the pending connection keeps the listener readable.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);
// Longest a lingering close waits for the client to stop sending.
constexpr auto kLingerTimeout = std::chrono::seconds(10);

// Closes a connection's socket when the operation it guards outlives its time, so that operation
// and its session end with an error. Arm() replaces any earlier deadline. Confined to the
// session's io thread; the pending wait holds the shared state (not the watchdog), which the
// destructor's cancel releases.
//
// Arms are cheap: a pending wait that ends no later than the new deadline is kept, and when it
// wakes it finds the later deadline and waits again (each request arms two or three times, and a
// re-arm costs a cancelled wait's completion, and a timerfd_settime when it is the earliest).
class Watchdog {
 public:
  explicit Watchdog(std::shared_ptr<tcp::socket> socket)
      : shared_(std::make_shared<Shared>(std::move(socket))) {}
  ~Watchdog() { shared_->timer.cancel(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Arms for `timeout` from now; a zero timeout disarms.
  void Arm(Duration timeout) {
    if (timeout <= Duration::zero()) {
      shared_->deadline = std::chrono::steady_clock::time_point::max();
      return;
    }
    shared_->deadline = std::chrono::steady_clock::now() + timeout;
    Wait(shared_);
  }
  void Disarm() { Arm(Duration::zero()); }

 private:
  struct Shared {
    explicit Shared(std::shared_ptr<tcp::socket> s)
        : socket(std::move(s)), timer(socket->get_executor()) {}
    std::shared_ptr<tcp::socket> socket;
    asio::steady_timer timer;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    bool pending = false;
  };

  static void Wait(const std::shared_ptr<Shared>& shared) {
    if (shared->pending && shared->timer.expiry() <= shared->deadline) return;
    shared->pending = true;
    shared->timer.expires_at(shared->deadline);
    shared->timer.async_wait([shared](const boost::system::error_code& ec) {
      // Cancelled: re-armed sooner (a newer wait is pending), or the watchdog went.
      if (ec) return;
      shared->pending = false;
      if (shared->deadline == std::chrono::steady_clock::time_point::max()) return;  // disarmed
      if (std::chrono::steady_clock::now() < shared->deadline) {
        Wait(shared);  // armed again later meanwhile
        return;
      }
      beast::error_code ignored;
      shared->socket->close(ignored);
    });
  }

  std::shared_ptr<Shared> shared_;
};

// The server's own answer (not the handler's): Options::error_answer's shape, else a
// protocol-neutral JSON one.
Response ServerAnswer(const HttpServer::State& state, beast::http::status status,
                      const std::string& message) {
  Response response;
  if (state.options.error_answer) {
    response = state.options.error_answer(static_cast<unsigned>(status), message);
  } else {
    response = Response{status, 11};
    response.set(beast::http::field::content_type, "application/json");
    response.body() = JsonText(nlohmann::json{{"message", message}});
  }
  response.keep_alive(false);
  return response;
}

// What the server answers when reading a request failed with `ec`; nullopt when it just closes
// (the client went away, or the connection timed out).
std::optional<Response> AnswerForReadError(const beast::error_code& ec,
                                           const HttpServer::State& state) {
  if (ec == beast::http::error::header_limit) {
    return ServerAnswer(state, beast::http::status::request_header_fields_too_large,
                        "Request header fields too large (over " +
                            std::to_string(state.options.header_limit) + " bytes)");
  }
  if (ec == beast::http::error::end_of_stream || ec == beast::http::error::partial_message) {
    return std::nullopt;
  }
  if (ec.category() == beast::http::make_error_code(beast::http::error::bad_method).category()) {
    return ServerAnswer(state, beast::http::status::bad_request, "Bad Request: " + ec.message());
  }
  return std::nullopt;
}

// Watches a plaintext connection for the client's close while a handler runs.
struct CloseWatch {
  std::shared_ptr<ClientWatch> client;
  tcp::socket* socket;  // Valid while active.
  bool active = true;
};

void AwaitClose(std::shared_ptr<CloseWatch> watch) {
  watch->socket->async_wait(tcp::socket::wait_read, [watch](const boost::system::error_code& ec) {
    if (ec || !watch->active) return;
    char byte;
    const ssize_t n = ::recv(watch->socket->native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      watch->active = false;
      watch->client->MarkGone();
    } else if (n < 0) {
      AwaitClose(std::move(watch));  // Readable, then not: wait again.
    }
    // n > 0: the client sent more; it is read after the handler, so the watch ends (waiting
    // again would wake at once, forever).
  });
}

void LogHandlerFailure(const HttpServer::State& state, const char* what) {
  std::fprintf(stderr, "thaw: http server on port %u: a request failed: %s\n",
               static_cast<unsigned>(state.port), what);
}

// Lingering close: drains what the client is still sending (up to kMaxDrain, for at most
// kLingerTimeout or the idle timeout), so it gets to read our answer instead of a reset. Over TLS
// the read side must stay a TLS stream, so only plaintext half-closes first; a TLS client closes
// once it has read the `Connection: close` answer.
template <typename Stream>
asio::awaitable<void> Linger(const HttpServer::State& state, Stream& stream, tcp::socket& socket,
                             Watchdog& watchdog) {
  beast::error_code ec;
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }
  Duration limit = kLingerTimeout;
  if (state.options.idle_timeout > Duration::zero()) {
    limit = std::min<Duration>(limit, state.options.idle_timeout);
  }
  watchdog.Arm(limit);
  std::array<char, 64 * 1024> sink;
  size_t drained = 0;
  while (!ec && drained < kMaxDrain) {
    drained += co_await stream.async_read_some(asio::buffer(sink),
                                               asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Writes `response` (which closes the connection), then lingers when the client may still be
// sending: a request left unread (in part) would otherwise make the close a reset.
template <typename Stream>
asio::awaitable<void> AnswerAndClose(const HttpServer::State& state, Stream& stream,
                                     tcp::socket& socket, Watchdog& watchdog, Response response,
                                     bool linger = true) {
  response.keep_alive(false);
  response.prepare_payload();
  beast::error_code ec;
  watchdog.Arm(state.options.idle_timeout);
  co_await beast::http::async_write(stream, response,
                                    asio::redirect_error(asio::use_awaitable, ec));
  if (!ec && linger) co_await Linger(state, stream, socket, watchdog);
}

// Marks its connection busy for its lifetime: one request, from its header to its answer.
class BusyScope {
 public:
  BusyScope(HttpServer::State& state, HttpServer::State::Connection& connection)
      : state_(state), connection_(connection) {
    if (state_.closed) return;
    counted_ = true;
    connection_.busy = true;
    ++state_.busy;
  }
  ~BusyScope() {
    if (!counted_) return;
    connection_.busy = false;
    if (--state_.busy == 0 && state_.draining) state_.drained.cancel();
  }
  BusyScope(const BusyScope&) = delete;
  BusyScope& operator=(const BusyScope&) = delete;

 private:
  HttpServer::State& state_;
  HttpServer::State::Connection& connection_;
  bool counted_ = false;
};

// Serves requests on `stream` (a TCP socket, or a TLS stream over `socket`, the one of
// `connection`) until either side ends the connection, or the server drains.
template <typename Stream>
asio::awaitable<void> ServeRequests(HttpServer::State& state, Stream& stream, tcp::socket& socket,
                                    HttpServer::State::Connection& connection, Watchdog& watchdog) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  const Duration idle = state.options.idle_timeout;
  // Asked once: the peer of a connection does not change.
  std::string peer_address;
  {
    boost::system::error_code peer_error;
    const tcp::endpoint peer = socket.remote_endpoint(peer_error);
    if (!peer_error) peer_address = peer.address().to_string();
  }
  while (!state.closed && !state.draining) {
    beast::http::request_parser<beast::http::string_body> parser;
    // No limit while reading the header (Beast would fail the header on a large
    // Content-Length); the limit is applied below, so an oversized request still gets an answer.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(state.options.header_limit, std::numeric_limits<std::uint32_t>::max())));
    // The whole header must arrive within the idle timeout: between requests, and while one is
    // trickling in.
    watchdog.Arm(idle);
    co_await beast::http::async_read_header(stream, buffer, parser,
                                            asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (auto answer = AnswerForReadError(ec, state)) {
        co_await AnswerAndClose(state, stream, socket, watchdog, *std::move(answer));
      }
      break;
    }
    BusyScope busy(state, connection);
    RequestContext context;
    context.peer_address = peer_address;
    const auto length = parser.content_length();
    if (length && *length > state.options.body_limit) {
      context.body_too_large = true;
    } else {
      parser.body_limit(state.options.body_limit);
      watchdog.Arm(idle);
      co_await beast::http::async_read(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec == beast::http::error::body_limit) {
        context.body_too_large = true;
      } else if (ec) {
        if (auto answer = AnswerForReadError(ec, state)) {
          co_await AnswerAndClose(state, stream, socket, watchdog, *std::move(answer));
        }
        break;
      }
    }
    // Handlers may wait as long as they like (long-polls): no deadline while they run.
    watchdog.Disarm();
    Request request = parser.release();
    // Started by the handler's first OnGone: most handlers answer without waiting, and a watch
    // costs an epoll_ctl.
    std::shared_ptr<CloseWatch> close_watch;
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      if (state.options.watch_client_close) {
        context.client->SetWatchStarter([&close_watch, &context, &socket] {
          close_watch = std::make_shared<CloseWatch>(CloseWatch{context.client, &socket});
          AwaitClose(close_watch);
        });
      }
    }
    // Whichever way this request ends, below or with the session, the handler's OnAnswered runs.
    struct AnsweredOnExit {
      ClientWatch& client;
      ~AnsweredOnExit() { client.Answered(); }
    } answered_on_exit{*context.client};
    std::optional<Response> answered;
    try {
      Response response = co_await state.handler(request, context);
      // An answer Beast cannot frame (a 204, 1xx or 304 with a body) throws here: the handler's
      // failure, answered 500 like any other, rather than a connection closed without an answer.
      response.prepare_payload();
      answered = std::move(response);
    } catch (const std::exception& e) {
      LogHandlerFailure(state, e.what());
    } catch (...) {
      LogHandlerFailure(state, "unknown exception");
    }
    context.client->SetWatchStarter(nullptr);
    if (close_watch) {
      close_watch->active = false;
      socket.cancel(ec);
      ec = {};
    }
    if (state.closed || context.client->gone()) break;
    if (!answered) {
      co_await AnswerAndClose(
          state, stream, socket, watchdog,
          ServerAnswer(state, beast::http::status::internal_server_error, "Internal server error"),
          /*linger=*/false);
      break;
    }
    Response& response = *answered;
    if (context.body_too_large) {
      co_await AnswerAndClose(state, stream, socket, watchdog, std::move(response));
      break;
    }
    // A draining server answers what it was asked, then closes.
    if (state.draining) response.keep_alive(false);
    response.prepare_payload();
    const bool keep_alive = response.keep_alive();
    watchdog.Arm(idle);
    co_await beast::http::async_write(stream, response,
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
}

// Owns one connection: `stream` is the TCP socket `*it` itself, or the TLS stream over it.
// `refuse`: the connection is over Options::max_connections and is answered 503 at once.
// Whatever happens inside, the socket is closed and its entry removed when the session ends.
template <typename Stream>
asio::awaitable<void> Session(std::shared_ptr<HttpServer::State> state,
                              std::list<HttpServer::State::Connection>::iterator it,
                              std::shared_ptr<Stream> stream, bool refuse) {
  std::shared_ptr<tcp::socket> socket = it->socket;
  Watchdog watchdog(socket);
  try {
    bool ready = true;
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      beast::error_code ec;
      watchdog.Arm(state->options.idle_timeout);
      co_await stream->async_handshake(asio::ssl::stream_base::server,
                                       asio::redirect_error(asio::use_awaitable, ec));
      ready = !ec;
    }
    if (ready && refuse) {
      co_await AnswerAndClose(
          *state, *stream, *socket, watchdog,
          ServerAnswer(*state, beast::http::status::service_unavailable,
                       "Service Unavailable: too many connections (the server's limit is " +
                           std::to_string(state->options.max_connections) + ")"));
    } else if (ready) {
      co_await ServeRequests(*state, *stream, *socket, *it, watchdog);
    }
  } catch (const std::exception& e) {
    LogHandlerFailure(*state, e.what());
  } catch (...) {
    LogHandlerFailure(*state, "unknown exception");
  }
  watchdog.Disarm();
  beast::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_send, ignored);
  socket->close(ignored);
  if (!refuse) --state->serving;
  state->sockets.erase(it);
}

// Starts a session for `accepted`, which the server's list holds from now on.
void StartSession(const std::shared_ptr<HttpServer::State>& state, tcp::socket accepted,
                  bool refuse) {
  const auto executor = state->acceptor.get_executor();
  if (!refuse) ++state->serving;
  if (state->options.tls) {
    auto stream =
        std::make_shared<asio::ssl::stream<tcp::socket>>(std::move(accepted), *state->options.tls);
    // The list holds the TCP socket inside the stream (aliasing: it keeps the stream alive).
    state->sockets.push_front({std::shared_ptr<tcp::socket>(stream, &stream->next_layer())});
    asio::co_spawn(executor, Session(state, state->sockets.begin(), std::move(stream), refuse),
                   asio::detached);
  } else {
    auto socket = std::make_shared<tcp::socket>(std::move(accepted));
    state->sockets.push_front({socket});
    asio::co_spawn(executor, Session(state, state->sockets.begin(), std::move(socket), refuse),
                   asio::detached);
  }
}

asio::awaitable<void> Accept(std::shared_ptr<HttpServer::State> state) {
  const unsigned port = state->port;
  while (!state->closed && !state->draining) {
    beast::error_code ec;
    tcp::socket accepted(state->acceptor.get_executor());
    co_await state->acceptor.async_accept(accepted, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || state->closed || state->draining) break;
    if (ec) {
      // E.g. EMFILE: the connections we have are served on; new ones wait in the backlog until
      // a retry succeeds.
      if (state->options.on_accept_error) state->options.on_accept_error(ec);
      if (!state->accept_failing) {
        state->accept_failing = true;
        std::fprintf(stderr,
                     "thaw: http server on port %u cannot accept connections (%s); retrying "
                     "every %lld ms\n",
                     port, ec.message().c_str(), static_cast<long long>(kAcceptBackoff.count()));
      }
      state->accept_backoff.expires_after(kAcceptBackoff);
      co_await state->accept_backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (state->accept_failing) {
      state->accept_failing = false;
      std::fprintf(stderr, "thaw: http server on port %u accepts connections again\n", port);
    }
    accepted.set_option(tcp::no_delay(true), ec);
    const size_t cap = state->options.max_connections;
    StartSession(state, std::move(accepted), /*refuse=*/cap != 0 && state->serving >= cap);
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
  state->port = bound;
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
  state->port = local.port();
  asio::co_spawn(io, Accept(state), asio::detached);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state), local.port()));
}

HttpServer::~HttpServer() { Close(); }

void HttpServer::Close() {
  if (state_->closed) return;
  state_->closed = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
  state_->accept_backoff.cancel();
  for (auto& connection : state_->sockets) {
    connection.socket->shutdown(tcp::socket::shutdown_both, ignored);
    connection.socket->close(ignored);
  }
  state_->drained.cancel();
}

void HttpServer::StopAccepting() {
  if (state_->closed || state_->draining) return;
  state_->draining = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
  state_->accept_backoff.cancel();
  // An idle connection (between requests) ends now; a busy one once its answer is written.
  for (auto& connection : state_->sockets) {
    if (!connection.busy) connection.socket->shutdown(tcp::socket::shutdown_both, ignored);
  }
}

asio::awaitable<void> HttpServer::Drain(std::chrono::milliseconds limit) {
  StopAccepting();
  // The state, not `this`: the server may be destroyed while this waits.
  std::shared_ptr<State> state = state_;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!state->closed && state->busy > 0 && std::chrono::steady_clock::now() < deadline) {
    state->drained.expires_at(deadline);
    beast::error_code ec;
    co_await state->drained.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!state->closed) Close();
}

Response MakeResponse(const Request& request, unsigned status, std::string body,
                      const std::string& content_type) {
  Response response{static_cast<beast::http::status>(status), request.version()};
  response.keep_alive(request.keep_alive());
  if (!content_type.empty()) response.set(beast::http::field::content_type, content_type);
  response.body() = std::move(body);
  return response;
}

void ClientWatch::OnGone(std::function<void()> on_gone) {
  on_gone_ = std::move(on_gone);
  if (on_gone_ && start_) std::exchange(start_, nullptr)();
  if (gone_ && on_gone_) std::exchange(on_gone_, nullptr)();
}

void ClientWatch::MarkGone() {
  gone_ = true;
  if (on_gone_) std::exchange(on_gone_, nullptr)();
}

bool IsValidFieldValue(std::string_view value) {
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return false;
  }
  return true;
}

}  // namespace thaw::http
