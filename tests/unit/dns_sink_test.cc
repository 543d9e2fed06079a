// DnsSink's message handling: the question of a query as resolvers send it, the NXDOMAIN answer
// echoing it, and what is not a query.
#include "emulator/sandbox/dns_sink.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/util/dns_query.h"

namespace thaw {
namespace {

using testing::DnsQuery;

TEST(DnsSinkTest, ParsesTheQuestion) {
  auto a = DnsSink::ParseQuery(DnsQuery("api.example.com", 1));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->name, "api.example.com");
  EXPECT_EQ(a->type, "A");
  auto aaaa = DnsSink::ParseQuery(DnsQuery("x.io", 28, /*edns=*/true));
  ASSERT_TRUE(aaaa.has_value());
  EXPECT_EQ(aaaa->name, "x.io");
  EXPECT_EQ(aaaa->type, "AAAA");
  EXPECT_EQ(DnsSink::ParseQuery(DnsQuery("a.b", 99))->type, "99");
}

TEST(DnsSinkTest, AnswersNxdomainEchoingIdAndQuestion) {
  const std::string query = DnsQuery("api.example.com", 1, /*edns=*/true);
  const std::string answer = DnsSink::NameErrorAnswer(query);
  ASSERT_EQ(answer.size(), query.size() - 11) << "the OPT record is not echoed";
  EXPECT_EQ(answer.substr(0, 2), query.substr(0, 2)) << "same id";
  EXPECT_EQ(static_cast<uint8_t>(answer[2]) & 0x80, 0x80) << "a response";
  EXPECT_EQ(static_cast<uint8_t>(answer[2]) & 0x01, 0x01) << "recursion desired, echoed";
  EXPECT_EQ(static_cast<uint8_t>(answer[3]) & 0x0f, 3) << "NXDOMAIN";
  EXPECT_EQ(answer.substr(4, 2), std::string("\x00\x01", 2)) << "one question";
  EXPECT_EQ(answer.substr(6, 6), std::string(6, '\0')) << "no records";
  EXPECT_EQ(answer.substr(12), query.substr(12, answer.size() - 12));
}

TEST(DnsSinkTest, AnswersAServedNameWithItsAddressAndNoIpv6Record) {
  const std::string query = DnsQuery("cache.cell.example", 1);
  const std::string a = DnsSink::AddressAnswer(query, "127.0.0.2");
  EXPECT_EQ(static_cast<uint8_t>(a[3]) & 0x0f, 0) << "NOERROR";
  EXPECT_EQ(a.substr(6, 2), std::string("\x00\x01", 2)) << "one answer";
  ASSERT_EQ(a.size(), query.size() + 16);
  EXPECT_EQ(a.substr(query.size()),
            std::string("\xC0\x0C\x00\x01\x00\x01\x00\x00\x00\x3C\x00\x04\x7F\x00\x00\x02", 16));
  const std::string aaaa = DnsSink::AddressAnswer(DnsQuery("cache.cell.example", 28), "");
  EXPECT_EQ(static_cast<uint8_t>(aaaa[3]) & 0x0f, 0) << "NOERROR: the name exists";
  EXPECT_EQ(aaaa.substr(6, 2), std::string("\x00\x00", 2)) << "no record";
}

TEST(DnsSinkTest, RejectsWhatIsNotAQuery) {
  EXPECT_FALSE(DnsSink::ParseQuery("").has_value());
  EXPECT_FALSE(DnsSink::ParseQuery(std::string(11, '\0')).has_value());
  std::string response = DnsQuery("a.b", 1);
  response[2] = static_cast<char>(response[2] | 0x80);
  EXPECT_FALSE(DnsSink::ParseQuery(response).has_value());
  std::string truncated = DnsQuery("api.example.com", 1);
  truncated.resize(20);
  EXPECT_FALSE(DnsSink::ParseQuery(truncated).has_value());
  std::string compressed = DnsQuery("a.b", 1);
  compressed[12] = static_cast<char>(0xC0);
  EXPECT_FALSE(DnsSink::ParseQuery(compressed).has_value());
  EXPECT_FALSE(DnsSink::ParseQuery(std::string(600, 'x')).has_value());
}

TEST(DnsSinkTest, FirstNameserverIsTheFirstIpv4One) {
  EXPECT_EQ(DnsSink::FirstNameserver("# comment\nsearch example.com\nnameserver ::1\n"
                                     "nameserver 10.255.255.53\nnameserver 8.8.8.8\n"),
            "10.255.255.53");
  EXPECT_EQ(DnsSink::FirstNameserver("options ndots:1\nnameserver\n"), "");
  EXPECT_EQ(DnsSink::FirstNameserver(""), "");
}

}  // namespace
}  // namespace thaw
