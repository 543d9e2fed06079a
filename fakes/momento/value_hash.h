#ifndef THAW_FAKES_MOMENTO_VALUE_HASH_H_
#define THAW_FAKES_MOMENTO_VALUE_HASH_H_

#include <string>
#include <string_view>

namespace thaw::momento {

// The hash GetWithHash answers and SetIfHash compares: the SHA-256 of the value, as 64
// lowercase hex digits. Momento does not document its hash; the SDK hands it back as opaque
// bytes or as a UTF-8 string (hashString()), so it is printable ASCII: raw digest bytes would not
// survive a round trip through the string. Computed on demand, never stored, so it cannot go
// stale. Thread-safe (no state).
std::string ValueHash(std::string_view value);

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_VALUE_HASH_H_
