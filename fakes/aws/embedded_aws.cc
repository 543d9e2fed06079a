#include "fakes/aws/embedded_aws.h"

namespace thaw::aws {

EmbeddedAws::EmbeddedAws(boost::asio::io_context& io, Ledger& ledger,
                         const SchedulerClock& clock, const ThawConfig& config)
    : io_(io),
      secrets_(clock, {.region = config.settings.region, .account_id = config.settings.account_id}),
      parameters_(clock, secrets_,
                  {.region = config.settings.region, .account_id = config.settings.account_id}) {
  AwsService::Options options;
  options.region = config.settings.region;
  options.account_id = config.settings.account_id;
  options.verify_signatures = true;
  service_ = std::make_unique<AwsService>(options, ledger, credentials_, secrets_, parameters_);
}

absl::StatusOr<std::unique_ptr<EmbeddedAws>> EmbeddedAws::Start(boost::asio::io_context& io,
                                                                Ledger& ledger,
                                                                const SchedulerClock& clock,
                                                                const ThawConfig& config) {
  std::unique_ptr<EmbeddedAws> aws(new EmbeddedAws(io, ledger, clock, config));
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

absl::StatusOr<std::map<std::string, std::string>> EmbeddedAws::Attach(
    int64_t instance, const std::string& function) {
  auto listener = http::HttpServer::Listen(io_, "127.0.0.1", 0, service_->MakeHandler());
  if (!listener.ok()) return listener.status();
  // No IAM statements are loaded yet (templates come later): the role allows everything.
  const AwsCredential credential = credentials_.Issue(instance, function, function + "-role",
                                                      /*policy=*/nullptr);
  const std::string endpoint = "http://127.0.0.1:" + std::to_string((*listener)->port());
  attached_[instance] = Attached{*std::move(listener), credential.access_key_id};
  return std::map<std::string, std::string>{
      {"AWS_ACCESS_KEY_ID", credential.access_key_id},
      {"AWS_SECRET_ACCESS_KEY", credential.secret_access_key},
      {"AWS_SESSION_TOKEN", credential.session_token},
      {"AWS_ENDPOINT_URL", endpoint},
      {"AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint},
      {"AWS_ENDPOINT_URL_SSM", endpoint},
  };
}

void EmbeddedAws::Detach(int64_t instance) {
  auto it = attached_.find(instance);
  if (it == attached_.end()) return;
  it->second.listener->Close();
  credentials_.Remove(it->second.access_key_id);
  attached_.erase(it);
}

void EmbeddedAws::DetachAll() {
  while (!attached_.empty()) Detach(attached_.begin()->first);
}

}  // namespace thaw::aws
