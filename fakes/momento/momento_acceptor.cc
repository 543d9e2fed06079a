#include "fakes/momento/momento_acceptor.h"

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <vector>

#include "absl/status/status.h"
#include "fakes/momento/tls_bridge.h"

namespace thaw::momento {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct MomentoAcceptor::State : std::enable_shared_from_this<MomentoAcceptor::State> {
  State(asio::io_context& io, Options options, ConnectionTracker& tracker, grpc::Server& server)
      : io(io), options(std::move(options)), tracker(tracker), server(server), acceptor(io) {}

  void Accept();
  void OnAccepted(tcp::socket socket);
  void Hand(tcp::socket socket, ConnectionAttribution attribution);

  asio::io_context& io;
  const Options options;
  ConnectionTracker& tracker;
  grpc::Server& server;
  tcp::acceptor acceptor;
  std::string listener;
  std::vector<tcp::socket> blackholed;
  bool closed = false;
};

namespace {

// The peer as gRPC would name it: "ipv4:127.0.0.1:5555", "ipv6:[::1]:5555".
std::string PeerString(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  if (address.is_v4()) {
    return "ipv4:" + address.to_string() + ":" + std::to_string(endpoint.port());
  }
  return "ipv6:[" + address.to_string() + "]:" + std::to_string(endpoint.port());
}

}  // namespace

void MomentoAcceptor::State::Accept() {
  acceptor.async_accept(
      [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
        if (self->closed || ec == asio::error::operation_aborted) return;
        if (!ec) self->OnAccepted(std::move(socket));
        self->Accept();
      });
}

void MomentoAcceptor::State::OnAccepted(tcp::socket socket) {
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return;  // Already gone.
  ConnectionAttribution attribution;
  attribution.instance = options.instance;
  attribution.function = options.function;
  attribution.peer = PeerString(remote);

  ConnectionFaultHook::Decision decision;
  if (options.faults != nullptr) decision = options.faults->OnAccept(attribution);
  switch (decision.action) {
    case ConnectionFaultHook::Decision::Action::kRefuse:
      // A linger of 0: the client gets a reset, as from a port nobody listens on.
      socket.set_option(asio::socket_base::linger(true, 0), ec);
      socket.close(ec);
      return;
    case ConnectionFaultHook::Decision::Action::kBlackhole:
      blackholed.push_back(std::move(socket));
      return;
    case ConnectionFaultHook::Decision::Action::kServe:
      break;
  }
  if (decision.delay.count() <= 0) {
    Hand(std::move(socket), std::move(attribution));
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(io, decision.delay);
  auto held = std::make_shared<tcp::socket>(std::move(socket));
  timer->async_wait([self = shared_from_this(), timer, held,
                     attribution](const boost::system::error_code& wait_ec) mutable {
    if (wait_ec || self->closed) return;
    self->Hand(std::move(*held), std::move(attribution));
  });
}

void MomentoAcceptor::State::Hand(tcp::socket socket, ConnectionAttribution attribution) {
  if (options.tls) {
    StartTlsBridge(io, std::move(socket), options.tls, std::move(attribution), listener, tracker,
                   server);
    return;
  }
  const int fd = socket.release();
  // Errors are recorded by nobody but the tracker's ledger; the socket is closed either way.
  tracker.Adopt(fd, std::move(attribution), listener, server).IgnoreError();
}

absl::StatusOr<std::unique_ptr<MomentoAcceptor>> MomentoAcceptor::Listen(asio::io_context& io,
                                                                         Options options,
                                                                         ConnectionTracker& tracker,
                                                                         grpc::Server& server) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    if (options.listening_fd >= 0) ::close(options.listening_fd);
    return absl::InvalidArgumentError("not an IP address: " + options.host);
  }
  const tcp::endpoint endpoint(address, options.port);
  const int listening_fd = options.listening_fd;
  auto state = std::make_shared<State>(io, std::move(options), tracker, server);
  if (listening_fd >= 0) {
    state->acceptor.assign(endpoint.protocol(), listening_fd, ec);
    if (ec) ::close(listening_fd);
  } else {
    state->acceptor.open(endpoint.protocol(), ec);
    if (!ec) state->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) state->acceptor.bind(endpoint, ec);
    if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return absl::UnavailableError("cannot listen on " + endpoint.address().to_string() + ":" +
                                  std::to_string(endpoint.port()) + ": " + ec.message());
  }
  const uint16_t port = state->acceptor.local_endpoint().port();
  const std::string host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                      : endpoint.address().to_string();
  state->listener = host + ":" + std::to_string(port);
  state->Accept();
  std::unique_ptr<MomentoAcceptor> acceptor(new MomentoAcceptor(state));
  acceptor->port_ = port;
  acceptor->endpoint_ = state->listener;
  return acceptor;
}

MomentoAcceptor::MomentoAcceptor(std::shared_ptr<State> state) : state_(std::move(state)) {}

MomentoAcceptor::~MomentoAcceptor() { Close(); }

void MomentoAcceptor::Close() {
  if (state_->closed) return;
  state_->closed = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  for (tcp::socket& socket : state_->blackholed) socket.close(ignored);
  state_->blackholed.clear();
}

}  // namespace thaw::momento
