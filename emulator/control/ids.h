#ifndef THAW_EMULATOR_CONTROL_IDS_H_
#define THAW_EMULATOR_CONTROL_IDS_H_

#include <string>

namespace thaw {

// Random identifiers in the shapes Lambda uses. Thread-safe (a thread-local generator).
// A request id: a version 4 UUID, "8-4-4-4-12" lowercase hex.
std::string NewRequestId();
// An X-Ray trace header: "Root=1-<8 hex time>-<24 hex>;Parent=<16 hex>;Sampled=0".
std::string NewTraceId();
// A log stream name: "YYYY/MM/DD/[$LATEST]<32 hex>".
std::string NewLogStreamName();
// Standard base64 (with padding).
std::string Base64Encode(std::string_view data);
// Decodes standard base64; returns false on malformed input.
bool Base64Decode(std::string_view data, std::string& out);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_IDS_H_
