#ifndef THAW_FAKES_AWS_AWS_SERVICE_H_
#define THAW_FAKES_AWS_AWS_SERVICE_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "core/event_kinds.h"
#include "core/fault_target.h"
#include "core/http/http_server.h"
#include "core/ledger.h"
#include "fakes/aws/credential_store.h"
#include "fakes/aws/iam_evaluator.h"
#include "fakes/aws/parameter_store.h"
#include "fakes/aws/secret_store.h"
#include "fakes/aws/sigv4_verifier.h"

namespace thaw::aws {

// One programmed fault (see AwsService::AddFault for the JSON spec it is parsed from).
struct AwsFault {
  std::string id;  // "aws-<n>"
  // Which requests it applies to; empty / 0 = any.
  std::string function;
  int64_t instance = 0;
  // "GetSecretValue", "secretsmanager.GetSecretValue", "AmazonSSM.GetParameter".
  std::string operation;
  // A secret as a request names it (name, partial or full ARN); matched by the secret it
  // resolves to. For SSM requests it is compared with the parameter name.
  std::string secret;
  // What it does: answer `error_type` (after `delay`), only wait `delay`, hold the request
  // without answering (`stall`), or rotate `secret` once the scheduler clock reaches
  // `rotate_at`.
  std::string error_type;
  std::string message;  // default: AWS's text for the type ("Rate exceeded", ...)
  std::chrono::milliseconds delay{0};
  bool stall = false;
  std::optional<std::chrono::system_clock::time_point> rotate_at;
  int count = -1;  // how many more requests it acts on; -1 = unlimited
  int fired = 0;
  nlohmann::json spec;  // as given, for ListFaults
};

// The fake AWS endpoint: Secrets Manager and SSM Parameter Store over AWS JSON 1.1
// (`POST /`, `X-Amz-Target: secretsmanager.<Op>` or `AmazonSSM.<Op>`).
//
// Per request: SigV4 check (when enabled; otherwise the access key, if known, still
// attributes the request), due secret rotations, faults, IAM check against the signing
// credential's policy (null policy = allow all), then the store operation. Answers 200 with
// the AWS shape, or 400 with `{"__type","Message"}` and `X-Amzn-Errortype` (500 for
// InternalServiceError); every answer carries `x-amzn-RequestId`. Every request appends one
// `aws.request` ledger event before it is answered, attributed to the credential's instance
// and function (0 / "" when unsigned or unknown): service, operation, secret or parameter,
// version, outcome ("ok" or the error type), status, latency_ms, request_id, access_key_id,
// fault (the id of a fault that acted on it), via ("extension" for the Parameters and Secrets
// extension's upstream fetches).
//
// One AwsService serves any number of listeners (the emulator gives each instance its own,
// all bound to this service). Borrows everything passed in, which must outlive it.
// Thread-safe, except the Set... hooks (set them before serving); handlers run on the
// listeners' io_context.
class AwsService : public FaultTarget {
 public:
  struct Options {
    std::string region = "us-east-1";
    std::string account_id = "123456789012";
    // Verify SigV4 signatures (`on`); `off` accepts unsigned and mis-signed requests.
    bool verify_signatures = true;
    IamEvaluator::Options iam;
    // Serve `POST/GET/DELETE /_thaw/faults` on the same port (standalone `thaw aws`).
    bool admin_routes = false;
  };

  // Rewrites a SecretString for the credential that reads it (e.g. `{{momento_api_key}}`).
  using SecretRenderer =
      std::function<std::string(const AwsCredential& reader, const std::string& value)>;

  // A secret rotated by a `rotate` fault: secret, version, fault.

  AwsService(Options options, Ledger& ledger, CredentialStore& credentials, SecretStore& secrets,
             ParameterStore& parameters);
  ~AwsService() override;
  AwsService(const AwsService&) = delete;
  AwsService& operator=(const AwsService&) = delete;

  // The handler to pass to http::HttpServer::Listen.
  http::Handler MakeHandler();
  // The HTTP server's own answers (malformed request, header too large, too many connections,
  // a failed handler) as AWS JSON 1.1 errors: HttpServer::Options::error_answer for every
  // server this handler is given to.
  static http::Response ServerErrorAnswer(unsigned status, const std::string& message);

  // Serves one request with its faults' delays and stalls. `via` marks the ledger event (the
  // extension passes "extension"). Runs on the caller's io_context.
  boost::asio::awaitable<http::Response> Serve(const http::Request& request, std::string via);

  // Answers one request at once: fault errors apply, delays and stalls do not (`now` is the
  // wall time the signature is checked against).
  http::Response Handle(const http::Request& request, std::chrono::system_clock::time_point now);

  // Used for every SecretString read through GetSecretValue, BatchGetSecretValue and SSM's
  // /aws/reference/secretsmanager/ parameters. None: values are returned as stored.
  void SetSecretRenderer(SecretRenderer renderer) { renderer_ = std::move(renderer); }
  // Called for every authenticated request of an instance whose credentials carry no policy
  // (everything allowed), before it runs; EmbeddedAws notes it once per function.
  using UnrestrictedHook = std::function<void(const AwsCredential& caller)>;
  void SetUnrestrictedHook(UnrestrictedHook hook) { unrestricted_ = std::move(hook); }

  // FaultTarget, service "aws". A spec is a JSON object:
  //   function, instance, operation, secret  which requests (all optional; AND-ed)
  //   error: "ThrottlingException" | "InternalServiceError" | any AWS error type, message
  //   delay: "250ms" (or delay_ms: 250)     wait before answering (alone or with error)
  //   stall: true                           never answer (until the fault is removed or the
  //                                         server stops); the client's own timeout fires
  //   rotate: {at: "now" | "5m"}            rotate `secret` (required) once the scheduler clock
  //                                         is that much later than now: a new AWSCURRENT
  //                                         version, the old one AWSPREVIOUS
  //   count: N                              act on N requests, then go (default: unlimited)
  // InvalidArgument names the bad field.
  std::string_view service() const override { return "aws"; }
  absl::StatusOr<std::string> AddFault(const nlohmann::json& spec) override;
  bool RemoveFault(std::string_view id) override;
  void ClearFaults() override;
  nlohmann::json ListFaults() const override;

  const Options& options() const { return options_; }

 private:
  struct Call;
  // What a matching fault does to one request.
  struct FaultAction {
    std::string id;
    std::chrono::milliseconds delay{0};
    bool stall = false;
    absl::Status error;
  };

  // Parses and authenticates; a non-OK result is the answer.
  absl::Status Prepare(const http::Request& request, std::chrono::system_clock::time_point now,
                       Call& call);
  // Rotates every secret whose rotate fault is due.
  void RunDueRotations();
  // Consumes one use of the first fault matching `call`.
  std::optional<FaultAction> TakeFault(const Call& call);
  bool FaultMatches(const AwsFault& fault, const Call& call);
  absl::StatusOr<nlohmann::json> Dispatch(Call& call, const nlohmann::json& body);
  absl::Status Authorize(const Call& call, const std::string& action,
                         const std::string& resource) const;
  void Render(const Call& call, nlohmann::json& result) const;
  http::Response Finish(const http::Request& request, Call& call,
                        absl::StatusOr<nlohmann::json> result);
  http::Response HandleAdmin(const http::Request& request);
  // Wakes every stalled request (they are then answered normally).
  void ReleaseStalls();

  const Options options_;
  Ledger& ledger_;
  CredentialStore& credentials_;
  SecretStore& secrets_;
  ParameterStore& parameters_;
  const SigV4Verifier verifier_;
  const IamEvaluator iam_;
  SecretRenderer renderer_;
  UnrestrictedHook unrestricted_;
  mutable std::mutex faults_mu_;
  std::vector<AwsFault> faults_ ABSL_GUARDED_BY(faults_mu_);
  int next_fault_ ABSL_GUARDED_BY(faults_mu_) = 1;
  // Timers of stalled requests; cancelled to release them.
  std::vector<std::weak_ptr<boost::asio::steady_timer>> stalls_ ABSL_GUARDED_BY(faults_mu_);
};

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_AWS_SERVICE_H_
