#include "emulator/sandbox/dns_sink.h"

#include <arpa/inet.h>

#include <boost/asio/ip/udp.hpp>
#include <boost/system/error_code.hpp>
#include <cctype>
#include <utility>

#include "core/event_kinds.h"

namespace thaw {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

constexpr size_t kHeaderBytes = 12;
constexpr size_t kMaxMessage = 512;  // a query over UDP without EDNS fits in this

uint16_t Read16(const std::string& m, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(m[at]) << 8) |
                               static_cast<uint8_t>(m[at + 1]));
}

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
  answer[2] = static_cast<char>(out >> 8);
  answer[3] = static_cast<char>(out & 0xff);
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

std::string DnsSink::ResolvConf() {
  return std::string("nameserver ") + kAddress + "\noptions attempts:1 timeout:1\n";
}

struct DnsSink::State : std::enable_shared_from_this<DnsSink::State> {
  State(asio::io_context& io, int fd, Ledger& ledger, int64_t instance, std::string function,
        std::shared_ptr<const ServedNames> served)
      : socket(io, udp::v4(), fd),
        ledger(ledger),
        instance(instance),
        function(std::move(function)),
        served(std::move(served)) {}

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
    ledger.Append(instance, function, kinds::kSandboxEgressBlocked,
                  {{"host", question->name}, {"query", question->type}});
    socket.send_to(asio::buffer(NameErrorAnswer(query)), peer, 0, ignored);
  }

  udp::socket socket;
  Ledger& ledger;
  const int64_t instance;
  const std::string function;
  const std::shared_ptr<const ServedNames> served;
  std::array<char, kMaxMessage> buffer{};
  udp::endpoint peer;
};

DnsSink::DnsSink(asio::io_context& io, int udp_fd, Ledger& ledger, int64_t instance,
                 std::string function, std::shared_ptr<const ServedNames> served)
    : state_(std::make_shared<State>(io, udp_fd, ledger, instance, std::move(function),
                                     std::move(served))) {
  state_->Receive();
}

DnsSink::~DnsSink() {
  boost::system::error_code ignored;
  state_->socket.close(ignored);
}

}  // namespace thaw
