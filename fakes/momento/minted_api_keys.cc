#include "fakes/momento/minted_api_keys.h"

#include <random>

#include "absl/strings/escaping.h"
#include "core/json_text.h"
#include "nlohmann/json.hpp"

namespace thaw::momento {

namespace {

// 16 random bytes as hex: unguessable enough that a key cannot be made up by a handler.
std::string RandomHex() {
  static thread_local std::random_device device;
  std::string out;
  for (int i = 0; i < 4; ++i) {
    char part[9];
    std::snprintf(part, sizeof(part), "%08x", static_cast<unsigned>(device()));
    out += part;
  }
  return out;
}

}  // namespace

std::string MintedApiKeys::Mint(int64_t instance, const std::string& function,
                                const std::string& endpoint) {
  std::string token;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = tokens_.try_emplace({instance, function});
    if (inserted) {
      it->second = "thaw-momento-" + std::to_string(instance) + "-" + RandomHex();
      owners_[it->second] = Owner{instance, function};
    }
    token = it->second;
  }
  const nlohmann::json body = {{"endpoint", endpoint}, {"api_key", token}};
  return absl::Base64Escape(JsonText(body));
}

std::optional<MintedApiKeys::Owner> MintedApiKeys::Find(const std::string& token) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = owners_.find(token);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

}  // namespace thaw::momento
