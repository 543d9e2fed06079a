#ifndef THAW_FAKES_AWS_AWS_SERVICE_H_
#define THAW_FAKES_AWS_AWS_SERVICE_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "core/ledger.h"
#include "emulator/http/http_server.h"
#include "fakes/aws/credential_store.h"
#include "fakes/aws/iam_evaluator.h"
#include "fakes/aws/parameter_store.h"
#include "fakes/aws/secret_store.h"
#include "fakes/aws/sigv4_verifier.h"

namespace thaw::aws {

// A programmed failure: the next `count` matching requests (after the signature and IAM
// checks) answer with `error_type` / `message` instead of running, after `delay`. With an
// empty error_type the request only waits `delay`, then runs.
struct AwsFault {
  // "GetSecretValue", "secretsmanager.GetSecretValue", "AmazonSSM.GetParameter"; empty = any.
  std::string operation;
  std::string error_type;  // e.g. ThrottlingException, InternalServiceError
  std::string message;     // default: "Rate exceeded" / AWS's text for the type
  int count = 1;           // -1: every matching request
  std::chrono::milliseconds delay{0};
};

// The fake AWS endpoint: Secrets Manager and SSM Parameter Store over AWS JSON 1.1
// (`POST /`, `X-Amz-Target: secretsmanager.<Op>` or `AmazonSSM.<Op>`).
//
// Per request: SigV4 check (when enabled; otherwise the access key, if known, still
// attributes the request), IAM check against the signing credential's policy (null policy =
// allow all), faults, then the store operation. Answers 200 with the AWS shape, or 400 with
// `{"__type","Message"}` and `X-Amzn-Errortype` (500 for InternalServiceError); every answer
// carries `x-amzn-RequestId`. Every request appends one `aws.request` ledger event before it
// is answered, attributed to the credential's instance and function (0 / "" when unsigned or
// unknown): service, operation, secret or parameter, version, outcome ("ok" or the error
// type), status, latency_ms, request_id, access_key_id.
//
// One AwsService serves any number of listeners (the emulator gives each instance its own,
// all bound to this service). Borrows everything passed in, which must outlive it.
// Thread-safe; handlers run on the listeners' io_context.
class AwsService {
 public:
  struct Options {
    std::string region = "us-east-1";
    std::string account_id = "123456789012";
    // Verify SigV4 signatures (`on`); `off` accepts unsigned and mis-signed requests.
    bool verify_signatures = true;
    IamEvaluator::Options iam;
    // Serve `POST/DELETE /_thaw/faults` on the same port (standalone `thaw aws`).
    bool admin_routes = false;
  };

  inline static constexpr char kRequestKind[] = "aws.request";

  AwsService(Options options, Ledger& ledger, CredentialStore& credentials, SecretStore& secrets,
             ParameterStore& parameters);
  AwsService(const AwsService&) = delete;
  AwsService& operator=(const AwsService&) = delete;

  // The handler to pass to http::HttpServer::Listen. Applies fault delays on the io_context.
  http::Handler MakeHandler();

  // Answers one request at once, fault delays ignored (`now` is the wall time the signature
  // is checked against).
  http::Response Handle(const http::Request& request, std::chrono::system_clock::time_point now);

  void AddFault(AwsFault fault);
  void ClearFaults();

  const Options& options() const { return options_; }

 private:
  struct Call;
  // The delay of the first fault matching `target`, without consuming it.
  std::chrono::milliseconds FaultDelay(const std::string& target);
  // Consumes one use of the first fault matching `target`; returns its error, if any.
  absl::Status TakeFault(const std::string& target);
  absl::StatusOr<nlohmann::json> Dispatch(Call& call, const nlohmann::json& body);
  absl::Status Authorize(const Call& call, const std::string& action,
                         const std::string& resource) const;
  http::Response HandleAdmin(const http::Request& request);

  const Options options_;
  Ledger& ledger_;
  CredentialStore& credentials_;
  SecretStore& secrets_;
  ParameterStore& parameters_;
  const SigV4Verifier verifier_;
  const IamEvaluator iam_;
  std::mutex faults_mu_;
  std::vector<AwsFault> faults_ ABSL_GUARDED_BY(faults_mu_);
};

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_AWS_SERVICE_H_
