#include "core/tls/certificate_authority.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "core/text_file.h"

namespace thaw::tls {

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;
using Bio = std::unique_ptr<BIO, Free>;

// The OpenSSL error queue as text (and cleared), after `what`.
absl::Status OpensslError(const std::string& what) {
  std::string detail;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!detail.empty()) detail += "; ";
    detail += buffer;
  }
  return absl::InternalError(what + (detail.empty() ? "" : ": " + detail));
}

absl::StatusOr<Key> NewP256Key() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) return OpensslError("generating an EC P-256 key");
  return key;
}

bool IsIpLiteral(const std::string& name) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

// A DNS name as a SAN may carry it: labels of letters, digits and hyphens, optionally led by
// one `*` label.
bool IsDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  std::stringstream labels(name);
  std::string label;
  bool first = true;
  size_t count = 0;
  while (std::getline(labels, label, '.')) {
    ++count;
    if (label.empty() || label.size() > 63) return false;
    if (first && label == "*") {
      first = false;
      continue;
    }
    first = false;
    for (char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
      if (!ok) return false;
    }
  }
  // No trailing dot, and a wildcard needs a name under it.
  return name.back() != '.' && !(name.starts_with("*.") && count < 2) && name != "*";
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpensslError(std::string("adding ") + OBJ_nid2sn(nid) + " = " + value);
  }
  return absl::OkStatus();
}

// A certificate with a random serial, `subject_cn`, validity from an hour ago for `days`, and
// the public half of `key`; not yet signed.
absl::StatusOr<Cert> NewCertificate(const std::string& subject_cn, EVP_PKEY* key, int days) {
  Cert cert(X509_new());
  if (!cert) return OpensslError("allocating a certificate");
  std::unique_ptr<BIGNUM, Free> serial(BN_new());
  bool ok = X509_set_version(cert.get(), 2) == 1 && serial &&
            BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
            BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr &&
            X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(cert.get()), int64_t{days} * 24 * 3600) != nullptr &&
            X509_set_pubkey(cert.get(), key) == 1;
  X509_NAME* name = X509_get_subject_name(cert.get());
  ok = ok &&
       X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>("thaw"), -1, -1, 0) == 1 &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(subject_cn.c_str()), -1,
                                  -1, 0) == 1;
  if (!ok) return OpensslError("filling in a certificate");
  return cert;
}

absl::StatusOr<std::string> ToPem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return OpensslError("writing PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<std::string> ToPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpensslError("writing PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

struct CertificateAuthority::Keys {
  Key key;
  Cert cert;
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<Keys> keys, std::string pem,
                                           std::string path)
    : keys_(std::move(keys)),
      certificate_pem_(std::move(pem)),
      certificate_path_(std::move(path)) {}

CertificateAuthority::~CertificateAuthority() = default;

absl::StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::Create(
    const std::string& run_dir) {
  auto keys = std::make_unique<Keys>();
  ASSIGN_OR_RETURN(auto key, NewP256Key());
  keys->key = std::move(key);
  ASSIGN_OR_RETURN(auto cert, NewCertificate("thaw local CA", keys->key.get(), kCaValidityDays));
  keys->cert = std::move(cert);
  X509* ca = keys->cert.get();
  if (X509_set_issuer_name(ca, X509_get_subject_name(ca)) != 1) {
    return OpensslError("naming the CA's issuer");
  }
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    if (absl::Status s = AddExtension(ca, ca, nid, value); !s.ok()) return s;
  }
  if (X509_sign(ca, keys->key.get(), EVP_sha256()) == 0) return OpensslError("signing the CA");
  ASSIGN_OR_RETURN(auto pem, ToPem(ca));
  std::string path = run_dir + "/" + kCaFileName;
  if (absl::Status s = WriteTextFile(path, pem); !s.ok()) return s;
  return std::unique_ptr<CertificateAuthority>(
      new CertificateAuthority(std::move(keys), std::move(pem), std::move(path)));
}

absl::StatusOr<IssuedCertificate> CertificateAuthority::Issue(
    const std::vector<std::string>& names) const {
  if (names.empty()) return absl::InvalidArgumentError("a certificate needs at least one name");
  std::vector<std::string> alt_names;
  for (const std::string& name : names) {
    if (IsIpLiteral(name)) {
      alt_names.push_back("IP:" + name);
    } else if (IsDnsName(name)) {
      alt_names.push_back("DNS:" + name);
    } else {
      return absl::InvalidArgumentError("not a DNS name or IP address: '" + name + "'");
    }
  }
  ASSIGN_OR_RETURN(auto key, NewP256Key());
  // The CN is informative only (clients match the SANs); a CN is at most 64 characters.
  ASSIGN_OR_RETURN(auto cert,
                   NewCertificate(names.front().substr(0, 64), key.get(), kLeafValidityDays));
  X509* leaf = cert.get();
  X509* ca = keys_->cert.get();
  if (X509_set_issuer_name(leaf, X509_get_subject_name(ca)) != 1) {
    return OpensslError("naming the certificate's issuer");
  }
  for (auto [nid, value] :
       {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:FALSE"},
        std::pair<int, std::string>{NID_key_usage, "critical,digitalSignature"},
        std::pair<int, std::string>{NID_ext_key_usage, "serverAuth"},
        std::pair<int, std::string>{NID_subject_key_identifier, "hash"},
        std::pair<int, std::string>{NID_authority_key_identifier, "keyid:always"},
        std::pair<int, std::string>{NID_subject_alt_name, absl::StrJoin(alt_names, ",")}}) {
    if (absl::Status s = AddExtension(leaf, ca, nid, value); !s.ok()) return s;
  }
  if (X509_sign(leaf, keys_->key.get(), EVP_sha256()) == 0) {
    return OpensslError("signing the certificate");
  }
  IssuedCertificate issued;
  ASSIGN_OR_RETURN(auto cert_pem, ToPem(leaf));
  ASSIGN_OR_RETURN(auto key_pem, ToPem(key.get()));
  issued.certificate_pem = std::move(cert_pem);
  issued.private_key_pem = std::move(key_pem);
  return issued;
}

absl::Status WriteTrustBundle(const std::string& system_bundle, const std::string& ca_pem,
                              const std::string& out_path) {
  std::string text;
  if (std::ifstream in(system_bundle, std::ios::binary); in) {
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
    if (!text.empty() && text.back() != '\n') text += '\n';
  }
  text += ca_pem;
  return WriteTextFile(out_path, text);
}

}  // namespace thaw::tls
