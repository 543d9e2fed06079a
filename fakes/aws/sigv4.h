#ifndef THAW_FAKES_AWS_SIGV4_H_
#define THAW_FAKES_AWS_SIGV4_H_

// The pieces of AWS Signature Version 4 (HMAC-SHA256), as pure functions: what a verifier
// recomputes. Stateless and thread-safe.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace thaw::aws::sigv4 {

inline constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

// An HTTP request as signed: the request target (path and query, as on the wire), every
// header in arrival order (a name may repeat), and the exact body bytes.
struct SignedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...` header.
struct Authorization {
  std::string access_key_id;
  std::string date;  // yyyymmdd
  std::string region;
  std::string service;
  std::string terminator;                   // aws4_request
  std::vector<std::string> signed_headers;  // lower case, as listed
  std::string signature;                    // hex
};

// Parses the header. Fails with IncompleteSignatureException (see aws_error.h) naming the
// missing part, as AWS does.
absl::StatusOr<Authorization> ParseAuthorization(std::string_view header);

std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string Hex(std::string_view bytes);

// RFC 3986 percent-encoding: A-Z a-z 0-9 - _ . ~ stay, everything else %XX (upper case);
// `/` stays when `keep_slash`.
std::string UriEncode(std::string_view text, bool keep_slash);
std::string UriDecode(std::string_view text);

// CanonicalRequest = method \n canonical URI \n canonical query \n canonical headers \n
// signed headers \n hex(sha256(body)). Headers are those named in `signed_headers` (lower
// case): values trimmed, inner runs of spaces collapsed, repeats joined with `,`. The URI is
// the wire path encoded once more (non-S3 services); the query is decoded, re-encoded and
// sorted.
std::string CanonicalRequest(const SignedRequest& request,
                             const std::vector<std::string>& signed_headers);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical request>".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);

// hex(HMAC(signing key, string to sign)) for `request`, signed at `amz_date`
// (yyyymmddThhmmssZ) in the given scope.
std::string Signature(const SignedRequest& request, const std::vector<std::string>& signed_headers,
                      std::string_view secret, std::string_view amz_date, std::string_view region,
                      std::string_view service);
// Same, with the signing key already derived (SigningKey of the same date, region, service).
std::string SignatureWithKey(const SignedRequest& request,
                             const std::vector<std::string>& signed_headers,
                             std::string_view signing_key, std::string_view amz_date,
                             std::string_view region, std::string_view service);

// Signs `request` in place the way an SDK does: adds X-Amz-Date, X-Amz-Security-Token (when
// `session_token` is set) and Authorization, signing every header present (plus those).
// For tests and tools.
void SignRequest(SignedRequest& request, std::string_view access_key_id, std::string_view secret,
                 std::string_view session_token, std::string_view amz_date, std::string_view region,
                 std::string_view service);

}  // namespace thaw::aws::sigv4

#endif  // THAW_FAKES_AWS_SIGV4_H_
