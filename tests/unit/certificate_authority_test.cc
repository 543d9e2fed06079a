#include "core/tls/certificate_authority.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/tls/endpoint_names.h"
#include "core/tls/server_context.h"

namespace thaw::tls {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};

std::unique_ptr<X509, Free> ParsePem(const std::string& pem) {
  std::unique_ptr<BIO, Free> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return std::unique_ptr<X509, Free>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// OpenSSL's verifier, as a TLS client runs it: the chain up to `ca_pem` (the only trusted
// certificate), the server purpose, and `name` as the host (or IP) the client connected to.
// Returns X509_V_OK or the verifier's error.
int Verify(const std::string& ca_pem, const std::string& leaf_pem, const std::string& name) {
  auto ca = ParsePem(ca_pem);
  auto leaf = ParsePem(leaf_pem);
  EXPECT_TRUE(ca && leaf);
  std::unique_ptr<X509_STORE, Free> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca.get());
  std::unique_ptr<X509_STORE_CTX, Free> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // Strict, as Python 3.13's default context is.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  }
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

class CertificateAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("thaw-ca-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto ca = CertificateAuthority::Create(dir_.string());
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::unique_ptr<CertificateAuthority> ca_;
};

TEST_F(CertificateAuthorityTest, WritesTheCaCertificateToTheRunDirectory) {
  EXPECT_EQ(ca_->certificate_path(), (dir_ / "ca.pem").string());
  EXPECT_EQ(ReadFile(dir_ / "ca.pem"), ca_->certificate_pem());
  auto ca = ParsePem(ca_->certificate_pem());
  ASSERT_TRUE(ca);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
}

TEST_F(CertificateAuthorityTest, LeafVerifiesForEachOfItsNames) {
  std::vector<std::string> names = AwsServiceNames("eu-west-1");
  for (const std::string& name : MomentoEndpointNames("cell-4-us-west-2-1.prod.a.momentohq.com")) {
    names.push_back(name);
  }
  for (const std::string& name : LoopbackNames()) names.push_back(name);
  auto leaf = ca_->Issue(names);
  ASSERT_TRUE(leaf.ok()) << leaf.status();

  for (const std::string name :
       {"secretsmanager.eu-west-1.amazonaws.com", "secretsmanager-fips.eu-west-1.amazonaws.com",
        "secretsmanager.eu-west-1.api.aws", "secretsmanager-fips.eu-west-1.api.aws",
        "secretsmanager.dualstack.eu-west-1.amazonaws.com", "ssm.eu-west-1.amazonaws.com",
        "ssm-fips.eu-west-1.amazonaws.com", "ssm.eu-west-1.api.aws",
        "cache.cell-4-us-west-2-1.prod.a.momentohq.com",
        "control.cell-4-us-west-2-1.prod.a.momentohq.com",
        "token.cell-4-us-west-2-1.prod.a.momentohq.com",
        "other.cell-4-us-west-2-1.prod.a.momentohq.com",  // *.<base>
        "anything.momentohq.com",                         // *.momentohq.com
        "localhost", "127.0.0.1", "::1"}) {
    EXPECT_EQ(Verify(ca_->certificate_pem(), leaf->certificate_pem, name), X509_V_OK) << name;
  }
}

TEST_F(CertificateAuthorityTest, LeafFailsForOtherNames) {
  auto leaf = ca_->Issue(
      {"secretsmanager.us-east-1.amazonaws.com", "*.momentohq.com", "localhost", "127.0.0.1"});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  for (const std::string name : {"secretsmanager.eu-west-1.amazonaws.com",  // another region
                                 "sts.us-east-1.amazonaws.com",             // another service
                                 "momentohq.com",  // a wildcard does not cover its base
                                 "cache.cell-1.prod.a.momentohq.com",  // nor two labels
                                 "example.com"}) {
    EXPECT_EQ(Verify(ca_->certificate_pem(), leaf->certificate_pem, name),
              X509_V_ERR_HOSTNAME_MISMATCH)
        << name;
  }
  for (const std::string ip : {"127.0.0.2", "::1"}) {
    EXPECT_EQ(Verify(ca_->certificate_pem(), leaf->certificate_pem, ip),
              X509_V_ERR_IP_ADDRESS_MISMATCH)
        << ip;
  }
}

TEST_F(CertificateAuthorityTest, LeafFailsAgainstAnotherRunsCa) {
  const fs::path other_dir = dir_ / "other";
  fs::create_directories(other_dir);
  auto other = CertificateAuthority::Create(other_dir.string());
  ASSERT_TRUE(other.ok()) << other.status();
  auto leaf = ca_->Issue({"localhost"});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_EQ(Verify((*other)->certificate_pem(), leaf->certificate_pem, "localhost"),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(CertificateAuthorityTest, RefusesMalformedNames) {
  EXPECT_EQ(ca_->Issue({}).status().code(), absl::StatusCode::kInvalidArgument);
  for (const std::string bad : {"", "a..b", "*", "a.*.b", "host name", "trailing.", "*.*.com"}) {
    auto issued = ca_->Issue({"localhost", bad});
    EXPECT_EQ(issued.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(CertificateAuthorityTest, IssuedCertificateLoadsIntoAServerContext) {
  auto leaf = ca_->Issue({"localhost"});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_TRUE(MakeServerContext(*leaf, kAlpnH2).ok());
  IssuedCertificate mismatched = *leaf;
  mismatched.private_key_pem = ca_->Issue({"localhost"})->private_key_pem;
  EXPECT_THAT(MakeServerContext(mismatched).status().message(), HasSubstr("TLS certificate"));
}

TEST_F(CertificateAuthorityTest, TrustBundleIsTheSystemBundleThenTheCa) {
  const fs::path system = dir_ / "system.pem";
  const std::string system_text = ca_->Issue({"localhost"})->certificate_pem;  // any PEM
  std::ofstream(system) << system_text;
  const fs::path bundle = dir_ / "bundle.pem";
  ASSERT_TRUE(WriteTrustBundle(system.string(), ca_->certificate_pem(), bundle.string()).ok());
  EXPECT_EQ(ReadFile(bundle), system_text + ca_->certificate_pem());

  const fs::path only_ca = dir_ / "only-ca.pem";
  ASSERT_TRUE(
      WriteTrustBundle((dir_ / "missing").string(), ca_->certificate_pem(), only_ca.string()).ok());
  EXPECT_EQ(ReadFile(only_ca), ca_->certificate_pem());
  EXPECT_EQ(
      WriteTrustBundle(system.string(), ca_->certificate_pem(), "/nonexistent/dir/b.pem").code(),
      absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace thaw::tls
