// SigV4 (fakes/aws/sigv4.h, sigv4_verifier.h): the Authorization header's parser, X-Amz-Date,
// URI encoding both ways, and the canonical request and signature over a fuzzed request, then
// the verifier on that request (signed or not) as AwsService calls it.
#include <fuzzer/FuzzedDataProvider.h>

#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fakes/aws/credential_store.h"
#include "fakes/aws/sigv4.h"
#include "fakes/aws/sigv4_verifier.h"

namespace sigv4 = thaw::aws::sigv4;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string header = in.ConsumeRandomLengthString(512);
  (void)sigv4::ParseAuthorization(header);
  (void)thaw::aws::ParseAmzDate(header);

  sigv4::SignedRequest request;
  request.method = in.ConsumeRandomLengthString(16);
  request.target = in.ConsumeRandomLengthString(256);
  const int header_count = in.ConsumeIntegralInRange(0, 8);
  for (int i = 0; i < header_count; ++i) {
    std::string name = in.ConsumeRandomLengthString(32);
    std::string value = in.ConsumeRandomLengthString(128);
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  const bool sign = in.ConsumeBool();
  request.body = in.ConsumeRemainingBytesAsString();

  const std::string decoded = sigv4::UriDecode(request.target);
  // Encoding what was decoded, and decoding that, gives it back.
  if (sigv4::UriDecode(sigv4::UriEncode(decoded, true)) != decoded) __builtin_trap();
  if (sigv4::UriDecode(sigv4::UriEncode(decoded, false)) != decoded) __builtin_trap();

  std::vector<std::string> signed_headers;
  for (const auto& [name, value] : request.headers) signed_headers.push_back(name);
  (void)sigv4::Signature(request, signed_headers, "secret", "20231114T221320Z", "us-east-1",
                         "secretsmanager");

  thaw::aws::CredentialStore credentials;
  thaw::aws::AwsCredential credential;
  credential.access_key_id = "AKIDFUZZ";
  credential.secret_access_key = "secret";
  credentials.Add(credential);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  if (sign) {
    sigv4::SignRequest(request, "AKIDFUZZ", "secret", "", thaw::aws::FormatAmzDate(now),
                       "us-east-1", "secretsmanager");
  } else {
    request.headers.emplace_back("Authorization", header);
  }
  const thaw::aws::SigV4Verifier verifier(credentials, {});
  const absl::StatusOr<thaw::aws::AwsCredential> verified =
      verifier.Verify(request, "secretsmanager", now);
  // What SignRequest signs, the verifier takes, when the request's own headers are plain names
  // that are not the ones signing adds, and Host is one of them (AWS refuses a signature that
  // does not cover Host, and so does the verifier).
  bool plain = true;
  bool host = false;
  for (const std::string& name : signed_headers) {
    std::string lower;
    for (const char c : name)
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    plain = plain && !name.empty() && lower != "authorization" && lower != "x-amz-date" &&
            lower != "x-amz-security-token" &&
            lower.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
    host = host || lower == "host";
  }
  if (sign && plain && host && !verified.ok()) __builtin_trap();
  return 0;
}
