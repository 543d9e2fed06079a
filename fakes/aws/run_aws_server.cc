#include "fakes/aws/run_aws_server.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/event_kinds.h"
#include "core/http/http_server.h"
#include "core/standalone/standalone_server.h"
#include "core/tls/endpoint_names.h"
#include "core/tls/server_tls.h"
#include "fakes/aws/aws_service.h"

namespace thaw::aws {

namespace {

int StartError(const std::string& what) { return StandaloneServer::StartError(what); }

void PrintRequest(const Event& event) {
  if (event.kind != kinds::kAwsRequest) return;
  const auto& a = event.attrs;
  std::string subject = a.value("secret", a.value("parameter", ""));
  std::fprintf(stdout, "thaw aws: %s.%s %s -> %s (%.2f ms)\n", a.value("service", "").c_str(),
               a.value("operation", "").c_str(), subject.c_str(), a.value("outcome", "").c_str(),
               a.value("latency_ms", 0.0));
  std::fflush(stdout);
}

}  // namespace

int RunAwsServer(const AwsCommandOptions& options) {
  if (options.sigv4 != "on" && options.sigv4 != "off") {
    return StartError("--sigv4 must be on or off, not '" + options.sigv4 + "'");
  }
  auto created = StandaloneServer::Create({.name = "aws",
                                           .events_file = options.events_file,
                                           .quiet = options.quiet,
                                           .print_event = PrintRequest,
                                           .ledger_window = options.ledger_window});
  if (!created.ok()) return StandaloneServer::StartError(created.status());
  StandaloneServer& frame = **created;
  SchedulerClock& clock = frame.clock();
  CredentialStore credentials;
  std::vector<std::string> keys = options.access_keys;
  if (keys.empty()) keys.push_back("test:test");
  for (const std::string& key : keys) {
    const size_t first = key.find(':');
    if (first == std::string::npos || first == 0) {
      return StartError("--access-key wants AKID:SECRET[:SESSION_TOKEN], got '" + key + "'");
    }
    const size_t second = key.find(':', first + 1);
    AwsCredential credential;
    credential.access_key_id = key.substr(0, first);
    credential.secret_access_key =
        key.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    if (second != std::string::npos) credential.session_token = key.substr(second + 1);
    credentials.Add(std::move(credential));
  }
  for (const std::string& spec : options.policies) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      return StartError("--policy wants AKID=JSON or AKID=@FILE, got '" + spec + "'");
    }
    const std::string akid = spec.substr(0, eq);
    std::string text = spec.substr(eq + 1);
    if (text.starts_with("@")) {
      std::ifstream in(text.substr(1));
      if (!in) return StartError("--policy: cannot read " + text.substr(1));
      std::stringstream buffer;
      buffer << in.rdbuf();
      text = buffer.str();
    }
    auto credential = credentials.Find(akid);
    if (!credential) {
      return StartError("--policy: no --access-key " + akid + " to attach the policy to");
    }
    const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
    if (document.is_discarded()) return StartError("--policy " + akid + ": not JSON");
    auto policy = ParseIamPolicy(document);
    if (!policy.ok()) {
      return StartError("--policy " + akid + ": " + std::string(policy.status().message()));
    }
    credential->policy = std::make_shared<const IamPolicy>(*std::move(policy));
    credentials.Add(*std::move(credential));
  }

  SecretStore secrets(clock, {.region = options.region, .account_id = options.account_id});
  ParameterStore parameters(secrets, {.region = options.region, .account_id = options.account_id});
  for (const SecretSeed& seed : options.seeds.secrets) {
    if (auto s = secrets.Seed(seed.name, seed.value, seed.description); !s.ok()) {
      return StartError(options.seeds_source + ": secrets." + seed.name + ": " +
                        std::string(s.message()));
    }
  }
  for (const ParameterSeed& seed : options.seeds.parameters) {
    if (auto s = parameters.Seed(seed.name, seed.type, seed.value); !s.ok()) {
      return StartError(options.seeds_source + ": parameters." + seed.name + ": " +
                        std::string(s.message()));
    }
  }

  AwsService::Options service_options;
  service_options.region = options.region;
  service_options.account_id = options.account_id;
  service_options.verify_signatures = options.sigv4 == "on";
  service_options.admin_routes = true;
  AwsService service(service_options, frame.ledger(), credentials, secrets, parameters);

  http::HttpServer::Options http_options;
  http_options.error_answer = AwsService::ServerErrorAnswer;
  std::string tls_note;
  if (options.tls) {
    std::vector<std::string> names = tls::StandaloneNames(options.host, options.tls_names);
    for (std::string& name : tls::AwsServiceNames(options.region)) names.push_back(std::move(name));
    auto tls = frame.MakeTls(options.tls_dir, names);
    if (!tls.ok()) return StandaloneServer::StartError(tls.status());
    http_options.tls = tls->context;
    tls_note = " (TLS, CA " + tls->ca->certificate_path() + ")";
  }
  auto server = http::HttpServer::Listen(frame.io(), options.host, options.port,
                                         service.MakeHandler(), http_options);
  if (!server.ok()) return StandaloneServer::StartError(server.status());

  return frame.Serve(options.host + ":" + std::to_string((*server)->port()), tls_note,
                     [&] { (*server)->Close(); });
}

}  // namespace thaw::aws
