#include "host/emulator_session.h"

#include <algorithm>
#include <utility>

#include "core/event_kinds.h"
#include "core/status_macros.h"

namespace thaw {

aws::EmbeddedAwsOptions AwsOptionsFrom(const ThawConfig& config) {
  aws::EmbeddedAwsOptions options;
  options.source = config.source;
  options.region = config.settings.region;
  options.account_id = config.settings.account_id;
  options.seeds = config.seeds;
  for (const auto& [name, fn] : config.functions) {
    aws::AwsFunction& function = options.functions[name];
    function.iam_statements = fn.iam_statements;
    function.secrets_extension = std::find(fn.extensions.begin(), fn.extensions.end(),
                                           aws::SecretsExtension::kName) != fn.extensions.end();
    function.environment = fn.environment;
  }
  return options;
}

namespace {

// `runtime_client: aws-lambda-ric` needs PrepareRuntimeClients (emulator/runtimes/ric) after
// loading: without it the function would quietly run thaw's own bootstrap instead.
absl::Status CheckRuntimeClients(const ThawConfig& config) {
  for (const auto& [name, fn] : config.functions) {
    if (fn.runtime_client == "aws-lambda-ric" &&
        (fn.args.empty() || !fn.args.front().ends_with("/aws-lambda-ric/index.mjs"))) {
      return absl::FailedPreconditionError(
          "functions." + name +
          ": runtime_client aws-lambda-ric is not installed (the configuration did not go "
          "through PrepareRuntimeClients)");
    }
  }
  return absl::OkStatus();
}

}  // namespace

EmulatorSession::EmulatorSession(boost::asio::io_context& io, Ledger& ledger)
    : io_(io), ledger_(ledger) {}

absl::StatusOr<std::unique_ptr<EmulatorSession>> EmulatorSession::Create(
    boost::asio::io_context& io, const ThawConfig& config, Ledger& ledger, LogSink& logs,
    ProcessLauncher& launcher, Options options) {
  RETURN_IF_ERROR(CheckRuntimeClients(config));
  std::unique_ptr<EmulatorSession> host(new EmulatorSession(io, ledger));
  host->scheduler_ = std::make_unique<Scheduler>(io, host->clock_);
  host->control_ =
      std::make_unique<ControlPlane>(io, config, ledger, logs, launcher, *host->scheduler_);
  std::shared_ptr<boost::asio::ssl::context> momento_tls;
  std::shared_ptr<boost::asio::ssl::context> aws_tls;
  if (host->control_->isolation() == Isolation::kSandbox) {
    std::vector<std::string> environment_values;
    for (const auto& [name, fn] : config.functions) {
      for (const auto& [variable, value] : fn.environment) environment_values.push_back(value);
    }
    ASSIGN_OR_RETURN(auto network, SandboxNetwork::Create(config.settings.region, config.seeds,
                                                          environment_values));
    host->network_ = std::move(network);
    host->control_->FurnishSandboxes(host->network_->binds(), host->network_->environment(),
                                     host->network_->served_names());
    momento_tls = host->network_->momento_tls();
    aws_tls = host->network_->aws_tls();
  }
  if (options.momento) {
    // settings.momento_api_keys: those keys and the minted ones are accepted, nothing else;
    // none configured accepts any key.
    momento::MomentoServerOptions momento_options;
    momento_options.api_keys.insert(config.settings.momento_api_keys.begin(),
                                    config.settings.momento_api_keys.end());
    ASSIGN_OR_RETURN(auto momento, momento::EmbeddedMomento::Start(io, ledger, host->clock_,
                                                                   std::move(momento_options)));
    host->momento_ = std::move(momento);
    host->control_->AddInstanceServices(&host->momento_->services(),
                                        SandboxNetwork::kMomentoAddress, momento_tls);
    if (host->network_) host->momento_->SetKeyEndpoint(host->network_->momento_endpoint());
    host->faults_.Add(&host->momento_->faults());
  }
  if (options.aws) {
    ASSIGN_OR_RETURN(auto aws,
                     aws::EmbeddedAws::Start(io, ledger, host->clock_, AwsOptionsFrom(config)));
    host->aws_ = std::move(aws);
    host->control_->AddInstanceServices(host->aws_.get(), SandboxNetwork::kAwsAddress, aws_tls);
    host->faults_.Add(&host->aws_->service());
  }
  if (host->momento_) {
    for (const std::string& cache : config.caches) host->CreateCache(cache);
    // `MOMENTO_API_KEY: "{{momento_api_key_v2}}"` and the like, for fromEnvVarV2().
    momento::EmbeddedMomento* momento = host->momento_.get();
    host->control_->SetEnvironmentPlaceholders(
        [momento](const std::string& name, int64_t instance, const std::string& function) {
          return momento->RenderPlaceholder(name, instance, function);
        });
  }
  if (host->momento_ && host->aws_) {
    // `{{momento_api_key}}` and the other Momento placeholders in a secret or a function's
    // environment become a key minted for the reading instance, which the fake Momento accepts
    // (even when it is configured with explicit keys) on that instance's listener only.
    momento::EmbeddedMomento* momento = host->momento_.get();
    host->aws_->SetPlaceholderRenderer(
        [momento](const std::string& name, int64_t instance, const std::string& function) {
          return momento->RenderPlaceholder(name, instance, function);
        });
  }
  return host;
}

EmulatorSession::~EmulatorSession() {
  // The control plane goes first: its instances hold listeners of the fakes.
  control_.reset();
  if (momento_) momento_->Shutdown(std::chrono::milliseconds(0));
  if (aws_) aws_->DetachAll();
}

boost::asio::awaitable<InvokeAnswer> EmulatorSession::Invoke(InvokeCall call) {
  return CallInvoke(*control_, std::move(call));
}

void EmulatorSession::AdvanceClock(std::chrono::milliseconds by) { control_->AdvanceClock(by); }

std::vector<int64_t> EmulatorSession::ReapIdle(const std::string& function, int64_t instance) {
  return control_->ReapIdle(function, instance);
}

bool EmulatorSession::KillInstance(int64_t instance) { return control_->KillInstance(instance); }

absl::StatusOr<std::string> EmulatorSession::RotateSecret(const std::string& secret,
                                                          const std::optional<std::string>& value) {
  if (!aws_) return absl::FailedPreconditionError("the fake AWS is not running");
  nlohmann::json request = {{"SecretId", secret}};
  absl::StatusOr<nlohmann::json> out;
  if (value) {
    request["SecretString"] = *value;
    out = aws_->secrets().PutSecretValue(request);
  } else {
    out = aws_->secrets().RotateSecret(request);
  }
  if (!out.ok()) return out.status();
  const std::string version = out->value("VersionId", "");
  ledger_.Append(0, "", kinds::kAwsSecretRotated, {{"secret", secret}, {"version", version}});
  return version;
}

void EmulatorSession::CreateCache(const std::string& name) {
  if (momento_) momento_->server().store().CreateCache(name).IgnoreError();
}

std::vector<MomentoConnections> EmulatorSession::MomentoAccounts() const {
  return control_->accounts().Momento();
}

std::vector<AwsRequests> EmulatorSession::AwsAccounts() const { return control_->accounts().Aws(); }

std::vector<InvocationStats> EmulatorSession::Invocations() const {
  return control_->accounts().Invocations();
}

absl::StatusOr<EmulatorSession::Reload> EmulatorSession::ReloadConfig(const ThawConfig& next) {
  RETURN_IF_ERROR(CheckRuntimeClients(next));
  if (aws_) RETURN_IF_ERROR(aws_->SetFunctions(AwsOptionsFrom(next).functions));
  Reload reload;
  const ThawConfig& now = control_->config();
  if (!(next.settings == now.settings)) reload.not_applied.push_back("settings");
  if (!(next.seeds == now.seeds)) reload.not_applied.push_back("secrets and parameters");
  if (next.caches != now.caches) reload.not_applied.push_back("caches");
  reload.functions = control_->ReplaceFunctions(next);
  return reload;
}

boost::asio::awaitable<void> EmulatorSession::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_) co_return;
  shut_down_ = true;
  co_await control_->Shutdown(grace);
  if (momento_) momento_->Shutdown(grace);
  if (aws_) aws_->DetachAll();
}

}  // namespace thaw
