#ifndef THAW_FAKES_MOMENTO_MINTED_API_KEYS_H_
#define THAW_FAKES_MOMENTO_MINTED_API_KEYS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"

namespace thaw::momento {

// Momento API keys the fake makes up for Lambda instances (to render `{{momento_api_key}}` in
// their secrets), and accepts from then on whatever `api_keys` it was configured with.
//
// A key is a Momento v1 key: standard base64 of {"endpoint": <endpoint>, "api_key": <token>},
// which `CredentialProvider.fromString({apiKey, endpointOverrides: {...,
// secureConnection: false}})` accepts and sends as `authorization: <token>`
// (shared/reference/momento-and-aws-protocol.md §2.9 "v1 keys"). One token per instance:
// minting again for the same instance returns the same key.
//
// Thread-safe.
class MintedApiKeys {
 public:
  struct Owner {
    int64_t instance = 0;
    std::string function;
  };

  MintedApiKeys() = default;
  MintedApiKeys(const MintedApiKeys&) = delete;
  MintedApiKeys& operator=(const MintedApiKeys&) = delete;

  // The v1 key for `instance`, naming `endpoint` ("127.0.0.1:port") as its endpoint.
  std::string Mint(int64_t instance, const std::string& function, const std::string& endpoint);

  // The instance a token (the `authorization` value, not the base64 key) was minted for.
  std::optional<Owner> Find(const std::string& token) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Owner> owners_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<int64_t, std::string>, std::string> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_MINTED_API_KEYS_H_
