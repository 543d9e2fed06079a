#include "fakes/aws/run_aws_server.h"

#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/event_kinds.h"
#include "core/http/http_server.h"
#include "core/ledger.h"
#include "core/ledger_jsonl_writer.h"
#include "core/scheduler_clock.h"
#include "core/tls/endpoint_names.h"
#include "core/tls/server_tls.h"
#include "fakes/aws/aws_service.h"

namespace thaw::aws {

namespace {

namespace asio = boost::asio;

int StartError(const std::string& what) {
  std::fprintf(stderr, "thaw: %s\n", what.c_str());
  return 2;
}

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
  ::signal(SIGPIPE, SIG_IGN);
  if (options.sigv4 != "on" && options.sigv4 != "off") {
    return StartError("--sigv4 must be on or off, not '" + options.sigv4 + "'");
  }
  Ledger ledger;
  SchedulerClock clock;
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
  ParameterStore parameters(clock, secrets,
                            {.region = options.region, .account_id = options.account_id});
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

  std::unique_ptr<LedgerJsonlWriter> events;
  if (!options.events_file.empty()) {
    auto opened = LedgerJsonlWriter::Open(ledger, options.events_file);
    if (!opened.ok()) return StartError(std::string(opened.status().message()));
    events = *std::move(opened);
  }
  int print_listener = 0;
  if (!options.quiet) {
    print_listener = ledger.AddListener([&ledger](uint64_t seq) {
      for (const Event& event : ledger.Since(seq - 1, 1)) PrintRequest(event);
    });
  }

  AwsService::Options service_options;
  service_options.region = options.region;
  service_options.account_id = options.account_id;
  service_options.verify_signatures = options.sigv4 == "on";
  service_options.admin_routes = true;
  AwsService service(service_options, ledger, credentials, secrets, parameters);

  asio::io_context io(1);
  http::HttpServer::Options http_options;
  std::string tls_note;
  std::string tls_temporary_dir;  // removed at exit
  if (options.tls) {
    std::vector<std::string> names = tls::StandaloneNames(options.host, options.tls_names);
    for (std::string& name : tls::AwsServiceNames(options.region)) names.push_back(std::move(name));
    auto tls = tls::MakeServerTls(options.tls_dir, "aws", names);
    if (!tls.ok()) return StartError(std::string(tls.status().message()));
    http_options.tls = tls->context;
    tls_note = " (TLS, CA " + tls->ca->certificate_path() + ")";
    if (tls->temporary) tls_temporary_dir = tls->dir;
  }
  auto server =
      http::HttpServer::Listen(io, options.host, options.port, service.MakeHandler(), http_options);
  if (!server.ok()) return StartError(std::string(server.status().message()));

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    std::fprintf(stdout, "thaw aws: shutting down\n");
    std::fflush(stdout);
    (*server)->Close();
    io.stop();
  });

  std::fprintf(stdout, "thaw aws: listening on %s:%u%s\n", options.host.c_str(), (*server)->port(),
               tls_note.c_str());
  std::fflush(stdout);
  io.run();

  server->reset();
  if (print_listener != 0) ledger.RemoveListener(print_listener);
  events.reset();  // writes what is left and closes the file
  if (!tls_temporary_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(tls_temporary_dir, ignored);
  }
  return 0;
}

}  // namespace thaw::aws
