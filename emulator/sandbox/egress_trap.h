#ifndef THAW_EMULATOR_SANDBOX_EGRESS_TRAP_H_
#define THAW_EMULATOR_SANDBOX_EGRESS_TRAP_H_

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/ledger.h"

namespace thaw {

// The far end of a sandbox's only route out (SandboxOptions::egress_trap): every IPv4 packet an
// instance sends to an address that is not its own arrives here. Each attempt to reach outside
// (a TCP SYN, a UDP datagram, an ICMP echo) becomes a `sandbox.egress_blocked` event for the
// instance naming the host and port, and is answered with ICMP "network unreachable", so the
// connect fails at once with ENETUNREACH, exactly as with no route at all. The host is the name
// the sandbox's resolver handed out for the address (DnsSink's sinkhole addresses), else the
// address itself. One per instance, so the attribution holds by construction.
//
// Usage:
//   EgressTrap trap(io, sandbox->TakeEgressTrap(), ledger, instance_id, "fn", dns->Names());
//
// Strand-confined to `io`; `io` and `ledger` must outlive it. Destroying it closes thaw's
// descriptor; the device is persistent and goes with the sandbox's network namespace.
class EgressTrap {
 public:
  // The name behind a sinkhole IPv4 address ("198.18.0.1" -> "api.example.com"), or "".
  using NameOf = std::function<std::string(const std::string& ipv4)>;

  // Serves `tun_fd` (owned from then on).
  EgressTrap(boost::asio::io_context& io, int tun_fd, Ledger& ledger, int64_t instance,
             std::string function, NameOf name_of = nullptr);
  ~EgressTrap();
  EgressTrap(const EgressTrap&) = delete;
  EgressTrap& operator=(const EgressTrap&) = delete;

  // One attempt to reach outside, read from an IPv4 packet.
  struct Attempt {
    std::string protocol;  // "tcp", "udp", "icmp", or the protocol number
    std::string address;   // the destination, dotted
    uint16_t port = 0;     // TCP/UDP destination port; 0 for others
  };
  // The attempt a packet makes: a TCP segment opening a connection (SYN without ACK), any UDP
  // datagram, an ICMP echo request, any other protocol. nullopt for what is not an attempt (a
  // malformed or non-IPv4 packet, TCP past its SYN, an ICMP error or reply).
  static std::optional<Attempt> ParseAttempt(const std::string& packet);
  // The ICMP "destination network unreachable" (type 3, code 0) answer to an IPv4 packet: from
  // its destination to its source, quoting its header and first 8 bytes, as a router does. ""
  // for a malformed packet.
  static std::string UnreachableAnswer(const std::string& packet);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_SANDBOX_EGRESS_TRAP_H_
