#ifndef THAW_HOST_SANDBOX_NETWORK_H_
#define THAW_HOST_SANDBOX_NETWORK_H_

#include <boost/asio/ssl/context.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/service_seeds.h"
#include "core/tls/certificate_authority.h"
#include "emulator/sandbox/dns_sink.h"
#include "emulator/sandbox/sandbox.h"

namespace thaw {

// What makes the fakes answer at their real endpoints inside every instance's sandbox, so that
// a handler runs with no line changed:
//  - a CA made for the run (core/tls), and a certificate for each fake's real names: the fake
//    Momento's for `cache.`, `control.` and `token.` under the endpoint of the keys thaw mints
//    and under every endpoint a seeded key names; the fake AWS's for its services in the region;
//  - an /etc/hosts that sends those names to the fakes' addresses inside (kMomentoAddress,
//    kAwsAddress), and an /etc/resolv.conf naming the sandbox's DnsSink, so any other name fails
//    at once (NXDOMAIN) and is recorded as `sandbox.egress_blocked`;
//  - a trust bundle (the system's, then the CA), bound over the system bundle, and the
//    variables each runtime reads its trust from (NODE_EXTRA_CA_CERTS for Node.js and the AWS
//    SDKs for JavaScript, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH for gRPC, SSL_CERT_FILE,
//    REQUESTS_CA_BUNDLE and AWS_CA_BUNDLE for OpenSSL, Python and botocore).
// The files live in a directory made for the run and removed with this object.
// Immutable after Create; thread-safe.
class SandboxNetwork {
 public:
  // Where each fake listens inside a sandbox: an address of its own, on its real port.
  static const SandboxAddress kMomentoAddress;
  static const SandboxAddress kAwsAddress;

  // `seeds` and `environment_values` are searched for the endpoints of Momento keys a user
  // seeded (legacy and v1 keys, and values ending in `.momentohq.com`), which then resolve to
  // the fake Momento as well. Errors: Unavailable when the directory or a file cannot be made,
  // Internal from OpenSSL.
  static absl::StatusOr<std::unique_ptr<SandboxNetwork>> Create(
      const std::string& region, const ServiceSeeds& seeds,
      const std::vector<std::string>& environment_values);
  ~SandboxNetwork();
  SandboxNetwork(const SandboxNetwork&) = delete;
  SandboxNetwork& operator=(const SandboxNetwork&) = delete;

  // The endpoint minted Momento keys name ("cell-us-east-1-1.prod.a.momentohq.com").
  const std::string& momento_endpoint() const { return momento_endpoint_; }
  // Every Momento endpoint that resolves inside: momento_endpoint() and the seeded ones.
  const std::vector<std::string>& momento_endpoints() const { return momento_endpoints_; }
  std::shared_ptr<boost::asio::ssl::context> momento_tls() const { return momento_tls_; }
  std::shared_ptr<boost::asio::ssl::context> aws_tls() const { return aws_tls_; }
  // The files every sandbox gets, and the variables every sandboxed instance gets.
  std::vector<SandboxBind> binds() const;
  std::map<std::string, std::string> environment() const;
  // The names /etc/hosts lists and their address there, for the sandboxes' resolver.
  const DnsSink::ServedNames& served_names() const { return served_names_; }
  // The run's CA certificate (PEM file), the one to trust outside a sandbox too.
  const std::string& ca_path() const { return ca_->certificate_path(); }

 private:
  SandboxNetwork() = default;

  std::string dir_;
  std::unique_ptr<tls::CertificateAuthority> ca_;
  std::string momento_endpoint_;
  std::vector<std::string> momento_endpoints_;
  std::shared_ptr<boost::asio::ssl::context> momento_tls_;
  std::shared_ptr<boost::asio::ssl::context> aws_tls_;
  DnsSink::ServedNames served_names_;
  std::string hosts_path_;
  std::string resolv_conf_path_;
  std::string bundle_path_;
};

}  // namespace thaw

#endif  // THAW_HOST_SANDBOX_NETWORK_H_
