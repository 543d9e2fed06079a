// The Parameters and Secrets extension over real HTTP in-process (port 0), in front of a real
// AwsService: the token check, the cache (hits, TTL on the scheduler clock, size, off), the
// answer shapes and the ledger (reads as aws.extension, upstream fetches as the instance's
// aws.request via "extension"), and settings from the environment.
#include "fakes/aws/secrets_extension.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "tests/util/http_client.h"
#include "tests/util/test_emulator.h"

namespace thaw::aws {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SecretsExtensionTest : public ::testing::Test {
 protected:
  void TearDown() override { Stop(); }

  void Start(SecretsExtension::Settings settings = {}, const char* policy = nullptr) {
    std::shared_ptr<const IamPolicy> parsed;
    if (policy) parsed = std::make_shared<const IamPolicy>(*ParseIamPolicy(Json::parse(policy)));
    credential_ = credentials_.Issue(7, "fn", "fn-role", parsed);
    ASSERT_TRUE(secrets_.Seed("prod/momento", R"({"MOMENTO_API_KEY":"k"})").ok());
    ASSERT_TRUE(secrets_.Seed("other", "o").ok());
    ASSERT_TRUE(parameters_.Seed("/app/table", "String", "orders").ok());
    auto extension =
        SecretsExtension::Start(io_, service_, ledger_, clock_, credential_, "us-east-1", settings);
    ASSERT_TRUE(extension.ok()) << extension.status();
    extension_ = *std::move(extension);
    thread_ = std::thread([this] { io_.run(); });
    client_ = std::make_unique<testing::HttpClient>(extension_->port());
  }

  void Stop() {
    if (!thread_.joinable()) return;
    client_.reset();
    std::promise<void> closed;
    boost::asio::post(io_, [&] {
      if (extension_) extension_->Close();
      closed.set_value();
    });
    closed.get_future().wait();
    io_.stop();
    thread_.join();
    extension_.reset();
  }

  testing::HttpResult Read(const std::string& target, bool token = true) {
    std::map<std::string, std::string> headers;
    if (token) headers[SecretsExtension::kTokenHeader] = credential_.session_token;
    return client_->Send("GET", target, "", headers);
  }

  std::vector<std::string> CacheColumn() {
    std::vector<std::string> out;
    for (const Event& e :
         ledger_.Select([](const Event& e) { return e.kind == "aws.extension"; })) {
      out.push_back(e.attrs.value("cache", ""));
    }
    return out;
  }
  size_t Upstream() {
    return ledger_
        .Select([](const Event& e) {
          return e.kind == "aws.request" && e.attrs.value("via", "") == "extension";
        })
        .size();
  }

  Ledger ledger_;
  SchedulerClock clock_;
  CredentialStore credentials_;
  SecretStore secrets_{clock_, {}};
  ParameterStore parameters_{secrets_, {}};
  AwsService service_{{}, ledger_, credentials_, secrets_, parameters_};
  AwsCredential credential_;
  boost::asio::io_context io_{1};
  // Keeps the io thread running when no listener or timer is left (after a Close()).
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::shared_ptr<SecretsExtension> extension_;
  std::thread thread_;
  std::unique_ptr<testing::HttpClient> client_;
};

TEST_F(SecretsExtensionTest, SecretFromTheCacheUntilTheTtlPasses) {
  Start();
  for (int i = 0; i < 3; ++i) {
    testing::HttpResult r = Read("/secretsmanager/get?secretId=prod%2Fmomento");
    ASSERT_EQ(r.status, 200) << r.body;
    Json body = Json::parse(r.body);
    EXPECT_EQ(body["SecretString"], R"({"MOMENTO_API_KEY":"k"})");
    EXPECT_EQ(body["Name"], "prod/momento");
    EXPECT_TRUE(body["SecretBinary"].is_null());
    EXPECT_EQ(body["ResultMetadata"], Json::object());
    EXPECT_THAT(std::string(body["CreatedDate"]),
                ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z"));
  }
  EXPECT_EQ(Upstream(), 1u);
  clock_.Advance(std::chrono::seconds(299));
  EXPECT_EQ(Read("/secretsmanager/get?secretId=prod/momento").status, 200);
  EXPECT_EQ(Upstream(), 1u);
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_EQ(Read("/secretsmanager/get?secretId=prod/momento").status, 200);
  EXPECT_EQ(Upstream(), 2u);
  EXPECT_THAT(CacheColumn(), ElementsAre("miss", "hit", "hit", "hit", "miss"));
  // Every event is the instance's; the upstream one is signed with its access key.
  for (const Event& e : ledger_.Select([](const Event&) { return true; })) {
    EXPECT_EQ(e.instance, 7);
    EXPECT_EQ(e.function, "fn");
  }
  auto upstream = ledger_.Select([](const Event& e) { return e.kind == "aws.request"; });
  EXPECT_EQ(upstream[0].attrs["access_key_id"], credential_.access_key_id);
  EXPECT_EQ(upstream[0].attrs["operation"], "GetSecretValue");
}

TEST_F(SecretsExtensionTest, TokenRequired) {
  Start();
  testing::HttpResult r = Read("/secretsmanager/get?secretId=prod/momento", false);
  EXPECT_EQ(r.status, 401);
  std::map<std::string, std::string> wrong = {{SecretsExtension::kTokenHeader, "nope"}};
  EXPECT_EQ(client_->Send("GET", "/secretsmanager/get?secretId=prod/momento", "", wrong).status,
            401);
  EXPECT_EQ(Upstream(), 0u);
  EXPECT_EQ(Read("/nope").status, 404);
}

TEST_F(SecretsExtensionTest, ParametersVersionsAndErrors) {
  Start();
  testing::HttpResult r = Read("/systemsmanager/parameters/get?name=%2Fapp%2Ftable");
  ASSERT_EQ(r.status, 200) << r.body;
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["Parameter"]["Value"], "orders");
  EXPECT_EQ(body["Parameter"]["Version"], 1);
  EXPECT_TRUE(body["Parameter"]["LastModifiedDate"].is_string());
  EXPECT_EQ(Read("/systemsmanager/parameters/get?name=%2Fapp%2Ftable&version=1").status, 200);
  EXPECT_EQ(Upstream(), 2u) << "name and name:1 are two cache entries";
  r = Read("/systemsmanager/parameters/get?name=%2Fnope");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "400 Bad Request: an unexpected error occurred while executing request");
  EXPECT_EQ(Read("/secretsmanager/get?secretId=missing").status, 400);
  EXPECT_EQ(Read("/secretsmanager/get").status, 400);
  // The secret through SSM's reference path.
  r = Read(
      "/systemsmanager/parameters/get?name=%2Faws%2Freference%2Fsecretsmanager%2Fprod%2Fmomento"
      "&withDecryption=true");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(SecretsExtensionTest, UpstreamFetchesAreCheckedByIam) {
  Start({}, R"({"Effect":"Allow","Action":"secretsmanager:GetSecretValue",
                "Resource":"arn:aws:secretsmanager:*:*:secret:other-??????"})");
  EXPECT_EQ(Read("/secretsmanager/get?secretId=other").status, 200);
  EXPECT_EQ(Read("/secretsmanager/get?secretId=prod/momento").status, 400);
  auto denied = ledger_.Select([](const Event& e) {
    return e.kind == "aws.request" && e.attrs["outcome"] == "AccessDeniedException";
  });
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_THAT(std::string(denied[0].attrs["message"]),
              HasSubstr("assumed-role/fn-role/fn is not authorized to perform: "
                        "secretsmanager:GetSecretValue"));
}

TEST_F(SecretsExtensionTest, CacheOffSizeAndTtlZero) {
  SecretsExtension::Settings settings;
  settings.cache_size = 1;
  Start(settings);
  EXPECT_EQ(Read("/secretsmanager/get?secretId=prod/momento").status, 200);
  EXPECT_EQ(Read("/secretsmanager/get?secretId=other").status, 200);  // evicts prod/momento
  EXPECT_EQ(Read("/secretsmanager/get?secretId=prod/momento").status, 200);
  EXPECT_EQ(Upstream(), 3u);
  EXPECT_EQ(Read("/secretsmanager/get?secretId=prod/momento").status, 200);
  EXPECT_EQ(Upstream(), 3u);
  EXPECT_EQ(Read("/secretsmanager/get?secretId=prod/momento&refreshNow=true").status, 200);
  EXPECT_EQ(Upstream(), 4u);
}

TEST_F(SecretsExtensionTest, CacheDisabled) {
  SecretsExtension::Settings settings;
  settings.cache_enabled = false;
  Start(settings);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Read("/secretsmanager/get?secretId=other").status, 200);
  EXPECT_EQ(Upstream(), 3u);
  EXPECT_THAT(CacheColumn(), ElementsAre("off", "off", "off"));
}

// The instance goes away while its extension waits on a stalled upstream fetch; releasing
// the stall later must resume into a live extension (run under ASan by make test-sanitize).
TEST_F(SecretsExtensionTest, ClosedWhileAnUpstreamFetchIsStalled) {
  Start();
  ASSERT_TRUE(service_.AddFault(Json{{"stall", true}}).ok());
  auto read = std::async(std::launch::async, [this] {
    testing::HttpClient client(extension_->port());
    return client
        .Send("GET", "/secretsmanager/get?secretId=other", "",
              {{SecretsExtension::kTokenHeader, credential_.session_token}})
        .status;
  });
  for (auto deadline = std::chrono::steady_clock::now() + testing::TestTimeout();
       service_.ListFaults()[0]["fired"] == 0 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::yield();
  }
  ASSERT_EQ(service_.ListFaults()[0]["fired"], 1);
  std::promise<void> dropped;
  boost::asio::post(io_, [&] {
    extension_->Close();
    extension_.reset();  // the stalled read holds the last reference
    dropped.set_value();
  });
  dropped.get_future().wait();
  EXPECT_EQ(read.get(), 0) << "the connection closed with the extension";
  service_.ClearFaults();  // resumes the read: it finishes and lets go of the extension
  auto fetched = ledger_.WaitFor([](const Event& e) { return e.kind == "aws.extension"; },
                                 testing::TestTimeout());
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->attrs["cache"], "miss");
}

TEST(SecretsExtensionSettingsTest, DefaultsAndClamps) {
  std::vector<std::string> warnings;
  SecretsExtension::Settings d = SecretsExtension::SettingsFrom({}, &warnings);
  EXPECT_TRUE(d.cache_enabled);
  EXPECT_EQ(d.cache_size, 1000);
  EXPECT_EQ(d.secrets_ttl, std::chrono::seconds(300));
  EXPECT_EQ(d.parameters_ttl, std::chrono::seconds(300));
  EXPECT_EQ(d.max_connections, 3);
  EXPECT_TRUE(warnings.empty());
  SecretsExtension::Settings s =
      SecretsExtension::SettingsFrom({{"SECRETS_MANAGER_TTL", "600"},
                                      {"SSM_PARAMETER_STORE_TTL", "0"},
                                      {"PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "false"},
                                      {"PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", "many"}},
                                     &warnings);
  EXPECT_EQ(s.secrets_ttl, std::chrono::seconds(300));
  EXPECT_EQ(s.parameters_ttl, std::chrono::seconds(0));
  EXPECT_FALSE(s.cache_enabled);
  EXPECT_EQ(s.cache_size, 1000);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_THAT(warnings[0], HasSubstr("CACHE_SIZE=many is not a number"));
  EXPECT_THAT(warnings[1], HasSubstr("SECRETS_MANAGER_TTL exceeds its limit"));
}

}  // namespace
}  // namespace thaw::aws
