#include "emulator/sandbox/dns_sink.h"

#include <arpa/inet.h>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <cctype>
#include <chrono>
#include <sstream>
#include <utility>

#include "core/event_kinds.h"
#include "emulator/sandbox/network_order.h"
#include "emulator/sandbox/sandbox.h"

namespace thaw {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

constexpr size_t kHeaderBytes = 12;
constexpr size_t kMaxMessage = 512;  // a query over UDP without EDNS fits in this

std::string TypeName(uint16_t type) {
  switch (type) {
    case 1:
      return "A";
    case 28:
      return "AAAA";
    case 5:
      return "CNAME";
    case 16:
      return "TXT";
    case 33:
      return "SRV";
    default:
      return std::to_string(type);
  }
}

// Where the question section ends (after QTYPE and QCLASS), or 0 when it is malformed.
size_t QuestionEnd(const std::string& m, std::string* name) {
  size_t at = kHeaderBytes;
  while (true) {
    if (at >= m.size()) return 0;
    const uint8_t length = static_cast<uint8_t>(m[at]);
    if (length == 0) break;
    if (length > 63) return 0;  // a compression pointer or a reserved label type
    if (at + 1 + length > m.size()) return 0;
    if (name) {
      if (!name->empty()) *name += '.';
      name->append(m, at + 1, length);
    }
    at += 1 + length;
    if (at - kHeaderBytes > 255) return 0;
  }
  at += 1;
  return at + 4 <= m.size() ? at + 4 : 0;
}

}  // namespace

std::optional<DnsSink::Question> DnsSink::ParseQuery(const std::string& message) {
  if (message.size() < kHeaderBytes || message.size() > kMaxMessage) return std::nullopt;
  const uint16_t flags = Read16(message, 2);
  if ((flags & 0x8000) != 0) return std::nullopt;  // a response, not a query
  if (Read16(message, 4) != 1) return std::nullopt;
  Question question;
  const size_t end = QuestionEnd(message, &question.name);
  if (end == 0) return std::nullopt;
  question.type = TypeName(Read16(message, end - 4));
  return question;
}

std::string DnsSink::NameErrorAnswer(const std::string& query) {
  const size_t end = QuestionEnd(query, nullptr);
  std::string answer = query.substr(0, end);
  const uint16_t flags = Read16(query, 2);
  // QR, the query's opcode and RD, RA, RCODE 3 (NXDOMAIN).
  const uint16_t out = static_cast<uint16_t>(0x8000 | (flags & 0x7900) | 0x0080 | 3);
  Write16(answer, 2, out);
  for (size_t i = 6; i < kHeaderBytes; ++i) answer[i] = 0;  // no answer, authority, additional
  return answer;
}

std::string DnsSink::AddressAnswer(const std::string& query, const std::string& ipv4) {
  std::string answer = NameErrorAnswer(query);
  answer[3] = static_cast<char>(answer[3] & 0xf0);  // RCODE 0
  in_addr address{};
  if (ipv4.empty() || ::inet_pton(AF_INET, ipv4.c_str(), &address) != 1) return answer;
  answer[7] = 1;  // ANCOUNT
  // The name as a pointer to the question's (offset 12), A, IN, TTL 60, 4 bytes.
  answer += std::string("\xC0\x0C\x00\x01\x00\x01\x00\x00\x00\x3C\x00\x04", 12);
  answer.append(reinterpret_cast<const char*>(&address), 4);
  return answer;
}

std::string DnsSink::FirstNameserver(const std::string& resolv_conf) {
  std::istringstream lines(resolv_conf);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string keyword;
    std::string address;
    if (!(words >> keyword >> address) || keyword != "nameserver") continue;
    in_addr parsed{};
    if (::inet_pton(AF_INET, address.c_str(), &parsed) == 1) return address;
  }
  return "";
}

std::string DnsSink::ResolvConf() {
  return std::string("nameserver ") + kAddress + "\noptions attempts:1 timeout:1\n";
}

struct DnsSink::State : std::enable_shared_from_this<DnsSink::State> {
  State(asio::io_context& io, int fd, Ledger& ledger, int64_t instance, std::string function,
        Options options)
      : socket(io, udp::v4(), fd),
        ledger(ledger),
        instance(instance),
        function(std::move(function)),
        served(std::move(options.served)),
        sinkhole(options.sinkhole) {
    // "a.b.c.d" or "a.b.c.d:port".
    if (options.upstream.empty()) return;
    const std::string with_port = options.upstream.find(':') == std::string::npos
                                      ? options.upstream + ":" + std::to_string(kPort)
                                      : options.upstream;
    if (auto address = SandboxAddress::Parse(with_port); address.ok()) {
      upstream = udp::endpoint(asio::ip::make_address_v4(address->ip), address->port);
    }
  }

  // Relays `query` to the upstream resolver and its answer back to `asker` (bounded: an
  // unanswered query is dropped, and the asker's own retry applies).
  void Forward(const std::string& query, const udp::endpoint& asker) {
    struct Relay {
      explicit Relay(asio::any_io_executor executor) : out(executor), timer(executor) {}
      udp::socket out;
      asio::steady_timer timer;
      std::array<char, 4096> answer{};
      udp::endpoint from;
    };
    auto relay = std::make_shared<Relay>(socket.get_executor());
    boost::system::error_code ec;
    relay->out.open(udp::v4(), ec);
    if (!ec) relay->out.send_to(asio::buffer(query), *upstream, 0, ec);
    if (ec) return;
    relay->timer.expires_after(std::chrono::seconds(3));
    relay->timer.async_wait([relay](const boost::system::error_code& error) {
      boost::system::error_code ignored;
      if (!error) relay->out.close(ignored);
    });
    relay->out.async_receive_from(
        asio::buffer(relay->answer), relay->from,
        [self = shared_from_this(), relay, asker](const boost::system::error_code& error,
                                                  size_t bytes) {
          relay->timer.cancel();
          if (error || relay->from != *self->upstream || !self->socket.is_open()) return;
          boost::system::error_code ignored;
          self->socket.send_to(asio::buffer(relay->answer.data(), bytes), asker, 0, ignored);
        });
  }

  // The sinkhole address of an outside name: the same one each time; "" once the range is used
  // up (then the name is refused as without a trap).
  std::string SinkholeAddress(const std::string& name) {
    if (auto it = sinkhole_by_name.find(name); it != sinkhole_by_name.end()) return it->second;
    constexpr uint32_t kBase = 0xC6120000;  // 198.18.0.0
    constexpr uint32_t kSize = 1u << 17;    // /15
    const uint32_t index = static_cast<uint32_t>(sinkhole_by_name.size()) + 1;
    if (index >= kSize - 1) return "";
    in_addr address{htonl(kBase + index)};
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &address, text, sizeof(text));
    sinkhole_by_name[name] = text;
    name_by_sinkhole[text] = name;
    return text;
  }

  void Receive() {
    socket.async_receive_from(
        asio::buffer(buffer), peer,
        [self = shared_from_this()](const boost::system::error_code& ec, size_t bytes) {
          if (ec == asio::error::operation_aborted || !self->socket.is_open()) return;
          if (!ec) self->Answer(std::string(self->buffer.data(), bytes));
          self->Receive();
        });
  }

  void Answer(const std::string& query) {
    std::optional<Question> question = ParseQuery(query);
    if (!question) return;  // not a query: dropped, as a resolver does
    std::string name = question->name;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!name.empty() && name.back() == '.') name.pop_back();
    boost::system::error_code ignored;
    if (served) {
      if (auto it = served->find(name); it != served->end()) {
        const std::string answer = AddressAnswer(query, question->type == "A" ? it->second : "");
        socket.send_to(asio::buffer(answer), peer, 0, ignored);
        return;
      }
    }
    if (upstream) {
      Forward(query, peer);
      return;
    }
    if (sinkhole && (question->type == "A" || question->type == "AAAA")) {
      const std::string address = SinkholeAddress(name);
      if (!address.empty()) {
        const std::string answer = AddressAnswer(query, question->type == "A" ? address : "");
        socket.send_to(asio::buffer(answer), peer, 0, ignored);
        return;
      }
    }
    ledger.Append(instance, function, kinds::kSandboxEgressBlocked,
                  {{"host", question->name}, {"query", question->type}});
    socket.send_to(asio::buffer(NameErrorAnswer(query)), peer, 0, ignored);
  }

  udp::socket socket;
  Ledger& ledger;
  const int64_t instance;
  const std::string function;
  const std::shared_ptr<const ServedNames> served;
  const bool sinkhole;
  std::optional<udp::endpoint> upstream;
  std::map<std::string, std::string> sinkhole_by_name;
  std::map<std::string, std::string> name_by_sinkhole;
  std::array<char, kMaxMessage> buffer{};
  udp::endpoint peer;
};

DnsSink::DnsSink(asio::io_context& io, int udp_fd, Ledger& ledger, int64_t instance,
                 std::string function, Options options)
    : state_(std::make_shared<State>(io, udp_fd, ledger, instance, std::move(function),
                                     std::move(options))) {
  state_->Receive();
}

std::function<std::string(const std::string&)> DnsSink::Names() const {
  return [state = state_](const std::string& ipv4) -> std::string {
    auto it = state->name_by_sinkhole.find(ipv4);
    return it == state->name_by_sinkhole.end() ? "" : it->second;
  };
}

DnsSink::~DnsSink() {
  boost::system::error_code ignored;
  state_->socket.close(ignored);
}

}  // namespace thaw
