#include "fakes/aws/secrets_extension.h"

#include <boost/beast/http/field.hpp>
#include <cstdio>
#include <ctime>

#include "core/event_kinds.h"
#include "core/json_text.h"
#include "core/status_macros.h"
#include "fakes/aws/sigv4.h"
#include "fakes/aws/sigv4_verifier.h"

namespace thaw::aws {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Json = nlohmann::json;

constexpr char kUpstreamError[] =
    "400 Bad Request: an unexpected error occurred while executing request";

// query string -> decoded key/value pairs.
std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    std::string key = sigv4::UriDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : sigv4::UriDecode(pair.substr(eq + 1));
    // Forms encode spaces as '+'; parameter and secret names never contain a literal '+'
    // unencoded, so this follows what URLSearchParams and urllib produce.
    for (char& c : value) {
      if (c == '+') c = ' ';
    }
    out[std::move(key)] = std::move(value);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

// Epoch seconds (AWS JSON) -> "2022-11-16T08:22:40.499Z", as the extension serialises dates.
std::string IsoDate(double epoch_seconds) {
  const auto millis = static_cast<int64_t>(epoch_seconds * 1000.0 + 0.5);
  const std::time_t seconds = millis / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis % 1000));
  return buffer;
}

void IsoDateField(Json& object, const char* key) {
  if (object.is_object() && object.contains(key) && object[key].is_number()) {
    object[key] = IsoDate(object[key].get<double>());
  }
}

bool ParseBool(const std::string& text, bool fallback) {
  if (text == "true" || text == "TRUE" || text == "True") return true;
  if (text == "false" || text == "FALSE" || text == "False") return false;
  return fallback;
}

}  // namespace

SecretsExtension::Settings SecretsExtension::SettingsFrom(
    const std::map<std::string, std::string>& environment, std::vector<std::string>* warnings) {
  Settings settings;
  auto get = [&environment](const char* name) -> const std::string* {
    auto it = environment.find(name);
    return it == environment.end() ? nullptr : &it->second;
  };
  auto warn = [warnings](std::string line) {
    if (warnings) warnings->push_back(std::move(line));
  };
  auto integer = [&](const char* name, int fallback, int min, int max) {
    const std::string* text = get(name);
    if (!text) return fallback;
    char* end = nullptr;
    const long value = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0') {
      warn(std::string(name) + "=" + *text + " is not a number; using " + std::to_string(fallback));
      return fallback;
    }
    if (value < min || value > max) {
      const int clamped = static_cast<int>(value < min ? min : max);
      warn(std::string(name) + " exceeds its limit (" + std::to_string(min) + ".." +
           std::to_string(max) + "); using " + std::to_string(clamped));
      return clamped;
    }
    return static_cast<int>(value);
  };
  if (const std::string* enabled = get("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED")) {
    settings.cache_enabled = ParseBool(*enabled, true);
  }
  settings.cache_size = integer("PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", 1000, 0, 1000);
  settings.secrets_ttl = std::chrono::seconds(integer("SECRETS_MANAGER_TTL", 300, 0, 300));
  settings.parameters_ttl = std::chrono::seconds(integer("SSM_PARAMETER_STORE_TTL", 300, 0, 300));
  settings.max_connections = integer("PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS", 3, 1, 1000);
  settings.port = integer(kPortVariable, kDefaultPort, 1, 65535);
  return settings;
}

SecretsExtension::SecretsExtension(AwsService& service, Ledger& ledger, const SchedulerClock& clock,
                                   AwsCredential credential, std::string region, Settings settings)
    : service_(service),
      ledger_(ledger),
      clock_(clock),
      credential_(std::move(credential)),
      region_(std::move(region)),
      settings_(settings) {}

absl::StatusOr<std::shared_ptr<SecretsExtension>> SecretsExtension::Start(
    asio::io_context& io, AwsService& service, Ledger& ledger, const SchedulerClock& clock,
    AwsCredential credential, std::string region, Settings settings, int listening_fd) {
  std::shared_ptr<SecretsExtension> extension(new SecretsExtension(
      service, ledger, clock, std::move(credential), std::move(region), settings));
  // Weak: the listener (owned by the extension) must not keep the extension alive.
  http::Handler handler = [weak = std::weak_ptr<SecretsExtension>(extension)](
                              http::Request& request,
                              const http::RequestContext&) -> asio::awaitable<http::Response> {
    std::shared_ptr<SecretsExtension> self = weak.lock();
    if (!self) co_return http::MakeResponse(request, 503, "", "text/plain");
    co_return co_await HandleRead(std::move(self), request);
  };
  ASSIGN_OR_RETURN(auto listener,
                   listening_fd >= 0
                       ? http::HttpServer::Serve(io, listening_fd, std::move(handler), {})
                       : http::HttpServer::Listen(io, "127.0.0.1", 0, std::move(handler)));
  extension->listener_ = std::move(listener);
  return extension;
}

SecretsExtension::~SecretsExtension() { Close(); }

void SecretsExtension::Close() {
  if (listener_) listener_->Close();
}

bool SecretsExtension::Caching(std::chrono::seconds ttl) const {
  return settings_.cache_enabled && settings_.cache_size > 0 && ttl.count() > 0;
}

void SecretsExtension::Store(const std::string& key, std::string body, std::chrono::seconds ttl) {
  if (!Caching(ttl)) return;
  if (!cache_.count(key)) {
    while (static_cast<int>(cache_.size()) >= settings_.cache_size && !order_.empty()) {
      cache_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(key);
  }
  cache_[key] = Entry{std::move(body), clock_.Now() + ttl};
}

asio::awaitable<http::Response> SecretsExtension::FetchUpstream(const std::string& target,
                                                                const std::string& body) {
  const std::string signing_name = target.rfind("AmazonSSM.", 0) == 0 ? "ssm" : "secretsmanager";
  sigv4::SignedRequest signed_request;
  signed_request.method = "POST";
  signed_request.target = "/";
  signed_request.body = body;
  signed_request.headers = {{"Host", signing_name + "." + region_ + ".amazonaws.com"},
                            {"Content-Type", "application/x-amz-json-1.1"},
                            {"X-Amz-Target", target}};
  sigv4::SignRequest(signed_request, credential_.access_key_id, credential_.secret_access_key,
                     credential_.session_token, FormatAmzDate(std::chrono::system_clock::now()),
                     region_, signing_name);
  http::Request request(beast::http::verb::post, "/", 11);
  for (const auto& [name, value] : signed_request.headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  co_return co_await service_.Serve(request, "extension");
}

asio::awaitable<http::Response> SecretsExtension::HandleRead(std::shared_ptr<SecretsExtension> self,
                                                             const http::Request& request) {
  co_return co_await self->Read(request);
}

asio::awaitable<http::Response> SecretsExtension::Read(const http::Request& request) {
  const std::string_view target = request.target();
  const size_t q = target.find('?');
  const std::string path(target.substr(0, q));
  const std::map<std::string, std::string> query =
      ParseQuery(q == std::string_view::npos ? "" : target.substr(q + 1));
  Json attrs = {{"path", path}};
  auto answer = [&](unsigned status, std::string body, const char* cache,
                    const char* type = "text/plain") {
    attrs["status"] = status;
    attrs["cache"] = cache;
    ledger_.Append(credential_.instance, credential_.function, kinds::kAwsExtension, attrs);
    return http::MakeResponse(request, status, std::move(body), type);
  };

  const bool secrets = path == "/secretsmanager/get";
  const bool parameters = path == "/systemsmanager/parameters/get";
  if (request.method() != beast::http::verb::get || (!secrets && !parameters)) {
    co_return answer(404, "404 Not Found", "off");
  }
  if (secrets) attrs["secret"] = query.count("secretId") ? query.at("secretId") : "";
  if (parameters) attrs["parameter"] = query.count("name") ? query.at("name") : "";
  auto token = request.find(kTokenHeader);
  if (token == request.end() || token->value() != credential_.session_token) {
    co_return answer(401, "401 Unauthorized: missing or invalid X-Aws-Parameters-Secrets-Token",
                     "off");
  }

  Json upstream_body;
  std::string upstream_target;
  std::chrono::seconds ttl;
  if (secrets) {
    if (!query.count("secretId") || query.at("secretId").empty()) {
      co_return answer(400, "400 Bad Request: secretId is required", "off");
    }
    upstream_target = "secretsmanager.GetSecretValue";
    upstream_body["SecretId"] = query.at("secretId");
    if (query.count("versionId")) upstream_body["VersionId"] = query.at("versionId");
    if (query.count("versionStage")) upstream_body["VersionStage"] = query.at("versionStage");
    ttl = settings_.secrets_ttl;
  } else {
    if (!query.count("name") || query.at("name").empty()) {
      co_return answer(400, "400 Bad Request: name is required", "off");
    }
    upstream_target = "AmazonSSM.GetParameter";
    std::string name = query.at("name");
    if (query.count("version")) {
      name += ":" + query.at("version");
    } else if (query.count("label")) {
      name += ":" + query.at("label");
    }
    upstream_body["Name"] = name;
    upstream_body["WithDecryption"] =
        query.count("withDecryption") && ParseBool(query.at("withDecryption"), false);
    ttl = settings_.parameters_ttl;
  }

  // The cache key is the upstream request: the same secret asked for by stage and by version
  // are two entries, as in the extension.
  const std::string key = upstream_target + " " + JsonText(upstream_body);
  const bool refresh = query.count("refreshNow") && ParseBool(query.at("refreshNow"), false);
  if (Caching(ttl) && !refresh) {
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.expires > clock_.Now()) {
      co_return answer(200, it->second.body, "hit", "application/json");
    }
  }
  http::Response upstream = co_await FetchUpstream(upstream_target, JsonText(upstream_body));
  const char* cache = Caching(ttl) ? "miss" : "off";
  if (upstream.result_int() != 200) {
    attrs["upstream_status"] = upstream.result_int();
    co_return answer(400, kUpstreamError, cache);
  }
  Json body = Json::parse(upstream.body(), nullptr, false);
  if (body.is_discarded()) co_return answer(400, kUpstreamError, cache);
  if (secrets) {
    IsoDateField(body, "CreatedDate");
    if (!body.contains("SecretBinary")) body["SecretBinary"] = nullptr;
    if (!body.contains("SecretString")) body["SecretString"] = nullptr;
  } else if (body.contains("Parameter")) {
    Json& parameter = body["Parameter"];
    IsoDateField(parameter, "LastModifiedDate");
    if (!parameter.contains("Selector")) parameter["Selector"] = nullptr;
    if (!parameter.contains("SourceResult")) parameter["SourceResult"] = nullptr;
  }
  body["ResultMetadata"] = Json::object();
  std::string text = JsonText(body);
  Store(key, text, ttl);
  co_return answer(200, std::move(text), cache, "application/json");
}

}  // namespace thaw::aws
