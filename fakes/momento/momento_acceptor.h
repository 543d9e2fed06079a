#ifndef THAW_FAKES_MOMENTO_MOMENTO_ACCEPTOR_H_
#define THAW_FAKES_MOMENTO_MOMENTO_ACCEPTOR_H_

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "fakes/momento/connection_fault_hook.h"
#include "fakes/momento/connection_tracker.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace grpc {
class Server;
}  // namespace grpc

namespace thaw::momento {

// A TCP listener for the fake Momento: accepts connections with Asio and hands each to the
// ConnectionTracker (which records it and gives it to the gRPC server), attributed to one
// instance; with Options::tls, through a TlsBridge. The emulator opens one per Lambda instance
// (port 0, instance id, function) and passes its endpoint to the instance; `thaw momento` opens one
// for instance 0.
//
// Strand-confined: Listen, Close and the destructor run on `io`'s thread (or before `io`
// runs). `io`, `tracker`, `server` and the fault hook must outlive the acceptor's pending
// operations, i.e. until Close() was called and `io` ran, or `io` was stopped for good.
class MomentoAcceptor {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 0;  // 0: the kernel picks one; port() tells which
    // A socket already listening (made inside an instance's sandbox), served instead of binding
    // host:port; the acceptor owns it. `host` and `port` then only name it ("127.0.0.2", 443).
    int listening_fd = -1;
    int64_t instance = 0;
    std::string function;
    // Asked once per connection; null serves every connection at once.
    ConnectionFaultHook* faults = nullptr;
    // Serve gRPC over TLS with this context (core/tls/server_context.h, with ALPN "h2"): thaw
    // terminates TLS and bridges the plaintext to gRPC (tls_bridge.h). Null serves plaintext
    // HTTP/2, as momento-local does. Connection faults act before the TLS handshake.
    std::shared_ptr<boost::asio::ssl::context> tls = nullptr;
  };

  // Binds and starts accepting. Errors: InvalidArgument for a bad host, Unavailable when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<MomentoAcceptor>> Listen(boost::asio::io_context& io,
                                                                 Options options,
                                                                 ConnectionTracker& tracker,
                                                                 grpc::Server& server);
  MomentoAcceptor(const MomentoAcceptor&) = delete;
  MomentoAcceptor& operator=(const MomentoAcceptor&) = delete;
  // Closes the listener (connections already handed to gRPC stay).
  ~MomentoAcceptor();

  uint16_t port() const { return port_; }
  // "host:port", what a client (THAW_MOMENTO_ENDPOINT) connects to.
  const std::string& endpoint() const { return endpoint_; }

  // Stops accepting and closes blackholed connections. Idempotent.
  void Close();

 private:
  struct State;
  explicit MomentoAcceptor(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
  uint16_t port_ = 0;
  std::string endpoint_;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_MOMENTO_ACCEPTOR_H_
