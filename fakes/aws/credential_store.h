#ifndef THAW_FAKES_AWS_CREDENTIAL_STORE_H_
#define THAW_FAKES_AWS_CREDENTIAL_STORE_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "fakes/aws/iam_evaluator.h"

namespace thaw::aws {

// One set of credentials the fake accepts, and who it stands for. Plain value type.
struct AwsCredential {
  std::string access_key_id;
  std::string secret_access_key;
  // Empty for long-term keys; Lambda always hands out session credentials.
  std::string session_token;
  // The function's execution role and the STS session name (Lambda uses the function name):
  // the caller is arn:aws:sts::<account>:assumed-role/<role_name>/<session_name>.
  std::string role_name = "thaw-function-role";
  std::string session_name = "thaw";
  // The Lambda instance these credentials were issued to (0: none, e.g. a test or standalone
  // client) and its function; every request they sign is attributed to them in the ledger.
  int64_t instance = 0;
  std::string function;
  // When the session token stops being accepted (ExpiredTokenException); none = never.
  std::optional<std::chrono::system_clock::time_point> expires;
  // The role's identity-based policy. Null: no statements declared, everything is allowed.
  std::shared_ptr<const IamPolicy> policy;
};

// Access key id -> credentials. The emulator issues one set per instance and removes it when
// the instance is gone; tests and `thaw aws` add fixed ones.
// Thread-safe.
class CredentialStore {
 public:
  CredentialStore() = default;
  CredentialStore(const CredentialStore&) = delete;
  CredentialStore& operator=(const CredentialStore&) = delete;

  // Adds or replaces the credentials for `credential.access_key_id`.
  void Add(AwsCredential credential);
  // Mints a fresh ASIA... access key id, secret and session token for `instance`, stores them
  // and returns them (copy `access_key_id`/`secret_access_key`/`session_token` into the
  // instance's AWS_* environment).
  AwsCredential Issue(int64_t instance, std::string function, std::string role_name,
                      std::shared_ptr<const IamPolicy> policy);
  // Forgets these credentials (requests signed with them get UnrecognizedClientException).
  void Remove(const std::string& access_key_id);
  std::optional<AwsCredential> Find(const std::string& access_key_id) const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, AwsCredential> credentials_ ABSL_GUARDED_BY(mu_);
};

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_CREDENTIAL_STORE_H_
