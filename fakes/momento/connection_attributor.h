#ifndef THAW_FAKES_MOMENTO_CONNECTION_ATTRIBUTOR_H_
#define THAW_FAKES_MOMENTO_CONNECTION_ATTRIBUTOR_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace thaw::momento {

// Who a connection (and so every RPC on it) belongs to.
struct ConnectionAttribution {
  // The Lambda instance; 0 outside the emulator (standalone `thaw momento`).
  int64_t instance = 0;
  // The instance's function; empty outside the emulator.
  std::string function;
  // A ledger-wide connection id ("c12"), or the gRPC peer string when the connection was not
  // accepted through a ConnectionTracker.
  std::string connection;
  // The remote address, e.g. "ipv4:127.0.0.1:5555".
  std::string peer;
};

// Maps the peer string gRPC gives a service (ServerContext::peer(): "ipv4:127.0.0.1:5555" for
// a connection gRPC accepted itself, "fd:12" for one handed over with
// grpc::AddInsecureChannelFromFd) to its attribution.
// Implementations are thread-safe: the services call them from gRPC's threads.
class ConnectionAttributor {
 public:
  virtual ~ConnectionAttributor() = default;
  virtual ConnectionAttribution Attribute(std::string_view grpc_peer) const = 0;
};

// Attributes every connection to instance 0 by its peer address (connection = peer = the gRPC
// peer string). For a server whose own listening ports accept the connections.
class PeerAddressAttributor final : public ConnectionAttributor {
 public:
  ConnectionAttribution Attribute(std::string_view grpc_peer) const override;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_CONNECTION_ATTRIBUTOR_H_
