#ifndef THAW_EMULATOR_SANDBOX_DNS_SINK_H_
#define THAW_EMULATOR_SANDBOX_DNS_SINK_H_

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/ledger.h"

namespace thaw {

// The resolver a sandbox's /etc/resolv.conf names (kAddress). The names the fakes answer at
// (`served`, also in the sandbox's /etc/hosts) get their IPv4 address, and no IPv6 one (NOERROR,
// no record): resolvers that ask DNS besides /etc/hosts (c-ares, as gRPC C++ uses it, asks for
// AAAA) find them here too. Any other name is outside: it gets NXDOMAIN at once (the lookup
// fails fast, as with no route out) and a `sandbox.egress_blocked` event for the instance,
// naming the host. One per instance, on a UDP socket made inside its sandbox, so the
// attribution holds by construction.
//
// With `sinkhole` (the sandbox has an EgressTrap), an outside name resolves instead, as in a VPC
// with no NAT: its A query gets an address of its own in 198.18.0.0/15 (RFC 2544's range, never
// routed), AAAA gets no record, and nothing is recorded yet. The connection that follows reaches
// the trap, which records the host and port (Names() maps the address back) and refuses it at
// once. Other query types for outside names stay NXDOMAIN and recorded.
//
// Strand-confined to `io`; `io` and `ledger` must outlive it. Destroying it closes the socket.
class DnsSink {
 public:
  // Names served inside (lower case, no trailing dot) and their IPv4 address ("127.0.0.2").
  using ServedNames = std::map<std::string, std::string>;

  struct Options {
    // The names served inside; null: none.
    std::shared_ptr<const ServedNames> served;
    // Outside names get sinkhole addresses (the sandbox has an EgressTrap).
    bool sinkhole = false;
    // A resolver outside ("10.255.255.53", port 53 unless ":port" follows), for
    // settings.egress: allow: queries for
    // names thaw does not serve are relayed there, unrecorded, instead of refused.
    std::string upstream;
  };

  // Serves `udp_fd` (a bound datagram socket, owned from then on).
  DnsSink(boost::asio::io_context& io, int udp_fd, Ledger& ledger, int64_t instance,
          std::string function, Options options);
  ~DnsSink();
  DnsSink(const DnsSink&) = delete;
  DnsSink& operator=(const DnsSink&) = delete;

  // The outside name a sinkhole address was given to ("198.18.0.1" -> "api.example.com"), or
  // "". Valid as long as the returned function lives (it shares the sink's table).
  std::function<std::string(const std::string& ipv4)> Names() const;

  // What one query asks: its name ("api.example.com") and type ("A", "AAAA", or the number).
  struct Question {
    std::string name;
    std::string type;
  };
  // Parses a DNS query message (RFC 1035 §4.1: header, one question). nullopt when it is not
  // one: too short, a response, no question, a compressed or overlong name.
  static std::optional<Question> ParseQuery(const std::string& message);
  // The NXDOMAIN answer to `query` (a message ParseQuery accepted): its id and question echoed.
  static std::string NameErrorAnswer(const std::string& query);
  // The NOERROR answer to `query`: one A record with `ipv4` (and a 60 s TTL) when given and
  // valid, else none (the name exists, without a record of that type).
  static std::string AddressAnswer(const std::string& query, const std::string& ipv4);

  // The resolver's address inside a sandbox, and the resolv.conf that names it.
  static constexpr char kAddress[] = "127.0.0.53";
  static constexpr uint16_t kPort = 53;
  static std::string ResolvConf();
  // The first IPv4 `nameserver` of a resolv.conf's text (thaw's own, for Options::upstream),
  // or "".
  static std::string FirstNameserver(const std::string& resolv_conf);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_SANDBOX_DNS_SINK_H_
