#include "fakes/aws/sigv4.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <memory>

#include "core/aws_error.h"
#include "core/http/query.h"

namespace thaw::aws::sigv4 {

namespace {

// ASCII only (header names and hex), without the locale lookups of std::tolower.
std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Trims and collapses inner runs of whitespace to one space.
std::string CanonicalValue(std::string_view value) {
  value = Trim(value);
  std::string out;
  out.reserve(value.size());
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

}  // namespace

absl::StatusOr<Authorization> ParseAuthorization(std::string_view header) {
  const std::string original(header);
  header = Trim(header);
  const size_t space = header.find(' ');
  const std::string_view algorithm = header.substr(0, space);
  if (algorithm != kAlgorithm) {
    return AwsError("IncompleteSignatureException",
                    "Unsupported AWS 'algorithm': '" + std::string(algorithm) + "'");
  }
  std::string_view rest = space == std::string_view::npos ? "" : header.substr(space + 1);
  std::string credential, signed_headers, signature;
  bool has_credential = false, has_signed_headers = false, has_signature = false;
  for (std::string_view part : Split(rest, ',')) {
    part = Trim(part);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = part.substr(0, eq);
    const std::string value(part.substr(eq + 1));
    if (key == "Credential") {
      credential = value;
      has_credential = true;
    } else if (key == "SignedHeaders") {
      signed_headers = value;
      has_signed_headers = true;
    } else if (key == "Signature") {
      signature = value;
      has_signature = true;
    }
  }
  std::string missing;
  if (!has_credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!has_signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!has_signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!missing.empty()) {
    return AwsError("IncompleteSignatureException", missing + "Authorization=" + original);
  }
  const auto scope = Split(credential, '/');
  if (scope.size() != 5) {
    return AwsError("IncompleteSignatureException",
                    "Credential must have exactly 5 slash-delimited elements, e.g. "
                    "keyid/date/region/service/term, got '" +
                        credential + "'");
  }
  Authorization auth;
  auth.access_key_id = std::string(scope[0]);
  auth.date = std::string(scope[1]);
  auth.region = std::string(scope[2]);
  auth.service = std::string(scope[3]);
  auth.terminator = std::string(scope[4]);
  for (std::string_view name : Split(signed_headers, ';')) {
    if (!name.empty()) auth.signed_headers.push_back(ToLower(name));
  }
  auth.signature = ToLower(signature);
  return auth;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

namespace {

// OpenSSL 3's one-shot SHA256() and HMAC() look the algorithm up in the provider store on
// every call (locks and allocations: most of a request's SigV4 cost in the fake). The digest is
// fetched once and each thread reuses one context; HMAC is built on it (RFC 2104).
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* ThreadCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

constexpr size_t kSha256Size = 32;
constexpr size_t kSha256Block = 64;

// SHA-256 of the concatenation of `parts` into `out`.
void Sha256(std::initializer_list<std::string_view> parts, unsigned char* out) {
  EVP_MD_CTX* ctx = ThreadCtx();
  EVP_DigestInit_ex(ctx, Sha256Md(), nullptr);
  for (std::string_view part : parts) EVP_DigestUpdate(ctx, part.data(), part.size());
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, out, &length);
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[kSha256Size];
  Sha256({data}, digest);
  return Hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char block[kSha256Block] = {};
  if (key.size() > kSha256Block) {
    Sha256({key}, block);
  } else {
    std::copy(key.begin(), key.end(), block);
  }
  unsigned char inner_pad[kSha256Block];
  unsigned char outer_pad[kSha256Block];
  for (size_t i = 0; i < kSha256Block; ++i) {
    inner_pad[i] = block[i] ^ 0x36;
    outer_pad[i] = block[i] ^ 0x5c;
  }
  auto view = [](const unsigned char* bytes, size_t size) {
    return std::string_view(reinterpret_cast<const char*>(bytes), size);
  };
  unsigned char inner[kSha256Size];
  Sha256({view(inner_pad, kSha256Block), data}, inner);
  unsigned char out[kSha256Size];
  Sha256({view(outer_pad, kSha256Block), view(inner, kSha256Size)}, out);
  return std::string(view(out, kSha256Size));
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    }
  }
  return out;
}

std::string UriDecode(std::string_view text) { return http::PercentDecode(text); }

std::string CanonicalRequest(const SignedRequest& request,
                             const std::vector<std::string>& signed_headers) {
  std::string_view target = request.target;
  const size_t q = target.find('?');
  const std::string_view path = q == std::string_view::npos ? target : target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);

  std::string out = request.method + "\n";
  out += path.empty() ? "/" : UriEncode(path, true);
  out += "\n";

  std::vector<std::pair<std::string, std::string>> params;
  if (!query.empty()) {
    for (std::string_view pair : Split(query, '&')) {
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      const std::string key = UriDecode(pair.substr(0, eq));
      const std::string value = eq == std::string_view::npos ? "" : UriDecode(pair.substr(eq + 1));
      params.emplace_back(UriEncode(key, false), UriEncode(value, false));
    }
  }
  std::sort(params.begin(), params.end());
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out += '&';
    out += params[i].first + "=" + params[i].second;
  }
  out += "\n";

  std::vector<std::string> names = signed_headers;
  std::sort(names.begin(), names.end());
  // Lower-cased once: the loop below compares every header with every signed name.
  std::vector<std::string> lower_names;
  lower_names.reserve(request.headers.size());
  for (const auto& header : request.headers) lower_names.push_back(ToLower(header.first));
  for (const std::string& name : names) {
    std::string value;
    bool first = true;
    for (size_t h = 0; h < request.headers.size(); ++h) {
      if (lower_names[h] != name) continue;
      const std::string& v = request.headers[h].second;
      if (!first) value += ',';
      value += CanonicalValue(v);
      first = false;
    }
    out += name + ":" + value + "\n";
  }
  out += "\n";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ';';
    out += names[i];
  }
  out += "\n";
  out += Sha256Hex(request.body);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         Sha256Hex(canonical_request);
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  const std::string k_date = HmacSha256("AWS4" + std::string(secret), date);
  const std::string k_region = HmacSha256(k_date, region);
  const std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, "aws4_request");
}

std::string SignatureWithKey(const SignedRequest& request,
                             const std::vector<std::string>& signed_headers,
                             std::string_view signing_key, std::string_view amz_date,
                             std::string_view region, std::string_view service) {
  const std::string_view date = amz_date.substr(0, 8);
  const std::string scope =
      std::string(date) + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  const std::string to_sign =
      StringToSign(amz_date, scope, CanonicalRequest(request, signed_headers));
  return Hex(HmacSha256(signing_key, to_sign));
}

std::string Signature(const SignedRequest& request, const std::vector<std::string>& signed_headers,
                      std::string_view secret, std::string_view amz_date, std::string_view region,
                      std::string_view service) {
  return SignatureWithKey(request, signed_headers,
                          SigningKey(secret, amz_date.substr(0, 8), region, service), amz_date,
                          region, service);
}

void SignRequest(SignedRequest& request, std::string_view access_key_id, std::string_view secret,
                 std::string_view session_token, std::string_view amz_date, std::string_view region,
                 std::string_view service) {
  request.headers.emplace_back("X-Amz-Date", std::string(amz_date));
  if (!session_token.empty()) {
    request.headers.emplace_back("X-Amz-Security-Token", std::string(session_token));
  }
  std::vector<std::string> names;
  for (const auto& [name, value] : request.headers) {
    std::string lower = ToLower(name);
    if (lower == "authorization") continue;
    if (std::find(names.begin(), names.end(), lower) == names.end()) names.push_back(lower);
  }
  std::sort(names.begin(), names.end());
  const std::string signature = Signature(request, names, secret, amz_date, region, service);
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "" : ";") + name;
  request.headers.emplace_back(
      "Authorization", std::string(kAlgorithm) + " Credential=" + std::string(access_key_id) + "/" +
                           std::string(amz_date.substr(0, 8)) + "/" + std::string(region) + "/" +
                           std::string(service) + "/aws4_request, SignedHeaders=" + list +
                           ", Signature=" + signature);
}

}  // namespace thaw::aws::sigv4
