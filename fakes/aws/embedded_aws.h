#ifndef THAW_FAKES_AWS_EMBEDDED_AWS_H_
#define THAW_FAKES_AWS_EMBEDDED_AWS_H_

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "core/event_kinds.h"
#include "core/http/http_server.h"
#include "core/instance_services.h"
#include "core/ledger.h"
#include "core/placeholders.h"
#include "core/scheduler_clock.h"
#include "core/service_seeds.h"
#include "fakes/aws/aws_service.h"
#include "fakes/aws/credential_store.h"
#include "fakes/aws/parameter_store.h"
#include "fakes/aws/secret_store.h"
#include "fakes/aws/secrets_extension.h"
#include "nlohmann/json.hpp"

namespace thaw::aws {

// What the fake AWS needs to know of one function.
struct AwsFunction {
  // The role's identity-based policy as a JSON array of IAM statements; null when none is
  // declared (every call is then allowed, and that is said once).
  nlohmann::json iam_statements;
  // Instances run the Parameters and Secrets extension, configured from `environment`.
  bool secrets_extension = false;
  std::map<std::string, std::string> environment;
};

// The fake AWS's own options, built by the host from the configuration.
struct EmbeddedAwsOptions {
  // Names the configuration in errors ("thaw.yaml: secrets: ...").
  std::string source = "<embedded>";
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  std::map<std::string, AwsFunction> functions;
  ServiceSeeds seeds;
};

// The fake AWS (Secrets Manager + SSM) as `thaw serve` runs it. Every Lambda instance gets,
// like in Lambda, session credentials of its own (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN) and, unlike Lambda, an endpoint of its own on 127.0.0.1
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_SSM), so that SDKs
// reach the fake unmodified and every request is attributed to the instance that signed it.
// Signatures are verified. Secrets and parameters come from the options' seeds.
//
// IAM: an instance's credentials carry its function's statements (AwsFunction::
// iam_statements, parsed at Start: a policy thaw cannot evaluate fails the start); a function
// without statements may call everything, which is said once per function (at its first call)
// on stderr and as an `aws.note` ledger event.
// Placeholders (`{{momento_api_key}}`, ...) in a SecretString are replaced for the instance
// reading it by what the renderer (SetPlaceholderRenderer) makes for it, once per instance; without
// a renderer, for a name it does not know, or for a caller that is no instance, the placeholder
// stays as written. Functions with `secrets_extension` also get a SecretsExtension each instance
// (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT). Strand-confined to `io`; `io`, `ledger` and `clock`
// must outlive it.
class EmbeddedAws : public InstanceServices {
 public:
  static absl::StatusOr<std::unique_ptr<EmbeddedAws>> Start(boost::asio::io_context& io,
                                                            Ledger& ledger,
                                                            const SchedulerClock& clock,
                                                            EmbeddedAwsOptions options);
  ~EmbeddedAws() override;

  absl::StatusOr<std::map<std::string, std::string>> Attach(int64_t instance,
                                                            const std::string& function,
                                                            InstanceListener listener) override;
  // The extension's 127.0.0.1:<port> for a function that runs it.
  std::vector<std::string> ExtraSandboxAddresses(const std::string& function) const override;
  void Detach(int64_t instance) override;
  // Closes every listener (at shutdown).
  void DetachAll();

  void SetPlaceholderRenderer(InstancePlaceholders renderer) { renderer_ = std::move(renderer); }

  // Takes `functions` as what the fake knows of the functions from now on (`thaw serve`'s hot
  // reload): instances attached later get the new IAM statements and extension settings, those
  // attached keep theirs. InvalidArgument, as Start's, when a policy cannot be evaluated; then
  // nothing changes.
  absl::Status SetFunctions(std::map<std::string, AwsFunction> functions);

  AwsService& service() { return *service_; }
  // The secrets behind the service (scenarios rotate them directly, unsigned).
  SecretStore& secrets() { return secrets_; }

 private:
  EmbeddedAws(boost::asio::io_context& io, Ledger& ledger, const SchedulerClock& clock,
              EmbeddedAwsOptions options);
  // `text` with every placeholder the renderer knows replaced, for `instance` (attached).
  std::string RenderSecret(int64_t instance, const std::string& function, const std::string& text);

  struct Attached {
    std::unique_ptr<http::HttpServer> listener;
    std::string access_key_id;
    std::shared_ptr<SecretsExtension> extension;
    std::map<std::string, std::string> rendered;  // by placeholder name, made on first use
  };

  boost::asio::io_context& io_;
  Ledger& ledger_;
  const SchedulerClock& clock_;
  // Its `functions` are those of Start; SetFunctions replaces functions_.
  const EmbeddedAwsOptions options_;
  std::map<std::string, AwsFunction> functions_;
  // Parsed IAM statements by function; a function without statements has none here.
  std::map<std::string, std::shared_ptr<const IamPolicy>> policies_;
  std::set<std::string> noted_allow_all_;
  InstancePlaceholders renderer_;
  CredentialStore credentials_;
  SecretStore secrets_;
  ParameterStore parameters_;
  std::unique_ptr<AwsService> service_;
  std::map<int64_t, Attached> attached_;
};

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_EMBEDDED_AWS_H_
