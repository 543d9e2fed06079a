#ifndef THAW_EMULATOR_SANDBOX_NETWORK_ORDER_H_
#define THAW_EMULATOR_SANDBOX_NETWORK_ORDER_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace thaw {

// 16-bit fields of a packet held in a std::string, in network (big-endian) order: DNS messages
// (dns_sink.cc) and IPv4/TCP headers (egress_trap.cc). The caller checks that p[at + 1] exists.
inline uint16_t Read16(const std::string& p, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[at]) << 8) |
                               static_cast<uint8_t>(p[at + 1]));
}

inline void Write16(std::string& p, size_t at, uint16_t value) {
  p[at] = static_cast<char>(value >> 8);
  p[at + 1] = static_cast<char>(value & 0xff);
}

}  // namespace thaw

#endif  // THAW_EMULATOR_SANDBOX_NETWORK_ORDER_H_
