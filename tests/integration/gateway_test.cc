// thaw serve's HTTP front doors (emulator/gateway) as a user meets them: a real `thaw serve
// --api-port`, real Node.js handlers written for API Gateway and function URLs, and real HTTP
// clients: curl, and a page in headless Chromium that calls the API from its script.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "emulator/gateway/http_gateway.h"
#include "nlohmann/json.hpp"
#include "tests/util/http_client.h"
#include "tests/util/run_command.h"
#include "tests/util/serve_process.h"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Json = nlohmann::json;

const fs::path kProject = fs::path(THAW_SOURCE_DIR) / "tests/integration/gateway";

uint16_t PortIn(const std::string& line) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)"))) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

// A curl answer: status, headers (lower-cased names, repeats kept) and body.
struct CurlAnswer {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<std::string> Header(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : headers) {
      if (n == name) out.push_back(v);
    }
    return out;
  }
};

// curl ARGS URL, with the response's header block and body split apart.
CurlAnswer Curl(const std::string& args, const std::string& url) {
  const CommandOutput run = RunCommand("curl -sS -i --max-time 60 " + args + " '" + url + "' 2>&1");
  CurlAnswer answer;
  const size_t split = run.out.find("\r\n\r\n");
  std::istringstream head(run.out.substr(0, split));
  answer.body = split == std::string::npos ? run.out : run.out.substr(split + 4);
  std::string line;
  std::getline(head, line);
  std::smatch m;
  if (std::regex_search(line, m, std::regex("HTTP/[0-9.]+ ([0-9]+)"))) {
    answer.status = std::stoi(m[1]);
  }
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    answer.headers.emplace_back(name, line.substr(line.find_first_not_of(' ', colon + 1)));
  }
  return answer;
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serve_ = std::make_unique<ServeProcess>(
        kProject, std::vector<std::string>{"--api-port", "0", "--url-port", "0", "--no-watch"});
    ASSERT_NE(serve_->port(), 0) << serve_->Stderr();
    std::string line;
    ASSERT_TRUE(serve_->WaitForStdout("HTTP routes on http://", TestTimeout(), &line));
    api_ = "http://127.0.0.1:" + std::to_string(PortIn(line));
    ASSERT_TRUE(serve_->WaitForStdout("function URL of echo: http://", TestTimeout(), &line));
    url_ = "http://127.0.0.1:" + std::to_string(PortIn(line));
  }

  std::unique_ptr<ServeProcess> serve_;
  std::string api_;
  std::string url_;
};

// The routes are printed at start, each with its function and front door.
TEST_F(GatewayTest, TheRoutesArePrintedAtStart) {
  const std::string out = serve_->Stdout();
  EXPECT_THAT(out, HasSubstr("GET     /items/{id}"));
  EXPECT_THAT(out, ::testing::ContainsRegex("POST +/rest/\\{proxy\\+\\} +-> echo \\(REST API, "
                                            "stage Prod\\)"));
  EXPECT_THAT(out, ::testing::ContainsRegex("GET +/bare/\\{name\\} +-> bare \\(HTTP API\\)"));
}

// An HTTP API route: the 2.0 event (path parameters, query, headers, cookies), the answer's
// status, headers and cookies.
TEST_F(GatewayTest, AnHttpApiRouteGetsThePayload2EventAndItsAnswerIsTheResponse) {
  const CurlAnswer r =
      Curl("-H 'Cookie: a=1; b=2' -H 'X-Multi: one' -A thaw-test", api_ + "/items/42?tag=x&tag=y");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-handler"), std::vector<std::string>{"echo"});
  EXPECT_EQ(r.Header("set-cookie"), std::vector<std::string>{"seen=yes; Path=/"});
  EXPECT_EQ(r.Header("apigw-requestid").size(), 1u);
  const Json event = Json::parse(r.body)["event"];
  EXPECT_EQ(event["version"], "2.0");
  EXPECT_EQ(event["routeKey"], "GET /items/{id}");
  EXPECT_EQ(event["rawPath"], "/items/42");
  EXPECT_EQ(event["rawQueryString"], "tag=x&tag=y");
  EXPECT_EQ(event["queryStringParameters"]["tag"], "x,y");
  EXPECT_EQ(event["pathParameters"]["id"], "42");
  EXPECT_EQ(event["cookies"], Json::array({"a=1", "b=2"}));
  EXPECT_EQ(event["headers"]["user-agent"], "thaw-test");
  EXPECT_EQ(event["requestContext"]["http"]["sourceIp"], "127.0.0.1");
  EXPECT_EQ(event["requestContext"]["http"]["method"], "GET");
}

// A REST API route: the v1 proxy event (multi-value headers, greedy path parameter, stage in
// the request context, the body) and multi-value response headers.
TEST_F(GatewayTest, ARestApiRouteGetsTheV1ProxyEvent) {
  const CurlAnswer r = Curl("-X POST -H 'Content-Type: application/json' -d '{\"n\":1}'",
                            api_ + "/rest/orders/new?x=1&x=2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("set-cookie"),
            (std::vector<std::string>{"seen=yes; Path=/", "format=v1; Path=/"}));
  EXPECT_EQ(r.Header("x-amzn-requestid").size(), 1u);
  const Json event = Json::parse(r.body)["event"];
  EXPECT_FALSE(event.contains("version"));
  EXPECT_EQ(event["httpMethod"], "POST");
  EXPECT_EQ(event["resource"], "/rest/{proxy+}");
  EXPECT_EQ(event["path"], "/rest/orders/new");
  EXPECT_EQ(event["pathParameters"]["proxy"], "orders/new");
  EXPECT_EQ(event["multiValueQueryStringParameters"]["x"], Json::array({"1", "2"}));
  EXPECT_EQ(event["queryStringParameters"]["x"], "2");
  EXPECT_EQ(event["body"], "{\"n\":1}");
  EXPECT_EQ(event["isBase64Encoded"], false);
  EXPECT_EQ(event["requestContext"]["stage"], "Prod");
  EXPECT_EQ(event["requestContext"]["path"], "/Prod/rest/orders/new");
}

// The function URL takes every method and path, with the 2.0 event.
TEST_F(GatewayTest, TheFunctionUrlTakesAnyPath) {
  const CurlAnswer r = Curl("-X PUT --data-binary @/dev/null", url_ + "/some/where?q=1");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json event = Json::parse(r.body)["event"];
  EXPECT_EQ(event["routeKey"], "$default");
  EXPECT_EQ(event["rawPath"], "/some/where");
  EXPECT_EQ(event["requestContext"]["http"]["method"], "PUT");
  EXPECT_FALSE(event.contains("pathParameters"));
}

// The 2.0 shortcut, a base64 body, a failing function and a missing route, as the real front
// doors answer them.
TEST_F(GatewayTest, ShortcutsBinaryFailuresAndMissingRoutes) {
  CurlAnswer r = Curl("", api_ + "/bare/ada");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body), Json({{"hello", "ada"}}));
  EXPECT_EQ(r.Header("content-type"), std::vector<std::string>{"application/json"});

  r = Curl("", api_ + "/image");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string("\x89PNG\r\n\x1a\n\0\xff", 10));

  r = Curl("-X DELETE", api_ + "/fail");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(Json::parse(r.body)["message"], "Internal Server Error");

  r = Curl("", api_ + "/nowhere");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json::parse(r.body)["message"], "Not Found");
}

// Every request is an invoke like any other: in the ledger, attributed to an instance, and
// the instance is reused across requests.
TEST_F(GatewayTest, RequestsAreInvokesInTheLedger) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Curl("", api_ + "/items/" + std::to_string(i)).status, 200);
  HttpClient admin(serve_->port(), TestTimeout());
  const HttpResult page = admin.Get("/_thaw/events?since=0");
  ASSERT_EQ(page.status, 200) << page.error;
  int ends = 0;
  std::set<int64_t> instances;
  const Json events = Json::parse(page.body)["events"];
  for (const Json& e : events) {
    if (e["kind"] == "invoke.end" && e["function"] == "echo") {
      ++ends;
      instances.insert(e["instance"].get<int64_t>());
    }
  }
  EXPECT_EQ(ends, 3) << page.body;
  EXPECT_EQ(instances.size(), 1u);
}

// A page served by a function, whose script calls two routes of the same API from a real
// browser: the cookie the first answer set goes with the second request.
TEST_F(GatewayTest, ABrowserPageCallsTheApi) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) {
    if (std::getenv("CI") != nullptr) {
      FAIL() << "chromium is not installed but CI is set: scripts/install-deps.sh --test "
                "installs it";
    }
    GTEST_SKIP() << "chromium is not installed";
  }
  const fs::path profile =
      fs::temp_directory_path() / ("thaw-gateway-chromium-" + std::to_string(::getpid()));
  const CommandOutput dom = RunCommand(
      "timeout 120 " + chromium +
      " --headless --disable-gpu --no-sandbox --no-first-run --user-data-dir=" + profile.string() +
      " --dump-dom " + api_ + "/ 2>/dev/null");
  fs::remove_all(profile);
  ASSERT_EQ(dom.exit_code, 0);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom.out, m, std::regex("<pre id=\"out\">([^<]*)</pre>")))
      << dom.out;
  std::string text = m[1];
  // The DOM escapes quotes as &quot; only in attributes; in text, & < > are escaped.
  text = std::regex_replace(text, std::regex("&amp;"), "&");
  const Json results = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(results.is_discarded()) << text;
  EXPECT_EQ(results["first"]["status"], 200);
  EXPECT_EQ(results["first"]["event"]["queryStringParameters"]["tag"], "a,b");
  EXPECT_EQ(results["second"]["status"], 200);
  EXPECT_EQ(results["second"]["event"]["httpMethod"], "POST");
  EXPECT_EQ(results["second"]["event"]["headers"]["Cookie"], "seen=yes");
  EXPECT_THAT(results["cookie"].get<std::string>(), HasSubstr("seen=yes"));
}

}  // namespace
}  // namespace thaw::testing

namespace thaw::testing {
namespace {

// `thaw serve --api-port 0 --url-port 0` in `dir`; the API's base URL, or "" on failure.
std::string ServeApi(ServeProcess& serve) {
  std::string line;
  if (serve.port() == 0 || !serve.WaitForStdout("HTTP routes on http://", TestTimeout(), &line)) {
    return "";
  }
  return "http://127.0.0.1:" + std::to_string(PortIn(line));
}

// The `sam init` Hello World template, as generated: GET /hello through its REST API, as `sam
// local start-api` serves it; an HttpApi event and a function URL on a second function.
TEST(GatewayTemplatesTest, TheSamInitHelloWorldAnswersOnItsRoutes) {
  ServeProcess serve(kProject / "sam", {"--api-port", "0", "--url-port", "0", "--no-watch"});
  const std::string api = ServeApi(serve);
  ASSERT_FALSE(api.empty()) << serve.Stdout() << serve.Stderr();
  CurlAnswer r = Curl("", api + "/hello");
  ASSERT_EQ(r.status, 200) << r.body << serve.Stderr();
  EXPECT_EQ(Json::parse(r.body), Json({{"message", "hello world"}}));
  EXPECT_EQ(r.Header("content-type"), std::vector<std::string>{"application/json"});
  // A REST API has no route for POST /hello: API Gateway's 403.
  r = Curl("-X POST", api + "/hello");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Json::parse(r.body)["message"], "Missing Authentication Token");

  r = Curl("", api + "/greet/ada");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body), Json({{"greeting", "hello ada"}}));
  std::string line;
  ASSERT_TRUE(serve.WaitForStdout("function URL of GreetFunction: http://", TestTimeout(), &line));
  r = Curl("", "http://127.0.0.1:" + std::to_string(PortIn(line)) + "/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body), Json({{"greeting", "hello you"}}));
}

// A real `cdk synth` (tests/unit/testdata/cdk-api): CDK's LambdaRestApi proxy, an HttpApi route
// through HttpLambdaIntegration and a function URL, served as synthesized.
TEST(GatewayTemplatesTest, ARealCdkSynthsRestApiHttpApiAndUrlAnswer) {
  ServeProcess serve(fs::path(THAW_SOURCE_DIR) / "tests/unit/testdata/cdk-api",
                     {"--config", "cdk.out", "--api-port", "0", "--url-port", "0", "--no-watch"});
  const std::string api = ServeApi(serve);
  ASSERT_FALSE(api.empty()) << serve.Stdout() << serve.Stderr();
  CurlAnswer r = Curl("-X PATCH", api + "/any/where");
  ASSERT_EQ(r.status, 200) << r.body << serve.Stderr();
  EXPECT_EQ(Json::parse(r.body),
            Json({{"path", "/any/where"}, {"resource", "/{proxy+}"}, {"stage", "prod"}}));
  r = Curl("", api + "/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["resource"], "/");
  r = Curl("", api + "/items/5");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body), Json({{"id", "5"}, {"routeKey", "GET /items/{id}"}}));
  std::string line;
  ASSERT_TRUE(
      serve.WaitForStdout("function URL of ItemsHandler[0-9A-F]+: http://", TestTimeout(), &line));
  r = Curl("", "http://127.0.0.1:" + std::to_string(PortIn(line)) + "/x");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body), Json({{"id", nullptr}, {"routeKey", "$default"}}));
}

// serverless.yml's `http` (REST API, stage from the provider) and `httpApi` events.
TEST(GatewayTemplatesTest, ServerlessHttpAndHttpApiEventsAnswer) {
  ServeProcess serve(kProject / "sls", {"--api-port", "0", "--url-port", "0", "--no-watch"});
  const std::string api = ServeApi(serve);
  ASSERT_FALSE(api.empty()) << serve.Stdout() << serve.Stderr();
  CurlAnswer r = Curl("", api + "/orders");
  ASSERT_EQ(r.status, 200) << r.body << serve.Stderr();
  EXPECT_EQ(Json::parse(r.body), Json({{"orders", {1, 2}}, {"stage", "dev"}}));
  r = Curl("", api + "/orders/9");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body), Json({{"id", "9"}, {"route", "GET /orders/{id}"}}));
}

}  // namespace
}  // namespace thaw::testing

namespace thaw::testing {
namespace {

// The front doors' own answers when the invoke is refused or outlasts the integration limit,
// with the gateway in-process over a TestEmulator (its limit shortened to 300 ms for the test).
class GatewayLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The integration timeout and the slow init scale with the build's slowness (a TSan build
    // cold-starts the echo function in more than 300 ms); the init stays 5 times the timeout.
    const long timeout_ms = static_cast<long>(300 * Slowdown());
    emu_ = StartEmulator(R"(
functions:
  slow:
    runtime: provided.al2023
    handler: echo
    code: "{{echo}}"
    timeout: 60
    environment: {THAW_ECHO_INIT_SLEEP_MS: ")" +
                         std::to_string(5 * timeout_ms) + R"("}
    http: ["GET /slow", {method: GET, path: /rest-slow, api: rest}]
  off: {runtime: provided.al2023, handler: echo, code: "{{echo}}", reserved_concurrency: 0,
        http: ["GET /off", {method: GET, path: /rest-off, api: rest}]}
  echo: {runtime: provided.al2023, handler: echo, code: "{{echo}}", http: ["GET /echo"]}
)");
    ASSERT_NE(emu_, nullptr);
    emu_->RunOnLoop([this, timeout_ms] {
      gateway::HttpGateway::Options options;
      options.api_port = 0;
      options.url_port = 0;
      options.integration_timeout = std::chrono::milliseconds(timeout_ms);
      auto started = gateway::HttpGateway::Start(emu_->io(), emu_->session().control(), options);
      if (started.ok()) gateway_ = *std::move(started);
    });
    ASSERT_NE(gateway_, nullptr);
  }
  void TearDown() override {
    if (emu_) emu_->RunOnLoop([this] { gateway_.reset(); });
  }

  std::unique_ptr<TestEmulator> emu_;
  std::unique_ptr<gateway::HttpGateway> gateway_;
};

TEST_F(GatewayLimitsTest, PastTheIntegrationLimitTheFrontDoorAnswersButTheInvokeRunsOn) {
  HttpClient client(gateway_->api_port(), TestTimeout());
  HttpResult r = client.Get("/slow");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(Json::parse(r.body)["message"], "Service Unavailable");
  r = client.Get("/rest-slow");
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(Json::parse(r.body)["message"], "Endpoint request timed out");
  // Both invokes still ran to their end, as in Lambda.
  EXPECT_TRUE(emu_->WaitForEvents("invoke.end", "slow", 2).ok());
}

TEST_F(GatewayLimitsTest, ARefusedInvokeIsTheFrontDoors500) {
  HttpClient client(gateway_->api_port(), TestTimeout());
  HttpResult r = client.Get("/off");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(Json::parse(r.body)["message"], "Internal Server Error");
  r = client.Get("/rest-off");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(Json::parse(r.body)["message"], "Internal server error");
  EXPECT_EQ(emu_->CountEvents("invoke.throttled", "off"), 2u);
}

// A custom runtime's bare answer (the echo function answers the event itself) is the 2.0
// shortcut's body.
TEST_F(GatewayLimitsTest, ABareAnswerIsTheBodyOfA200) {
  HttpClient client(gateway_->api_port(), TestTimeout());
  const HttpResult r = client.Get("/echo?a=1");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json event = Json::parse(r.body);
  EXPECT_EQ(event["rawPath"], "/echo");
  EXPECT_EQ(event["queryStringParameters"]["a"], "1");
}

}  // namespace
}  // namespace thaw::testing
