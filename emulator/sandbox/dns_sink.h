#ifndef THAW_EMULATOR_SANDBOX_DNS_SINK_H_
#define THAW_EMULATOR_SANDBOX_DNS_SINK_H_

#include <boost/asio/io_context.hpp>
#include <cstdint>
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
// Strand-confined to `io`; `io` and `ledger` must outlive it. Destroying it closes the socket.
class DnsSink {
 public:
  // Names served inside (lower case, no trailing dot) and their IPv4 address ("127.0.0.2").
  using ServedNames = std::map<std::string, std::string>;

  // Serves `udp_fd` (a bound datagram socket, owned from then on).
  DnsSink(boost::asio::io_context& io, int udp_fd, Ledger& ledger, int64_t instance,
          std::string function, std::shared_ptr<const ServedNames> served = nullptr);
  ~DnsSink();
  DnsSink(const DnsSink&) = delete;
  DnsSink& operator=(const DnsSink&) = delete;

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

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_SANDBOX_DNS_SINK_H_
