// Node.js and Python handlers written for AWS, run unmodified under `thaw serve` (and
// `thaw invoke`) from a SAM template and from a serverless.yml (tests/integration/definitions/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/process.hpp>
#include <fstream>
#include <regex>
#include <sstream>

#include "nlohmann/json.hpp"
#include "tests/util/http_client.h"
#include "tests/util/run_thaw.h"
#include "tests/util/test_emulator.h"
#include "tests/util/zip_writer.h"

namespace thaw::testing {
namespace {

namespace bp = boost::process;
using ::testing::HasSubstr;
using Json = nlohmann::json;

const std::string kDefinitions = std::string(THAW_SOURCE_DIR) + "/tests/integration/definitions";

// `thaw serve --port 0 --config <config>`, its stderr kept in a file read after it stops.
class Serve {
 public:
  explicit Serve(const std::string& config)
      : stderr_path_(std::filesystem::temp_directory_path() /
                     ("thaw-definitions-test-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name())),
        child_(THAW_BINARY, "serve", "--port", "0", "--config", config, bp::std_out > out_,
               bp::std_err > stderr_path_.string()) {
    std::string line;
    if (!std::getline(out_, line)) return;
    listening_line_ = line;
    std::smatch m;
    if (std::regex_search(line, m, std::regex("listening on http://127\\.0\\.0\\.1:([0-9]+)"))) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
    }
  }
  ~Serve() {
    if (child_.running()) {
      ::kill(child_.id(), SIGKILL);
      child_.wait();
    }
    std::filesystem::remove(stderr_path_);
  }

  uint16_t port() const { return port_; }
  const std::string& listening_line() const { return listening_line_; }

  // Invokes `function` (a name, short name or ARN; percent-encoded as the SDKs do).
  HttpResult Invoke(const std::string& function, const std::string& payload = "{}") {
    std::string encoded;
    for (char c : function) encoded += c == ':' ? std::string("%3A") : std::string(1, c);
    HttpClient client(port_, TestTimeout());
    return client.Post("/2015-03-31/functions/" + encoded + "/invocations", payload);
  }

  // Stops thaw (SIGTERM) and returns its exit code and what it wrote on stderr.
  std::pair<int, std::string> Stop() {
    ::kill(child_.id(), SIGTERM);
    child_.wait();
    std::ifstream in(stderr_path_);
    std::stringstream text;
    text << in.rdbuf();
    return {child_.exit_code(), text.str()};
  }

 private:
  std::filesystem::path stderr_path_;
  bp::ipstream out_;
  bp::child child_;
  std::string listening_line_;
  uint16_t port_ = 0;
};

Json Answer(const HttpResult& result) {
  EXPECT_EQ(result.status, 200) << result.error << result.body;
  EXPECT_EQ(result.Header("X-Amz-Function-Error"), "") << result.body;
  return Json::parse(result.body, nullptr, false);
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(DefinitionsTest, SamTemplateRunsNodeAndPythonHandlers) {
  Serve serve(kDefinitions + "/sam-app/template.yaml");
  ASSERT_NE(serve.port(), 0) << serve.listening_line();
  EXPECT_THAT(serve.listening_line(), HasSubstr("HelloPythonFunction = hello-python-test"));

  // The logical id is the name when there is no FunctionName.
  const Json node = Answer(serve.Invoke("HelloNodeFunction", R"({"from":"sam"})"));
  EXPECT_EQ(node["runtime"], "nodejs");
  EXPECT_EQ(node["functionName"], "HelloNodeFunction");
  EXPECT_EQ(node["memoryLimitInMB"], "256");            // Globals
  EXPECT_EQ(node["greeting"], "hello from us-east-1");  // !Sub with AWS::Region
  EXPECT_EQ(node["stage"], "test");                     // !Ref of a parameter's Default
  EXPECT_EQ(node["executionEnv"], "AWS_Lambda_nodejs20.x");
  EXPECT_EQ(node["event"]["from"], "sam");

  // FunctionName: !Sub hello-python-${Stage}; invokable by that name, its ARN and the logical id.
  const Json python = Answer(serve.Invoke("hello-python-test"));
  EXPECT_EQ(python["runtime"], "python");
  EXPECT_EQ(python["functionName"], "hello-python-test");
  EXPECT_EQ(python["memoryLimitInMB"], "512");
  EXPECT_EQ(python["greeting"], "hello from us-east-1");
  EXPECT_EQ(python["executionEnv"], "AWS_Lambda_python3.12");
  const Json by_arn =
      Answer(serve.Invoke("arn:aws:lambda:us-east-1:123456789012:function:hello-python-test"));
  const Json by_id = Answer(serve.Invoke("HelloPythonFunction"));
  EXPECT_EQ(by_arn["pid"], python["pid"]);  // the same warm instance
  EXPECT_EQ(by_id["pid"], python["pid"]);
  EXPECT_EQ(by_id["invokedFunctionArn"],
            "arn:aws:lambda:us-east-1:123456789012:function:hello-python-test");

  const auto [exit_code, err] = serve.Stop();
  EXPECT_EQ(exit_code, 0);
  // Its Api event (GET /hello) is an HTTP route, not a note that it is not applied.
  EXPECT_EQ(Count(err, "/sam-app/template.yaml: Resources.HelloNodeFunction.Properties.Events"), 0u)
      << err;
}

TEST(DefinitionsTest, ServerlessYmlRunsHandlersByFullAndShortName) {
  Serve serve(kDefinitions + "/sls-app/serverless.yml");
  ASSERT_NE(serve.port(), 0) << serve.listening_line();

  const Json full = Answer(serve.Invoke("thaw-it-ci-hello"));
  EXPECT_EQ(full["runtime"], "nodejs");
  EXPECT_EQ(full["functionName"], "thaw-it-ci-hello");  // <service>-<stage>-<name>
  EXPECT_EQ(full["greeting"], "hello ci");              // ${opt:stage, 'ci'} via ${sls:stage}
  EXPECT_EQ(full["memoryLimitInMB"], "256");
  // The short name and its ARN reach the same function, and its warm instance.
  const Json short_name = Answer(serve.Invoke("hello"));
  EXPECT_EQ(short_name["functionName"], "thaw-it-ci-hello");
  EXPECT_EQ(short_name["pid"], full["pid"]);
  const Json short_arn =
      Answer(serve.Invoke("arn:aws:lambda:us-east-1:123456789012:function:hello"));
  EXPECT_EQ(short_arn["pid"], full["pid"]);

  const Json python = Answer(serve.Invoke("pyhello", R"({"n":2})"));
  EXPECT_EQ(python["runtime"], "python");
  EXPECT_EQ(python["functionName"], "thaw-it-ci-pyhello");
  EXPECT_EQ(python["stage"], "ci");
  EXPECT_EQ(python["event"]["n"], 2);
  EXPECT_EQ(Answer(serve.Invoke("thaw-it-ci-pyhello"))["pid"], python["pid"]);

  // A name that is neither answers as Lambda does.
  const HttpResult unknown = serve.Invoke("thaw-it-ci-nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.Header("x-amzn-ErrorType"), "ResourceNotFoundException");

  const auto [exit_code, err] = serve.Stop();
  EXPECT_EQ(exit_code, 0);
  // Its httpApi event (GET /hello) is an HTTP route, not a note that it is not applied.
  EXPECT_EQ(Count(err, "functions.hello.events"), 0u) << err;
}

TEST(DefinitionsTest, InvokeTakesTheShortName) {
  const ThawRun run =
      RunThaw({"invoke", "pyhello", "--config", kDefinitions + "/sls-app/serverless.yml",
               "--payload", R"({"k":"v"})", "-q"});
  const std::string& stdout_text = run.out;
  const std::string& stderr_text = run.err;
  EXPECT_EQ(run.exit_code, 0) << stderr_text;
  const Json answer = Json::parse(stdout_text, nullptr, false);
  EXPECT_EQ(answer["functionName"], "thaw-it-ci-pyhello") << stdout_text;
  EXPECT_EQ(answer["event"]["k"], "v");
  EXPECT_THAT(stderr_text, HasSubstr("thaw: note: "));
}

// A template whose code is a .zip (the echo function's bootstrap, executable) and whose
// parameter has no Default: `thaw invoke --parameter-overrides` runs it from the unpacked cache.
TEST(DefinitionsTest, InvokeRunsAZipCodeUriWithParameterOverrides) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("thaw-zip-definitions-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ifstream bootstrap_file(EchoDir() + "/bootstrap", std::ios::binary);
  std::stringstream bootstrap;
  bootstrap << bootstrap_file.rdbuf();
  ASSERT_FALSE(bootstrap.str().empty()) << EchoDir();
  ASSERT_TRUE(WriteZip(dir / "fn.zip", {{"bootstrap", bootstrap.str(), 0755}}).ok());
  std::ofstream(dir / "template.yaml")
      << "Transform: AWS::Serverless-2016-10-31\n"
         "Parameters:\n  Greeting: {Type: String}\n"
         "Resources:\n  Env:\n    Type: AWS::Serverless::Function\n    Properties:\n"
         "      Runtime: provided.al2023\n      Handler: env\n      CodeUri: fn.zip\n"
         "      Environment: {Variables: {GREETING: !Ref Greeting}}\n";

  auto env = boost::this_process::environment();
  env["XDG_CACHE_HOME"] = (dir / "cache").string();
  const ThawRun run =
      RunThaw({"invoke", "Env", "--config", (dir / "template.yaml").string(),
               "--parameter-overrides", "ParameterKey=Greeting,ParameterValue=\"hi there\"", "-q"},
              env);
  const std::string& stdout_text = run.out;
  const std::string& stderr_text = run.err;
  EXPECT_EQ(run.exit_code, 0) << stderr_text;
  const Json answer = Json::parse(stdout_text, nullptr, false);
  EXPECT_EQ(answer["GREETING"], "hi there") << stdout_text;
  const std::string task_root = answer.value("LAMBDA_TASK_ROOT", "");
  EXPECT_THAT(task_root, HasSubstr((dir / "cache" / "thaw" / "artifacts").string())) << stdout_text;
  std::filesystem::remove_all(dir);
}

// A template whose secret has no Name and no value (the CDK `new Secret(...)` shape), given its
// value by logical id in `--overlay`, and a declared variable given by SAM's `--env-vars`: the
// handler (the runtime's AWS SDK v3, unbundled) reads both, with no edit to the template.
TEST(DefinitionsTest, InvokeTakesAnOverlayAndSamsEnvVars) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("thaw-overlay-definitions-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "src");
  std::ofstream(dir / "src" / "index.mjs")
      << "import { SecretsManagerClient, GetSecretValueCommand } from "
         "'@aws-sdk/client-secrets-manager';\n"
         "const secrets = new SecretsManagerClient({});\n"
         "export const handler = async () => {\n"
         "  const out = await secrets.send(new GetSecretValueCommand({ SecretId: "
         "process.env.SECRET_ARN }));\n"
         "  return { secret: out.SecretString, stage: process.env.STAGE, extra: "
         "process.env.EXTRA ?? null };\n"
         "};\n";
  std::ofstream(dir / "template.yaml")
      << "Transform: AWS::Serverless-2016-10-31\n"
         "Resources:\n"
         "  ApiKey:\n    Type: AWS::SecretsManager::Secret\n"
         "  Reader:\n    Type: AWS::Serverless::Function\n    Properties:\n"
         "      Runtime: nodejs20.x\n      Handler: index.handler\n      CodeUri: src/\n"
         "      Environment: {Variables: {SECRET_ARN: !Ref ApiKey, STAGE: prod}}\n"
         "      Policies: [{AWSSecretsManagerGetSecretValuePolicy: {SecretArn: !Ref ApiKey}}]\n";
  std::ofstream(dir / "overlay.yaml") << "secrets:\n  ApiKey: from-the-overlay\n";
  std::ofstream(dir / "env.json") << R"({"Reader": {"STAGE": "local", "EXTRA": "x"}})";

  const ThawRun run =
      RunThaw({"invoke", "Reader", "--config", (dir / "template.yaml").string(), "--overlay",
               (dir / "overlay.yaml").string(), "--env-vars", (dir / "env.json").string(), "-q"});
  const std::string& stdout_text = run.out;
  const std::string& stderr_text = run.err;
  EXPECT_EQ(run.exit_code, 0) << stdout_text << stderr_text;
  const Json answer = Json::parse(stdout_text, nullptr, false);
  EXPECT_EQ(answer["secret"], "from-the-overlay") << stdout_text << stderr_text;
  EXPECT_EQ(answer["stage"], "local");
  EXPECT_TRUE(answer["extra"].is_null()) << "a variable the template does not declare is not added";
  EXPECT_THAT(stderr_text, HasSubstr("env.json: Reader.EXTRA: not declared"));

  // A malformed env.json is a usage error naming it.
  std::ofstream(dir / "env.json") << "{";
  const ThawRun bad = RunThaw({"invoke", "Reader", "--config", (dir / "template.yaml").string(),
                               "--env-vars", (dir / "env.json").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("env.json: invalid JSON")) << bad.err;
  std::filesystem::remove_all(dir);
}

// A SAM project after `sam build` (esbuild: TypeScript sources, a built .js beside the built
// template), run with no --config from its directory: as `sam local` does, thaw reads
// .aws-sam/build/template.yaml and runs the built code, and says so.
TEST(DefinitionsTest, WithNoConfigASamProjectRunsWhatSamBuildBuilt) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("thaw-sam-build-definitions-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "src");
  std::filesystem::create_directories(dir / ".aws-sam" / "build" / "Hello");
  std::ofstream(dir / "src" / "app.ts")
      << "export const handler = async (): Promise<object> => ({ built: false });\n";
  std::ofstream(dir / "template.yaml")
      << "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
         "Resources:\n  Hello:\n    Type: AWS::Serverless::Function\n    Properties:\n"
         "      CodeUri: src/\n      Handler: app.handler\n      Runtime: nodejs20.x\n"
         "    Metadata:\n      BuildMethod: esbuild\n"
         "      BuildProperties: {EntryPoints: [app.ts], Target: es2020}\n";
  // What sam build writes: the template with CodeUri pointing at the built directory.
  std::ofstream(dir / ".aws-sam" / "build" / "template.yaml")
      << "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
         "Resources:\n  Hello:\n    Type: AWS::Serverless::Function\n    Properties:\n"
         "      CodeUri: Hello\n      Handler: app.handler\n      Runtime: nodejs20.x\n"
         "    Metadata:\n      SamResourceId: Hello\n";
  std::ofstream(dir / ".aws-sam" / "build" / "Hello" / "app.js")
      << "\"use strict\";\nexports.handler = async () => ({ built: true });\n";

  const ThawRun run =
      RunThaw({"invoke", "Hello", "-q"}, boost::this_process::environment(), dir.string());
  const std::string& stdout_text = run.out;
  const std::string& stderr_text = run.err;
  EXPECT_EQ(run.exit_code, 0) << stdout_text << stderr_text;
  EXPECT_EQ(Json::parse(stdout_text, nullptr, false)["built"], true) << stdout_text;
  EXPECT_THAT(stderr_text,
              HasSubstr(".aws-sam/build/template.yaml: read instead of template.yaml"));

  // And under thaw check, a scenario whose config: is sam build's directory.
  std::ofstream(dir / "scenario.yaml")
      << "name: sam-build\nconfig: .aws-sam/build\n"
         "steps: [{invoke: {function: Hello, count: 2}}]\n"
         "expect: [invocations == 2, errors == 0, cold_starts == 1]\n";
  const ThawRun check = RunThaw({"check", (dir / "scenario.yaml").string(), "-q"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("PASSED sam-build")) << check.out;
  std::filesystem::remove_all(dir);
}

// What `serverless package` leaves in .serverless/: the compiled CloudFormation (its code in
// the deployment bucket) beside the .zip it uploads there. `--config .serverless` runs that
// package, the bytes that would be deployed.
TEST(DefinitionsTest, AServerlessPackageRunsFromItsZip) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("thaw-sls-package-definitions-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / ".serverless");
  ASSERT_TRUE(WriteZip(dir / ".serverless" / "svc.zip",
                       {{"handler.js",
                         "exports.hello = async (event, context) => ({ packaged: true, "
                         "name: context.functionName });\n",
                         0644}})
                  .ok());
  std::ofstream(dir / ".serverless" / "cloudformation-template-update-stack.json") << R"({
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "The AWS CloudFormation template for this Serverless application",
  "Resources": {
    "ServerlessDeploymentBucket": {"Type": "AWS::S3::Bucket",
      "Properties": {"BucketEncryption": {"ServerSideEncryptionConfiguration": [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}},
    "HelloLogGroup": {"Type": "AWS::Logs::LogGroup",
      "Properties": {"LogGroupName": "/aws/lambda/svc-dev-hello"}},
    "IamRoleLambdaExecution": {"Type": "AWS::IAM::Role", "Properties": {
      "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]},
      "Policies": [{"PolicyName": {"Fn::Join": ["-", ["svc", "dev", "lambda"]]},
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
          "Action": ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"],
          "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/svc-dev*:*"}]}]}}],
      "Path": "/",
      "RoleName": {"Fn::Join": ["-", ["svc", "dev", {"Ref": "AWS::Region"}, "lambdaRole"]]}}},
    "HelloLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {
      "Code": {"S3Bucket": {"Ref": "ServerlessDeploymentBucket"},
        "S3Key": "serverless/svc/dev/1733356800000-2024-12-05T00:00:00.000Z/svc.zip"},
      "Handler": "handler.hello", "Runtime": "nodejs20.x", "FunctionName": "svc-dev-hello",
      "MemorySize": 1024, "Timeout": 6,
      "Role": {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]}},
      "DependsOn": ["HelloLogGroup"]}
  }
})";
  auto env = boost::this_process::environment();
  env["XDG_CACHE_HOME"] = (dir / "cache").string();
  const ThawRun run = RunThaw(
      {"invoke", "HelloLambdaFunction", "--config", (dir / ".serverless").string(), "-q"}, env);
  const std::string& stdout_text = run.out;
  const std::string& stderr_text = run.err;
  EXPECT_EQ(run.exit_code, 0) << stdout_text << stderr_text;
  const Json answer = Json::parse(stdout_text, nullptr, false);
  EXPECT_EQ(answer["packaged"], true) << stdout_text << stderr_text;
  EXPECT_EQ(answer["name"], "svc-dev-hello");
  EXPECT_THAT(stderr_text, HasSubstr("Resources.HelloLambdaFunction.Properties.Code: in S3; thaw "
                                     "runs svc.zip, the package beside the template"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace thaw::testing
