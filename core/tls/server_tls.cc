#include "core/tls/server_tls.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/status/status.h"
#include "core/status_macros.h"
#include "core/tls/server_context.h"

namespace thaw::tls {

namespace {

absl::StatusOr<std::string> RunDirectory(const std::string& dir, const std::string& prefix) {
  std::error_code ec;
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return absl::UnavailableError("cannot create " + dir + ": " + ec.message());
    return dir;
  }
  std::string pattern =
      (std::filesystem::temp_directory_path(ec) / ("thaw-" + prefix + "-XXXXXX")).string();
  if (ec || ::mkdtemp(pattern.data()) == nullptr) {
    return absl::UnavailableError("cannot create a directory for the CA: " +
                                  std::string(std::strerror(errno)));
  }
  return pattern;
}

}  // namespace

absl::StatusOr<ServerTls> MakeServerTls(const std::string& dir, const std::string& prefix,
                                        const std::vector<std::string>& names,
                                        const std::string& alpn) {
  std::error_code ec_ignored;
  ASSIGN_OR_RETURN(auto run_dir, RunDirectory(dir, prefix));
  auto ca = CertificateAuthority::Create(run_dir);
  absl::StatusOr<IssuedCertificate> certificate =
      ca.ok() ? (*ca)->Issue(names) : absl::StatusOr<IssuedCertificate>(ca.status());
  absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> context =
      certificate.ok()
          ? MakeServerContext(*certificate, alpn)
          : absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>>(certificate.status());
  if (!context.ok()) {
    if (dir.empty()) std::filesystem::remove_all(run_dir, ec_ignored);
    return context.status();
  }
  return ServerTls{run_dir, dir.empty(), *std::move(ca), *std::move(context)};
}

}  // namespace thaw::tls
