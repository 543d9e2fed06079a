#include "emulator/sandbox/egress_trap.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/system/error_code.hpp>
#include <utility>

#include "core/event_kinds.h"
#include "emulator/sandbox/network_order.h"

namespace thaw {

namespace asio = boost::asio;

namespace {

constexpr size_t kIpv4HeaderMin = 20;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmp = 1;
constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kTcpAck = 0x10;
constexpr uint8_t kIcmpEchoRequest = 8;
constexpr uint8_t kIcmpUnreachable = 3;
// The largest IPv4 packet: more than a tun device ever hands over in one read.
constexpr size_t kMaxPacket = 65535;

uint8_t Byte(const std::string& p, size_t at) { return static_cast<uint8_t>(p[at]); }

// The Internet checksum (RFC 1071) of p[from, from + length).
uint16_t Checksum(const std::string& p, size_t from, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < length; i += 2) sum += Read16(p, from + i);
  if (length % 2 != 0) sum += static_cast<uint32_t>(Byte(p, from + length - 1)) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// The header length of a well-formed IPv4 packet, or 0.
size_t HeaderLength(const std::string& p) {
  if (p.size() < kIpv4HeaderMin || (Byte(p, 0) >> 4) != 4) return 0;
  const size_t length = static_cast<size_t>(Byte(p, 0) & 0x0f) * 4;
  if (length < kIpv4HeaderMin || length > p.size()) return 0;
  return length;
}

std::string Dotted(const std::string& p, size_t at) {
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, p.data() + at, text, sizeof(text));
  return text;
}

}  // namespace

std::optional<EgressTrap::Attempt> EgressTrap::ParseAttempt(const std::string& packet) {
  const size_t header = HeaderLength(packet);
  if (header == 0) return std::nullopt;
  // Only a first fragment carries the transport header.
  if ((Read16(packet, 6) & 0x1fff) != 0) return std::nullopt;
  const uint8_t protocol = Byte(packet, 9);
  Attempt attempt;
  attempt.address = Dotted(packet, 16);
  const size_t rest = packet.size() - header;
  switch (protocol) {
    case kTcp:
      if (rest < 14) return std::nullopt;
      if ((Byte(packet, header + 13) & (kTcpSyn | kTcpAck)) != kTcpSyn) return std::nullopt;
      attempt.protocol = "tcp";
      attempt.port = Read16(packet, header + 2);
      return attempt;
    case kUdp:
      if (rest < 8) return std::nullopt;
      attempt.protocol = "udp";
      attempt.port = Read16(packet, header + 2);
      return attempt;
    case kIcmp:
      if (rest < 1 || Byte(packet, header) != kIcmpEchoRequest) return std::nullopt;
      attempt.protocol = "icmp";
      return attempt;
    default:
      attempt.protocol = std::to_string(protocol);
      return attempt;
  }
}

std::string EgressTrap::UnreachableAnswer(const std::string& packet) {
  const size_t header = HeaderLength(packet);
  if (header == 0) return "";
  // The quoted original: its IP header and the first 8 bytes after it (the ports, and TCP's
  // sequence number, which the kernel matches against the connecting socket).
  const std::string quoted = packet.substr(0, std::min(packet.size(), header + 8));
  std::string answer(kIpv4HeaderMin + 8, '\0');
  answer += quoted;
  answer[0] = 0x45;  // IPv4, 5 words
  Write16(answer, 2, static_cast<uint16_t>(answer.size()));
  answer[8] = 64;  // TTL
  answer[9] = static_cast<char>(kIcmp);
  answer.replace(12, 4, packet, 16, 4);  // from the unreachable destination
  answer.replace(16, 4, packet, 12, 4);  // to the sender
  Write16(answer, 10, Checksum(answer, 0, kIpv4HeaderMin));
  answer[kIpv4HeaderMin] = static_cast<char>(kIcmpUnreachable);
  answer[kIpv4HeaderMin + 1] = 0;  // network unreachable: ENETUNREACH
  Write16(answer, kIpv4HeaderMin + 2, Checksum(answer, kIpv4HeaderMin, answer.size() - 20));
  return answer;
}

struct EgressTrap::State : std::enable_shared_from_this<EgressTrap::State> {
  State(asio::io_context& io, int fd, Ledger& ledger, int64_t instance, std::string function,
        NameOf name_of)
      : device(io, fd),
        ledger(ledger),
        instance(instance),
        function(std::move(function)),
        name_of(std::move(name_of)) {}

  void Receive() {
    device.async_read_some(
        asio::buffer(buffer),
        [self = shared_from_this()](const boost::system::error_code& ec, size_t bytes) {
          if (ec || !self->device.is_open()) return;  // closed, or the device went away
          self->Handle(std::string(self->buffer.data(), bytes));
          self->Receive();
        });
  }

  void Handle(const std::string& packet) {
    const std::optional<Attempt> attempt = ParseAttempt(packet);
    if (!attempt) return;
    std::string host = name_of ? name_of(attempt->address) : "";
    if (host.empty()) host = attempt->address;
    nlohmann::json attrs = {
        {"host", host}, {"address", attempt->address}, {"protocol", attempt->protocol}};
    if (attempt->port != 0) attrs["port"] = attempt->port;
    ledger.Append(instance, function, kinds::kSandboxEgressBlocked, std::move(attrs));
    const std::string answer = UnreachableAnswer(packet);
    // One packet per write; a full queue drops it, and the sender's own timeout still applies.
    if (!answer.empty()) {
      [[maybe_unused]] const ssize_t ignored =
          ::write(device.native_handle(), answer.data(), answer.size());
    }
  }

  asio::posix::stream_descriptor device;
  Ledger& ledger;
  const int64_t instance;
  const std::string function;
  const NameOf name_of;
  std::array<char, kMaxPacket> buffer{};
};

EgressTrap::EgressTrap(asio::io_context& io, int tun_fd, Ledger& ledger, int64_t instance,
                       std::string function, NameOf name_of)
    : state_(std::make_shared<State>(io, tun_fd, ledger, instance, std::move(function),
                                     std::move(name_of))) {
  state_->Receive();
}

EgressTrap::~EgressTrap() {
  boost::system::error_code ignored;
  state_->device.close(ignored);
}

}  // namespace thaw
