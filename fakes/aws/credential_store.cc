#include "fakes/aws/credential_store.h"

#include <random>

namespace thaw::aws {

namespace {

std::string RandomString(size_t n, std::string_view alphabet) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out += alphabet[pick(rng)];
  return out;
}

constexpr std::string_view kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

void CredentialStore::Add(AwsCredential credential) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = credential.access_key_id;
  credentials_[key] = std::move(credential);
}

AwsCredential CredentialStore::Issue(int64_t instance, std::string function, std::string role_name,
                                     std::shared_ptr<const IamPolicy> policy) {
  AwsCredential credential;
  credential.access_key_id = "ASIA" + RandomString(16, kUpperDigits);
  credential.secret_access_key = RandomString(40, kBase64);
  credential.session_token = "IQoJb3JpZ2luX2VjE" + RandomString(300, kBase64);
  credential.role_name = std::move(role_name);
  credential.session_name = function;
  credential.instance = instance;
  credential.function = std::move(function);
  credential.policy = std::move(policy);
  Add(credential);
  return credential;
}

void CredentialStore::Remove(const std::string& access_key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  credentials_.erase(access_key_id);
}

std::optional<AwsCredential> CredentialStore::Find(const std::string& access_key_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = credentials_.find(access_key_id);
  if (it == credentials_.end()) return std::nullopt;
  return it->second;
}

size_t CredentialStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return credentials_.size();
}

}  // namespace thaw::aws
