#include "tests/util/dns_query.h"

#include <algorithm>

namespace thaw::testing {

std::string DnsQuery(const std::string& name, uint16_t type, bool edns) {
  std::string m = {'\xBE', '\xEF', 0x01, 0x00, 0x00, 0x01,
                   0x00,   0x00,   0x00, 0x00, 0x00, static_cast<char>(edns ? 1 : 0)};
  size_t start = 0;
  while (start <= name.size()) {
    const size_t dot = std::min(name.find('.', start), name.size());
    m += static_cast<char>(dot - start);
    m += name.substr(start, dot - start);
    start = dot + 1;
  }
  m += '\0';
  m += static_cast<char>(type >> 8);
  m += static_cast<char>(type & 0xff);
  m += std::string("\x00\x01", 2);
  if (edns) m += std::string("\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
  return m;
}

}  // namespace thaw::testing
