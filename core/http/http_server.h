#ifndef THAW_CORE_HTTP_HTTP_SERVER_H_
#define THAW_CORE_HTTP_HTTP_SERVER_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace thaw::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// Whether a request's client is still there: it has gone once it closed its side of the
// connection while the handler ran. Watched only with HttpServer::Options::watch_client_close, on
// plaintext connections, and only from the handler's first OnGone with a callback on (a handler
// that never waits costs no watch; a close that came before is seen then); otherwise it never
// goes. Confined to the server's io thread.
class ClientWatch {
 public:
  bool gone() const { return gone_; }
  // Calls `on_gone` once, when the client goes (at once if it has gone already). Replaces an
  // earlier callback; nullptr clears it. A handler clears what it set before it returns.
  void OnGone(std::function<void()> on_gone);
  // The server's side: the client has gone.
  void MarkGone();
  // The server's side: how to start watching, called at the first OnGone with a callback;
  // nullptr (once the handler is done) forgets it.
  void SetWatchStarter(std::function<void()> start) { start_ = std::move(start); }
  // Calls `on_answered` once the server is done with the handler's answer: its write has
  // completed or failed, or it was never written (the client went, the server closed). Replaces
  // an earlier callback. For what must follow the answer's bytes (the Runtime API continues a
  // frozen runtime then, so that it wakes once, with its event ready to read); the answer must
  // then fit the socket's buffers, since its reader may not read until this runs.
  void OnAnswered(std::function<void()> on_answered) { on_answered_ = std::move(on_answered); }
  // The server's side: done with the answer.
  void Answered() {
    if (on_answered_) std::exchange(on_answered_, nullptr)();
  }

 private:
  bool gone_ = false;
  std::function<void()> on_gone_;
  std::function<void()> start_;
  std::function<void()> on_answered_;
};

// What the server knows about a request besides its message.
struct RequestContext {
  // The body was larger than Options::body_limit and was not read; the request holds only the
  // header. The connection is closed after the response.
  bool body_too_large = false;
  // The request's client; never null.
  std::shared_ptr<ClientWatch> client = std::make_shared<ClientWatch>();
  // The client's IP address ("127.0.0.1"); empty if the socket could not say.
  std::string peer_address;
};

// A request handler. It runs on the server's io_context and may suspend (long-polls do).
using Handler = std::function<boost::asio::awaitable<Response>(Request&, const RequestContext&)>;

// An HTTP/1.1 server on one listening socket, with keep-alive and pipelining-free sessions.
// Every handler runs as a coroutine on the io_context passed in; the server is
// strand-confined to that io_context (the io_context must run on exactly one thread).
//
// Plaintext by default; with Options::tls every connection is HTTPS (the TLS handshake first,
// then the same sessions and handler). A connection whose handshake fails is closed without a
// response.
//
// What the server answers itself, always closing the connection after (bodies are
// protocol-neutral JSON, {"message": "..."}):
//   400  a malformed request line, header or chunked body (the handler never sees it);
//   431  a header over Options::header_limit (nor this);
//   500  the handler threw (the exception is logged to stderr; it never leaves the server);
//   503  a connection over Options::max_connections, answered without reading its request.
// Where the client may still be sending (400, 431, 503, and the handler's answer to a body over
// body_limit) the server half-closes and drains for a while, so the client reads the answer
// instead of a reset. Whatever ends a session, its socket is closed.
//
// When accepting fails (EMFILE, ENFILE, ...) the listener retries after a short back-off instead
// of spinning, logging once to stderr per episode, and accepts again once descriptors are free;
// open connections are served meanwhile.
class HttpServer {
 public:
  struct Options {
    // Largest request body read; a larger one reaches the handler unread, with
    // RequestContext::body_too_large.
    size_t body_limit = 8 * 1024 * 1024;
    // Largest request header (request line and fields); a larger one is answered 431.
    size_t header_limit = 64 * 1024;
    // A request's header must arrive within this time of the previous answer (or of the
    // connection), its body within this time of its header, and an answer must be written
    // within it; otherwise the connection is closed without an answer. So an idle keep-alive
    // connection, and a request that trickles in (slowloris), last at most this long. A handler
    // may take as long as it likes (long-polls). Zero: no timeout, for the Runtime API, whose
    // runtime's connection sits idle for as long as its instance is kept, frozen or not.
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
    // Most connections served at once; a connection beyond it is answered 503 and closed (not
    // just closed: an SDK then reports why). Zero: no cap.
    size_t max_connections = 4096;
    // Watch the connection while a handler runs and report the client's close through
    // RequestContext::client (plaintext only), for long-polls whose answer must not go to a
    // client that has left (the Runtime API's /next). The server then writes no answer. Bytes
    // the client sends meanwhile end the watch; they are read once the handler is done.
    bool watch_client_close = false;
    // A TLS server context (core/tls/server_context.h) to serve HTTPS with; null serves
    // plaintext HTTP. Shared: it must stay unchanged while the server runs.
    std::shared_ptr<boost::asio::ssl::context> tls = nullptr;
    // Renders the server's own answers (not the handler's) in the protocol the server speaks:
    // 400 for a malformed request, 431 for a header over header_limit, 500 when the handler
    // failed, 503 over max_connections; `message` says which. Called on the io thread; the
    // server closes the connection after the answer whatever its keep-alive says. Null: a
    // protocol-neutral {"message": ...}.
    std::function<Response(unsigned status, const std::string& message)> error_answer = nullptr;
    // Called on the io thread with each failed accept, before the back-off (tests count them).
    std::function<void(const boost::system::error_code&)> on_accept_error = nullptr;
  };

  // Binds host:port (port 0 lets the kernel choose) and starts accepting. Fails with
  // Unavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Listen(boost::asio::io_context& io,
                                                            const std::string& host, uint16_t port,
                                                            Handler handler, Options options);
  static absl::StatusOr<std::unique_ptr<HttpServer>> Listen(boost::asio::io_context& io,
                                                            const std::string& host, uint16_t port,
                                                            Handler handler) {
    return Listen(io, host, port, std::move(handler), Options());
  }

  // Serves an already listening TCP socket (e.g. one made inside an instance's sandbox), which
  // it owns from then on (closed on error too). InvalidArgument when `listening_fd` is not one.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Serve(boost::asio::io_context& io,
                                                           int listening_fd, Handler handler,
                                                           Options options);

  // Closes the listener and every open connection.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }
  // Stops accepting and closes every connection; idempotent.
  void Close();
  // The graceful half of a shutdown: stops accepting, closes the idle connections (between
  // requests) at once, and lets each request being served get its answer, which then closes its
  // connection (Connection: close). Idempotent.
  void StopAccepting();
  // StopAccepting, then waits until every request being served is answered, at most `limit`,
  // and closes what is left (Close()). Safe to await while the server is destroyed.
  boost::asio::awaitable<void> Drain(std::chrono::milliseconds limit);

  struct State;

 private:
  HttpServer(std::shared_ptr<State> state, uint16_t port) : state_(std::move(state)), port_(port) {}

  std::shared_ptr<State> state_;
  uint16_t port_;
};

// Builds a response with `status`, a body and its Content-Type (keep-alive follows the request).
Response MakeResponse(const Request& request, unsigned status, std::string body,
                      const std::string& content_type = "application/json");

// True when `value` may be written as a header field's value as it is (RFC 9110 field-value:
// visible ASCII, spaces and tabs, and bytes over 0x7f; no CR, LF, NUL or other control
// character, which would end or corrupt the field). Pure.
bool IsValidFieldValue(std::string_view value);

}  // namespace thaw::http

#endif  // THAW_CORE_HTTP_HTTP_SERVER_H_
