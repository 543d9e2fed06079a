#ifndef THAW_FAKES_AWS_SIGV4_VERIFIER_H_
#define THAW_FAKES_AWS_SIGV4_VERIFIER_H_

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "fakes/aws/credential_store.h"
#include "fakes/aws/sigv4.h"

namespace thaw::aws {

// Verifies a request's SigV4 signature against the credentials the fake issued, with AWS's
// checks and errors (all HTTP 400, see aws_error.h for how they travel):
//   no Authorization header            MissingAuthenticationTokenException
//   malformed header, no X-Amz-Date    IncompleteSignatureException
//   scope date/region/service wrong,
//   more than 5 min of clock skew,
//   signature mismatch                 InvalidSignatureException
//   unknown access key, session token
//   missing or different               UnrecognizedClientException
//   session past its expiry            ExpiredTokenException
// Borrows the store, which must outlive the verifier. Thread-safe (const after construction).
class SigV4Verifier {
 public:
  struct Options {
    // The region the scope must name; empty accepts any.
    std::string region;
    std::chrono::seconds max_skew{300};
  };

  SigV4Verifier(const CredentialStore& credentials, Options options)
      : credentials_(credentials), options_(std::move(options)) {}

  // Returns the credentials that signed `request` for `service` ("secretsmanager", "ssm"),
  // checking the time against `now` (real time: clients sign with their wall clock).
  absl::StatusOr<AwsCredential> Verify(const sigv4::SignedRequest& request,
                                       std::string_view service,
                                       std::chrono::system_clock::time_point now) const;

 private:
  // The derived signing key for (secret, date, region, service), as SDKs cache it: four HMACs
  // saved per request.
  std::string CachedSigningKey(const std::string& secret, std::string_view date,
                               std::string_view region, std::string_view service) const;

  const CredentialStore& credentials_;
  const Options options_;
  mutable std::mutex keys_mu_;
  mutable std::map<std::string, std::string> keys_ ABSL_GUARDED_BY(keys_mu_);
};

// yyyymmddThhmmssZ <-> time point (UTC). Parse returns nullopt on a malformed value.
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text);
std::string FormatAmzDate(std::chrono::system_clock::time_point time);

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_SIGV4_VERIFIER_H_
