#ifndef THAW_FAKES_MOMENTO_MINTED_API_KEYS_H_
#define THAW_FAKES_MOMENTO_MINTED_API_KEYS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

  // The v2 key for `instance` (the same one each time).
  std::string MintV2(int64_t instance, const std::string& function);

  // The instance a token (the `authorization` value: a v1 key's inner token, or a whole v2
  // key) was minted for.
  std::optional<Owner> Find(const std::string& token) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Owner> owners_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<int64_t, std::string>, std::string> tokens_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<int64_t, std::string>, std::string> v2_keys_ ABSL_GUARDED_BY(mu_);
};

// The endpoint bases a Momento API key leads the SDK to, whose `cache.`, `control.` and `token.`
// names it connects to: a v1 key's `endpoint`, or, for a legacy JWT key, its `c` and `cp` claims
// (verbatim names, port dropped) each as its own base with the prefix stripped when it has one.
// Empty for anything else: a v2 key names no endpoint (MOMENTO_ENDPOINT does). Thread-safe.
std::vector<std::string> ApiKeyEndpoints(const std::string& key);

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_MINTED_API_KEYS_H_
