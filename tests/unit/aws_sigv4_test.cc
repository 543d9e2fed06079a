// SigV4 against the published AWS Signature Version 4 test suite (aws-sig-v4-test-suite:
// AKIDEXAMPLE, region us-east-1, service "service", 20150830T123600Z; only the inputs and
// expected values are used), and the verifier's AWS errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/aws_error.h"
#include "fakes/aws/credential_store.h"
#include "fakes/aws/sigv4.h"
#include "fakes/aws/sigv4_verifier.h"

namespace thaw::aws {
namespace {

using ::testing::HasSubstr;

constexpr char kAkid[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kDate[] = "20150830T123600Z";
constexpr char kStsToken[] =
    "AQoDYXdzEPT//////////"
    "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIe"
    "oIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/"
    "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq"
    "5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
    "scqKmlzm8FDrypNC"
    "9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

struct Vector {
  const char* name;
  const char* method;
  const char* target;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host and X-Amz-Date
  std::vector<std::string> signed_headers;
  const char* signature;
};

std::ostream& operator<<(std::ostream& out, const Vector& v) { return out << v.name; }

sigv4::SignedRequest RequestOf(const Vector& v) {
  sigv4::SignedRequest request;
  request.method = v.method;
  request.target = v.target;
  request.headers = {{"Host", "example.amazonaws.com"}};
  for (const auto& h : v.headers) request.headers.push_back(h);
  request.headers.emplace_back("X-Amz-Date", kDate);
  return request;
}

class SigV4SuiteTest : public ::testing::TestWithParam<Vector> {};

TEST_P(SigV4SuiteTest, SignatureMatchesThePublishedValue) {
  const Vector& v = GetParam();
  EXPECT_EQ(
      sigv4::Signature(RequestOf(v), v.signed_headers, kSecret, kDate, "us-east-1", "service"),
      v.signature);
}

TEST_P(SigV4SuiteTest, VerifierAcceptsThePublishedAuthorization) {
  const Vector& v = GetParam();
  CredentialStore credentials;
  AwsCredential credential;
  credential.access_key_id = kAkid;
  credential.secret_access_key = kSecret;
  for (const auto& [name, value] : v.headers) {
    if (name == "X-Amz-Security-Token") credential.session_token = value;
  }
  credentials.Add(credential);
  SigV4Verifier verifier(credentials, {});
  sigv4::SignedRequest request = RequestOf(v);
  std::string list;
  for (const auto& h : v.signed_headers) list += (list.empty() ? "" : ";") + h;
  request.headers.emplace_back("Authorization",
                               std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
                                           "us-east-1/service/aws4_request, SignedHeaders=") +
                                   list + ", Signature=" + v.signature);
  auto verified = verifier.Verify(request, "service", *ParseAmzDate(kDate));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->access_key_id, kAkid);
}

const std::vector<std::string> kHostDate = {"host", "x-amz-date"};
const std::vector<std::string> kWithHeader1 = {"host", "my-header1", "x-amz-date"};

INSTANTIATE_TEST_SUITE_P(
    AwsSigV4TestSuite, SigV4SuiteTest,
    ::testing::Values(
        Vector{"get_vanilla",
               "GET",
               "/",
               {},
               kHostDate,
               "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        Vector{"get_vanilla_empty_query_key",
               "GET",
               "/?Param1=value1",
               {},
               kHostDate,
               "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
        Vector{"get_vanilla_query_order_value",
               "GET",
               "/?Param1=value2&Param1=value1",
               {},
               kHostDate,
               "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
        Vector{"post_vanilla_query",
               "POST",
               "/?Param1=value1",
               {},
               kHostDate,
               "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
        Vector{"post_header_key_sort",
               "POST",
               "/",
               {{"My-Header1", "value1"}},
               kWithHeader1,
               "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
        Vector{"post_header_value_case",
               "POST",
               "/",
               {{"My-Header1", "VALUE1"}},
               kWithHeader1,
               "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
        Vector{"get_header_value_trim",
               "GET",
               "/",
               {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
               {"host", "my-header1", "my-header2", "x-amz-date"},
               "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
        Vector{"get_header_value_order",
               "GET",
               "/",
               {{"My-Header1", "value4"},
                {"My-Header1", "value1"},
                {"My-Header1", "value3"},
                {"My-Header1", "value2"}},
               kWithHeader1,
               "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
        Vector{"get_header_key_duplicate",
               "GET",
               "/",
               {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
               kWithHeader1,
               "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
        Vector{"post_sts_header_before",
               "POST",
               "/",
               {{"X-Amz-Security-Token", kStsToken}},
               {"host", "x-amz-date", "x-amz-security-token"},
               "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"}),
    [](const ::testing::TestParamInfo<Vector>& info) { return std::string(info.param.name); });

TEST(SigV4Test, CanonicalRequestOfTheSuite) {
  // get-header-value-order.creq
  Vector v{"order",
           "GET",
           "/",
           {{"My-Header1", "value4"},
            {"My-Header1", "value1"},
            {"My-Header1", "value3"},
            {"My-Header1", "value2"}},
           kWithHeader1,
           ""};
  EXPECT_EQ(sigv4::CanonicalRequest(RequestOf(v), kWithHeader1),
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\n"
            "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // get-utf8.creq: the path is encoded.
  Vector utf8{"utf8", "GET", "/\xe1\x88\xb4", {}, kHostDate, ""};
  EXPECT_THAT(sigv4::CanonicalRequest(RequestOf(utf8), kHostDate),
              ::testing::StartsWith("GET\n/%E1%88%B4\n\n"));
}

TEST(SigV4Test, StringToSignOfTheStsVector) {
  Vector v{"sts",
           "POST",
           "/",
           {{"X-Amz-Security-Token", kStsToken}},
           {"host", "x-amz-date", "x-amz-security-token"},
           ""};
  const std::string canonical = sigv4::CanonicalRequest(RequestOf(v), v.signed_headers);
  EXPECT_EQ(sigv4::StringToSign(kDate, "20150830/us-east-1/service/aws4_request", canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6");
}

TEST(SigV4Test, ParsesTheAuthorizationHeader) {
  auto auth = sigv4::ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/secretsmanager/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=ABCDEF");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->access_key_id, "AKID");
  EXPECT_EQ(auth->date, "20261129");
  EXPECT_EQ(auth->service, "secretsmanager");
  EXPECT_EQ(auth->signed_headers.size(), 4u);
  EXPECT_EQ(auth->signature, "abcdef");
}

TEST(SigV4Test, MissingPartsAreIncompleteSignature) {
  auto auth =
      sigv4::ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/20261129/r/s/aws4_request");
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(AwsErrorType(auth.status()), "IncompleteSignatureException");
  EXPECT_THAT(std::string(auth.status().message()),
              HasSubstr("Authorization header requires 'Signature' parameter."));
}

// A verifier over one session credential, and requests signed like an SDK would.
class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest() : verifier_(credentials_, {.region = "us-east-1"}) {
    AwsCredential credential;
    credential.access_key_id = "ASIAEXAMPLE";
    credential.secret_access_key = "secret";
    credential.session_token = "token";
    credential.instance = 4;
    credentials_.Add(credential);
    now_ = *ParseAmzDate("20261129T060835Z");
  }

  sigv4::SignedRequest Signed(std::string_view amz_date = "20261129T060835Z",
                              std::string_view secret = "secret", std::string_view token = "token",
                              std::string_view service = "secretsmanager",
                              std::string_view akid = "ASIAEXAMPLE") {
    sigv4::SignedRequest request;
    request.method = "POST";
    request.target = "/";
    request.headers = {{"Host", "127.0.0.1:4566"},
                       {"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
    request.body = R"({"SecretId":"x"})";
    sigv4::SignRequest(request, akid, secret, token, amz_date, "us-east-1", service);
    return request;
  }

  std::string ErrorOf(const sigv4::SignedRequest& request) {
    auto result = verifier_.Verify(request, "secretsmanager", now_);
    if (result.ok()) return "ok";
    return AwsErrorType(result.status()) + ": " + std::string(result.status().message());
  }

  CredentialStore credentials_;
  SigV4Verifier verifier_;
  std::chrono::system_clock::time_point now_;
};

TEST_F(VerifierTest, AcceptsAGoodSignatureAndNamesTheCaller) {
  auto result = verifier_.Verify(Signed(), "secretsmanager", now_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->instance, 4);
}

TEST_F(VerifierTest, WrongSecretIsInvalidSignature) {
  EXPECT_THAT(ErrorOf(Signed("20261129T060835Z", "other")),
              HasSubstr("InvalidSignatureException: The request signature we calculated does not "
                        "match the signature you provided."));
}

TEST_F(VerifierTest, TamperedBodyIsInvalidSignature) {
  auto request = Signed();
  request.body = R"({"SecretId":"y"})";
  EXPECT_THAT(ErrorOf(request), HasSubstr("InvalidSignatureException"));
}

TEST_F(VerifierTest, UnknownKeyIsUnrecognizedClient) {
  EXPECT_EQ(ErrorOf(Signed("20261129T060835Z", "secret", "token", "secretsmanager", "AKIAOTHER")),
            "UnrecognizedClientException: The security token included in the request is invalid.");
}

TEST_F(VerifierTest, MissingOrWrongSessionTokenIsUnrecognizedClient) {
  EXPECT_THAT(ErrorOf(Signed("20261129T060835Z", "secret", "")),
              HasSubstr("UnrecognizedClientException"));
  EXPECT_THAT(ErrorOf(Signed("20261129T060835Z", "secret", "other")),
              HasSubstr("UnrecognizedClientException"));
}

TEST_F(VerifierTest, SkewOverFiveMinutesIsSignatureExpired) {
  EXPECT_EQ(ErrorOf(Signed("20261129T060234Z")),
            "InvalidSignatureException: Signature expired: 20261129T060234Z is now earlier than "
            "20261129T060335Z (20261129T060835Z - 5 min.)");
  EXPECT_EQ(ErrorOf(Signed("20261129T060335Z")), "ok");
  EXPECT_THAT(ErrorOf(Signed("20261129T061336Z")), HasSubstr("Signature not yet current"));
}

TEST_F(VerifierTest, ScopeMustNameTheServiceAndRegion) {
  EXPECT_THAT(ErrorOf(Signed("20261129T060835Z", "secret", "token", "ssm")),
              HasSubstr("Credential should be scoped to correct service: 'secretsmanager'."));
  auto request = Signed();
  for (auto& [name, value] : request.headers) {
    if (name == "Authorization") {
      value.replace(value.find("us-east-1"), 9, "eu-west-1");
    }
  }
  EXPECT_THAT(ErrorOf(request), HasSubstr("Credential should be scoped to a valid region"));
}

TEST_F(VerifierTest, ScopeDateMustMatchXAmzDate) {
  auto request = Signed();
  for (auto& [name, value] : request.headers) {
    if (name == "Authorization") value.replace(value.find("20261129"), 8, "20261128");
  }
  EXPECT_THAT(ErrorOf(request),
              HasSubstr("Date in Credential scope does not match YYYYMMDD from ISO-8601"));
}

TEST_F(VerifierTest, ExpiredSessionIsExpiredToken) {
  AwsCredential credential = *credentials_.Find("ASIAEXAMPLE");
  credential.expires = now_ - std::chrono::seconds(1);
  credentials_.Add(credential);
  EXPECT_EQ(ErrorOf(Signed()),
            "ExpiredTokenException: The security token included in the request is expired");
}

TEST_F(VerifierTest, NoAuthorizationIsMissingAuthenticationToken) {
  sigv4::SignedRequest request;
  request.method = "POST";
  request.target = "/";
  EXPECT_THAT(ErrorOf(request), HasSubstr("MissingAuthenticationTokenException"));
}

TEST(CredentialStoreTest, IssuesSessionCredentialsPerInstance) {
  CredentialStore store;
  AwsCredential a = store.Issue(1, "fn", "fn-role", nullptr);
  AwsCredential b = store.Issue(2, "fn", "fn-role", nullptr);
  EXPECT_NE(a.access_key_id, b.access_key_id);
  EXPECT_EQ(a.access_key_id.substr(0, 4), "ASIA");
  EXPECT_EQ(a.access_key_id.size(), 20u);
  EXPECT_EQ(a.secret_access_key.size(), 40u);
  EXPECT_FALSE(a.session_token.empty());
  EXPECT_EQ(store.Find(b.access_key_id)->instance, 2);
  EXPECT_EQ(store.Find(a.access_key_id)->session_name, "fn");
  store.Remove(a.access_key_id);
  EXPECT_FALSE(store.Find(a.access_key_id).has_value());
  EXPECT_EQ(store.size(), 1u);
}

}  // namespace
}  // namespace thaw::aws
