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

std::string MintedApiKeys::MintV2(int64_t instance, const std::string& function) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = v2_keys_.try_emplace({instance, function});
  if (inserted) {
    // Unsigned as far as anyone can check: the SDK only decodes the claims (jwt-decode), and
    // the fake knows its keys by value.
    const nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    const nlohmann::json claims = {
        {"t", "g"}, {"id", "thaw-momento-" + std::to_string(instance) + "-" + RandomHex()}};
    it->second = absl::WebSafeBase64Escape(JsonText(header)) + "." +
                 absl::WebSafeBase64Escape(JsonText(claims)) + "." +
                 absl::WebSafeBase64Escape(RandomHex());
    owners_[it->second] = Owner{instance, function};
  }
  return it->second;
}

std::optional<MintedApiKeys::Owner> MintedApiKeys::Find(const std::string& token) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = owners_.find(token);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ApiKeyEndpoints(const std::string& key) {
  std::vector<std::string> out;
  auto claims_of = [](const std::string& text, bool web_safe) {
    std::string decoded;
    const bool ok = web_safe ? absl::WebSafeBase64Unescape(text, &decoded)
                             : absl::Base64Unescape(text, &decoded);
    return ok ? nlohmann::json::parse(decoded, nullptr, false) : nlohmann::json();
  };
  if (key.find('.') == std::string::npos) {
    const nlohmann::json v1 = claims_of(key, /*web_safe=*/false);
    if (v1.is_object() && v1.contains("endpoint") && v1["endpoint"].is_string()) {
      out.push_back(v1["endpoint"].get<std::string>());
    }
    return out;
  }
  const size_t first = key.find('.');
  const size_t second = key.find('.', first + 1);
  if (second == std::string::npos) return out;
  const nlohmann::json claims = claims_of(key.substr(first + 1, second - first - 1), true);
  if (!claims.is_object()) return out;
  for (const char* claim : {"c", "cp"}) {
    if (!claims.contains(claim) || !claims[claim].is_string()) continue;
    std::string host = claims[claim].get<std::string>();
    host = host.substr(0, host.find(':'));
    for (const char* prefix : {"cache.", "control.", "token."}) {
      if (host.starts_with(prefix)) {
        host = host.substr(std::string(prefix).size());
        break;
      }
    }
    if (!host.empty()) out.push_back(host);
  }
  return out;
}

}  // namespace thaw::momento
