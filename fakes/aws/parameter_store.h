#ifndef THAW_FAKES_AWS_PARAMETER_STORE_H_
#define THAW_FAKES_AWS_PARAMETER_STORE_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "fakes/aws/secret_store.h"
#include "nlohmann/json.hpp"

namespace thaw::aws {

// The fake SSM Parameter Store: String, StringList and SecureString parameters with versions,
// hierarchies (`/app/db/host`), `name:version` selectors, and the read-only
// `/aws/reference/secretsmanager/<secret-id>` names that return a Secrets Manager secret
// (they require WithDecryption=true, as in AWS).
//
// Operations take the AWS JSON 1.1 request body and return the response body; errors are
// AwsError statuses (ParameterNotFound, ParameterAlreadyExists, ParameterVersionNotFound,
// ValidationException). A SecureString read without decryption returns a stand-in
// ciphertext (base64), never the plain value.
//
// Thread-safe. Borrows the secret store (whose clock dates the versions), which must outlive it.
class ParameterStore {
 public:
  using Json = nlohmann::json;

  struct Options {
    std::string region = "us-east-1";
    std::string account_id = "123456789012";
  };

  ParameterStore(SecretStore& secrets, Options options);
  ParameterStore(const ParameterStore&) = delete;
  ParameterStore& operator=(const ParameterStore&) = delete;

  absl::StatusOr<Json> PutParameter(const Json& request);
  absl::StatusOr<Json> GetParameter(const Json& request);
  absl::StatusOr<Json> GetParameters(const Json& request);
  absl::StatusOr<Json> GetParametersByPath(const Json& request);
  absl::StatusOr<Json> DeleteParameter(const Json& request);
  absl::StatusOr<Json> DeleteParameters(const Json& request);

  // Adds version 1 of a parameter (configuration seeding); fails as PutParameter does.
  absl::Status Seed(const std::string& name, const std::string& type, const std::string& value);

  // The parameter's ARN for IAM: arn:aws:ssm:<region>:<account>:parameter/<name without the
  // leading slash>. `name` may carry a `:version` selector or be an ARN already.
  std::string ResourceArn(const std::string& name) const;

  inline static constexpr char kSecretReferencePrefix[] = "/aws/reference/secretsmanager/";

 private:
  struct Version {
    std::string type;
    std::string value;
    std::string description;
    std::string key_id;
    std::string data_type = "text";
    int64_t number = 0;
    double last_modified = 0;
  };
  struct Parameter {
    std::string name;
    std::vector<Version> versions;  // oldest first
  };

  // Name without an ARN prefix and the selector after ':' (empty when none).
  std::pair<std::string, std::string> SplitName(const std::string& name) const;
  absl::StatusOr<Json> GetOneLocked(const std::string& name, bool decrypt)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json ParameterJson(const Parameter& parameter, const Version& version, bool decrypt) const;

  SecretStore& secrets_;
  const Options options_;
  mutable std::mutex mu_;
  std::map<std::string, Parameter> parameters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_PARAMETER_STORE_H_
