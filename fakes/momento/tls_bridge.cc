#include "fakes/momento/tls_bridge.h"

#include <sys/socket.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>

namespace thaw::momento {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// One record's worth of plaintext (TLS records carry at most 16 KiB), with room to spare.
constexpr size_t kChunk = 32 * 1024;

struct Bridge {
  Bridge(asio::io_context& io, tcp::socket socket, asio::ssl::context& context)
      : tls(std::move(socket), context), plain(io) {}

  // Ends both directions: gRPC reads EOF on its end, the client gets a FIN (or already sent its
  // own), and the pending read or write in the other direction completes with an error.
  void Finish() {
    if (finished) return;
    finished = true;
    error_code ignored;
    plain.shutdown(asio::socket_base::shutdown_both, ignored);
    plain.close(ignored);
    tcp::socket& socket = tls.next_layer();
    socket.shutdown(asio::socket_base::shutdown_both, ignored);
    socket.close(ignored);
  }

  asio::ssl::stream<tcp::socket> tls;
  asio::local::stream_protocol::socket plain;
  // Kept alive by the bridge: the stream uses it.
  std::shared_ptr<asio::ssl::context> context;
  bool finished = false;
};

asio::awaitable<void> ClientToGrpc(std::shared_ptr<Bridge> bridge) {
  std::array<char, kChunk> buffer;
  error_code ec;
  while (!ec) {
    const size_t n = co_await bridge->tls.async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(bridge->plain, asio::buffer(buffer.data(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  bridge->Finish();
}

asio::awaitable<void> GrpcToClient(std::shared_ptr<Bridge> bridge) {
  std::array<char, kChunk> buffer;
  error_code ec;
  while (!ec) {
    const size_t n = co_await bridge->plain.async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(bridge->tls, asio::buffer(buffer.data(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  bridge->Finish();
}

}  // namespace

void StartTlsBridge(asio::io_context& io, tcp::socket socket,
                    std::shared_ptr<asio::ssl::context> context, ConnectionAttribution attribution,
                    std::string listener, ConnectionTracker& tracker, grpc::Server& server) {
  auto bridge = std::make_shared<Bridge>(io, std::move(socket), *context);
  bridge->context = std::move(context);
  bridge->tls.async_handshake(
      asio::ssl::stream_base::server,
      [&io, bridge, attribution = std::move(attribution), listener = std::move(listener), &tracker,
       &server](const error_code& ec) mutable {
        if (ec) {
          tracker.RecordTlsFailure(attribution, listener, ec.message());
          bridge->Finish();
          return;
        }
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
          tracker.RecordTlsFailure(attribution, listener,
                                   std::string("socketpair: ") + std::strerror(errno));
          bridge->Finish();
          return;
        }
        error_code assign_ec;
        bridge->plain.assign(asio::local::stream_protocol(), fds[0], assign_ec);
        if (assign_ec) {
          ::close(fds[0]);
          ::close(fds[1]);
          bridge->Finish();
          return;
        }
        // The tracker owns fds[1] (gRPC's end) whatever happens; on failure nothing was served.
        auto adopted = tracker.AdoptBridged(fds[1], bridge->tls.next_layer().native_handle(),
                                            std::move(attribution), listener, server);
        if (!adopted.ok()) {
          bridge->Finish();
          return;
        }
        asio::co_spawn(io, ClientToGrpc(bridge), asio::detached);
        asio::co_spawn(io, GrpcToClient(bridge), asio::detached);
      });
}

}  // namespace thaw::momento
