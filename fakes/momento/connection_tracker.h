#ifndef THAW_FAKES_MOMENTO_CONNECTION_TRACKER_H_
#define THAW_FAKES_MOMENTO_CONNECTION_TRACKER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/event_kinds.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/connection_attributor.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace thaw::momento {

// Connection accounting for sockets thaw accepts itself and hands to the gRPC server
// (DESIGN.md "Per-instance listeners"). Adopt() records `momento.connection.opened`, remembers
// the attribution under the fd number gRPC will report as the peer (`fd:<n>`), and hands the
// socket over with grpc::AddInsecureChannelFromFd. A duplicate of the socket, watched with
// epoll for EPOLLRDHUP/EPOLLHUP only (never for data), tells when either side closed it; the
// tracker then records `momento.connection.closed` (reason `eof`, `reset` or `error`, bytes in
// and out from TCP_INFO, duration, and who closed it: by `client` / `thaw`, why).
//
// Each open connection keeps its last activity (opened, or an RPC reported with Touch) on the
// scheduler clock, so idle faults can be judged against an advanced clock; Reset() drops a
// connection with a TCP reset, as a NAT or load balancer would.
//
// One tracker serves any number of listeners (one per Lambda instance in the emulator); their
// connection ids ("c1", "c2", ...) are unique per tracker. If the close cannot be watched
// (epoll failure), the connection is still served and `momento.connection.unwatched` is recorded.
//
// Thread-safe: Adopt and Attribute may be called from any thread. The close watcher runs on
// `io`, which must be running for closes to be recorded. `io` and `ledger` must outlive the
// tracker; destroy it (or call CloseAll) only after the io_context has stopped running it.
class ConnectionTracker final : public ConnectionAttributor {
 public:
  // `clock` (may be null: the steady clock is used) must outlive the tracker.
  ConnectionTracker(boost::asio::io_context& io, Ledger& ledger,
                    const SchedulerClock* clock = nullptr);
  ConnectionTracker(const ConnectionTracker&) = delete;
  ConnectionTracker& operator=(const ConnectionTracker&) = delete;
  ~ConnectionTracker() override;

  // Takes ownership of `fd`, a connected TCP socket, whatever happens. `attribution` gives the
  // instance, function and peer; its `connection` is replaced by a new id, which is returned.
  // `listener` (e.g. "127.0.0.1:8080") is recorded with the opened event. Errors: Internal
  // when the socket cannot be made non-blocking or duplicated (the socket is then closed).
  absl::StatusOr<std::string> Adopt(int fd, ConnectionAttribution attribution,
                                    const std::string& listener, grpc::Server& server);

  // As Adopt, for a connection whose TLS thaw terminates (TlsBridge): `grpc_fd` (owned, whatever
  // happens) is the plaintext end of a socketpair that gRPC is given and is attributed by;
  // `client_socket` (borrowed) is the client's TCP socket. The tracker watches a duplicate of
  // `client_socket`, so closes, byte counts (TCP_INFO: bytes on the wire, TLS included) and
  // Reset act on the client's connection itself.
  absl::StatusOr<std::string> AdoptBridged(int grpc_fd, int client_socket,
                                           ConnectionAttribution attribution,
                                           const std::string& listener, grpc::Server& server);

  // Records kinds::kMomentoConnectionTlsFailed for a connection from `attribution.peer` to
  // `listener` whose TLS handshake failed with `error`.
  void RecordTlsFailure(const ConnectionAttribution& attribution, const std::string& listener,
                        const std::string& error);

  // `fd:<n>` of an adopted, still open socket maps to its attribution; anything else to
  // instance 0 with connection = peer = `grpc_peer`.
  ConnectionAttribution Attribute(std::string_view grpc_peer) const override;

  // Number of adopted connections not yet seen closed.
  size_t open_connections() const;

  // Records every still-open connection as closed with reason `shutdown` and stops watching.
  void CloseAll();

  // The instance's environment is gone, and every socket it held went with it. Each connection
  // of `instance` still open is recorded closed: by `client` (reason `eof`, `reset` or `error`)
  // when its peer had already closed it, which is what a reaped process did; otherwise by `thaw`
  // with reason `instance_gone`, after shutting the socket down, so that a client outside the
  // instance (a test talking to its listener) loses the connection as the instance's own would.
  void CloseInstance(int64_t instance);

  // An open connection as Connections() reports it.
  struct OpenConnection {
    ConnectionAttribution attribution;
    // Opened, or the last Touch, on the scheduler clock.
    SchedulerClock::TimePoint last_activity;
  };
  // Every open connection, oldest first.
  std::vector<OpenConnection> Connections() const;

  // Marks activity (an RPC) on `connection` (its id, "c12") now and returns the previous
  // activity time; nullopt (and nothing marked) for an unknown or closed connection.
  std::optional<SchedulerClock::TimePoint> Touch(std::string_view connection);

  // Resets `connection` now: the client gets a TCP RST (SO_LINGER 0 + disconnect), gRPC drops
  // its transport, and `momento.connection.closed` is recorded with reason `reset`, by `thaw`
  // and `why`. Returns false for an unknown or already closed connection.
  bool Reset(std::string_view connection, const std::string& why);

  // The scheduler clock's now (or the steady clock's without a scheduler clock).
  SchedulerClock::TimePoint Now() const;

 private:
  struct Tracked {
    int grpc_fd = -1;
    int watch_fd = -1;
    ConnectionAttribution attribution;
    std::chrono::steady_clock::time_point opened;
    SchedulerClock::TimePoint last_activity;
  };

  // Adopt and AdoptBridged: `watch_source` is the socket whose close is watched (`grpc_fd` itself,
  // or the client's socket behind a TLS bridge).
  absl::StatusOr<std::string> AdoptWatching(int grpc_fd, int watch_source,
                                            ConnectionAttribution attribution,
                                            const std::string& listener, grpc::Server& server);
  void ArmWatch();
  void OnWatchReady();
  // Why a peer's close left `watch_fd` readable: "reset" (ECONNRESET), "error" (another
  // pending error) or "eof" (none, or EPIPE: a reset that answered a write after the peer's FIN).
  static std::string PeerCloseReason(int watch_fd, bool error_pending);
  // Records the close of connection number `serial` and closes its watching fd.
  void Closed(uint64_t serial, const std::string& reason, const std::string& by,
              const std::string& why);

  // Constant after construction.
  Ledger& ledger_;
  const SchedulerClock* const clock_;
  const int epoll_fd_;
  // Strand-confined to `io`.
  boost::asio::posix::stream_descriptor epoll_;

  mutable std::mutex mu_;
  // The fd gRPC owns (its peer string `fd:<n>`) -> the attribution.
  std::map<int, ConnectionAttribution> by_grpc_fd_ ABSL_GUARDED_BY(mu_);
  // Connection number (the n of "cn", also the epoll cookie, never reused) -> the connection.
  std::map<uint64_t, Tracked> by_serial_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Expires with the tracker, so a completion queued before its end does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_CONNECTION_TRACKER_H_
