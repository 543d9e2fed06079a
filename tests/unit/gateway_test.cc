// The HTTP front doors' pure parts (emulator/gateway): route matching, the events built for each
// route kind, and how a function's answer becomes the HTTP response.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emulator/control/ids.h"
#include "emulator/gateway/gateway_event.h"
#include "emulator/gateway/gateway_response.h"
#include "emulator/gateway/route_table.h"

namespace thaw::gateway {
namespace {

using Json = nlohmann::json;

HttpRoute Route(HttpRouteKind kind, const std::string& method, const std::string& path) {
  HttpRoute route;
  route.kind = kind;
  route.method = method;
  route.path = path;
  route.payload_format = kind == HttpRouteKind::kRestApi ? "1.0" : "2.0";
  route.stage = kind == HttpRouteKind::kRestApi ? "Prod" : "$default";
  return route;
}

ThawConfig ConfigWith(const std::vector<std::pair<std::string, HttpRoute>>& routes) {
  ThawConfig config;
  for (const auto& [function, route] : routes) {
    config.functions[function].name = function;
    config.functions[function].http_routes.push_back(route);
  }
  return config;
}

std::string Matched(const RouteTable& table, const std::string& method, const std::string& path) {
  auto match = table.Match(method, path);
  if (!match) return "none";
  std::string out = match->entry->function;
  for (const auto& [name, value] : match->path_parameters) out += " " + name + "=" + value;
  return out;
}

TEST(RouteTableTest, TheMostSpecificPathWinsThenTheNamedMethod) {
  const RouteTable table(ConfigWith({
      {"proxy", Route(HttpRouteKind::kHttpApi, "ANY", "/{proxy+}")},
      {"fallback", Route(HttpRouteKind::kHttpApi, "ANY", "$default")},
      {"get-order", Route(HttpRouteKind::kHttpApi, "GET", "/orders/{id}")},
      {"any-order", Route(HttpRouteKind::kHttpApi, "ANY", "/orders/{id}")},
      {"latest", Route(HttpRouteKind::kHttpApi, "GET", "/orders/latest")},
      {"root", Route(HttpRouteKind::kHttpApi, "GET", "/")},
  }));
  EXPECT_EQ(Matched(table, "GET", "/orders/latest"), "latest");
  EXPECT_EQ(Matched(table, "GET", "/orders/42"), "get-order id=42");
  EXPECT_EQ(Matched(table, "DELETE", "/orders/42"), "any-order id=42");
  EXPECT_EQ(Matched(table, "GET", "/orders/a%20b/"), "get-order id=a b");
  EXPECT_EQ(Matched(table, "GET", "/a/b/c"), "proxy proxy=a/b/c");
  EXPECT_EQ(Matched(table, "GET", "/"), "root");
  EXPECT_EQ(Matched(table, "POST", "/"), "fallback");
}

TEST(RouteTableTest, NothingMatchesOutsideTheDeclaredRoutes) {
  const RouteTable table(ConfigWith({
      {"hello", Route(HttpRouteKind::kRestApi, "GET", "/hello")},
      {"url", Route(HttpRouteKind::kFunctionUrl, "ANY", "/")},
  }));
  EXPECT_EQ(Matched(table, "GET", "/hello"), "hello");
  EXPECT_EQ(Matched(table, "POST", "/hello"), "none");
  EXPECT_EQ(Matched(table, "GET", "/hello/there"), "none");
  EXPECT_EQ(Matched(table, "GET", "/"), "none");  // a function URL is not an API route
  EXPECT_EQ(table.NotFoundKind("/hello"), HttpRouteKind::kRestApi);
  EXPECT_EQ(table.NotFoundKind("/elsewhere"), HttpRouteKind::kRestApi);
  const RouteTable mixed(ConfigWith({
      {"hello", Route(HttpRouteKind::kRestApi, "GET", "/hello")},
      {"items", Route(HttpRouteKind::kHttpApi, "GET", "/items")},
  }));
  EXPECT_EQ(mixed.NotFoundKind("/hello"), HttpRouteKind::kRestApi);  // POST /hello: REST's 403
  EXPECT_EQ(mixed.NotFoundKind("/elsewhere"), HttpRouteKind::kHttpApi);
  EXPECT_EQ(table.entries().size(), 1u);
}

GatewayRequest Request(const std::string& method, const std::string& target) {
  GatewayRequest request;
  request.method = method;
  request.target = target;
  request.peer_address = "127.0.0.1";
  request.time = std::chrono::system_clock::from_time_t(1700000000);
  request.headers = {{"Host", "127.0.0.1:3000"},
                     {"User-Agent", "curl/7.88.1"},
                     {"X-Multi", "a"},
                     {"X-Multi", "b"},
                     {"Cookie", "s=1; theme=dark"}};
  return request;
}

FrontDoor Door() {
  return {.account_id = "123456789012",
          .region = "us-east-1",
          .id = "abcdefghij",
          .domain_name = "127.0.0.1:3000",
          .request_id = "req-1"};
}

TEST(GatewayEventTest, RestApiProxyEventIsV1) {
  GatewayRequest request = Request("POST", "/orders/42?x=1&x=2&y=a%20b");
  request.body = R"({"n":1})";
  request.headers.emplace_back("Content-Type", "application/json");
  const Json event = BuildEvent(Route(HttpRouteKind::kRestApi, "POST", "/orders/{id}"),
                                {{"id", "42"}}, request, Door());
  EXPECT_FALSE(event.contains("version"));
  EXPECT_EQ(event["resource"], "/orders/{id}");
  EXPECT_EQ(event["path"], "/orders/42");
  EXPECT_EQ(event["httpMethod"], "POST");
  EXPECT_EQ(event["headers"]["X-Multi"], "b");
  EXPECT_EQ(event["multiValueHeaders"]["X-Multi"], Json::array({"a", "b"}));
  EXPECT_EQ(event["queryStringParameters"], Json({{"x", "2"}, {"y", "a b"}}));
  EXPECT_EQ(event["multiValueQueryStringParameters"]["x"], Json::array({"1", "2"}));
  EXPECT_EQ(event["pathParameters"], Json({{"id", "42"}}));
  EXPECT_TRUE(event["stageVariables"].is_null());
  EXPECT_EQ(event["body"], R"({"n":1})");
  EXPECT_EQ(event["isBase64Encoded"], false);
  const Json& context = event["requestContext"];
  EXPECT_EQ(context["stage"], "Prod");
  EXPECT_EQ(context["path"], "/Prod/orders/42");
  EXPECT_EQ(context["resourcePath"], "/orders/{id}");
  EXPECT_EQ(context["httpMethod"], "POST");
  EXPECT_EQ(context["identity"]["sourceIp"], "127.0.0.1");
  EXPECT_EQ(context["identity"]["userAgent"], "curl/7.88.1");
  EXPECT_EQ(context["requestTime"], "14/Nov/2023:22:13:20 +0000");
  EXPECT_EQ(context["requestTimeEpoch"], 1700000000000);
  EXPECT_EQ(context["accountId"], "123456789012");
  EXPECT_EQ(context["requestId"], "req-1");
}

TEST(GatewayEventTest, AnEmptyRestRequestHasNullsWhereApiGatewayPutsThem) {
  GatewayRequest request = Request("GET", "/hello");
  request.headers.clear();
  const Json event =
      BuildEvent(Route(HttpRouteKind::kRestApi, "GET", "/hello"), {}, request, Door());
  EXPECT_TRUE(event["headers"].is_null());
  EXPECT_TRUE(event["queryStringParameters"].is_null());
  EXPECT_TRUE(event["pathParameters"].is_null());
  EXPECT_TRUE(event["body"].is_null());
}

TEST(GatewayEventTest, HttpApiEventIsPayload2) {
  GatewayRequest request = Request("GET", "/orders/42?x=1&x=2");
  const Json event = BuildEvent(Route(HttpRouteKind::kHttpApi, "GET", "/orders/{id}"),
                                {{"id", "42"}}, request, Door());
  EXPECT_EQ(event["version"], "2.0");
  EXPECT_EQ(event["routeKey"], "GET /orders/{id}");
  EXPECT_EQ(event["rawPath"], "/orders/42");
  EXPECT_EQ(event["rawQueryString"], "x=1&x=2");
  EXPECT_EQ(event["queryStringParameters"]["x"], "1,2");
  EXPECT_EQ(event["headers"]["x-multi"], "a,b");
  EXPECT_FALSE(event["headers"].contains("cookie"));
  EXPECT_EQ(event["cookies"], Json::array({"s=1", "theme=dark"}));
  EXPECT_EQ(event["pathParameters"]["id"], "42");
  EXPECT_FALSE(event.contains("body"));
  EXPECT_EQ(event["isBase64Encoded"], false);
  const Json& context = event["requestContext"];
  EXPECT_EQ(context["http"]["method"], "GET");
  EXPECT_EQ(context["http"]["path"], "/orders/42");
  EXPECT_EQ(context["http"]["sourceIp"], "127.0.0.1");
  EXPECT_EQ(context["routeKey"], "GET /orders/{id}");
  EXPECT_EQ(context["stage"], "$default");
  EXPECT_EQ(context["timeEpoch"], 1700000000000);
  EXPECT_EQ(context["domainName"], "127.0.0.1:3000");
  EXPECT_EQ(context["domainPrefix"], "127");
}

TEST(GatewayEventTest, HttpApiPayload1IsV1WithItsVersion) {
  HttpRoute route = Route(HttpRouteKind::kHttpApi, "GET", "/hello");
  route.payload_format = "1.0";
  const Json event = BuildEvent(route, {}, Request("GET", "/hello"), Door());
  EXPECT_EQ(event["version"], "1.0");
  EXPECT_EQ(event["httpMethod"], "GET");
  EXPECT_EQ(event["requestContext"]["path"], "/hello");
}

TEST(GatewayEventTest, AFunctionUrlEventIsTheDefaultRoute) {
  const Json event = BuildEvent(Route(HttpRouteKind::kFunctionUrl, "ANY", "/"), {},
                                Request("PUT", "/any/path"), Door());
  EXPECT_EQ(event["version"], "2.0");
  EXPECT_EQ(event["routeKey"], "$default");
  EXPECT_EQ(event["rawPath"], "/any/path");
  EXPECT_FALSE(event.contains("pathParameters"));
  EXPECT_EQ(event["requestContext"]["stage"], "$default");
  EXPECT_EQ(event["requestContext"]["http"]["method"], "PUT");
}

TEST(GatewayEventTest, BinaryBodiesAreBase64) {
  GatewayRequest request = Request("POST", "/upload");
  request.body = std::string("\x89PNG\r\n\x1a\n\0\xff", 10);
  request.headers.emplace_back("Content-Type", "image/png");
  for (HttpRouteKind kind :
       {HttpRouteKind::kRestApi, HttpRouteKind::kHttpApi, HttpRouteKind::kFunctionUrl}) {
    const Json event = BuildEvent(Route(kind, "POST", "/upload"), {}, request, Door());
    EXPECT_EQ(event["isBase64Encoded"], true);
    std::string decoded;
    ASSERT_TRUE(Base64Decode(event["body"].get<std::string>(), decoded));
    EXPECT_EQ(decoded, request.body);
  }
  request.headers.back().second = "text/plain; charset=utf-8";
  request.body = "héllo";
  const Json text =
      BuildEvent(Route(HttpRouteKind::kHttpApi, "POST", "/upload"), {}, request, Door());
  EXPECT_EQ(text["isBase64Encoded"], false);
  EXPECT_EQ(text["body"], "héllo");
}

InvokeResult Result(const std::string& payload, const std::string& error = "") {
  InvokeResult result;
  result.payload = payload;
  result.function_error = error;
  return result;
}

std::vector<std::string> Values(const http::Response& response, const std::string& name) {
  std::vector<std::string> out;
  for (auto [it, end] = response.equal_range(name); it != end; ++it) {
    out.emplace_back(it->value());
  }
  return out;
}

TEST(GatewayResponseTest, AStructuredAnswerBecomesTheResponse) {
  const http::Response response =
      MapResult(Route(HttpRouteKind::kRestApi, "GET", "/"),
                Result(R"({"statusCode":201,"headers":{"X-One":"1","X-Num":7},
                           "multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"made"})"),
                "req-1");
  EXPECT_EQ(response.result_int(), 201u);
  EXPECT_EQ(response.body(), "made");
  EXPECT_EQ(Values(response, "X-One"), std::vector<std::string>{"1"});
  EXPECT_EQ(Values(response, "X-Num"), std::vector<std::string>{"7"});
  EXPECT_EQ(Values(response, "Set-Cookie"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(Values(response, "Content-Type"), std::vector<std::string>{"application/json"});
  EXPECT_EQ(Values(response, "x-amzn-RequestId"), std::vector<std::string>{"req-1"});
}

TEST(GatewayResponseTest, V2TakesCookiesBase64AndTheBareResultShortcut) {
  const HttpRoute route = Route(HttpRouteKind::kHttpApi, "GET", "/");
  http::Response response = MapResult(
      route,
      Result(R"({"statusCode":200,"cookies":["a=1","b=2; Path=/"],"body":")" +
             Base64Encode(std::string("\x00\x01\xff", 3)) + R"(","isBase64Encoded":true})"),
      "r");
  EXPECT_EQ(Values(response, "Set-Cookie"), (std::vector<std::string>{"a=1", "b=2; Path=/"}));
  EXPECT_EQ(response.body(), std::string("\x00\x01\xff", 3));
  EXPECT_EQ(Values(response, "apigw-requestid"), std::vector<std::string>{"r"});

  response = MapResult(route, Result(R"({"message":"hi"})"), "r");
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), R"({"message":"hi"})");
  EXPECT_EQ(Values(response, "Content-Type"), std::vector<std::string>{"application/json"});
  response = MapResult(route, Result(R"("Hello from Lambda!")"), "r");
  EXPECT_EQ(response.body(), "Hello from Lambda!");
}

// Found with the gateway_result fuzzer's invariants. Header names and values (and cookies) came
// from the function's answer and were written as they were: {"headers":{"X":"a\r\nInjected: yes"}}
// made a second header line, a response the function never declared (and a bad name, a broken one).
TEST(GatewayResponseTest, AHeaderThatCannotBeWrittenIsAMalformedAnswer) {
  const HttpRoute rest = Route(HttpRouteKind::kRestApi, "GET", "/");
  const HttpRoute http_api = Route(HttpRouteKind::kHttpApi, "GET", "/");
  EXPECT_EQ(
      MapResult(rest, Result(R"({"statusCode":200,"headers":{"X":"a\r\nInjected: yes"}})"), "id")
          .result_int(),
      502u);
  EXPECT_EQ(MapResult(rest, Result(R"({"statusCode":200,"headers":{"X: y\r\nZ":"1"}})"), "id")
                .result_int(),
            502u);
  EXPECT_EQ(MapResult(rest, Result(R"({"statusCode":200,"headers":{"":"1"}})"), "id").result_int(),
            502u);
  EXPECT_EQ(
      MapResult(rest, Result(R"({"statusCode":200,"multiValueHeaders":{"X":["a\nb"]}})"), "id")
          .result_int(),
      502u);
  EXPECT_EQ(MapResult(http_api, Result(R"({"statusCode":200,"cookies":["a=1\r\nX: y"]})"), "id")
                .result_int(),
            500u);
  // Values outside ASCII are written as they are (RFC 9110's obs-text).
  EXPECT_EQ(
      MapResult(rest, Result(R"({"statusCode":200,"headers":{"X":"h\u00e9"}})"), "id").result_int(),
      200u);
}

// Found with the gateway_result fuzzer's invariants: {"statusCode":204,"body":"x"} gave a response
// Beast refuses to write (prepare_payload throws std::invalid_argument), and the connection was
// dropped without an answer. A status without a body is sent without one.
TEST(GatewayResponseTest, AStatusWithoutABodyIsSentWithoutTheBodyGiven) {
  const HttpRoute http_api = Route(HttpRouteKind::kHttpApi, "GET", "/");
  for (const char* payload :
       {R"({"statusCode":204,"body":"x"})", R"({"statusCode":304,"body":"x"})",
        R"({"statusCode":"103","body":"x"})"}) {
    http::Response response = MapResult(http_api, Result(payload), "id");
    EXPECT_TRUE(response.body().empty()) << payload;
    EXPECT_NO_THROW(response.prepare_payload()) << payload;
  }
}

// Found with the gateway_result fuzzer: a non-boolean isBase64Encoded ("true") threw
// nlohmann::json's type_error out of MapResult (the server answered 500 for the front door).
// A statusCode past int's range wrapped around into a valid one.
TEST(GatewayResponseTest, MistypedFieldsAreAMalformedAnswer) {
  const HttpRoute http_api = Route(HttpRouteKind::kHttpApi, "GET", "/");
  http::Response response;
  EXPECT_NO_THROW(response = MapResult(
                      http_api, Result(R"({"statusCode":200,"isBase64Encoded":"true"})"), "id"));
  EXPECT_EQ(response.result_int(), 500u);
  EXPECT_EQ(MapResult(http_api, Result(R"({"statusCode":4294967496})"), "id").result_int(), 500u);
  EXPECT_EQ(MapResult(http_api, Result(R"({"statusCode":200,"isBase64Encoded":null})"), "id")
                .result_int(),
            200u);
}

TEST(GatewayResponseTest, FailuresAnswerAsEachFrontDoorDoes) {
  const HttpRoute rest = Route(HttpRouteKind::kRestApi, "GET", "/");
  const HttpRoute http_api = Route(HttpRouteKind::kHttpApi, "GET", "/");
  const HttpRoute url = Route(HttpRouteKind::kFunctionUrl, "ANY", "/");
  // A function error.
  http::Response r = MapResult(rest, Result(R"({"errorMessage":"x"})", "Unhandled"), "id");
  EXPECT_EQ(r.result_int(), 502u);
  EXPECT_EQ(Json::parse(r.body())["message"], "Internal server error");
  r = MapResult(http_api, Result(R"({"errorMessage":"x"})", "Unhandled"), "id");
  EXPECT_EQ(r.result_int(), 500u);
  EXPECT_EQ(Json::parse(r.body())["message"], "Internal Server Error");
  r = MapResult(url, Result(R"({"errorMessage":"x"})", "Unhandled"), "id");
  EXPECT_EQ(r.result_int(), 502u);
  // A REST answer without statusCode, or with a body that is not a string: malformed.
  EXPECT_EQ(MapResult(rest, Result(R"({"body":"x"})"), "id").result_int(), 502u);
  EXPECT_EQ(MapResult(rest, Result(R"({"statusCode":200,"body":{"a":1}})"), "id").result_int(),
            502u);
  EXPECT_EQ(MapResult(rest, Result(R"("text")"), "id").result_int(), 502u);
  // The front doors' own answers.
  r = FailureAnswer(HttpRouteKind::kRestApi, GatewayFailure::kNoRoute, "id");
  EXPECT_EQ(r.result_int(), 403u);
  EXPECT_EQ(Json::parse(r.body())["message"], "Missing Authentication Token");
  r = FailureAnswer(HttpRouteKind::kHttpApi, GatewayFailure::kNoRoute, "id");
  EXPECT_EQ(r.result_int(), 404u);
  EXPECT_EQ(FailureAnswer(HttpRouteKind::kRestApi, GatewayFailure::kTimedOut, "id").result_int(),
            504u);
  EXPECT_EQ(FailureAnswer(HttpRouteKind::kHttpApi, GatewayFailure::kTimedOut, "id").result_int(),
            503u);
  EXPECT_EQ(
      FailureAnswer(HttpRouteKind::kRestApi, GatewayFailure::kInvokeRefused, "id").result_int(),
      500u);
}

TEST(GatewayEventTest, StableIdsHaveApiGatewaysShape) {
  EXPECT_EQ(StableId("rest:"), StableId("rest:"));
  EXPECT_NE(StableId("rest:"), StableId("http:"));
  EXPECT_THAT(StableId("x"), ::testing::MatchesRegex("[a-z0-9]{10}"));
  EXPECT_EQ(StableId("url:f", 32).size(), 32u);
}

}  // namespace
}  // namespace thaw::gateway
