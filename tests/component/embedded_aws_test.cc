// EmbeddedAws as `thaw serve` runs it, over real HTTP in-process: per-instance credentials
// carrying the function's IAM statements, the allow-all note, `{{momento_api_key}}` through
// the key minter, the extension only for functions that declare it, and start errors.
#include "fakes/aws/embedded_aws.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "fakes/aws/sigv4.h"
#include "fakes/aws/sigv4_verifier.h"
#include "host/emulator_session.h"
#include "tests/util/http_client.h"
#include "tests/util/test_emulator.h"

namespace thaw::aws {
namespace {

using Json = nlohmann::json;
using Env = std::map<std::string, std::string>;
using ::testing::HasSubstr;

ThawConfig Config() {
  ThawConfig config;
  config.source = "thaw.yaml";
  FunctionConfig granted;
  granted.name = "granted";
  granted.iam_statements = Json::parse(R"([{"Effect":"Allow",
      "Action":"secretsmanager:GetSecretValue",
      "Resource":"arn:aws:secretsmanager:*:*:secret:momento/*"}])");
  granted.extensions = {"parameters-and-secrets"};
  FunctionConfig open;
  open.name = "open";
  config.functions = {{"granted", granted}, {"open", open}};
  config.seeds.secrets = {{"momento/key", R"({"MOMENTO_API_KEY":"{{momento_api_key}}"})", ""},
                          {"other", "o", ""}};
  return config;
}

class EmbeddedAwsTest : public ::testing::Test {
 protected:
  void Start() {
    auto aws = EmbeddedAws::Start(io_, ledger_, clock_, AwsOptionsFrom(config_));
    ASSERT_TRUE(aws.ok()) << aws.status();
    aws_ = *std::move(aws);
  }
  // The io thread; the work guard keeps it running while no listener is open yet.
  void Run() {
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      std::promise<void> done;
      boost::asio::post(io_, [&] {
        aws_->DetachAll();
        done.set_value();
      });
      done.get_future().wait();
      io_.stop();
      thread_.join();
    }
    aws_.reset();
  }

  // Attach runs on the io thread, as the control plane calls it.
  Env Attach(int64_t instance, const std::string& function) {
    std::promise<absl::StatusOr<Env>> env;
    boost::asio::post(io_, [&] { env.set_value(aws_->Attach(instance, function, {})); });
    auto result = env.get_future().get();
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : Env{};
  }
  void Detach(int64_t instance) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      aws_->Detach(instance);
      done.set_value();
    });
    done.get_future().wait();
  }

  // GetSecretValue signed with the instance's credentials, on its own endpoint.
  testing::HttpResult Get(const Env& env, const std::string& secret) {
    const std::string endpoint = env.at("AWS_ENDPOINT_URL_SECRETS_MANAGER");
    const uint16_t port =
        static_cast<uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
    sigv4::SignedRequest request;
    request.method = "POST";
    request.target = "/";
    request.body = Json{{"SecretId", secret}}.dump();
    request.headers = {{"Host", "127.0.0.1:" + std::to_string(port)},
                       {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
    sigv4::SignRequest(request, env.at("AWS_ACCESS_KEY_ID"), env.at("AWS_SECRET_ACCESS_KEY"),
                       env.at("AWS_SESSION_TOKEN"), FormatAmzDate(std::chrono::system_clock::now()),
                       "us-east-1", "secretsmanager");
    std::map<std::string, std::string> headers;
    for (const auto& [name, value] : request.headers) {
      if (name != "Host") headers[name] = value;
    }
    return testing::HttpClient(port).Post("/", request.body, headers);
  }

  size_t Notes() {
    return ledger_.Select([](const Event& e) { return e.kind == "aws.note"; }).size();
  }

  ThawConfig config_ = Config();
  Ledger ledger_;
  SchedulerClock clock_;
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::unique_ptr<EmbeddedAws> aws_;
  std::thread thread_;
};

TEST_F(EmbeddedAwsTest, StatementsAreEnforcedPerFunction) {
  Start();
  Run();
  const Env granted = Attach(1, "granted");
  EXPECT_EQ(Get(granted, "momento/key").status, 200);
  testing::HttpResult denied = Get(granted, "other");
  EXPECT_EQ(denied.status, 400);
  EXPECT_THAT(denied.body,
              HasSubstr("User: arn:aws:sts::123456789012:assumed-role/granted-role/"
                        "granted is not authorized to perform: "
                        "secretsmanager:GetSecretValue on resource: "
                        "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-"));
  EXPECT_EQ(Notes(), 0u);
  const Env open = Attach(2, "open");
  const Env open_again = Attach(3, "open");
  EXPECT_EQ(Notes(), 0u) << "no note before the function calls AWS";
  EXPECT_EQ(Get(open, "other").status, 200);
  EXPECT_EQ(Get(open_again, "other").status, 200);
  EXPECT_EQ(Notes(), 1u) << "once per function";
}

TEST_F(EmbeddedAwsTest, ExtensionOnlyWhereDeclared) {
  Start();
  Run();
  const Env granted = Attach(1, "granted");
  const Env open = Attach(2, "open");
  ASSERT_TRUE(granted.count("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"));
  EXPECT_FALSE(open.count("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"));
  testing::HttpClient extension(
      static_cast<uint16_t>(std::stoi(granted.at("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"))));
  EXPECT_EQ(extension
                .Send("GET", "/secretsmanager/get?secretId=momento/key", "",
                      {{"X-Aws-Parameters-Secrets-Token", granted.at("AWS_SESSION_TOKEN")}})
                .status,
            200);
  Detach(1);
  EXPECT_EQ(Get(granted, "momento/key").status, 0) << "the instance's endpoint is closed";
}

TEST_F(EmbeddedAwsTest, MomentoKeyMintedPerInstance) {
  Start();
  int minted = 0;
  aws_->SetPlaceholderRenderer(
      [&minted](const std::string& name, int64_t instance,
                const std::string& function) -> std::optional<std::string> {
        if (name != "momento_api_key") return std::nullopt;
        ++minted;
        return function + "#" + std::to_string(instance);
      });
  Run();
  const Env first = Attach(1, "open");
  const Env second = Attach(2, "open");
  auto key = [&](const Env& env) {
    testing::HttpResult r = Get(env, "momento/key");
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(std::string(Json::parse(r.body)["SecretString"]))["MOMENTO_API_KEY"];
  };
  EXPECT_EQ(key(first), "open#1");
  EXPECT_EQ(key(first), "open#1");
  EXPECT_EQ(key(second), "open#2");
  EXPECT_EQ(minted, 2) << "one key per instance, reused";
}

TEST_F(EmbeddedAwsTest, WithoutMinterThePlaceholderStays) {
  Start();
  Run();
  testing::HttpResult r = Get(Attach(1, "open"), "momento/key");
  EXPECT_EQ(Json::parse(std::string(Json::parse(r.body)["SecretString"]))["MOMENTO_API_KEY"],
            "{{momento_api_key}}");
}

TEST_F(EmbeddedAwsTest, UnevaluablePolicyFailsTheStart) {
  config_.functions["granted"].iam_statements =
      Json::parse(R"([{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}])");
  auto aws = EmbeddedAws::Start(io_, ledger_, clock_, AwsOptionsFrom(config_));
  ASSERT_FALSE(aws.ok());
  EXPECT_THAT(std::string(aws.status().message()),
              HasSubstr("thaw.yaml: functions.granted.policy: "));
}

// Hot reload: instances attached after SetFunctions get the new statements and extension;
// those attached before keep theirs.
TEST_F(EmbeddedAwsTest, SetFunctionsAppliesToInstancesAttachedAfterIt) {
  Start();
  Run();
  const Env before = Attach(1, "open");
  ThawConfig next = config_;
  next.functions["open"].iam_statements = Json::parse(R"([{"Effect":"Allow",
      "Action":"secretsmanager:GetSecretValue",
      "Resource":"arn:aws:secretsmanager:*:*:secret:momento/*"}])");
  next.functions["open"].extensions = {"parameters-and-secrets"};
  std::promise<absl::Status> set;
  boost::asio::post(io_,
                    [&] { set.set_value(aws_->SetFunctions(AwsOptionsFrom(next).functions)); });
  ASSERT_TRUE(set.get_future().get().ok());
  const Env after = Attach(2, "open");
  EXPECT_EQ(Get(before, "other").status, 200) << "attached before: allowed everything";
  EXPECT_EQ(Get(after, "other").status, 400) << "attached after: the new statements";
  EXPECT_EQ(Get(after, "momento/key").status, 200);
  EXPECT_FALSE(before.count("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"));
  EXPECT_TRUE(after.count("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"));
}

// A policy it cannot evaluate changes nothing, and the error names the function.
TEST_F(EmbeddedAwsTest, SetFunctionsWithAnUnevaluablePolicyChangesNothing) {
  Start();
  Run();
  ThawConfig next = config_;
  next.functions["granted"].iam_statements =
      Json::parse(R"([{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}])");
  next.functions["open"].iam_statements = Json::parse(R"([])");
  std::promise<absl::Status> set;
  boost::asio::post(io_,
                    [&] { set.set_value(aws_->SetFunctions(AwsOptionsFrom(next).functions)); });
  const absl::Status status = set.get_future().get();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("thaw.yaml: functions.granted.policy: "));
  const Env granted = Attach(1, "granted");
  EXPECT_EQ(Get(granted, "momento/key").status, 200);
  EXPECT_EQ(Get(granted, "other").status, 400);
  EXPECT_EQ(Get(Attach(2, "open"), "other").status, 200) << "open still allows everything";
}

}  // namespace
}  // namespace thaw::aws
