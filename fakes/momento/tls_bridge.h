#ifndef THAW_FAKES_MOMENTO_TLS_BRIDGE_H_
#define THAW_FAKES_MOMENTO_TLS_BRIDGE_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "fakes/momento/connection_attributor.h"
#include "fakes/momento/connection_tracker.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace thaw::momento {

// Serves one accepted Momento connection over TLS. gRPC 1.51 takes a connected socket only as
// an insecure channel (grpc_server_add_channel_from_fd refuses any other credentials), so thaw
// terminates TLS itself: after the handshake (ALPN `h2`, which grpc-js and gRPC C++ require) the
// plaintext HTTP/2 is carried to gRPC over a socketpair, whose gRPC end is adopted by the
// ConnectionTracker. The tracker watches the client's own TCP socket, so attribution, the
// opened/closed events, byte counts and Reset (a TCP RST to the client) stay per connection and
// exact; a reset or EOF from the client ends the bridge, and gRPC sees its end close.
//
// A failed handshake is recorded (ConnectionTracker::RecordTlsFailure) and closes the socket.
//
// Runs on `io`'s thread. The bridge owns itself until both directions end; `tracker` and `server`
// must outlive the handshake (as for MomentoAcceptor).
void StartTlsBridge(boost::asio::io_context& io, boost::asio::ip::tcp::socket socket,
                    std::shared_ptr<boost::asio::ssl::context> context,
                    ConnectionAttribution attribution, std::string listener,
                    ConnectionTracker& tracker, grpc::Server& server);

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_TLS_BRIDGE_H_
