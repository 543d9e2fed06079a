#ifndef THAW_TESTS_UTIL_DNS_QUERY_H_
#define THAW_TESTS_UTIL_DNS_QUERY_H_

#include <cstdint>
#include <string>

namespace thaw::testing {

// A DNS query message for `name` of `type` (1: A, 28: AAAA) with id 0xBEEF and RD set, as glibc
// sends it (with an EDNS OPT record when `edns`).
std::string DnsQuery(const std::string& name, uint16_t type, bool edns = false);

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_DNS_QUERY_H_
