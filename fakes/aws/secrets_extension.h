#ifndef THAW_FAKES_AWS_SECRETS_EXTENSION_H_
#define THAW_FAKES_AWS_SECRETS_EXTENSION_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/event_kinds.h"
#include "core/http/http_server.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/aws/aws_service.h"
#include "fakes/aws/credential_store.h"

namespace thaw::aws {

// The AWS Parameters and Secrets Lambda Extension, for one instance: an HTTP listener on
// 127.0.0.1 (in a sandbox at the function's PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, 2773 by
// default, as in Lambda; otherwise at a port of its own, which goes in that variable) serving
//   GET /secretsmanager/get?secretId=<id>[&versionId=|&versionStage=]
//   GET /systemsmanager/parameters/get?name=<name>[&version=|&label=][&withDecryption=true]
// to callers that send `X-Aws-Parameters-Secrets-Token: <the instance's AWS_SESSION_TOKEN>`,
// from an in-memory cache with the extension's TTLs on the scheduler clock. A miss fetches
// upstream through the AwsService, signed with the instance's own credentials, so SigV4, IAM
// and faults apply and the fetch is an `aws.request` of the instance marked via "extension".
// Each handler read is an `aws.extension` ledger event: path, secret or parameter, cache
// ("hit" | "miss" | "off"), status.
//
// Answers: 200 with the SDK's JSON (dates as ISO-8601 strings, ResultMetadata {}), 401 without
// the right token, 400 "400 Bad Request: an unexpected error occurred while executing request"
// when the upstream call fails (as recorded from the real extension), 404 on other paths.
//
// Strand-confined to `io` (one thread); borrows `io`, `service`, `ledger` and `clock`, which
// must outlive it. Shared: a read in flight (an upstream fetch held by a fault) keeps the
// extension alive past Close() until it completes.
class SecretsExtension {
 public:
  // The extension's settings, from the function's environment variables.
  struct Settings {
    bool cache_enabled = true;                 // PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED
    int cache_size = 1000;                     // PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE, 0..1000
    std::chrono::seconds secrets_ttl{300};     // SECRETS_MANAGER_TTL, 0..300
    std::chrono::seconds parameters_ttl{300};  // SSM_PARAMETER_STORE_TTL, 0..300
    int max_connections = 3;                   // PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS
    int port = kDefaultPort;                   // PARAMETERS_SECRETS_EXTENSION_HTTP_PORT
  };
  inline static constexpr char kName[] = "parameters-and-secrets";
  inline static constexpr char kTokenHeader[] = "X-Aws-Parameters-Secrets-Token";
  inline static constexpr char kPortVariable[] = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT";
  // Where the extension listens (on 127.0.0.1) unless kPortVariable says otherwise.
  inline static constexpr int kDefaultPort = 2773;

  // Reads the settings; values out of range are clamped as the extension does (a TTL above
  // 300 s becomes 300 s) and each clamp or unreadable value adds a line to `warnings`.
  static Settings SettingsFrom(const std::map<std::string, std::string>& environment,
                               std::vector<std::string>* warnings);

  // Listens on 127.0.0.1 at a port the kernel picks, or serves `listening_fd` (made inside the
  // instance's sandbox at 127.0.0.1:Settings::port), which it owns from then on.
  static absl::StatusOr<std::shared_ptr<SecretsExtension>> Start(
      boost::asio::io_context& io, AwsService& service, Ledger& ledger, const SchedulerClock& clock,
      AwsCredential credential, std::string region, Settings settings, int listening_fd = -1);
  ~SecretsExtension();
  SecretsExtension(const SecretsExtension&) = delete;
  SecretsExtension& operator=(const SecretsExtension&) = delete;

  uint16_t port() const { return listener_->port(); }
  // Closes the listener and its connections; idempotent.
  void Close();

 private:
  struct Entry {
    std::string body;
    SchedulerClock::TimePoint expires;
  };

  SecretsExtension(AwsService& service, Ledger& ledger, const SchedulerClock& clock,
                   AwsCredential credential, std::string region, Settings settings);
  // `self` is a parameter so that the coroutine frame owns a reference.
  static boost::asio::awaitable<http::Response> HandleRead(std::shared_ptr<SecretsExtension> self,
                                                           const http::Request& request);
  boost::asio::awaitable<http::Response> Read(const http::Request& request);
  // Signs `body` for `target` with the instance's credentials and serves it.
  boost::asio::awaitable<http::Response> FetchUpstream(const std::string& target,
                                                       const std::string& body);
  bool Caching(std::chrono::seconds ttl) const;
  void Store(const std::string& key, std::string body, std::chrono::seconds ttl);

  AwsService& service_;
  Ledger& ledger_;
  const SchedulerClock& clock_;
  const AwsCredential credential_;
  const std::string region_;
  const Settings settings_;
  std::unique_ptr<http::HttpServer> listener_;
  // Cached answers by request (path + query), oldest first for eviction at cache_size.
  std::map<std::string, Entry> cache_;
  std::list<std::string> order_;
};

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_SECRETS_EXTENSION_H_
