#include "fakes/momento/connection_tracker.h"

#include <fcntl.h>
#include <grpcpp/server.h>
#include <grpcpp/server_posix.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/status/status.h"

namespace thaw::momento {

namespace {

constexpr std::string_view kFdPeerPrefix = "fd:";

absl::Status ErrnoError(const std::string& what) {
  return absl::InternalError(what + ": " + std::strerror(errno));
}

// glibc's tcp_info stops before the byte counters Linux (4.1+) appends; the kernel's layout
// continues with these 64-bit fields.
struct TcpInfoWithBytes {
  tcp_info base;
  uint64_t pacing_rate;
  uint64_t max_pacing_rate;
  uint64_t bytes_acked;
  uint64_t bytes_received;
};

nlohmann::json ByteCounts(int fd) {
  TcpInfoWithBytes info{};
  socklen_t len = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || len < sizeof(info)) {
    return nlohmann::json::object();
  }
  return {{"bytes_received", info.bytes_received}, {"bytes_sent", info.bytes_acked}};
}

}  // namespace

ConnectionTracker::ConnectionTracker(boost::asio::io_context& io, Ledger& ledger)
    : ledger_(ledger), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), epoll_(io) {
  if (epoll_fd_ >= 0) {
    epoll_.assign(epoll_fd_);
    ArmWatch();
  }
}

ConnectionTracker::~ConnectionTracker() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [watch_fd, tracked] : by_watch_fd_) ::close(watch_fd);
  by_watch_fd_.clear();
  by_grpc_fd_.clear();
}

absl::StatusOr<std::string> ConnectionTracker::Adopt(int fd, ConnectionAttribution attribution,
                                                     const std::string& listener,
                                                     grpc::Server& server) {
  // gRPC 1.51 hangs on the first call over a blocking socket handed to it (DESIGN.md).
  const int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    absl::Status error = ErrnoError("making the Momento connection non-blocking");
    ::close(fd);
    return error;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const int watch_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (watch_fd < 0) {
    absl::Status error = ErrnoError("duplicating the Momento connection");
    ::close(fd);
    return error;
  }

  std::string id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = "c" + std::to_string(next_id_++);
    attribution.connection = id;
    by_grpc_fd_[fd] = attribution;
    by_watch_fd_[watch_fd] = Tracked{fd, attribution, std::chrono::steady_clock::now()};
  }
  ledger_.Append(attribution.instance, attribution.function, std::string(kOpenedKind),
                 {{"connection", id}, {"peer", attribution.peer}, {"listener", listener}});

  epoll_event event{};
  event.events = EPOLLRDHUP;  // EPOLLHUP and EPOLLERR are always reported; never EPOLLIN.
  event.data.fd = watch_fd;
  if (epoll_fd_ < 0 || epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, watch_fd, &event) != 0) {
    // Still serve the connection; only its close goes unrecorded.
    const std::string error = std::strerror(errno);
    {
      std::lock_guard<std::mutex> lock(mu_);
      by_watch_fd_.erase(watch_fd);
    }
    ::close(watch_fd);
    ledger_.Append(attribution.instance, attribution.function, "momento.connection.unwatched",
                   {{"connection", id}, {"error", error}});
  }
  grpc::AddInsecureChannelFromFd(&server, fd);
  return id;
}

ConnectionAttribution ConnectionTracker::Attribute(std::string_view grpc_peer) const {
  if (grpc_peer.starts_with(kFdPeerPrefix)) {
    int fd = -1;
    const std::string number(grpc_peer.substr(kFdPeerPrefix.size()));
    fd = std::atoi(number.c_str());
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_grpc_fd_.find(fd);
    if (it != by_grpc_fd_.end()) return it->second;
  }
  ConnectionAttribution attribution;
  attribution.connection = std::string(grpc_peer);
  attribution.peer = std::string(grpc_peer);
  return attribution;
}

size_t ConnectionTracker::open_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_watch_fd_.size();
}

void ConnectionTracker::CloseAll() {
  std::vector<int> watch_fds;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [watch_fd, tracked] : by_watch_fd_) watch_fds.push_back(watch_fd);
  }
  for (int watch_fd : watch_fds) Closed(watch_fd, "shutdown");
  boost::system::error_code ignored;
  epoll_.cancel(ignored);
}

void ConnectionTracker::ArmWatch() {
  epoll_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                    [this, alive = std::weak_ptr<bool>(alive_)](
                        const boost::system::error_code& ec) {
                      // A completion may be queued when the tracker is destroyed.
                      if (ec || !alive.lock()) return;
                      OnWatchReady();
                      ArmWatch();
                    });
}

void ConnectionTracker::OnWatchReady() {
  epoll_event events[32];
  const int n = epoll_wait(epoll_fd_, events, 32, 0);
  for (int i = 0; i < n; ++i) {
    const int watch_fd = events[i].data.fd;
    std::string reason = "eof";
    if (events[i].events & EPOLLERR) {
      int error = 0;
      socklen_t len = sizeof(error);
      getsockopt(watch_fd, SOL_SOCKET, SO_ERROR, &error, &len);
      reason = error == ECONNRESET ? "reset" : "error";
    }
    Closed(watch_fd, reason);
  }
}

void ConnectionTracker::Closed(int watch_fd, const std::string& reason) {
  Tracked tracked;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_watch_fd_.find(watch_fd);
    if (it == by_watch_fd_.end()) return;
    tracked = std::move(it->second);
    by_watch_fd_.erase(it);
    // gRPC may already have closed its fd and the kernel reused the number for a newer
    // connection: forget the mapping only if it is still this connection's.
    auto mapped = by_grpc_fd_.find(tracked.grpc_fd);
    if (mapped != by_grpc_fd_.end() &&
        mapped->second.connection == tracked.attribution.connection) {
      by_grpc_fd_.erase(mapped);
    }
  }
  if (epoll_fd_ >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, watch_fd, nullptr);
  nlohmann::json attrs = ByteCounts(watch_fd);
  ::close(watch_fd);
  attrs["connection"] = tracked.attribution.connection;
  attrs["peer"] = tracked.attribution.peer;
  attrs["reason"] = reason;
  attrs["duration_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - tracked.opened)
          .count();
  ledger_.Append(tracked.attribution.instance, tracked.attribution.function,
                 std::string(kClosedKind), std::move(attrs));
}

}  // namespace thaw::momento
