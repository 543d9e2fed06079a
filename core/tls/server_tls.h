#ifndef THAW_CORE_TLS_SERVER_TLS_H_
#define THAW_CORE_TLS_SERVER_TLS_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/tls/certificate_authority.h"

namespace thaw::tls {

// What a standalone fake (`thaw momento --tls`, `thaw aws --tls`) serves TLS with: a CA made for
// this run, written to `<dir>/ca.pem`, and a server context with a certificate it issued.
struct ServerTls {
  // Where ca.pem is; `temporary` when MakeServerTls made it (the caller removes it at exit).
  std::string dir;
  bool temporary = false;
  std::unique_ptr<CertificateAuthority> ca;
  std::shared_ptr<boost::asio::ssl::context> context;
};

// Makes the CA in `dir` (created when missing; when empty, a new directory
// `$TMPDIR/thaw-<prefix>-XXXXXX`), a certificate for `names` and a server context selecting
// `alpn` (none when empty). Errors: Unavailable when the directory or file cannot be made,
// InvalidArgument for a bad name, Internal from OpenSSL.
absl::StatusOr<ServerTls> MakeServerTls(const std::string& dir, const std::string& prefix,
                                        const std::vector<std::string>& names,
                                        const std::string& alpn = "");

}  // namespace thaw::tls

#endif  // THAW_CORE_TLS_SERVER_TLS_H_
