#include "fakes/momento/connection_tracker.h"

#include <fcntl.h>
#include <grpcpp/server.h>
#include <grpcpp/server_posix.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/event_kinds.h"

namespace thaw::momento {

namespace {

constexpr std::string_view kFdPeerPrefix = "fd:";
// The reason (and why) of a connection thaw closes because its instance is gone.
constexpr char kInstanceGone[] = "instance_gone";

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

// Gives gRPC a copy of `fd` and closes `fd`; -1 (with `fd` closed) when no copy can be made.
// Under ThreadSanitizer gRPC's interceptors are ignored (tests/tsan.supp, called_from_lib), so
// TSan never sees gRPC close a descriptor. A number TSan saw thaw open on one thread and never
// saw closed looked, when another thread next opened it, reopened without synchronization: a
// false report at that open (pipe2, accept, socketpair, fopen) under `thaw check -j`. The copy is
// made by a raw system call TSan does not see and the original is closed where TSan sees it, so
// no number gRPC owns is one TSan tracks. Elsewhere the connection keeps its number.
int HandToGrpc(int fd) {
#if defined(__SANITIZE_THREAD__)
  const int copy = static_cast<int>(::syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0));
  const int copy_error = errno;
  ::close(fd);
  errno = copy_error;
  return copy;
#else
  return fd;
#endif
}

}  // namespace

ConnectionTracker::ConnectionTracker(boost::asio::io_context& io, Ledger& ledger,
                                     const SchedulerClock* clock)
    : ledger_(ledger), clock_(clock), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), epoll_(io) {
  if (epoll_fd_ >= 0) {
    epoll_.assign(epoll_fd_);
    ArmWatch();
  }
}

ConnectionTracker::~ConnectionTracker() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [serial, tracked] : by_serial_) ::close(tracked.watch_fd);
  by_serial_.clear();
  by_grpc_fd_.clear();
}

absl::StatusOr<std::string> ConnectionTracker::Adopt(int fd, ConnectionAttribution attribution,
                                                     const std::string& listener,
                                                     grpc::Server& server) {
  return AdoptWatching(fd, fd, std::move(attribution), listener, server);
}

absl::StatusOr<std::string> ConnectionTracker::AdoptBridged(int grpc_fd, int client_socket,
                                                            ConnectionAttribution attribution,
                                                            const std::string& listener,
                                                            grpc::Server& server) {
  return AdoptWatching(grpc_fd, client_socket, std::move(attribution), listener, server);
}

absl::StatusOr<std::string> ConnectionTracker::AdoptWatching(int fd, int watch_source,
                                                             ConnectionAttribution attribution,
                                                             const std::string& listener,
                                                             grpc::Server& server) {
  const int grpc_fd = HandToGrpc(fd);
  if (grpc_fd < 0) return ErrnoError("handing the Momento connection to gRPC");
  if (watch_source == fd) watch_source = grpc_fd;
  fd = grpc_fd;
  // gRPC 1.51 hangs on the first call over a blocking socket handed to it (DESIGN.md).
  const int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    absl::Status error = ErrnoError("making the Momento connection non-blocking");
    ::close(fd);
    return error;
  }
  const int one = 1;
  setsockopt(watch_source, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const int watch_fd = fcntl(watch_source, F_DUPFD_CLOEXEC, 0);
  if (watch_fd < 0) {
    absl::Status error = ErrnoError("duplicating the Momento connection");
    ::close(fd);
    return error;
  }

  uint64_t serial = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    serial = next_id_++;
  }
  const std::string id = "c" + std::to_string(serial);
  attribution.connection = id;
  // Watched before it is published: once in by_serial_, another thread may Reset (and close)
  // it. The watch is level-triggered, so a close seen before publication is reported again.
  epoll_event event{};
  event.events = EPOLLRDHUP;  // EPOLLHUP and EPOLLERR are always reported; never EPOLLIN.
  event.data.u64 = serial;
  const bool watched = epoll_fd_ >= 0 && epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, watch_fd, &event) == 0;
  const std::string watch_error = watched ? "" : std::strerror(errno);
  if (!watched) ::close(watch_fd);
  {
    std::lock_guard<std::mutex> lock(mu_);
    by_grpc_fd_[fd] = attribution;
    if (watched) {
      by_serial_[serial] =
          Tracked{fd, watch_fd, attribution, std::chrono::steady_clock::now(), Now()};
    }
  }
  ledger_.Append(attribution.instance, attribution.function,
                 std::string(kinds::kMomentoConnectionOpened),
                 {{"connection", id}, {"peer", attribution.peer}, {"listener", listener}});
  if (!watched) {
    // Still serve the connection; only its close goes unrecorded.
    ledger_.Append(attribution.instance, attribution.function, kinds::kMomentoConnectionUnwatched,
                   {{"connection", id}, {"error", watch_error}});
  }
  grpc::AddInsecureChannelFromFd(&server, fd);
  return id;
}

void ConnectionTracker::RecordTlsFailure(const ConnectionAttribution& attribution,
                                         const std::string& listener, const std::string& error) {
  ledger_.Append(attribution.instance, attribution.function, kinds::kMomentoConnectionTlsFailed,
                 {{"peer", attribution.peer}, {"listener", listener}, {"error", error}});
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
  return by_serial_.size();
}

SchedulerClock::TimePoint ConnectionTracker::Now() const {
  return clock_ != nullptr ? clock_->Now() : std::chrono::steady_clock::now();
}

std::vector<ConnectionTracker::OpenConnection> ConnectionTracker::Connections() const {
  std::vector<OpenConnection> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [serial, tracked] : by_serial_) {
    out.push_back({tracked.attribution, tracked.last_activity});
  }
  return out;
}

namespace {

// "c12" -> 12; 0 when `connection` is not a tracker id.
uint64_t SerialOf(std::string_view connection) {
  if (connection.size() < 2 || connection[0] != 'c') return 0;
  uint64_t serial = 0;
  for (char c : connection.substr(1)) {
    if (c < '0' || c > '9') return 0;
    serial = serial * 10 + static_cast<uint64_t>(c - '0');
  }
  return serial;
}

}  // namespace

std::optional<SchedulerClock::TimePoint> ConnectionTracker::Touch(std::string_view connection) {
  const uint64_t serial = SerialOf(connection);
  if (serial == 0) return std::nullopt;
  const SchedulerClock::TimePoint now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_serial_.find(serial);
  if (it == by_serial_.end()) return std::nullopt;
  return std::exchange(it->second.last_activity, now);
}

bool ConnectionTracker::Reset(std::string_view connection, const std::string& why) {
  const uint64_t serial = SerialOf(connection);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!by_serial_.contains(serial)) return false;
  }
  Closed(serial, "reset", "thaw", why);
  return true;
}

void ConnectionTracker::CloseAll() {
  std::vector<uint64_t> serials;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [serial, tracked] : by_serial_) serials.push_back(serial);
  }
  for (uint64_t serial : serials) Closed(serial, "shutdown", "thaw", "shutdown");
  boost::system::error_code ignored;
  epoll_.cancel(ignored);
}

void ConnectionTracker::ArmWatch() {
  epoll_.async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
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
    const uint64_t serial = events[i].data.u64;
    int watch_fd = -1;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = by_serial_.find(serial);
      if (it == by_serial_.end()) continue;  // Reset (or closed) by another thread.
      watch_fd = it->second.watch_fd;
    }
    const std::string reason = PeerCloseReason(watch_fd, events[i].events & EPOLLERR);
    // An EOF or a reset seen from here is the client's doing: the gRPC server closes no
    // connection by itself (no max-idle, no max-age).
    Closed(serial, reason, "client", reason);
  }
}

std::string ConnectionTracker::PeerCloseReason(int watch_fd, bool error_pending) {
  if (!error_pending) return "eof";
  int error = 0;
  socklen_t len = sizeof(error);
  getsockopt(watch_fd, SOL_SOCKET, SO_ERROR, &error, &len);
  // EPIPE is the kernel's word for an RST that came after the peer's FIN (a write of gRPC's
  // reached a socket the client had closed cleanly): the client's close was an EOF all the same.
  if (error == EPIPE) return "eof";
  return error == ECONNRESET ? "reset" : "error";
}

void ConnectionTracker::CloseInstance(int64_t instance) {
  std::vector<std::pair<uint64_t, int>> open;  // serial, watch fd
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [serial, tracked] : by_serial_) {
      if (tracked.attribution.instance == instance) open.emplace_back(serial, tracked.watch_fd);
    }
  }
  for (const auto& [serial, watch_fd] : open) {
    // A process's sockets are closed when it exits, before its parent can reap it: a close the
    // watcher has not handled yet already shows here.
    pollfd peer{watch_fd, POLLRDHUP, 0};
    if (::poll(&peer, 1, 0) == 1 && (peer.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
      const std::string reason = PeerCloseReason(watch_fd, peer.revents & POLLERR);
      Closed(serial, reason, "client", reason);
    } else {
      Closed(serial, kInstanceGone, "thaw", kInstanceGone);
    }
  }
}

void ConnectionTracker::Closed(uint64_t serial, const std::string& reason, const std::string& by,
                               const std::string& why) {
  Tracked tracked;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_serial_.find(serial);
    if (it == by_serial_.end()) return;
    tracked = std::move(it->second);
    by_serial_.erase(it);
    // gRPC may already have closed its fd and the kernel reused the number for a newer
    // connection: forget the mapping only if it is still this connection's.
    auto mapped = by_grpc_fd_.find(tracked.grpc_fd);
    if (mapped != by_grpc_fd_.end() &&
        mapped->second.connection == tracked.attribution.connection) {
      by_grpc_fd_.erase(mapped);
    }
  }
  const int watch_fd = tracked.watch_fd;
  if (epoll_fd_ >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, watch_fd, nullptr);
  nlohmann::json attrs = ByteCounts(watch_fd);
  if (by == "thaw" && reason == "reset") {
    // A linger of 0 makes the kernel answer with RST; connect(AF_UNSPEC) disconnects the socket
    // gRPC shares with our duplicate, sends that RST now and wakes gRPC's poller with
    // ECONNRESET, so gRPC drops the transport as it would after a NAT reset.
    const linger no_linger{1, 0};
    setsockopt(watch_fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof(no_linger));
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    ::connect(watch_fd, &unspec, sizeof(unspec));
  } else if (by == "thaw" && reason == kInstanceGone) {
    // The socket is shared with gRPC (or the TLS bridge): shutting it down ends the transport.
    ::shutdown(watch_fd, SHUT_RDWR);
  }
  ::close(watch_fd);
  attrs["connection"] = tracked.attribution.connection;
  attrs["peer"] = tracked.attribution.peer;
  attrs["reason"] = reason;
  attrs["by"] = by;
  attrs["why"] = why;
  attrs["duration_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - tracked.opened)
          .count();
  ledger_.Append(tracked.attribution.instance, tracked.attribution.function,
                 std::string(kinds::kMomentoConnectionClosed), std::move(attrs));
}

}  // namespace thaw::momento
