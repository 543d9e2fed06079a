// samples/cpp-momento: a C++ custom runtime (thaw::runtime) that talks to Momento over gRPC.
//
// The pattern to get right in Lambda: the gRPC channel (one HTTP/2 connection) is created once
// per execution environment, at init, and every event reuses it. _HANDLER picks the pattern:
//   module-scope  the channel is created once, before the first event (right)
//   per-invoke    a new channel for every event (the mistake: one connection per event)
// Each event Sets {"key","value"} (default k/v) in the cache `thaw-sample` and Gets it back;
// the answer is {"value":...,"hit":bool}.
//
// The API key comes in MOMENTO_API_KEY (a v1 key: base64 of {"endpoint", "api_key"}); the channel
// goes to `cache.<endpoint>:443` over TLS, as against the real Momento. Under thaw the key is
// minted for the instance (`{{momento_api_key}}` in thaw.yaml), its endpoint resolves to the fake
// inside the instance's sandbox, and the run's CA is trusted through
// GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: nothing here is local-only.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "emulator/runtimes/cpp/runtime.h"
#include "nlohmann/json.hpp"
#include "proto/momento/cacheclient.grpc.pb.h"
#include "proto/momento/controlclient.grpc.pb.h"

namespace {

using thaw::runtime::InvocationRequest;
using thaw::runtime::InvocationResponse;

constexpr char kCache[] = "thaw-sample";

std::string Env(const char* name, const char* fallback = "") {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

// A v1 API key: where to connect and what to send as `authorization`.
struct ApiKey {
  std::string endpoint;
  std::string token;
};

bool ParseApiKey(const std::string& key, ApiKey& out) {
  std::string decoded;
  if (!absl::Base64Unescape(key, &decoded)) return false;
  const auto json = nlohmann::json::parse(decoded, nullptr, false);
  if (!json.is_object() || !json.contains("endpoint") || !json.contains("api_key")) return false;
  out = {json["endpoint"].get<std::string>(), json["api_key"].get<std::string>()};
  return !out.endpoint.empty() && !out.token.empty();
}

ApiKey key;  // set once, at init

// The per-call metadata Momento expects: the API key and the cache name.
void AddMetadata(grpc::ClientContext& context, bool data_plane) {
  context.AddMetadata("authorization", key.token);
  if (data_plane) context.AddMetadata("cache", kCache);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

// One channel and its stubs; the cache is created once through it.
class MomentoClient {
 public:
  explicit MomentoClient(const std::string& endpoint)
      : channel_(grpc::CreateChannel(endpoint, grpc::SslCredentials({}))),
        data_(cache_client::Scs::NewStub(channel_)),
        control_(control_client::ScsControl::NewStub(channel_)) {}

  // Creates the sample's cache; an existing one is fine.
  grpc::Status EnsureCache() {
    grpc::ClientContext context;
    AddMetadata(context, false);
    control_client::CreateCacheRequest request;
    request.set_cache_name(kCache);
    control_client::CreateCacheResponse response;
    grpc::Status status = control_->CreateCache(&context, request, &response);
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) return grpc::Status::OK;
    return status;
  }

  InvocationResponse SetThenGet(const std::string& key, const std::string& value) {
    {
      grpc::ClientContext context;
      AddMetadata(context, true);
      cache_client::SetRequest request;
      request.set_cache_key(key);
      request.set_cache_body(value);
      request.set_ttl_milliseconds(60000);
      cache_client::SetResponse response;
      grpc::Status status = data_->Set(&context, request, &response);
      if (!status.ok()) return Failure("Set", status);
    }
    grpc::ClientContext context;
    AddMetadata(context, true);
    cache_client::GetRequest request;
    request.set_cache_key(key);
    cache_client::GetResponse response;
    grpc::Status status = data_->Get(&context, request, &response);
    if (!status.ok()) return Failure("Get", status);
    const bool hit = response.result() == cache_client::Hit;
    return InvocationResponse::Success(nlohmann::json{
        {"value", hit ? nlohmann::json(response.cache_body()) : nullptr},
        {"hit", hit}}.dump());
  }

  static InvocationResponse Failure(const std::string& rpc, const grpc::Status& status) {
    return InvocationResponse::Failure(
        "MomentoError",
        rpc + " failed: " + std::to_string(status.error_code()) + " " + status.error_message());
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cache_client::Scs::Stub> data_;
  std::unique_ptr<control_client::ScsControl::Stub> control_;
};

}  // namespace

int main() {
  const bool per_invoke = Env("_HANDLER") == "per-invoke";
  if (!ParseApiKey(Env("MOMENTO_API_KEY"), key)) {
    thaw::runtime::ReportInitError("Runtime.ConfigError",
                                   "MOMENTO_API_KEY is not set or is not a v1 Momento API key");
    return 1;
  }
  const std::string endpoint = "cache." + key.endpoint + ":443";
  // Module scope: created during init, before the first event, and kept for the instance's life.
  std::unique_ptr<MomentoClient> shared;
  if (!per_invoke) {
    shared = std::make_unique<MomentoClient>(endpoint);
    grpc::Status status = shared->EnsureCache();
    if (!status.ok()) {
      thaw::runtime::ReportInitError("MomentoError",
                                     "CreateCache failed: " + status.error_message());
      return 1;
    }
  }
  return thaw::runtime::Run([&](const InvocationRequest& req) -> InvocationResponse {
    const auto event = nlohmann::json::parse(req.payload, nullptr, false);
    const std::string key = event.is_object() ? event.value("key", "k") : "k";
    const std::string value = event.is_object() ? event.value("value", "v") : "v";
    if (shared) return shared->SetThenGet(key, value);
    MomentoClient client(endpoint);  // The anti-pattern: a new connection for this event.
    grpc::Status status = client.EnsureCache();
    if (!status.ok()) return MomentoClient::Failure("CreateCache", status);
    return client.SetThenGet(key, value);
  });
}
