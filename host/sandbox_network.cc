#include "host/sandbox_network.h"

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/status_macros.h"
#include "core/text_file.h"
#include "core/tls/endpoint_names.h"
#include "core/tls/server_context.h"
#include "emulator/sandbox/dns_sink.h"
#include "fakes/momento/minted_api_keys.h"
#include "nlohmann/json.hpp"

namespace thaw {

const SandboxAddress SandboxNetwork::kMomentoAddress{"127.0.0.2", 443};
const SandboxAddress SandboxNetwork::kAwsAddress{"127.0.0.3", 443};

namespace {

constexpr char kMomentoDomain[] = ".momentohq.com";

void AddUnique(std::vector<std::string>& to, const std::string& value) {
  if (std::find(to.begin(), to.end(), value) == to.end()) to.push_back(value);
}

// The Momento endpoints `text` names: a key's, or `text` itself when it is a Momento host. A
// JSON object's string values are searched too (a secret holding {"MOMENTO_API_KEY": ...}).
void CollectMomentoEndpoints(const std::string& text, std::vector<std::string>& out) {
  for (const std::string& endpoint : momento::ApiKeyEndpoints(text)) AddUnique(out, endpoint);
  if (text.ends_with(kMomentoDomain) && text.find_first_of(" /:\"{") == std::string::npos) {
    AddUnique(out, text);
  }
  if (!text.starts_with("{")) return;
  const nlohmann::json object = nlohmann::json::parse(text, nullptr, false);
  if (!object.is_object()) return;
  for (const auto& [name, value] : object.items()) {
    if (value.is_string()) CollectMomentoEndpoints(value.get<std::string>(), out);
  }
}

// "127.0.0.2 cache.x control.x ...": the names of `names` that are not wildcards, each also
// recorded in `served`.
std::string HostsLine(const SandboxAddress& address, const std::vector<std::string>& names,
                      DnsSink::ServedNames& served) {
  std::string line = address.ip;
  for (const std::string& name : names) {
    if (name.starts_with("*.")) continue;
    line += " " + name;
    served[name] = address.ip;
  }
  return line + "\n";
}

}  // namespace

absl::StatusOr<std::unique_ptr<SandboxNetwork>> SandboxNetwork::Create(
    const std::string& region, const ServiceSeeds& seeds,
    const std::vector<std::string>& environment_values) {
  std::unique_ptr<SandboxNetwork> network(new SandboxNetwork());
  std::error_code ec;
  std::string pattern = (std::filesystem::temp_directory_path(ec) / "thaw-run-XXXXXX").string();
  if (ec || ::mkdtemp(pattern.data()) == nullptr) {
    return absl::UnavailableError("cannot create a directory for the sandboxes' files: " +
                                  std::string(std::strerror(errno)));
  }
  network->dir_ = pattern;
  ASSIGN_OR_RETURN(auto ca, tls::CertificateAuthority::Create(network->dir_));
  network->ca_ = std::move(ca);

  // The cell Momento serves the region from, by its production name.
  network->momento_endpoint_ = "cell-" + region + "-1.prod.a" + kMomentoDomain;
  network->momento_endpoints_ = {network->momento_endpoint_};
  for (const SecretSeed& secret : seeds.secrets) {
    CollectMomentoEndpoints(secret.value, network->momento_endpoints_);
  }
  for (const auto& parameter : seeds.parameters) {
    CollectMomentoEndpoints(parameter.value, network->momento_endpoints_);
  }
  for (const std::string& value : environment_values) {
    CollectMomentoEndpoints(value, network->momento_endpoints_);
  }
  std::vector<std::string> momento_names;
  for (const std::string& endpoint : network->momento_endpoints_) {
    for (const std::string& name : tls::MomentoEndpointNames(endpoint)) {
      AddUnique(momento_names, name);
    }
  }
  const std::vector<std::string> aws_names = tls::AwsServiceNames(region);

  ASSIGN_OR_RETURN(auto momento_certificate, network->ca_->Issue(momento_names));
  ASSIGN_OR_RETURN(auto momento_tls, tls::MakeServerContext(momento_certificate, tls::kAlpnH2));
  network->momento_tls_ = std::move(momento_tls);
  ASSIGN_OR_RETURN(auto aws_certificate, network->ca_->Issue(aws_names));
  ASSIGN_OR_RETURN(auto aws_tls, tls::MakeServerContext(aws_certificate));
  network->aws_tls_ = std::move(aws_tls);

  network->hosts_path_ = network->dir_ + "/hosts";
  const std::string hosts = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n" +
                            HostsLine(kMomentoAddress, momento_names, network->served_names_) +
                            HostsLine(kAwsAddress, aws_names, network->served_names_);
  if (absl::Status written = WriteTextFile(network->hosts_path_, hosts); !written.ok()) {
    return written;
  }
  network->resolv_conf_path_ = network->dir_ + "/resolv.conf";
  if (absl::Status written = WriteTextFile(network->resolv_conf_path_, DnsSink::ResolvConf());
      !written.ok()) {
    return written;
  }
  network->bundle_path_ = network->dir_ + "/ca-certificates.crt";
  if (absl::Status written = tls::WriteTrustBundle(
          tls::kSystemTrustBundle, network->ca_->certificate_pem(), network->bundle_path_);
      !written.ok()) {
    return written;
  }
  return network;
}

SandboxNetwork::~SandboxNetwork() {
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::vector<SandboxBind> SandboxNetwork::binds() const {
  // A bind needs its target: a machine without one of these files keeps its own behaviour for
  // it rather than failing every sandbox.
  std::vector<SandboxBind> binds;
  std::error_code ec;
  if (std::filesystem::exists("/etc/hosts", ec)) binds.push_back({hosts_path_, "/etc/hosts"});
  if (std::filesystem::exists("/etc/resolv.conf", ec)) {
    binds.push_back({resolv_conf_path_, "/etc/resolv.conf"});
  }
  if (std::filesystem::exists(tls::kSystemTrustBundle, ec)) {
    binds.push_back({bundle_path_, tls::kSystemTrustBundle});
  }
  return binds;
}

std::map<std::string, std::string> SandboxNetwork::environment() const {
  // NODE_EXTRA_CA_CERTS adds to Node's own store; the others replace a store, so they get the
  // whole bundle. grpc-js trusts Node's store (and so NODE_EXTRA_CA_CERTS) unless
  // GRPC_DEFAULT_SSL_ROOTS_FILE_PATH names a file, which then is all it trusts.
  return {
      {"NODE_EXTRA_CA_CERTS", ca_->certificate_path()},
      {"GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", bundle_path_},
      {"SSL_CERT_FILE", bundle_path_},
      {"REQUESTS_CA_BUNDLE", bundle_path_},
      {"AWS_CA_BUNDLE", bundle_path_},
  };
}

}  // namespace thaw
