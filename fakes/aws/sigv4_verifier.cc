#include "fakes/aws/sigv4_verifier.h"

#include <openssl/crypto.h>

#include <cctype>
#include <ctime>

#include "core/aws_error.h"
#include "core/status_macros.h"

namespace thaw::aws {

namespace {

bool EqualsLower(std::string_view name, std::string_view lower_name) {
  if (name.size() != lower_name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_name[i]) return false;
  }
  return true;
}

std::string HeaderValue(const sigv4::SignedRequest& request, std::string_view lower_name) {
  for (const auto& [name, value] : request.headers) {
    if (EqualsLower(name, lower_name)) return value;
  }
  return "";
}

bool HasHeader(const sigv4::SignedRequest& request, std::string_view lower_name) {
  for (const auto& [name, value] : request.headers) {
    if (EqualsLower(name, lower_name)) return true;
  }
  return false;
}

const char kInvalidToken[] = "The security token included in the request is invalid.";

}  // namespace

std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len) { return std::stoi(std::string(text.substr(pos, len))); };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(::timegm(&tm));
}

std::string FormatAmzDate(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%SZ", &tm);
  return buffer;
}

std::string SigV4Verifier::CachedSigningKey(const std::string& secret, std::string_view date,
                                            std::string_view region,
                                            std::string_view service) const {
  std::string key = secret;
  for (std::string_view part : {date, region, service}) {
    key += '\0';
    key += part;
  }
  std::lock_guard<std::mutex> lock(keys_mu_);
  auto it = keys_.find(key);
  if (it != keys_.end()) return it->second;
  // One entry per credential and day: bounded by dropping everything now and then.
  if (keys_.size() >= 4096) keys_.clear();
  std::string derived = sigv4::SigningKey(secret, date, region, service);
  keys_.emplace(std::move(key), derived);
  return derived;
}

absl::StatusOr<AwsCredential> SigV4Verifier::Verify(
    const sigv4::SignedRequest& request, std::string_view service,
    std::chrono::system_clock::time_point now) const {
  const std::string header = HeaderValue(request, "authorization");
  if (header.empty()) {
    return AwsError("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  ASSIGN_OR_RETURN(auto auth, sigv4::ParseAuthorization(header));

  const std::string amz_date = HeaderValue(request, "x-amz-date");
  if (amz_date.empty()) {
    return AwsError("IncompleteSignatureException",
                    "Authorization header requires existence of either a 'X-Amz-Date' or a "
                    "'Date' header. Authorization=" +
                        header);
  }
  const auto signed_at = ParseAmzDate(amz_date);
  if (!signed_at) {
    return AwsError("IncompleteSignatureException",
                    "Date must be in ISO-8601 'basic format'. Got '" + amz_date +
                        "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  if (auth.date != amz_date.substr(0, 8)) {
    return AwsError("InvalidSignatureException",
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                    "date from HTTP: '" +
                        auth.date + "' != '" + amz_date.substr(0, 8) + "', from '" + amz_date +
                        "'.");
  }
  if (auth.terminator != "aws4_request") {
    return AwsError("InvalidSignatureException",
                    "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                        auth.terminator + "'.");
  }
  if (!options_.region.empty() && auth.region != options_.region) {
    return AwsError("InvalidSignatureException",
                    "Credential should be scoped to a valid region, not '" + auth.region + "'. ");
  }
  if (auth.service != service) {
    return AwsError(
        "InvalidSignatureException",
        "Credential should be scoped to correct service: '" + std::string(service) + "'. ");
  }
  if (*signed_at < now - options_.max_skew) {
    return AwsError("InvalidSignatureException", "Signature expired: " + amz_date +
                                                     " is now earlier than " +
                                                     FormatAmzDate(now - options_.max_skew) + " (" +
                                                     FormatAmzDate(now) + " - 5 min.)");
  }
  if (*signed_at > now + options_.max_skew) {
    return AwsError("InvalidSignatureException", "Signature not yet current: " + amz_date +
                                                     " is still later than " +
                                                     FormatAmzDate(now + options_.max_skew) + " (" +
                                                     FormatAmzDate(now) + " + 5 min.)");
  }

  auto credential = credentials_.Find(auth.access_key_id);
  if (!credential) return AwsError("UnrecognizedClientException", kInvalidToken);
  const std::string token = HeaderValue(request, "x-amz-security-token");
  if (token != credential->session_token) {
    return AwsError("UnrecognizedClientException", kInvalidToken);
  }

  bool signs_host = false;
  for (const auto& name : auth.signed_headers) {
    if (name == "host") signs_host = true;
    if (!HasHeader(request, name)) {
      return AwsError("InvalidSignatureException",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method. Consult "
                      "the service documentation for details.");
    }
  }
  if (!signs_host) {
    return AwsError("InvalidSignatureException",
                    "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const std::string expected = sigv4::SignatureWithKey(
      request, auth.signed_headers,
      CachedSigningKey(credential->secret_access_key, auth.date, auth.region, auth.service),
      amz_date, auth.region, auth.service);
  if (expected.size() != auth.signature.size() ||
      CRYPTO_memcmp(expected.data(), auth.signature.data(), expected.size()) != 0) {
    return AwsError("InvalidSignatureException",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your AWS Secret Access Key and signing method. Consult the "
                    "service documentation for details.");
  }
  if (credential->expires && now >= *credential->expires) {
    return AwsError("ExpiredTokenException",
                    "The security token included in the request is expired");
  }
  return *std::move(credential);
}

}  // namespace thaw::aws
