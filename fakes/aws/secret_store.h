#ifndef THAW_FAKES_AWS_SECRET_STORE_H_
#define THAW_FAKES_AWS_SECRET_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/scheduler_clock.h"
#include "nlohmann/json.hpp"

namespace thaw::aws {

// The fake Secrets Manager's data: secrets with versions and staging labels, on the scheduler
// clock (dates are the wall clock plus every SchedulerClock::Advance, so a fast-forward makes
// a scheduled deletion happen).
//
// Each operation takes the AWS JSON 1.1 request body and returns the response body as AWS
// shapes it (ARNs `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 letters>`,
// VersionId UUIDs, dates as fractional epoch seconds). Errors are AwsError statuses
// (aws_error.h) with the service's own messages, e.g. ResourceNotFoundException "Secrets
// Manager can't find the specified secret.". Authorization is not done here (AwsService does
// it), except per secret in BatchGetSecretValue through `authorize`.
//
// Thread-safe. Borrows the clock, which must outlive the store.
class SecretStore {
 public:
  using Json = nlohmann::json;
  // Called per secret by BatchGetSecretValue with the secret's ARN; a non-OK status becomes
  // that secret's entry in `Errors`.
  using Authorizer = std::function<absl::Status(const std::string& arn)>;

  struct Options {
    std::string region = "us-east-1";
    std::string account_id = "123456789012";
  };

  SecretStore(const SchedulerClock& clock, Options options);
  SecretStore(const SecretStore&) = delete;
  SecretStore& operator=(const SecretStore&) = delete;

  absl::StatusOr<Json> CreateSecret(const Json& request);
  absl::StatusOr<Json> GetSecretValue(const Json& request);
  absl::StatusOr<Json> BatchGetSecretValue(const Json& request, const Authorizer& authorize);
  absl::StatusOr<Json> PutSecretValue(const Json& request);
  absl::StatusOr<Json> UpdateSecret(const Json& request);
  absl::StatusOr<Json> DescribeSecret(const Json& request);
  absl::StatusOr<Json> ListSecrets(const Json& request);
  absl::StatusOr<Json> DeleteSecret(const Json& request);
  absl::StatusOr<Json> RestoreSecret(const Json& request);
  absl::StatusOr<Json> UpdateSecretVersionStage(const Json& request);
  // Without a rotation function thaw finishes the rotation at once: the AWSPENDING version
  // (one the caller put with PutSecretValue, else a new copy of the current value) becomes
  // AWSCURRENT and the old current AWSPREVIOUS, as the rotation's finishSecret step does.
  absl::StatusOr<Json> RotateSecret(const Json& request);
  absl::StatusOr<Json> TagResource(const Json& request);
  absl::StatusOr<Json> UntagResource(const Json& request);

  // The ARN the IAM check uses for a SecretId (a name, a full ARN or a partial ARN without
  // the suffix): the secret's full ARN when it exists, else the ARN it would have without
  // the suffix (as the name was given).
  std::string ResourceArn(const std::string& secret_id);

  // Adds a secret with a string value (configuration seeding); fails as CreateSecret does.
  absl::Status Seed(const std::string& name, const std::string& value,
                    const std::string& description = "");

  // Wall time on the scheduler clock.
  std::chrono::system_clock::time_point Now() const;

 private:
  struct Version {
    std::string id;
    std::optional<std::string> string_value;
    std::optional<std::string> binary_value;  // base64, as on the wire
    double created = 0;
    std::set<std::string> stages;
    uint64_t order = 0;
  };
  struct Secret {
    std::string name;
    std::string arn;
    std::string description;
    std::string kms_key_id;
    std::vector<std::pair<std::string, std::string>> tags;
    std::map<std::string, Version> versions;
    double created = 0;
    double last_changed = 0;
    std::optional<double> last_accessed;
    std::optional<double> deleted;        // when DeleteSecret was called
    std::optional<double> deletion_date;  // when it goes away
    bool rotation_enabled = false;
    std::string rotation_lambda_arn;
    std::optional<int> rotation_days;
    std::optional<double> last_rotated;
    uint64_t order = 0;
  };

  double NowSeconds() const;
  // Drops secrets whose deletion date has passed.
  void PurgeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The secret for a SecretId, or ResourceNotFoundException.
  absl::StatusOr<Secret*> FindLocked(const Json& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Secret* LookupLocked(const std::string& secret_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds a version holding the request's value; moves `stages` to it (AWSCURRENT demotes the
  // old current to AWSPREVIOUS). Returns the version id or an error.
  absl::StatusOr<std::string> AddVersionLocked(Secret& secret, const Json& request,
                                               const std::vector<std::string>& stages)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MoveStageLocked(Secret& secret, const std::string& stage, const std::string& to_version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json DescribeLocked(const Secret& secret, bool for_list) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Json> ValueLocked(Secret& secret, const Json& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string PartialArn(const std::string& name) const;

  const SchedulerClock& clock_;
  const Options options_;
  mutable std::mutex mu_;
  std::map<std::string, Secret> secrets_ ABSL_GUARDED_BY(mu_);  // by name
  uint64_t next_order_ ABSL_GUARDED_BY(mu_) = 1;
};

// A random version 4 UUID, lower case.
std::string NewUuid();

// Fractional epoch seconds with millisecond precision, as AWS JSON timestamps are.
double EpochSeconds(std::chrono::system_clock::time_point time);

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_SECRET_STORE_H_
