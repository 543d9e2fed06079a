// The fake AWS over real HTTP in-process (port 0): every operation's success and error shapes,
// SigV4 on and off, IAM, faults and the `aws.request` ledger events.
#include "fakes/aws/aws_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <regex>
#include <thread>

#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/aws/sigv4.h"
#include "fakes/aws/sigv4_verifier.h"
#include "tests/util/http_client.h"
#include "tests/util/test_emulator.h"

namespace thaw::aws {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kAkid[] = "ASIATESTINSTANCE0007";
constexpr char kSecret[] = "test-secret";
constexpr char kToken[] = "test-session-token";

class AwsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(true); }
  void TearDown() override { Stop(); }

  void Start(bool verify) {
    AwsCredential credential;
    credential.access_key_id = kAkid;
    credential.secret_access_key = kSecret;
    credential.session_token = kToken;
    credential.instance = 7;
    credential.function = "fn";
    credential.role_name = "fn-role";
    credential.session_name = "fn";
    credentials_.Add(credential);
    AwsService::Options options;
    options.verify_signatures = verify;
    service_ = std::make_unique<AwsService>(options, ledger_, credentials_, secrets_, parameters_);
    http::HttpServer::Options serving;
    serving.error_answer = AwsService::ServerErrorAnswer;
    auto server = http::HttpServer::Listen(io_, "127.0.0.1", 0, service_->MakeHandler(), serving);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    io_.restart();
    thread_ = std::thread([this] { io_.run(); });
    client_ = std::make_unique<testing::HttpClient>(server_->port());
  }

  void Stop() {
    if (!thread_.joinable()) return;
    client_.reset();
    std::promise<void> closed;
    boost::asio::post(io_, [&] {
      server_->Close();
      closed.set_value();
    });
    closed.get_future().wait();
    io_.stop();
    thread_.join();
    server_.reset();
  }

  void SetPolicy(const char* json) {
    AwsCredential credential = *credentials_.Find(kAkid);
    credential.policy = std::make_shared<const IamPolicy>(*ParseIamPolicy(Json::parse(json)));
    credentials_.Add(credential);
  }

  // Sends `X-Amz-Target: <target>` with `body`, signed as an SDK does (unless `sign` is false).
  testing::HttpResult Call(
      const std::string& target, const Json& body, bool sign = true,
      const std::string& secret = kSecret,
      std::chrono::system_clock::time_point when = std::chrono::system_clock::now()) {
    sigv4::SignedRequest request;
    request.method = "POST";
    request.target = "/";
    request.body = body.dump();
    request.headers = {{"Host", "127.0.0.1:" + std::to_string(server_->port())},
                       {"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", target}};
    const std::string service = target.rfind("AmazonSSM.", 0) == 0 ? "ssm" : "secretsmanager";
    if (sign) {
      sigv4::SignRequest(request, kAkid, secret, kToken, FormatAmzDate(when), "us-east-1", service);
    }
    std::map<std::string, std::string> headers;
    for (const auto& [name, value] : request.headers) {
      if (name != "Host") headers[name] = value;
    }
    return client_->Post("/", request.body, headers);
  }

  Json Ok(const std::string& target, const Json& body) {
    testing::HttpResult result = Call(target, body);
    EXPECT_EQ(result.status, 200) << target << ": " << result.body;
    EXPECT_EQ(result.Header("content-type"), "application/x-amz-json-1.1");
    EXPECT_FALSE(result.Header("x-amzn-requestid").empty());
    return Json::parse(result.body, nullptr, false);
  }

  // "<__type>: <Message>" of an error answer (checks the status and the error headers).
  std::string Error(const testing::HttpResult& result, int status = 400) {
    EXPECT_EQ(result.status, status) << result.body;
    Json body = Json::parse(result.body, nullptr, false);
    EXPECT_EQ(result.Header("x-amzn-errortype"), body.value("__type", ""));
    EXPECT_FALSE(result.Header("x-amzn-requestid").empty());
    return body.value("__type", "") + ": " + body.value("Message", "");
  }
  std::string Error(const std::string& target, const Json& body) {
    return Error(Call(target, body));
  }

  // The last aws.request event.
  Event LastRequest() {
    auto event =
        ledger_.WaitFor([](const Event& e) { return e.kind == "aws.request"; },
                        testing::TestTimeout(), ledger_.LastSeq() == 0 ? 0 : ledger_.LastSeq() - 1);
    EXPECT_TRUE(event.ok()) << event.status();
    return event.ok() ? *event : Event{};
  }

  Ledger ledger_;
  SchedulerClock clock_;
  CredentialStore credentials_;
  SecretStore secrets_{clock_, {}};
  ParameterStore parameters_{secrets_, {}};
  std::unique_ptr<AwsService> service_;
  boost::asio::io_context io_{1};
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<testing::HttpClient> client_;
};

TEST_F(AwsServiceTest, GetSecretValueAndItsLedgerEvent) {
  ASSERT_TRUE(secrets_.Seed("prod/momento", R"({"MOMENTO_API_KEY":"k"})").ok());
  Json value = Ok("secretsmanager.GetSecretValue", {{"SecretId", "prod/momento"}});
  EXPECT_EQ(value["SecretString"], R"({"MOMENTO_API_KEY":"k"})");
  EXPECT_TRUE(std::regex_match(std::string(value["ARN"]),
                               std::regex(".*:secret:prod/momento-[A-Za-z]{6}")));
  Event event = LastRequest();
  EXPECT_EQ(event.instance, 7);
  EXPECT_EQ(event.function, "fn");
  EXPECT_EQ(event.attrs["service"], "secretsmanager");
  EXPECT_EQ(event.attrs["operation"], "GetSecretValue");
  EXPECT_EQ(event.attrs["secret"], "prod/momento");
  EXPECT_EQ(event.attrs["version"], value["VersionId"]);
  EXPECT_EQ(event.attrs["outcome"], "ok");
  EXPECT_EQ(event.attrs["access_key_id"], kAkid);
  EXPECT_TRUE(event.attrs["latency_ms"].is_number());
}

TEST_F(AwsServiceTest, NotFoundIs400WithAwsShape) {
  testing::HttpResult result = Call("secretsmanager.GetSecretValue", {{"SecretId", "nope"}});
  EXPECT_EQ(Error(result),
            "ResourceNotFoundException: Secrets Manager can't find the specified secret.");
  Event event = LastRequest();
  EXPECT_EQ(event.attrs["outcome"], "ResourceNotFoundException");
  EXPECT_EQ(event.attrs["status"], 400);
  EXPECT_EQ(event.attrs["secret"], "nope");
}

TEST_F(AwsServiceTest, SignatureErrors) {
  EXPECT_THAT(Error(Call("secretsmanager.GetSecretValue", {{"SecretId", "x"}}, true, "wrong")),
              HasSubstr("InvalidSignatureException: The request signature we calculated"));
  EXPECT_EQ(LastRequest().instance, 0);
  EXPECT_EQ(Error(Call("secretsmanager.GetSecretValue", {{"SecretId", "x"}}, false)),
            "MissingAuthenticationTokenException: Missing Authentication Token");
  EXPECT_THAT(Error(Call("secretsmanager.GetSecretValue", {{"SecretId", "x"}}, true, kSecret,
                         std::chrono::system_clock::now() - std::chrono::minutes(6))),
              HasSubstr("InvalidSignatureException: Signature expired: "));
  credentials_.Remove(kAkid);
  EXPECT_EQ(Error(Call("secretsmanager.GetSecretValue", {{"SecretId", "x"}})),
            "UnrecognizedClientException: The security token included in the request is "
            "invalid.");
}

TEST_F(AwsServiceTest, SignaturesOffStillAttributesKnownKeys) {
  Stop();
  Start(false);
  ASSERT_TRUE(secrets_.Seed("s", "v").ok());
  EXPECT_EQ(
      Json::parse(Call("secretsmanager.GetSecretValue", {{"SecretId", "s"}}, true, "wrong-secret")
                      .body)["SecretString"],
      "v");
  EXPECT_EQ(LastRequest().instance, 7);
  EXPECT_EQ(Call("secretsmanager.GetSecretValue", {{"SecretId", "s"}}, false).status, 200);
  EXPECT_EQ(LastRequest().instance, 0);
}

TEST_F(AwsServiceTest, AccessDeniedByPolicy) {
  ASSERT_TRUE(secrets_.Seed("prod/momento", "k").ok());
  ASSERT_TRUE(secrets_.Seed("other", "k").ok());
  SetPolicy(R"({"Effect":"Allow","Action":"secretsmanager:GetSecretValue",
                "Resource":"arn:aws:secretsmanager:*:*:secret:prod/*"})");
  EXPECT_EQ(Call("secretsmanager.GetSecretValue", {{"SecretId", "prod/momento"}}).status, 200);
  const std::string arn = secrets_.ResourceArn("other");
  EXPECT_EQ(Error("secretsmanager.GetSecretValue", {{"SecretId", "other"}}),
            "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/fn-role/fn is "
            "not authorized to perform: secretsmanager:GetSecretValue on resource: " +
                arn +
                " because no identity-based policy allows the secretsmanager:GetSecretValue "
                "action");
  EXPECT_EQ(LastRequest().attrs["outcome"], "AccessDeniedException");
  EXPECT_THAT(Error("secretsmanager.DescribeSecret", {{"SecretId", "prod/momento"}}),
              HasSubstr("secretsmanager:DescribeSecret"));
  EXPECT_THAT(Error("AmazonSSM.GetParameter", {{"Name", "/x"}}),
              HasSubstr("ssm:GetParameter on resource: arn:aws:ssm:us-east-1:123456789012:"
                        "parameter/x"));
}

TEST_F(AwsServiceTest, SecretsManagerOperations) {
  Json created = Ok("secretsmanager.CreateSecret", {{"Name", "s"},
                                                    {"SecretString", "one"},
                                                    {"Description", "d"},
                                                    {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}});
  EXPECT_TRUE(created.contains("VersionId"));
  EXPECT_EQ(Error("secretsmanager.CreateSecret", {{"Name", "s"}}),
            "ResourceExistsException: The operation failed because the secret s already exists.");
  Json put = Ok("secretsmanager.PutSecretValue", {{"SecretId", "s"}, {"SecretString", "two"}});
  EXPECT_EQ(put["VersionStages"], Json::array({"AWSCURRENT"}));
  Ok("secretsmanager.UpdateSecret", {{"SecretId", "s"}, {"SecretString", "three"}});
  Json described = Ok("secretsmanager.DescribeSecret", {{"SecretId", "s"}});
  EXPECT_EQ(described["Description"], "d");
  EXPECT_EQ(described["VersionIdsToStages"].size(), 2u);
  EXPECT_EQ(Ok("secretsmanager.ListSecrets", Json::object())["SecretList"].size(), 1u);
  Json batch = Ok("secretsmanager.BatchGetSecretValue", {{"SecretIdList", {"s", "missing"}}});
  EXPECT_EQ(batch["SecretValues"].size(), 1u);
  EXPECT_EQ(batch["Errors"][0]["ErrorCode"], "ResourceNotFoundException");
  Ok("secretsmanager.TagResource", {{"SecretId", "s"}, {"Tags", {{{"Key", "x"}, {"Value", "y"}}}}});
  Ok("secretsmanager.UntagResource", {{"SecretId", "s"}, {"TagKeys", {"k"}}});
  Json rotated = Ok("secretsmanager.RotateSecret", {{"SecretId", "s"}});
  Ok("secretsmanager.UpdateSecretVersionStage", {{"SecretId", "s"},
                                                 {"VersionStage", "AWSCURRENT"},
                                                 {"MoveToVersionId", put["VersionId"]},
                                                 {"RemoveFromVersionId", rotated["VersionId"]}});
  EXPECT_EQ(Ok("secretsmanager.GetSecretValue", {{"SecretId", "s"}})["SecretString"], "two");
  Json deleted = Ok("secretsmanager.DeleteSecret", {{"SecretId", "s"}});
  EXPECT_TRUE(deleted["DeletionDate"].is_number());
  EXPECT_THAT(Error("secretsmanager.GetSecretValue", {{"SecretId", "s"}}),
              HasSubstr("InvalidRequestException: You can't perform this operation on the secret "
                        "because it was marked for deletion."));
  Ok("secretsmanager.RestoreSecret", {{"SecretId", "s"}});
  EXPECT_EQ(Ok("secretsmanager.GetSecretValue", {{"SecretId", "s"}})["SecretString"], "two");
}

TEST_F(AwsServiceTest, SsmOperations) {
  EXPECT_EQ(Ok("AmazonSSM.PutParameter", {{"Name", "/app/a"}, {"Value", "1"}, {"Type", "String"}}),
            Json({{"Version", 1}, {"Tier", "Standard"}}));
  EXPECT_THAT(Error("AmazonSSM.PutParameter", {{"Name", "/app/a"}, {"Value", "2"}}),
              HasSubstr("ParameterAlreadyExists"));
  Ok("AmazonSSM.PutParameter", {{"Name", "/app/b"}, {"Value", "x,y"}, {"Type", "StringList"}});
  EXPECT_EQ(Ok("AmazonSSM.GetParameter", {{"Name", "/app/a"}})["Parameter"]["Value"], "1");
  Event event = LastRequest();
  EXPECT_EQ(event.attrs["parameter"], "/app/a");
  EXPECT_EQ(event.attrs["version"], 1);
  EXPECT_EQ(Error("AmazonSSM.GetParameter", {{"Name", "/nope"}}), "ParameterNotFound: ");
  EXPECT_EQ(Ok("AmazonSSM.GetParameters", {{"Names", {"/app/a", "/nope"}}})["InvalidParameters"],
            Json::array({"/nope"}));
  EXPECT_EQ(Ok("AmazonSSM.GetParametersByPath", {{"Path", "/app"}})["Parameters"].size(), 2u);
  Ok("AmazonSSM.DeleteParameter", {{"Name", "/app/a"}});
  EXPECT_EQ(
      Ok("AmazonSSM.DeleteParameters", {{"Names", {"/app/b", "/app/a"}}})["InvalidParameters"],
      Json::array({"/app/a"}));
  ASSERT_TRUE(secrets_.Seed("db", "pw").ok());
  EXPECT_EQ(Ok("AmazonSSM.GetParameter", {{"Name", "/aws/reference/secretsmanager/db"},
                                          {"WithDecryption", true}})["Parameter"]["Value"],
            "pw");
}

// The HTTP server's own answers are AWS JSON 1.1 errors (AwsService::ServerErrorAnswer, which
// the fixture's server uses as every server of the fake AWS does).
TEST_F(AwsServiceTest, TheServersOwnAnswersAreAwsJsonErrors) {
  testing::HttpClient bad(server_->port(), testing::TestTimeout());
  EXPECT_EQ(Error(bad.Post("/", "{}", {{"X-Bad", std::string("a\x01b")}})),
            "ValidationError: Bad Request: bad value");
  testing::HttpClient big(server_->port(), testing::TestTimeout());
  EXPECT_THAT(Error(big.Post("/", "{}",
                             {{"X-Big-1", std::string(40 * 1024, 'a')},
                              {"X-Big-2", std::string(40 * 1024, 'a')}}),
                    431),
              HasSubstr("ValidationError: Request header fields too large"));
}

TEST_F(AwsServiceTest, UnknownOperationAndBadJson) {
  EXPECT_THAT(Error("secretsmanager.NoSuchThing", Json::object()),
              HasSubstr("UnknownOperationException"));
  EXPECT_THAT(Error("Nope.GetSecretValue", Json::object()), HasSubstr("UnknownOperationException"));
}

TEST_F(AwsServiceTest, FaultsThrottleThenRecover) {
  ASSERT_TRUE(secrets_.Seed("s", "v").ok());
  auto id = service_->AddFault(
      Json{{"operation", "GetSecretValue"}, {"error", "ThrottlingException"}, {"count", 1}});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "aws-1");
  EXPECT_EQ(Error("secretsmanager.GetSecretValue", {{"SecretId", "s"}}),
            "ThrottlingException: Rate exceeded");
  EXPECT_EQ(LastRequest().attrs["outcome"], "ThrottlingException");
  EXPECT_EQ(LastRequest().attrs["fault"], "aws-1");
  EXPECT_EQ(Call("secretsmanager.GetSecretValue", {{"SecretId", "s"}}).status, 200);
  EXPECT_TRUE(service_->ListFaults().empty()) << "count 1: gone after one use";
  ASSERT_TRUE(service_->AddFault(Json{{"error", "InternalServiceError"}}).ok());
  EXPECT_THAT(Error(Call("AmazonSSM.GetParameter", {{"Name", "/x"}}), 500),
              HasSubstr("InternalServiceError: An error occurred on the server side."));
  EXPECT_THAT(Error(Call("AmazonSSM.GetParameter", {{"Name", "/x"}}), 500),
              HasSubstr("InternalServiceError"))
      << "no count: unlimited";
  EXPECT_EQ(service_->ListFaults()[0]["fired"], 2);
  service_->ClearFaults();
  EXPECT_THAT(Error("AmazonSSM.GetParameter", {{"Name", "/x"}}), HasSubstr("ParameterNotFound"));
}

TEST_F(AwsServiceTest, FaultsMatchFunctionInstanceAndSecret) {
  ASSERT_TRUE(secrets_.Seed("s", "v").ok());
  ASSERT_TRUE(secrets_.Seed("t", "v").ok());
  ASSERT_TRUE(
      service_->AddFault(Json{{"function", "other"}, {"error", "ThrottlingException"}}).ok());
  ASSERT_TRUE(service_->AddFault(Json{{"instance", 8}, {"error", "ThrottlingException"}}).ok());
  EXPECT_EQ(Call("secretsmanager.GetSecretValue", {{"SecretId", "s"}}).status, 200);
  service_->ClearFaults();
  // By name, matched whether the request names the secret or its ARN.
  ASSERT_TRUE(service_
                  ->AddFault(Json{{"function", "fn"},
                                  {"instance", 7},
                                  {"secret", "s"},
                                  {"error", "ThrottlingException"}})
                  .ok());
  const std::string arn = Ok("secretsmanager.GetSecretValue", {{"SecretId", "t"}})["ARN"];
  EXPECT_THAT(Error("secretsmanager.GetSecretValue", {{"SecretId", "s"}}),
              HasSubstr("ThrottlingException"));
  const std::string s_arn = secrets_.ResourceArn("s");
  EXPECT_THAT(Error("secretsmanager.GetSecretValue", {{"SecretId", s_arn}}),
              HasSubstr("ThrottlingException"));
  EXPECT_EQ(Call("secretsmanager.GetSecretValue", {{"SecretId", arn}}).status, 200);
}

TEST_F(AwsServiceTest, FaultSpecErrorsNameTheField) {
  auto error = [this](const Json& spec) {
    auto id = service_->AddFault(spec);
    EXPECT_FALSE(id.ok()) << spec.dump();
    return std::string(id.status().message());
  };
  EXPECT_THAT(error(Json{{"error", "ThrottlingException"}, {"sekret", "x"}}),
              HasSubstr("sekret: unknown field"));
  EXPECT_THAT(error(Json{{"delay", "soon"}}), HasSubstr("delay: "));
  EXPECT_THAT(error(Json{{"error", "ThrottlingException"}, {"count", 0}}), HasSubstr("count: "));
  EXPECT_THAT(error(Json{{"rotate", {{"at", "now"}}}}), HasSubstr("secret: required with rotate"));
  EXPECT_THAT(error(Json{{"stall", true}, {"error", "ThrottlingException"}}), HasSubstr("stall: "));
  EXPECT_THAT(error(Json{{"operation", "GetSecretValue"}}), HasSubstr("needs one of"));
  EXPECT_THAT(error(Json{{"instance", "seven"}, {"stall", true}}), HasSubstr("instance: "));
}

TEST_F(AwsServiceTest, FaultDelayHoldsTheAnswer) {
  ASSERT_TRUE(secrets_.Seed("s", "v").ok());
  ASSERT_TRUE(
      service_->AddFault(Json{{"operation", "GetSecretValue"}, {"delay", "200ms"}, {"count", 1}})
          .ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Call("secretsmanager.GetSecretValue", {{"SecretId", "s"}}).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

TEST_F(AwsServiceTest, StallHoldsTheRequestUntilTheFaultIsRemoved) {
  ASSERT_TRUE(secrets_.Seed("s", "v").ok());
  auto id = service_->AddFault(Json{{"secret", "s"}, {"stall", true}});
  ASSERT_TRUE(id.ok());
  auto stalled = std::async(std::launch::async, [this] {
    testing::HttpClient client(server_->port());
    sigv4::SignedRequest request;
    request.method = "POST";
    request.target = "/";
    request.body = Json{{"SecretId", "s"}}.dump();
    request.headers = {{"Host", "127.0.0.1:" + std::to_string(server_->port())},
                       {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
    sigv4::SignRequest(request, kAkid, kSecret, kToken,
                       FormatAmzDate(std::chrono::system_clock::now()), "us-east-1",
                       "secretsmanager");
    std::map<std::string, std::string> headers;
    for (const auto& [name, value] : request.headers) {
      if (name != "Host") headers[name] = value;
    }
    return client.Post("/", request.body, headers).status;
  });
  // The fault fired (the request arrived and is held), yet nothing was answered.
  for (auto deadline = std::chrono::steady_clock::now() + testing::TestTimeout();
       service_->ListFaults()[0]["fired"] == 0 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::yield();
  }
  ASSERT_EQ(service_->ListFaults()[0]["fired"], 1);
  EXPECT_EQ(stalled.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  EXPECT_EQ(ledger_.Select([](const Event& e) { return e.kind == "aws.request"; }).size(), 0u);
  EXPECT_TRUE(service_->RemoveFault(*id));
  EXPECT_EQ(stalled.get(), 200);
}

TEST_F(AwsServiceTest, RotateFaultOnTheSchedulerClock) {
  ASSERT_TRUE(secrets_.Seed("s", "v").ok());
  const std::string first = Ok("secretsmanager.GetSecretValue", {{"SecretId", "s"}})["VersionId"];
  ASSERT_TRUE(service_->AddFault(Json{{"secret", "s"}, {"rotate", {{"at", "5m"}}}}).ok());
  EXPECT_EQ(Ok("secretsmanager.GetSecretValue", {{"SecretId", "s"}})["VersionId"], first);
  clock_.Advance(std::chrono::minutes(5));
  const std::string second = Ok("secretsmanager.GetSecretValue", {{"SecretId", "s"}})["VersionId"];
  EXPECT_NE(second, first);
  EXPECT_EQ(Ok("secretsmanager.GetSecretValue",
               {{"SecretId", "s"}, {"VersionStage", "AWSPREVIOUS"}})["VersionId"],
            first);
  EXPECT_TRUE(service_->ListFaults().empty());
  auto rotation = ledger_.Select([](const Event& e) { return e.kind == "aws.rotation"; });
  ASSERT_EQ(rotation.size(), 1u);
  EXPECT_EQ(rotation[0].attrs["version"], second);
  // "now" rotates at once.
  ASSERT_TRUE(service_->AddFault(Json{{"secret", "s"}, {"rotate", {{"at", "now"}}}}).ok());
  EXPECT_NE(Ok("secretsmanager.GetSecretValue", {{"SecretId", "s"}})["VersionId"], second);
}

TEST_F(AwsServiceTest, SecretRendererSeesTheReader) {
  Stop();
  service_.reset();
  AwsService::Options options;
  service_ = std::make_unique<AwsService>(options, ledger_, credentials_, secrets_, parameters_);
  service_->SetSecretRenderer([](const AwsCredential& reader, const std::string& value) {
    std::string out = value;
    const std::string placeholder = "{{momento_api_key}}";
    if (auto at = out.find(placeholder); at != std::string::npos) {
      out.replace(at, placeholder.size(), "key-for-" + std::to_string(reader.instance));
    }
    return out;
  });
  auto server = http::HttpServer::Listen(io_, "127.0.0.1", 0, service_->MakeHandler());
  ASSERT_TRUE(server.ok());
  server_ = *std::move(server);
  io_.restart();
  thread_ = std::thread([this] { io_.run(); });
  client_ = std::make_unique<testing::HttpClient>(server_->port());
  ASSERT_TRUE(secrets_.Seed("m", R"({"MOMENTO_API_KEY":"{{momento_api_key}}"})").ok());
  EXPECT_EQ(Ok("secretsmanager.GetSecretValue", {{"SecretId", "m"}})["SecretString"],
            R"({"MOMENTO_API_KEY":"key-for-7"})");
  Json batch = Ok("secretsmanager.BatchGetSecretValue", {{"SecretIdList", {"m"}}});
  EXPECT_EQ(batch["SecretValues"][0]["SecretString"], R"({"MOMENTO_API_KEY":"key-for-7"})");
  Json ref = Ok("AmazonSSM.GetParameter",
                {{"Name", "/aws/reference/secretsmanager/m"}, {"WithDecryption", true}});
  EXPECT_EQ(ref["Parameter"]["Value"], R"({"MOMENTO_API_KEY":"key-for-7"})");
}

}  // namespace
}  // namespace thaw::aws
