#include "core/tls/server_context.h"

#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>

#include "absl/status/status.h"

namespace thaw::tls {

namespace {

namespace ssl = boost::asio::ssl;

// OpenSSL's ALPN selection callback; `arg` is the wire-format protocol (length-prefixed).
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void* arg) {
  const auto* wanted = static_cast<const std::string*>(arg);
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(
          &selected, outlen, reinterpret_cast<const unsigned char*>(wanted->data()),
          static_cast<unsigned int>(wanted->size()), in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// A context and the wire-format ALPN string its callback points at, kept alive together.
struct ContextWithAlpn {
  ssl::context context{ssl::context::tls_server};
  std::string alpn_wire;
};

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> MakeServerContext(
    const IssuedCertificate& certificate, const std::string& alpn) {
  auto holder = std::make_shared<ContextWithAlpn>();
  ssl::context& context = holder->context;
  boost::system::error_code ec;
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                      ec);
  if (!ec) {
    context.use_certificate_chain(boost::asio::buffer(certificate.certificate_pem), ec);
  }
  if (!ec) {
    context.use_private_key(boost::asio::buffer(certificate.private_key_pem), ssl::context::pem,
                            ec);
  }
  if (ec) return absl::InternalError("loading the TLS certificate: " + ec.message());
  if (!alpn.empty()) {
    holder->alpn_wire = std::string(1, static_cast<char>(alpn.size())) + alpn;
    SSL_CTX_set_alpn_select_cb(context.native_handle(), SelectAlpn, &holder->alpn_wire);
  }
  // Aliasing: the returned pointer owns the holder, so the ALPN string lives as long as the
  // context.
  return std::shared_ptr<ssl::context>(holder, &holder->context);
}

}  // namespace thaw::tls
