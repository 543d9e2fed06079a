#include "fakes/aws/embedded_aws.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/event_kinds.h"

namespace thaw::aws {

EmbeddedAws::EmbeddedAws(boost::asio::io_context& io, Ledger& ledger, const SchedulerClock& clock,
                         EmbeddedAwsOptions options)
    : io_(io),
      ledger_(ledger),
      clock_(clock),
      options_(std::move(options)),
      secrets_(clock, {.region = options_.region, .account_id = options_.account_id}),
      parameters_(secrets_, {.region = options_.region, .account_id = options_.account_id}) {
  AwsService::Options service;
  service.region = options_.region;
  service.account_id = options_.account_id;
  service.verify_signatures = true;
  service_ = std::make_unique<AwsService>(service, ledger, credentials_, secrets_, parameters_);
  // Said once per function, at its first call, so functions that never call AWS stay quiet.
  service_->SetUnrestrictedHook([this](const AwsCredential& caller) {
    if (!noted_allow_all_.insert(caller.function).second) return;
    const std::string note = "function " + caller.function +
                             " declares no IAM statements: the fake AWS allows all its calls";
    std::fprintf(stderr, "thaw: %s\n", note.c_str());
    ledger_.Append(caller.instance, caller.function, kinds::kAwsNote,
                   {{"note", note}, {"policy", "allow-all"}});
  });
  service_->SetSecretRenderer([this](const AwsCredential& reader, const std::string& value) {
    return RenderSecret(reader.instance, reader.function, value);
  });
}

std::string EmbeddedAws::RenderSecret(int64_t instance, const std::string& function,
                                      const std::string& text) {
  auto it = attached_.find(instance);
  if (!renderer_ || instance == 0 || it == attached_.end()) return text;
  std::map<std::string, std::string>& rendered = it->second.rendered;
  return RenderPlaceholders(text, [&](const std::string& name) -> std::optional<std::string> {
    if (auto cached = rendered.find(name); cached != rendered.end()) return cached->second;
    std::optional<std::string> value = renderer_(name, instance, function);
    if (value) rendered[name] = *value;
    return value;
  });
}

namespace {

// Each function's IAM statements, parsed; errors name `source` and the function.
absl::StatusOr<std::map<std::string, std::shared_ptr<const IamPolicy>>> ParsePolicies(
    const std::string& source, const std::map<std::string, AwsFunction>& functions) {
  std::map<std::string, std::shared_ptr<const IamPolicy>> policies;
  for (const auto& [name, function] : functions) {
    if (function.iam_statements.is_null()) continue;
    auto policy = ParseIamPolicy(function.iam_statements);
    if (!policy.ok()) {
      return absl::InvalidArgumentError(source + ": functions." + name +
                                        ".policy: " + std::string(policy.status().message()));
    }
    policies[name] = std::make_shared<const IamPolicy>(*std::move(policy));
  }
  return policies;
}

}  // namespace

absl::Status EmbeddedAws::SetFunctions(std::map<std::string, AwsFunction> functions) {
  auto policies = ParsePolicies(options_.source, functions);
  if (!policies.ok()) return policies.status();
  policies_ = *std::move(policies);
  functions_ = std::move(functions);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EmbeddedAws>> EmbeddedAws::Start(boost::asio::io_context& io,
                                                                Ledger& ledger,
                                                                const SchedulerClock& clock,
                                                                EmbeddedAwsOptions options) {
  std::unique_ptr<EmbeddedAws> aws(new EmbeddedAws(io, ledger, clock, std::move(options)));
  const EmbeddedAwsOptions& config = aws->options_;
  if (absl::Status set = aws->SetFunctions(config.functions); !set.ok()) return set;
  for (const SecretSeed& seed : config.seeds.secrets) {
    if (auto s = aws->secrets_.Seed(seed.name, seed.value, seed.description); !s.ok()) {
      return absl::InvalidArgumentError(config.source + ": secrets: " + seed.name + ": " +
                                        std::string(s.message()));
    }
  }
  for (const ParameterSeed& seed : config.seeds.parameters) {
    if (auto s = aws->parameters_.Seed(seed.name, seed.type, seed.value); !s.ok()) {
      return absl::InvalidArgumentError(config.source + ": parameters: " + seed.name + ": " +
                                        std::string(s.message()));
    }
  }
  return aws;
}

EmbeddedAws::~EmbeddedAws() { DetachAll(); }

absl::StatusOr<std::map<std::string, std::string>> EmbeddedAws::Attach(int64_t instance,
                                                                       const std::string& function,
                                                                       InstanceListener given) {
  http::HttpServer::Options serving;
  serving.tls = given.tls;
  serving.error_answer = AwsService::ServerErrorAnswer;
  auto listener =
      given.fd >= 0
          ? http::HttpServer::Serve(io_, given.fd, service_->MakeHandler(), serving)
          : http::HttpServer::Listen(io_, "127.0.0.1", 0, service_->MakeHandler(), serving);
  if (!listener.ok()) {
    for (int fd : given.extra_fds) ::close(fd);
    return listener.status();
  }
  std::shared_ptr<const IamPolicy> policy;
  if (auto it = policies_.find(function); it != policies_.end()) {
    policy = it->second;
  }
  const AwsCredential credential =
      credentials_.Issue(instance, function, function + "-role", std::move(policy));
  const std::string endpoint =
      std::string(given.tls ? "https://" : "http://") +
      (given.fd >= 0 ? given.address : "127.0.0.1:" + std::to_string((*listener)->port()));
  std::map<std::string, std::string> env = {
      {"AWS_ACCESS_KEY_ID", credential.access_key_id},
      {"AWS_SECRET_ACCESS_KEY", credential.secret_access_key},
      {"AWS_SESSION_TOKEN", credential.session_token},
      {"AWS_ENDPOINT_URL", endpoint},
      {"AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint},
      {"AWS_ENDPOINT_URL_SSM", endpoint},
  };
  Attached attached{*std::move(listener), credential.access_key_id, nullptr, {}};
  auto fn = functions_.find(function);
  if (fn != functions_.end() && fn->second.secrets_extension) {
    std::vector<std::string> warnings;
    const SecretsExtension::Settings settings =
        SecretsExtension::SettingsFrom(fn->second.environment, &warnings);
    for (const std::string& warning : warnings) {
      std::fprintf(stderr, "thaw: %s: parameters-and-secrets: WARN %s\n", function.c_str(),
                   warning.c_str());
    }
    const int in_sandbox = given.extra_fds.empty() ? -1 : given.extra_fds.front();
    auto extension = SecretsExtension::Start(io_, *service_, ledger_, clock_, credential,
                                             options_.region, settings, in_sandbox);
    if (!extension.ok()) {
      attached.listener->Close();
      credentials_.Remove(credential.access_key_id);
      return extension.status();
    }
    // In a sandbox the extension is where the function's environment says (or 2773).
    if (in_sandbox < 0) env[SecretsExtension::kPortVariable] = std::to_string((*extension)->port());
    attached.extension = *std::move(extension);
  }
  attached_[instance] = std::move(attached);
  return env;
}

std::vector<std::string> EmbeddedAws::ExtraSandboxAddresses(const std::string& function) const {
  auto fn = functions_.find(function);
  if (fn == functions_.end() || !fn->second.secrets_extension) return {};
  const SecretsExtension::Settings settings =
      SecretsExtension::SettingsFrom(fn->second.environment, nullptr);
  return {"127.0.0.1:" + std::to_string(settings.port)};
}

void EmbeddedAws::Detach(int64_t instance) {
  auto it = attached_.find(instance);
  if (it == attached_.end()) return;
  it->second.listener->Close();
  if (it->second.extension) it->second.extension->Close();
  credentials_.Remove(it->second.access_key_id);
  attached_.erase(it);
}

void EmbeddedAws::DetachAll() {
  while (!attached_.empty()) Detach(attached_.begin()->first);
}

}  // namespace thaw::aws
