// EgressTrap's packet handling: which IPv4 packets are attempts to reach outside, and the ICMP
// "network unreachable" answer that makes the sender's connect fail at once.
#include "emulator/sandbox/egress_trap.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

namespace thaw {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmp = 1;

uint16_t Read16(const std::string& p, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[at]) << 8) |
                               static_cast<uint8_t>(p[at + 1]));
}

// Adds up 16-bit words (RFC 1071): a checksummed range sums to 0xffff.
uint16_t Sum(const std::string& p, size_t from, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < length; i += 2) sum += Read16(p, from + i);
  if (length % 2 != 0)
    sum += static_cast<uint32_t>(static_cast<uint8_t>(p[from + length - 1])) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// An IPv4 packet from 169.254.77.1 to `to`, of `protocol`, with `transport` after the header.
std::string Packet(const std::string& to, uint8_t protocol, const std::string& transport) {
  std::string p(20, '\0');
  p[0] = 0x45;
  const uint16_t total = static_cast<uint16_t>(20 + transport.size());
  p[2] = static_cast<char>(total >> 8);
  p[3] = static_cast<char>(total & 0xff);
  p[6] = 0x40;  // don't fragment
  p[8] = 64;
  p[9] = static_cast<char>(protocol);
  in_addr from{};
  in_addr dest{};
  ::inet_pton(AF_INET, "169.254.77.1", &from);
  ::inet_pton(AF_INET, to.c_str(), &dest);
  p.replace(12, 4, reinterpret_cast<const char*>(&from), 4);
  p.replace(16, 4, reinterpret_cast<const char*>(&dest), 4);
  return p + transport;
}

// A TCP header from port 40000 to `port` with `flags` and sequence number 0x01020304.
std::string Tcp(uint16_t port, uint8_t flags) {
  std::string t(20, '\0');
  t[0] = static_cast<char>(40000 >> 8);
  t[1] = static_cast<char>(40000 & 0xff);
  t[2] = static_cast<char>(port >> 8);
  t[3] = static_cast<char>(port & 0xff);
  t[4] = 1;
  t[5] = 2;
  t[6] = 3;
  t[7] = 4;
  t[12] = 0x50;
  t[13] = static_cast<char>(flags);
  return t;
}

std::string Udp(uint16_t port) {
  std::string u(12, 'x');
  u[0] = static_cast<char>(0x9c);
  u[1] = 0x40;
  u[2] = static_cast<char>(port >> 8);
  u[3] = static_cast<char>(port & 0xff);
  return u;
}

TEST(EgressTrapTest, ATcpSynIsAnAttemptWithItsPort) {
  auto attempt = EgressTrap::ParseAttempt(Packet("203.0.113.5", kTcp, Tcp(8443, 0x02)));
  ASSERT_TRUE(attempt.has_value());
  EXPECT_EQ(attempt->protocol, "tcp");
  EXPECT_EQ(attempt->address, "203.0.113.5");
  EXPECT_EQ(attempt->port, 8443);
}

TEST(EgressTrapTest, UdpAndPingAreAttemptsToo) {
  auto udp = EgressTrap::ParseAttempt(Packet("192.0.2.7", kUdp, Udp(53)));
  ASSERT_TRUE(udp.has_value());
  EXPECT_EQ(udp->protocol, "udp");
  EXPECT_EQ(udp->port, 53);
  auto ping =
      EgressTrap::ParseAttempt(Packet("192.0.2.7", kIcmp, std::string("\x08\0\0\0\0\0\0\0", 8)));
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ(ping->protocol, "icmp");
  EXPECT_EQ(ping->port, 0);
  auto other = EgressTrap::ParseAttempt(Packet("192.0.2.7", 132, "sctp"));
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->protocol, "132");
}

TEST(EgressTrapTest, WhatIsNotAnAttemptIsIgnored) {
  // TCP past its SYN (a SYN+ACK, an ACK), an ICMP reply, a later fragment, IPv6, truncations.
  EXPECT_FALSE(EgressTrap::ParseAttempt(Packet("203.0.113.5", kTcp, Tcp(443, 0x12))));
  EXPECT_FALSE(EgressTrap::ParseAttempt(Packet("203.0.113.5", kTcp, Tcp(443, 0x10))));
  EXPECT_FALSE(EgressTrap::ParseAttempt(Packet("203.0.113.5", kIcmp, std::string(8, '\0'))));
  std::string fragment = Packet("203.0.113.5", kUdp, Udp(53));
  fragment[7] = 8;  // offset 64 bytes
  EXPECT_FALSE(EgressTrap::ParseAttempt(fragment));
  std::string ipv6 = Packet("203.0.113.5", kTcp, Tcp(443, 0x02));
  ipv6[0] = 0x60;
  EXPECT_FALSE(EgressTrap::ParseAttempt(ipv6));
  EXPECT_FALSE(EgressTrap::ParseAttempt(Packet("203.0.113.5", kTcp, "short")));
  EXPECT_FALSE(EgressTrap::ParseAttempt(std::string(19, 'E')));
  EXPECT_FALSE(EgressTrap::ParseAttempt(""));
}

TEST(EgressTrapTest, TheAnswerIsANetworkUnreachableQuotingTheAttempt) {
  const std::string syn = Packet("203.0.113.5", kTcp, Tcp(8443, 0x02));
  const std::string answer = EgressTrap::UnreachableAnswer(syn);
  ASSERT_EQ(answer.size(), 20u + 8u + 20u + 8u);
  EXPECT_EQ(answer[0], 0x45);
  EXPECT_EQ(Read16(answer, 2), answer.size());
  EXPECT_EQ(answer[9], kIcmp);
  // From the unreachable destination, to the sender.
  EXPECT_EQ(answer.substr(12, 4), syn.substr(16, 4));
  EXPECT_EQ(answer.substr(16, 4), syn.substr(12, 4));
  EXPECT_EQ(Sum(answer, 0, 20), 0xffff);
  // ICMP type 3 code 0, checksummed, quoting the header and the ports and sequence number.
  EXPECT_EQ(answer[20], 3);
  EXPECT_EQ(answer[21], 0);
  EXPECT_EQ(Sum(answer, 20, answer.size() - 20), 0xffff);
  EXPECT_EQ(answer.substr(28), syn.substr(0, 28));
  EXPECT_EQ(EgressTrap::UnreachableAnswer("not a packet"), "");
}

}  // namespace
}  // namespace thaw
