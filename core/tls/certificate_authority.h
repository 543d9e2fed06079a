#ifndef THAW_CORE_TLS_CERTIFICATE_AUTHORITY_H_
#define THAW_CORE_TLS_CERTIFICATE_AUTHORITY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace thaw::tls {

// A server certificate and its private key, both PEM.
struct IssuedCertificate {
  std::string certificate_pem;
  std::string private_key_pem;
};

// The certificate authority thaw makes for one run: an EC P-256 key that never leaves memory and
// a self-signed CA certificate, written to `<run_dir>/ca.pem` so clients can be told to trust it
// (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, AWS_CA_BUNDLE,
// GRPC_DEFAULT_SSL_ROOTS_FILE_PATH). It signs leaf certificates for the names the fakes answer
// at. A new run makes a new CA, so a certificate from an old run is never trusted again.
//
// Thread-safe: Issue may be called from any thread.
class CertificateAuthority {
 public:
  // The CA's file name inside the run directory.
  static constexpr char kCaFileName[] = "ca.pem";

  // Makes the key and the certificate (valid from an hour ago for kCaValidityDays) and writes
  // `<run_dir>/ca.pem` (the directory must exist). Errors: Internal when OpenSSL fails,
  // Unavailable when the file cannot be written.
  static absl::StatusOr<std::unique_ptr<CertificateAuthority>> Create(const std::string& run_dir);
  ~CertificateAuthority();
  CertificateAuthority(const CertificateAuthority&) = delete;
  CertificateAuthority& operator=(const CertificateAuthority&) = delete;

  // The CA certificate, PEM, and where it was written.
  const std::string& certificate_pem() const { return certificate_pem_; }
  const std::string& certificate_path() const { return certificate_path_; }

  // A server certificate for `names`, each a DNS name (a leading `*.` is a one-label wildcard,
  // as TLS clients match it) or an IPv4/IPv6 literal, with a fresh P-256 key, valid from an hour
  // ago for kLeafValidityDays. Errors: InvalidArgument for no names or an empty/malformed one,
  // Internal when OpenSSL fails.
  absl::StatusOr<IssuedCertificate> Issue(const std::vector<std::string>& names) const;

  static constexpr int kCaValidityDays = 365;
  static constexpr int kLeafValidityDays = 90;

 private:
  struct Keys;
  CertificateAuthority(std::unique_ptr<Keys> keys, std::string pem, std::string path);

  std::unique_ptr<Keys> keys_;
  std::string certificate_pem_;
  std::string certificate_path_;
};

// The default system trust bundle on Debian and Ubuntu.
inline constexpr char kSystemTrustBundle[] = "/etc/ssl/certs/ca-certificates.crt";

// Writes `out_path`: the certificates of `system_bundle` (skipped if it does not exist, so a
// machine without a bundle still trusts thaw's CA) followed by `ca_pem`. The sandbox bind-mounts
// the result over the system bundle. Errors: Unavailable when `out_path` cannot be written.
absl::Status WriteTrustBundle(const std::string& system_bundle, const std::string& ca_pem,
                              const std::string& out_path);

}  // namespace thaw::tls

#endif  // THAW_CORE_TLS_CERTIFICATE_AUTHORITY_H_
