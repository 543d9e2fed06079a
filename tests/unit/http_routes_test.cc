// The HTTP routes every loader reads into FunctionConfig::http_routes (emulator/config/
// http_route.h): the shared route checks, thaw.yaml `http` / `url`, SAM Api / HttpApi events and
// FunctionUrlConfig, serverless.yml http / httpApi events and `url`, and the API Gateway and
// Lambda URL resources of a CDK cloud assembly (tests/unit/testdata/cdk-routes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "emulator/config/http_route.h"
#include "emulator/config/thaw_config.h"

namespace thaw {

// Routes in gtest's messages (found by argument-dependent lookup, so beside HttpRoute).
void PrintTo(const HttpRoute& r, std::ostream* os) {
  *os << "{kind " << HttpRouteKindName(r.kind) << ", " << r.method << " " << r.path << ", payload "
      << r.payload_format << ", stage " << r.stage << ", api " << r.api << ", auth " << r.auth_type
      << ", source " << r.source << "}";
}

namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::filesystem::path kData = THAW_TESTDATA_DIR;

auto NoteHas(const std::string& text) { return Contains(HasSubstr(text)); }

HttpRoute Route(HttpRouteKind kind, std::string method, std::string path, std::string payload,
                std::string stage, std::string api, std::string source,
                std::string auth_type = "NONE") {
  HttpRoute route;
  route.kind = kind;
  route.method = std::move(method);
  route.path = std::move(path);
  route.payload_format = std::move(payload);
  route.stage = std::move(stage);
  route.api = std::move(api);
  route.auth_type = std::move(auth_type);
  route.source = std::move(source);
  return route;
}

// --- the shared checks ---

TEST(HttpRouteChecksTest, MethodsAreUpperCasedAndAnyTakesStar) {
  EXPECT_EQ(*NormalizeHttpMethod("get"), "GET");
  EXPECT_EQ(*NormalizeHttpMethod("Options"), "OPTIONS");
  EXPECT_EQ(*NormalizeHttpMethod("any"), "ANY");
  EXPECT_EQ(*NormalizeHttpMethod("*"), "ANY");
  EXPECT_THAT(NormalizeHttpMethod("FETCH").status().message(),
              HasSubstr("'FETCH' is not an HTTP method"));
  EXPECT_FALSE(NormalizeHttpMethod("").ok());
}

TEST(HttpRouteChecksTest, PathsStartWithASlashAndOnlyTheLastSegmentIsGreedy) {
  for (const char* good :
       {"/", "/orders", "/orders/{id}", "/{proxy+}", "/a/{b}/c/{rest+}", "/v1.2/{order_id}/x-y"}) {
    EXPECT_EQ(CheckRoutePath(good), std::nullopt) << good;
  }
  EXPECT_THAT(*CheckRoutePath("orders"), HasSubstr("starts with /"));
  EXPECT_THAT(*CheckRoutePath(""), HasSubstr("starts with /"));
  EXPECT_THAT(*CheckRoutePath("/{proxy+}/x"), HasSubstr("only the last segment may be greedy"));
  EXPECT_THAT(*CheckRoutePath("/orders/{id"), HasSubstr("a parameter is a whole segment"));
  EXPECT_THAT(*CheckRoutePath("/files/{name}.json"), HasSubstr("a parameter is a whole segment"));
  EXPECT_THAT(*CheckRoutePath("/orders/{}"), HasSubstr("needs a name"));
  EXPECT_THAT(*CheckRoutePath("/orders/{+}"), HasSubstr("needs a name"));
  EXPECT_THAT(*CheckRoutePath("/orders/{a b}"), HasSubstr("parameter names hold"));
  EXPECT_THAT(*CheckRoutePath("/orders//x"), HasSubstr("empty path segment"));
  EXPECT_THAT(*CheckRoutePath("/orders/"), HasSubstr("empty path segment"));
}

TEST(HttpRouteChecksTest, RouteKeysAreMethodSpacePathOrDefault) {
  auto key = ParseRouteKey("get /orders/{id}");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->method, "GET");
  EXPECT_EQ(key->path, "/orders/{id}");
  key = ParseRouteKey("$default");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->method, "ANY");
  EXPECT_EQ(key->path, "$default");
  EXPECT_THAT(ParseRouteKey("/orders").status().message(), HasSubstr("expected \"METHOD /path\""));
  EXPECT_THAT(ParseRouteKey("$connect").status().message(), HasSubstr("not a route"));
  EXPECT_THAT(ParseRouteKey("GET orders").status().message(), HasSubstr("starts with /"));
  EXPECT_THAT(ParseRouteKey("BREW /pot").status().message(), HasSubstr("not an HTTP method"));
}

TEST(HttpRouteChecksTest, AFunctionUrlTakesEveryMethodAndPath) {
  EXPECT_EQ(FunctionUrlRoute("AWS_IAM", "f.yaml: url"),
            Route(HttpRouteKind::kFunctionUrl, "ANY", "/", "2.0", "$default", "", "f.yaml: url",
                  "AWS_IAM"));
  EXPECT_EQ(CheckUrlAuthType("NONE"), std::nullopt);
  EXPECT_THAT(*CheckUrlAuthType("none"), HasSubstr("NONE or AWS_IAM"));
}

// A temporary directory with a provided.al2023 function's code (an executable bootstrap).
class RoutesDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("thaw-routes-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "fn");
    // fn/ for thaw.yaml and templates; a serverless.yml's code is its own directory.
    for (const auto& bootstrap : {dir_ / "fn" / "bootstrap", dir_ / "bootstrap"}) {
      std::ofstream(bootstrap) << "#!/bin/sh\n";
      ::chmod(bootstrap.c_str(), 0755);
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  absl::StatusOr<ThawConfig> Parse(const std::string& text, const std::string& name) {
    return ParseConfig(text, name, dir_);
  }

  std::filesystem::path dir_;
};

// --- thaw.yaml ---

class ThawYamlRoutesTest : public RoutesDirTest {
 protected:
  absl::StatusOr<ThawConfig> ParseFunction(const std::string& keys) {
    return Parse("functions:\n  api:\n    runtime: provided.al2023\n    code: fn\n" + keys,
                 "thaw.yaml");
  }
  std::string ErrorOf(const std::string& keys) {
    auto config = ParseFunction(keys);
    EXPECT_FALSE(config.ok()) << keys;
    return std::string(config.status().message());
  }
};

TEST_F(ThawYamlRoutesTest, HttpItemsAndAUrlBecomeRoutesInOrder) {
  auto config = ParseFunction(R"(    http:
      - GET /orders/{id}
      - $default
      - {method: post, path: /orders, api: rest}
      - {method: any, path: "/{proxy+}", api: rest, stage: v1}
      - {method: DELETE, path: "/orders/{id}", payload_format: "1.0", stage: live}
    url: {auth: AWS_IAM}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->functions.at("api").http_routes,
              ElementsAre(Route(HttpRouteKind::kHttpApi, "GET", "/orders/{id}", "2.0", "$default",
                                "", "thaw.yaml: functions.api.http[1]"),
                          Route(HttpRouteKind::kHttpApi, "ANY", "$default", "2.0", "$default", "",
                                "thaw.yaml: functions.api.http[2]"),
                          Route(HttpRouteKind::kRestApi, "POST", "/orders", "1.0", "Prod", "",
                                "thaw.yaml: functions.api.http[3]"),
                          Route(HttpRouteKind::kRestApi, "ANY", "/{proxy+}", "1.0", "v1", "",
                                "thaw.yaml: functions.api.http[4]"),
                          Route(HttpRouteKind::kHttpApi, "DELETE", "/orders/{id}", "1.0", "live",
                                "", "thaw.yaml: functions.api.http[5]"),
                          Route(HttpRouteKind::kFunctionUrl, "ANY", "/", "2.0", "$default", "",
                                "thaw.yaml: functions.api.url", "AWS_IAM")));
}

TEST_F(ThawYamlRoutesTest, UrlTrueIsAnOpenUrlAndFalseNone) {
  auto config = ParseFunction("    url: true\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->functions.at("api").http_routes,
              ElementsAre(FunctionUrlRoute("NONE", "thaw.yaml: functions.api.url")));
  config = ParseFunction("    url: false\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->functions.at("api").http_routes, IsEmpty());
  config = ParseFunction("");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->functions.at("api").http_routes, IsEmpty());
}

TEST_F(ThawYamlRoutesTest, BadValuesNameTheFunctionAndKey) {
  EXPECT_THAT(ErrorOf("    http: [FETCH /x]\n"),
              HasSubstr("thaw.yaml:5: functions.api.http[1]: 'FETCH' is not an HTTP method"));
  EXPECT_THAT(ErrorOf("    http: [GET /a, GET orders]\n"),
              HasSubstr("functions.api.http[2]: 'orders': a route path starts with /"));
  EXPECT_THAT(ErrorOf("    http: [\"GET /{proxy+}/x\"]\n"),
              HasSubstr("only the last segment may be greedy"));
  EXPECT_THAT(ErrorOf("    http: [{method: GET, path: \"/{id}/{x}{y}\"}]\n"),
              HasSubstr("functions.api.http[1].path: '/{id}/{x}{y}': a parameter is a whole"));
  EXPECT_THAT(ErrorOf("    http: [{method: GET, path: /x, api: websocket}]\n"),
              HasSubstr("functions.api.http[1].api: must be rest or http"));
  EXPECT_THAT(ErrorOf("    http: [{method: GET, path: /x, api: rest, payload_format: \"2.0\"}]\n"),
              HasSubstr("functions.api.http[1].payload_format: a REST API (api: rest) sends "
                        "payload format 1.0 only"));
  EXPECT_THAT(ErrorOf("    http: [{method: GET, path: /x, payload_format: \"3\"}]\n"),
              HasSubstr("payload_format: must be \"1.0\" or \"2.0\""));
  EXPECT_THAT(ErrorOf("    http: [{path: /x}]\n"),
              HasSubstr("functions.api.http[1].method: required key is missing"));
  EXPECT_THAT(ErrorOf("    http: [{method: GET}]\n"),
              HasSubstr("functions.api.http[1].path: required key is missing"));
  EXPECT_THAT(ErrorOf("    http: [{method: GET, path: /x, verb: GET}]\n"),
              HasSubstr("functions.api.http[1].verb: unknown key"));
  EXPECT_THAT(ErrorOf("    http: [{path: $default, api: rest}]\n"),
              HasSubstr("$default is an HTTP API route"));
  EXPECT_THAT(ErrorOf("    http: [{method: GET, path: $default}]\n"),
              HasSubstr("the $default route takes any method"));
  EXPECT_THAT(ErrorOf("    http: GET /x\n"), HasSubstr("functions.api.http: expected a list"));
  EXPECT_THAT(ErrorOf("    url: {auth: IAM}\n"),
              HasSubstr("functions.api.url.auth: 'IAM': a function URL's AuthType is NONE or "
                        "AWS_IAM"));
  EXPECT_THAT(ErrorOf("    url: {authorizer: aws_iam}\n"),
              HasSubstr("functions.api.url.authorizer: unknown key"));
  EXPECT_THAT(ErrorOf("    url: maybe\n"), HasSubstr("functions.api.url: expected true or false"));
}

// --- SAM templates ---

class SamRoutesTest : public RoutesDirTest {};

TEST_F(SamRoutesTest, ApiAndHttpApiEventsAndFunctionUrls) {
  auto config = Parse(R"(
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: staging}
Globals:
  Function: {Runtime: provided.al2023, Handler: bootstrap, CodeUri: fn}
Resources:
  OrdersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      Auth: {DefaultAuthorizer: Cognito}
  PublicHttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: v2
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      FunctionUrlConfig: {AuthType: AWS_IAM, Cors: {AllowOrigins: ['*']}}
      Events:
        GetOrder:
          Type: Api
          Properties: {Path: '/orders/{id}', Method: get}
        AnyProxy:
          Type: Api
          Properties: {Path: '/{proxy+}', Method: any, RestApiId: !Ref OrdersApi,
                       Auth: {ApiKeyRequired: true}}
        Queue:
          Type: SQS
          Properties: {Queue: arn:aws:sqs:us-east-1:123456789012:q}
        Catchall:
          Type: HttpApi
        PostOrder:
          Type: HttpApi
          Properties: {Path: /orders, Method: POST, PayloadFormatVersion: '1.0',
                       ApiId: !Ref PublicHttpApi}
        Nightly:
          Type: Schedule
          Properties: {Schedule: rate(1 day)}
  Worker:
    Type: AWS::Serverless::Function
  WorkerUrl:
    Type: AWS::Lambda::Url
    Properties:
      AuthType: NONE
      TargetFunctionArn: !GetAtt Worker.Arn
)",
                      "template.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const std::string events = "template.yaml: Resources.Orders.Properties.Events.";
  EXPECT_THAT(config->functions.at("Orders").http_routes,
              ElementsAre(Route(HttpRouteKind::kRestApi, "GET", "/orders/{id}", "1.0", "Prod", "",
                                events + "GetOrder"),
                          Route(HttpRouteKind::kRestApi, "ANY", "/{proxy+}", "1.0", "staging",
                                "OrdersApi", events + "AnyProxy"),
                          Route(HttpRouteKind::kHttpApi, "ANY", "$default", "2.0", "$default", "",
                                events + "Catchall"),
                          Route(HttpRouteKind::kHttpApi, "POST", "/orders", "1.0", "v2",
                                "PublicHttpApi", events + "PostOrder"),
                          Route(HttpRouteKind::kFunctionUrl, "ANY", "/", "2.0", "$default", "",
                                "template.yaml: Resources.Orders.Properties.FunctionUrlConfig",
                                "AWS_IAM")));
  EXPECT_THAT(config->functions.at("Worker").http_routes,
              ElementsAre(FunctionUrlRoute("NONE", "template.yaml: Resources.WorkerUrl")));
  const auto& notes = config->notes;
  EXPECT_THAT(notes, NoteHas(events + "Queue: not applied: SQS event sources are not emulated"));
  EXPECT_THAT(notes,
              NoteHas(events + "Nightly: not applied: Schedule event sources are not emulated"));
  EXPECT_THAT(notes, NoteHas(events + "AnyProxy.Properties.Auth: not applied: authorizers"));
  EXPECT_THAT(notes, NoteHas("Resources.OrdersApi.Properties.Auth: not applied"));
  EXPECT_THAT(notes, NoteHas("FunctionUrlConfig.Cors: not applied: CORS headers are not added"));
  // What is applied is no longer noted, nor are the APIs and the URL "not created".
  EXPECT_THAT(notes, Not(NoteHas("Properties.Events: not applied")));
  EXPECT_THAT(notes, Not(NoteHas("FunctionUrlConfig: not applied")));
  EXPECT_THAT(notes, Not(NoteHas("not created")));
}

TEST_F(SamRoutesTest, BadEventsAreErrorsNamingTheEvent) {
  const std::string head = R"(
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
      CodeUri: fn
)";
  auto error = [&](const std::string& rest) {
    auto config = Parse(head + rest, "template.yaml");
    EXPECT_FALSE(config.ok()) << rest;
    return std::string(config.status().message());
  };
  EXPECT_THAT(error("      Events: {E: {Type: Api, Properties: {Path: /x, Method: fetch}}}\n"),
              HasSubstr("Resources.Fn.Properties.Events.E.Properties.Method: 'fetch' is not an "
                        "HTTP method"));
  EXPECT_THAT(error("      Events: {E: {Type: Api, Properties: {Path: x, Method: get}}}\n"),
              HasSubstr("Events.E.Properties.Path: 'x': a route path starts with /"));
  EXPECT_THAT(error("      Events: {E: {Type: Api, Properties: {Path: /x}}}\n"),
              HasSubstr("Events.E.Properties.Method: required"));
  EXPECT_THAT(error("      Events: {E: {Type: HttpApi, Properties: {Path: /x}}}\n"),
              HasSubstr("Events.E.Properties.Method: required with Path"));
  EXPECT_THAT(
      error("      Events: {E: {Type: HttpApi, Properties: {PayloadFormatVersion: '3'}}}\n"),
      HasSubstr("PayloadFormatVersion: must be \"1.0\" or \"2.0\""));
  EXPECT_THAT(error("      Events: {E: {Properties: {}}}\n"), HasSubstr("Events.E.Type: required"));
  EXPECT_THAT(error("      FunctionUrlConfig: {AuthType: OPEN}\n"),
              HasSubstr("FunctionUrlConfig.AuthType: 'OPEN': a function URL's AuthType"));
  EXPECT_THAT(error("      FunctionUrlConfig: {Cors: {}}\n"),
              HasSubstr("FunctionUrlConfig.AuthType: required"));
}

TEST(SamAppRoutesTest, TheHelloWorldLayoutServesGetHello) {
  auto config = LoadConfigFile(kData.parent_path().parent_path() / "integration" / "definitions" /
                               "sam-app" / "template.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->functions.at("HelloNodeFunction").http_routes.size(), 1u);
  const HttpRoute& route = config->functions.at("HelloNodeFunction").http_routes[0];
  EXPECT_EQ(route.kind, HttpRouteKind::kRestApi);
  EXPECT_EQ(route.method, "GET");
  EXPECT_EQ(route.path, "/hello");
  EXPECT_EQ(route.payload_format, "1.0");
  EXPECT_EQ(route.stage, "Prod");
  EXPECT_EQ(route.api, "");
  EXPECT_THAT(route.source, HasSubstr("template.yaml: Resources.HelloNodeFunction.Properties."
                                      "Events.HelloWorld"));
  EXPECT_THAT(config->functions.at("hello-python-test").http_routes, IsEmpty());
}

// --- serverless.yml ---

class ServerlessRoutesTest : public RoutesDirTest {
 protected:
  absl::StatusOr<ThawConfig> ParseService(const std::string& functions,
                                          const std::string& provider_extra = "") {
    return Parse("service: shop\nprovider:\n  name: aws\n  runtime: provided.al2023\n" +
                     provider_extra + "functions:\n" + functions,
                 "serverless.yml");
  }
};

TEST_F(ServerlessRoutesTest, HttpAndHttpApiEventsAndUrls) {
  auto config = ParseService(R"(  orders:
    handler: bootstrap
    url: {authorizer: aws_iam, cors: true}
    events:
      - http: {path: 'orders/{id}', method: get, cors: true}
      - http: POST orders
      - http: {path: '', method: any}
      - http: {path: '/{proxy+}', method: '*'}
      - sqs: arn:aws:sqs:us-east-1:123456789012:orders
      - httpApi: GET /orders/{id}
      - httpApi: '*'
      - httpApi: {method: '*', path: '/admin/{rest+}', authorizer: {name: jwt}}
      - schedule: rate(1 hour)
  plain:
    handler: bootstrap
    url: true
)",
                             "  stage: live\n  httpApi:\n    payload: '1.0'\n");
  ASSERT_TRUE(config.ok()) << config.status();
  const std::string events = "serverless.yml: functions.orders.events";
  EXPECT_THAT(
      config->functions.at("shop-live-orders").http_routes,
      ElementsAre(
          Route(HttpRouteKind::kRestApi, "GET", "/orders/{id}", "1.0", "live", "",
                events + "[0].http"),
          Route(HttpRouteKind::kRestApi, "POST", "/orders", "1.0", "live", "", events + "[1].http"),
          Route(HttpRouteKind::kRestApi, "ANY", "/", "1.0", "live", "", events + "[2].http"),
          Route(HttpRouteKind::kRestApi, "ANY", "/{proxy+}", "1.0", "live", "",
                events + "[3].http"),
          Route(HttpRouteKind::kHttpApi, "GET", "/orders/{id}", "1.0", "$default", "",
                events + "[5].httpApi"),
          Route(HttpRouteKind::kHttpApi, "ANY", "$default", "1.0", "$default", "",
                events + "[6].httpApi"),
          Route(HttpRouteKind::kHttpApi, "ANY", "/admin/{rest+}", "1.0", "$default", "",
                events + "[7].httpApi"),
          FunctionUrlRoute("AWS_IAM", "serverless.yml: functions.orders.url")));
  EXPECT_THAT(config->functions.at("shop-live-plain").http_routes,
              ElementsAre(FunctionUrlRoute("NONE", "serverless.yml: functions.plain.url")));
  const auto& notes = config->notes;
  EXPECT_THAT(notes, NoteHas(events + "[4]: not applied: sqs event sources are not emulated"));
  EXPECT_THAT(notes, NoteHas(events + "[8]: not applied: schedule event sources are not emulated"));
  EXPECT_THAT(notes, NoteHas(events + "[0].http.cors: not applied: CORS headers"));
  EXPECT_THAT(notes, NoteHas(events + "[7].httpApi.authorizer: not applied: authorizers"));
  EXPECT_THAT(notes, NoteHas("functions.orders.url.cors: not applied"));
  EXPECT_THAT(notes, Not(NoteHas("functions.orders.events: not applied")));
  EXPECT_THAT(notes, Not(NoteHas("url: not applied")));
}

TEST_F(ServerlessRoutesTest, HttpApiPayloadIsTwoByDefaultAndStageDev) {
  auto config = ParseService(
      "  f:\n    handler: bootstrap\n    events:\n      - httpApi: {method: get, path: /x}\n"
      "      - http: {method: get, path: x, integration: lambda}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->functions.at("shop-dev-f").http_routes,
              ElementsAre(Route(HttpRouteKind::kHttpApi, "GET", "/x", "2.0", "$default", "",
                                "serverless.yml: functions.f.events[0].httpApi")));
  EXPECT_THAT(config->notes, NoteHas("functions.f.events[1].http.integration: not served: only "
                                     "Lambda proxy integrations (lambda-proxy) are, not lambda"));
}

TEST_F(ServerlessRoutesTest, EventsThawCannotResolveAreANote) {
  auto config = ParseService("  f:\n    handler: bootstrap\n    events: ${file(events.yml)}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->functions.at("shop-dev-f").http_routes, IsEmpty());
  EXPECT_THAT(config->notes, NoteHas("functions.f.events: not applied: ${file(events.yml)}"));
}

TEST_F(ServerlessRoutesTest, BadEventsAreErrorsNamingTheEvent) {
  auto error = [&](const std::string& events, const std::string& provider = "") {
    auto config = ParseService("  f:\n    handler: bootstrap\n" + events, provider);
    EXPECT_FALSE(config.ok()) << events;
    return std::string(config.status().message());
  };
  EXPECT_THAT(error("    events:\n      - http: {path: x, method: fetch}\n"),
              HasSubstr("functions.f.events[0].http.method: 'fetch' is not an HTTP method"));
  EXPECT_THAT(error("    events:\n      - http: GET {proxy+}/x\n"),
              HasSubstr("functions.f.events[0].http: '/{proxy+}/x': only the last segment"));
  EXPECT_THAT(error("    events:\n      - httpApi: {path: /x}\n"),
              HasSubstr("functions.f.events[0].httpApi.method: required"));
  EXPECT_THAT(error("    events:\n      - httpApi: /x\n"),
              HasSubstr("functions.f.events[0].httpApi: expected \"METHOD /path\" or '*'"));
  EXPECT_THAT(error("    events:\n      - httpApi: GET /x\n", "  httpApi: {payload: '3.0'}\n"),
              HasSubstr("provider.httpApi.payload: must be '1.0' or '2.0'"));
  EXPECT_THAT(error("    url: {authorizer: cognito}\n"),
              HasSubstr("functions.f.url.authorizer: must be aws_iam"));
  EXPECT_THAT(error("    url: yes-please\n"), HasSubstr("functions.f.url: expected true"));
}

// --- CDK cloud assemblies ---

TEST(CdkRoutesTest, RestProxyHttpApiRoutesAndAFunctionUrl) {
  auto config = LoadConfigFile(kData / "cdk-routes" / "cdk.out");
  ASSERT_TRUE(config.ok()) << config.status();
  const std::string file =
      (kData / "cdk-routes" / "cdk.out" / "RoutesStack.template.json").string() + ": Resources.";
  // LambdaRestApi: ANY / and ANY /{proxy+} on stage prod; the HTTP API's $default route (a
  // payload 1.0 integration) in template order.
  EXPECT_THAT(config->functions.at("ProxyHandler8F3A2C1D").http_routes,
              ElementsAre(Route(HttpRouteKind::kRestApi, "ANY", "/{proxy+}", "1.0", "prod",
                                "ProxyApi9D5F1E0B", file + "ProxyApiproxyANY3E5F7A9B"),
                          Route(HttpRouteKind::kRestApi, "ANY", "/", "1.0", "prod",
                                "ProxyApi9D5F1E0B", file + "ProxyApiANY8B6D4F2E"),
                          Route(HttpRouteKind::kHttpApi, "ANY", "$default", "1.0", "$default",
                                "OrdersApi0E1D2C3B", file + "OrdersApiDefaultRoute7C8D9E0F")));
  EXPECT_THAT(config->functions.at("Orders4B7C9D2E").http_routes,
              ElementsAre(Route(HttpRouteKind::kHttpApi, "GET", "/orders/{id}", "2.0", "$default",
                                "OrdersApi0E1D2C3B", file + "OrdersApiGETordersid9D0E1F2A"),
                          Route(HttpRouteKind::kFunctionUrl, "ANY", "/", "2.0", "$default", "",
                                file + "OrdersFunctionUrl3C4D5E6F", "AWS_IAM")));
  // The CORS preflight methods (MOCK integrations) are not served, and say so; the API
  // resources and permissions are not "not created".
  EXPECT_THAT(config->notes,
              NoteHas("Resources.ProxyApiOPTIONS5E7F9A1B.Properties.Integration: not served: only "
                      "Lambda proxy integrations (Type: AWS_PROXY) are, not MOCK"));
  EXPECT_THAT(config->notes, NoteHas("Resources.ProxyApiproxyOPTIONS1A2B3C4D.Properties"));
  EXPECT_THAT(config->notes, Not(NoteHas("not created")));
}

TEST(CdkRoutesTest, WhatDoesNotMapIsANoteNotAnError) {
  const std::string function = R"("Fn": {"Type": "AWS::Lambda::Function",
      "Properties": {"Runtime": "nodejs20.x", "Handler": "index.handler", "Code": {"S3Bucket": "b",
        "S3Key": "k.zip"}},
      "Metadata": {"aws:asset:path": "asset.3f1c2b9e7d5a4c8b6e0f1a2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3"}})";
  const std::string resources = function + R"(,
    "Ws": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}},
    "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
    "OpenApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {"paths": {}}}},
    "FnInt": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "Http"},
      "IntegrationType": "AWS_PROXY", "IntegrationUri": {"Fn::GetAtt": ["Fn", "Arn"]},
      "PayloadFormatVersion": "2.0"}},
    "HttpInt": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "Http"},
      "IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://example.com"}},
    "Connect": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Ws"},
      "RouteKey": "$connect", "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "FnInt"}]]}}},
    "Odd": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Http"},
      "RouteKey": "GET /a/{b+}/c", "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "FnInt"}]]}}},
    "Proxy": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Http"},
      "RouteKey": "GET /ext", "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "HttpInt"}]]}}},
    "Jwt": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Http"},
      "RouteKey": "GET /me", "AuthorizationType": "JWT",
      "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "FnInt"}]]}}},
    "Other": {"Type": "AWS::Lambda::Url", "Properties": {"AuthType": "NONE",
      "TargetFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:elsewhere"}})";
  auto config = ParseConfig("{\"Resources\": {" + resources + "}}", "Stack.template.json",
                            kData / "cdk-routes" / "cdk.out");
  ASSERT_TRUE(config.ok()) << config.status();
  // Only the JWT route is served (its authorizer is not applied); the stage is $default when
  // the API has no stage resource.
  EXPECT_THAT(config->functions.at("Fn").http_routes,
              ElementsAre(Route(HttpRouteKind::kHttpApi, "GET", "/me", "2.0", "$default", "Http",
                                "Stack.template.json: Resources.Jwt")));
  EXPECT_THAT(config->notes, NoteHas("Resources.Connect: not served: WEBSOCKET APIs are not "
                                     "emulated"));
  EXPECT_THAT(config->notes, NoteHas("Resources.Odd.Properties.RouteKey: not served: "
                                     "'/a/{b+}/c': only the last segment may be greedy"));
  EXPECT_THAT(config->notes, NoteHas("Resources.Proxy: not served: only Lambda proxy "
                                     "integrations (AWS_PROXY) are, and HttpInt is HTTP_PROXY"));
  EXPECT_THAT(config->notes, NoteHas("Resources.Jwt.Properties.AuthorizationType: not applied"));
  EXPECT_THAT(config->notes, NoteHas("Resources.OpenApi.Properties.Body: not applied: thaw "
                                     "serves the routes of AWS::ApiGatewayV2::Route and"));
  EXPECT_THAT(config->notes, NoteHas("Resources.Other.Properties.TargetFunctionArn: not served: "
                                     "it names no function of this template"));
}

}  // namespace
}  // namespace thaw
