#ifndef THAW_CORE_TLS_SERVER_CONTEXT_H_
#define THAW_CORE_TLS_SERVER_CONTEXT_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/tls/certificate_authority.h"

namespace thaw::tls {

// The ALPN protocol gRPC clients require (grpc-js and gRPC C++ both refuse a TLS server that
// does not select it).
inline constexpr char kAlpnH2[] = "h2";

// A TLS 1.2+ server context serving `certificate`. When `alpn` is not empty, the server selects
// it if the client offers it and refuses the handshake (no_application_protocol) if the client
// offers ALPN without it; a client that offers no ALPN is served. The context is immutable after
// this returns and may be shared by any number of connections and threads. Errors: Internal when
// the certificate or key does not load.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerContext(
    const IssuedCertificate& certificate, const std::string& alpn = "");

}  // namespace thaw::tls

#endif  // THAW_CORE_TLS_SERVER_CONTEXT_H_
