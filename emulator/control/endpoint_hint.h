#ifndef THAW_EMULATOR_CONTROL_ENDPOINT_HINT_H_
#define THAW_EMULATOR_CONTROL_ENDPOINT_HINT_H_

#include <optional>
#include <string>

namespace thaw {

// Outside a sandbox (settings.isolation: process) the fakes are reachable only through the
// THAW_* and AWS_ENDPOINT_URL* variables. An SDK that ignores them (aws-sdk v2, boto3 < 1.28, a
// Momento key used without endpointOverrides) goes for the real endpoint: the host's DNS fails
// (UnknownEndpoint, ENOTFOUND, EAI_AGAIN) or, on a connected machine, real AWS refuses thaw's
// credentials. Given a failed invocation's error answer, says so and names the fix; nullopt when
// the answer shows nothing of the kind. Thread-safe.
std::optional<std::string> RealEndpointHint(const std::string& error_payload);

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_ENDPOINT_HINT_H_
