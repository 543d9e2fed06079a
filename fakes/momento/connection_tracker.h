#ifndef THAW_FAKES_MOMENTO_CONNECTION_TRACKER_H_
#define THAW_FAKES_MOMENTO_CONNECTION_TRACKER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/ledger.h"
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
// and out from TCP_INFO, duration).
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
  // The ledger event kinds this class appends.
  static constexpr std::string_view kOpenedKind = "momento.connection.opened";
  static constexpr std::string_view kClosedKind = "momento.connection.closed";

  ConnectionTracker(boost::asio::io_context& io, Ledger& ledger);
  ConnectionTracker(const ConnectionTracker&) = delete;
  ConnectionTracker& operator=(const ConnectionTracker&) = delete;
  ~ConnectionTracker() override;

  // Takes ownership of `fd`, a connected TCP socket, whatever happens. `attribution` gives the
  // instance, function and peer; its `connection` is replaced by a new id, which is returned.
  // `listener` (e.g. "127.0.0.1:8080") is recorded with the opened event. Errors: Internal
  // when the socket cannot be made non-blocking or duplicated (the socket is then closed).
  absl::StatusOr<std::string> Adopt(int fd, ConnectionAttribution attribution,
                                    const std::string& listener, grpc::Server& server);

  // `fd:<n>` of an adopted, still open socket maps to its attribution; anything else to
  // instance 0 with connection = peer = `grpc_peer`.
  ConnectionAttribution Attribute(std::string_view grpc_peer) const override;

  // Number of adopted connections not yet seen closed.
  size_t open_connections() const;

  // Records every still-open connection as closed with reason `shutdown` and stops watching.
  void CloseAll();

 private:
  struct Tracked {
    int grpc_fd = -1;
    ConnectionAttribution attribution;
    std::chrono::steady_clock::time_point opened;
  };

  void ArmWatch();
  void OnWatchReady();
  // Records the close of the connection watched through `watch_fd` and closes `watch_fd`.
  void Closed(int watch_fd, const std::string& reason);

  // Constant after construction.
  Ledger& ledger_;
  const int epoll_fd_;
  // Strand-confined to `io`.
  boost::asio::posix::stream_descriptor epoll_;

  mutable std::mutex mu_;
  // The fd gRPC owns (its peer string `fd:<n>`) -> the attribution.
  std::map<int, ConnectionAttribution> by_grpc_fd_ ABSL_GUARDED_BY(mu_);
  // Our watching duplicate -> the connection.
  std::map<int, Tracked> by_watch_fd_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Expires with the tracker, so a completion queued before its end does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_CONNECTION_TRACKER_H_
