#include "emulator/control/endpoint_hint.h"

#include <regex>

namespace thaw {

std::optional<std::string> RealEndpointHint(const std::string& error_payload) {
  // A host of the real services, as the SDKs spell them in their errors.
  static const std::regex kHost(R"(([A-Za-z0-9-]+\.)+(amazonaws\.com|api\.aws|momentohq\.com))");
  static const std::regex kSymptom(
      R"(UnknownEndpoint|ENOTFOUND|EAI_AGAIN|Could not connect to the endpoint URL|)"
      R"(security token included in the request is invalid|UnrecognizedClientException|)"
      R"(Name resolution|getaddrinfo)");
  std::smatch host;
  if (!std::regex_search(error_payload, host, kHost) ||
      !std::regex_search(error_payload, kSymptom)) {
    return std::nullopt;
  }
  return "the function tried to reach " + host.str() +
         " itself: its SDK ignores the endpoint thaw gives it (AWS_ENDPOINT_URL*, "
         "THAW_MOMENTO_ENDPOINT), and instances run without a sandbox here (isolation: process), "
         "where the real names do not lead to thaw's fakes. Run where namespaces work (the "
         "default, isolation: sandbox), or pass the endpoint to the client explicitly.";
}

}  // namespace thaw
