#include "fakes/aws/aws_service.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <regex>
#include <set>

#include "core/aws_error.h"
#include "core/duration.h"
#include "core/event_kinds.h"
#include "core/fault_registry.h"
#include "core/http/fault_routes.h"
#include "core/http/json_body.h"
#include "core/json_text.h"
#include "core/status_macros.h"

namespace thaw::aws {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Json = nlohmann::json;

constexpr char kJsonType[] = "application/x-amz-json-1.1";

sigv4::SignedRequest ToSignedRequest(const http::Request& request) {
  sigv4::SignedRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = request.body();
  return out;
}

// The access key id named in an Authorization header, without verifying anything.
std::string AccessKeyOf(const http::Request& request) {
  auto it = request.find(beast::http::field::authorization);
  if (it == request.end()) return "";
  auto auth = sigv4::ParseAuthorization(it->value());
  return auth.ok() ? auth->access_key_id : "";
}

std::string DefaultMessage(const std::string& type) {
  if (type == "ThrottlingException") return "Rate exceeded";
  if (type == "InternalServiceError" || type == "InternalServerError") {
    return "An error occurred on the server side.";
  }
  return "";
}

bool OperationMatches(const std::string& pattern, const std::string& target) {
  if (pattern.empty() || pattern == target) return true;
  const size_t dot = target.find('.');
  return dot != std::string::npos && target.substr(dot + 1) == pattern;
}

absl::Status SpecError(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(field + ": " + what);
}

}  // namespace

struct AwsService::Call {
  std::string request_id;
  std::string target;
  std::string service;    // secretsmanager | ssm (the SigV4 signing name)
  std::string operation;  // GetSecretValue ...
  AwsCredential credential;
  std::string principal;
  // For the ledger.
  std::string secret;
  std::string parameter;
  std::string via;
  std::string fault;
  nlohmann::json body;
  std::chrono::steady_clock::time_point start;
};

AwsService::AwsService(Options options, Ledger& ledger, CredentialStore& credentials,
                       SecretStore& secrets, ParameterStore& parameters)
    : options_(std::move(options)),
      ledger_(ledger),
      credentials_(credentials),
      secrets_(secrets),
      parameters_(parameters),
      verifier_(credentials_, SigV4Verifier::Options{}),
      iam_(options_.iam) {}

// Stalled requests are not released here: resumed, they would use this service. Their
// coroutine frames go with the io_context.
AwsService::~AwsService() = default;

absl::StatusOr<std::string> AwsService::AddFault(const Json& spec) {
  if (!spec.is_object()) return absl::InvalidArgumentError("a fault is a JSON object");
  static const std::set<std::string> kFields = {"service",  "function", "instance", "operation",
                                                "secret",   "error",    "message",  "delay",
                                                "delay_ms", "stall",    "rotate",   "count"};
  for (const auto& [key, value] : spec.items()) {
    if (!kFields.count(key)) {
      return SpecError(key,
                       "unknown field (function, instance, operation, secret, error, "
                       "message, delay, stall, rotate, count)");
    }
  }
  AwsFault fault;
  fault.spec = spec;
  auto string_field = [&spec](const char* key, std::string& out) -> absl::Status {
    if (!spec.contains(key)) return absl::OkStatus();
    if (!spec[key].is_string()) return SpecError(key, "expected a string");
    out = spec[key].get<std::string>();
    return absl::OkStatus();
  };
  for (auto [key, out] : {std::pair<const char*, std::string*>{"function", &fault.function},
                          {"operation", &fault.operation},
                          {"secret", &fault.secret},
                          {"error", &fault.error_type},
                          {"message", &fault.message}}) {
    RETURN_IF_ERROR(string_field(key, *out));
  }
  if (spec.contains("instance")) {
    if (!spec["instance"].is_number_integer() || spec["instance"].get<int64_t>() < 1) {
      return SpecError("instance", "expected an instance id");
    }
    fault.instance = spec["instance"];
  }
  if (!fault.error_type.empty()) {
    static const std::regex kTypeRe("[A-Za-z][A-Za-z0-9]*");
    if (!std::regex_match(fault.error_type, kTypeRe)) {
      return SpecError("error", "expected an AWS error type like ThrottlingException");
    }
  }
  if (spec.contains("delay")) {
    const Json& d = spec["delay"];
    if (d.is_number_integer() && d.get<int64_t>() >= 0) {
      fault.delay = std::chrono::milliseconds(d.get<int64_t>());
    } else if (d.is_string()) {
      auto parsed = ParseDuration(d.get<std::string>());
      if (!parsed.ok()) return SpecError("delay", std::string(parsed.status().message()));
      fault.delay = *parsed;
    } else {
      return SpecError("delay", "expected a duration like \"250ms\"");
    }
  } else if (spec.contains("delay_ms")) {
    if (!spec["delay_ms"].is_number_integer() || spec["delay_ms"].get<int64_t>() < 0) {
      return SpecError("delay_ms", "expected milliseconds");
    }
    fault.delay = std::chrono::milliseconds(spec["delay_ms"].get<int64_t>());
  }
  if (spec.contains("stall")) {
    if (!spec["stall"].is_boolean()) return SpecError("stall", "expected true or false");
    fault.stall = spec["stall"];
  }
  if (spec.contains("count")) {
    const Json& c = spec["count"];
    if (!c.is_number_integer() || (c.get<int64_t>() < 1 && c.get<int64_t>() != -1)) {
      return SpecError("count", "expected a positive integer (or -1: unlimited)");
    }
    fault.count = static_cast<int>(c.get<int64_t>());
  }
  const bool rotate = spec.contains("rotate");
  if (rotate) {
    const Json& r = spec["rotate"];
    std::string at = "now";
    if (r.is_object()) {
      for (const auto& [key, value] : r.items()) {
        if (key != "at") return SpecError("rotate." + key, "unknown field (at)");
      }
      if (r.contains("at")) {
        if (!r["at"].is_string()) return SpecError("rotate.at", "expected \"now\" or a duration");
        at = r["at"];
      }
    } else if (!(r.is_boolean() && r.get<bool>())) {
      return SpecError("rotate", "expected {\"at\": \"now\" | \"5m\"}");
    }
    std::chrono::milliseconds after{0};
    if (at != "now") {
      auto parsed = ParseDuration(at);
      if (!parsed.ok()) return SpecError("rotate.at", std::string(parsed.status().message()));
      after = *parsed;
    }
    if (fault.secret.empty()) return SpecError("secret", "required with rotate");
    if (!fault.error_type.empty() || fault.stall || fault.delay.count() > 0) {
      return SpecError("rotate", "cannot be combined with error, delay or stall");
    }
    fault.rotate_at = secrets_.Now() + after;
  } else if (fault.stall && (!fault.error_type.empty() || fault.delay.count() > 0)) {
    return SpecError("stall", "cannot be combined with error or delay");
  } else if (!fault.stall && fault.error_type.empty() && fault.delay.count() == 0) {
    return absl::InvalidArgumentError(
        "a fault needs one of: error, delay, stall, rotate (see the fake AWS README)");
  }
  std::string id;
  {
    std::lock_guard<std::mutex> lock(faults_mu_);
    id = "aws-" + std::to_string(next_fault_++);
    fault.id = id;
    faults_.push_back(std::move(fault));
  }
  if (rotate) RunDueRotations();
  return id;
}

bool AwsService::RemoveFault(std::string_view id) {
  bool removed = false;
  {
    std::lock_guard<std::mutex> lock(faults_mu_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (it->id == id) {
        faults_.erase(it);
        removed = true;
        break;
      }
    }
  }
  // A stalled request whose fault is gone is answered (which one stalled is not tracked).
  if (removed) ReleaseStalls();
  return removed;
}

void AwsService::ClearFaults() {
  {
    std::lock_guard<std::mutex> lock(faults_mu_);
    faults_.clear();
  }
  ReleaseStalls();
}

Json AwsService::ListFaults() const {
  std::lock_guard<std::mutex> lock(faults_mu_);
  Json out = Json::array();
  for (const AwsFault& fault : faults_) {
    Json entry = fault.spec;
    entry["id"] = fault.id;
    entry["fired"] = fault.fired;
    out.push_back(std::move(entry));
  }
  return out;
}

void AwsService::ReleaseStalls() {
  std::vector<std::weak_ptr<asio::steady_timer>> stalls;
  {
    std::lock_guard<std::mutex> lock(faults_mu_);
    stalls.swap(stalls_);
  }
  for (auto& weak : stalls) {
    if (auto timer = weak.lock()) {
      // Timers are not thread-safe: cancel on the timer's own io thread.
      asio::post(timer->get_executor(), [timer] { timer->cancel(); });
    }
  }
}

void AwsService::RunDueRotations() {
  const auto now = secrets_.Now();
  std::vector<std::pair<std::string, std::string>> due;  // fault id, secret
  {
    std::lock_guard<std::mutex> lock(faults_mu_);
    for (auto it = faults_.begin(); it != faults_.end();) {
      if (it->rotate_at && *it->rotate_at <= now) {
        due.emplace_back(it->id, it->secret);
        it = faults_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& [id, secret] : due) {
    auto rotated = secrets_.RotateSecret(Json{{"SecretId", secret}});
    Json attrs = {{"secret", secret}, {"fault", id}};
    if (rotated.ok()) {
      attrs["version"] = rotated->value("VersionId", "");
      attrs["outcome"] = "ok";
    } else {
      attrs["outcome"] = AwsErrorType(rotated.status());
      attrs["message"] = std::string(rotated.status().message());
    }
    ledger_.Append(0, "", kinds::kAwsRotation, std::move(attrs));
  }
}

bool AwsService::FaultMatches(const AwsFault& fault, const Call& call) {
  if (fault.rotate_at) return false;
  if (!OperationMatches(fault.operation, call.target)) return false;
  if (!fault.function.empty() && fault.function != call.credential.function) return false;
  if (fault.instance != 0 && fault.instance != call.credential.instance) return false;
  if (!fault.secret.empty()) {
    if (call.service == "ssm") return fault.secret == call.parameter;
    if (call.secret.empty()) return false;
    if (fault.secret != call.secret &&
        secrets_.ResourceArn(fault.secret) != secrets_.ResourceArn(call.secret)) {
      return false;
    }
  }
  return true;
}

std::optional<AwsService::FaultAction> AwsService::TakeFault(const Call& call) {
  std::lock_guard<std::mutex> lock(faults_mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!FaultMatches(*it, call)) continue;
    FaultAction action;
    action.id = it->id;
    action.delay = it->delay;
    action.stall = it->stall;
    if (!it->error_type.empty()) {
      action.error = AwsError(it->error_type,
                              it->message.empty() ? DefaultMessage(it->error_type) : it->message);
    }
    ++it->fired;
    if (it->count > 0 && --it->count == 0) faults_.erase(it);
    return action;
  }
  return std::nullopt;
}

absl::Status AwsService::Authorize(const Call& call, const std::string& action,
                                   const std::string& resource) const {
  if (!call.credential.policy) return absl::OkStatus();
  return iam_.Check(*call.credential.policy, call.principal, action, resource);
}

absl::StatusOr<Json> AwsService::Dispatch(Call& call, const Json& body) {
  if (unrestricted_ && !call.credential.policy && call.credential.instance != 0) {
    unrestricted_(call.credential);
  }
  const std::string& op = call.operation;
  auto string_field = [&body](const char* key) -> std::string {
    return body.is_object() && body.contains(key) && body[key].is_string()
               ? body[key].get<std::string>()
               : "";
  };
  if (call.service == "secretsmanager") {
    const std::string action = "secretsmanager:" + op;
    using Op = absl::StatusOr<Json> (SecretStore::*)(const Json&);
    static const std::map<std::string, Op> kOps = {
        {"GetSecretValue", &SecretStore::GetSecretValue},
        {"PutSecretValue", &SecretStore::PutSecretValue},
        {"UpdateSecret", &SecretStore::UpdateSecret},
        {"DescribeSecret", &SecretStore::DescribeSecret},
        {"DeleteSecret", &SecretStore::DeleteSecret},
        {"RestoreSecret", &SecretStore::RestoreSecret},
        {"UpdateSecretVersionStage", &SecretStore::UpdateSecretVersionStage},
        {"RotateSecret", &SecretStore::RotateSecret},
        {"TagResource", &SecretStore::TagResource},
        {"UntagResource", &SecretStore::UntagResource},
    };
    if (op == "CreateSecret") {
      call.secret = string_field("Name");
      RETURN_IF_ERROR(Authorize(call, action, secrets_.ResourceArn(call.secret)));
      return secrets_.CreateSecret(body);
    }
    if (op == "ListSecrets" || op == "BatchGetSecretValue") {
      RETURN_IF_ERROR(Authorize(call, action, "*"));
      if (op == "ListSecrets") return secrets_.ListSecrets(body);
      return secrets_.BatchGetSecretValue(body, [this, &call](const std::string& arn) {
        return Authorize(call, "secretsmanager:GetSecretValue", arn);
      });
    }
    auto it = kOps.find(op);
    if (it == kOps.end()) {
      return AwsError("UnknownOperationException", "");
    }
    call.secret = string_field("SecretId");
    if (!call.secret.empty()) {
      RETURN_IF_ERROR(Authorize(call, action, secrets_.ResourceArn(call.secret)));
    }
    return (secrets_.*(it->second))(body);
  }

  // SSM
  const std::string action = "ssm:" + op;
  using Op = absl::StatusOr<Json> (ParameterStore::*)(const Json&);
  static const std::map<std::string, Op> kOps = {
      {"GetParameter", &ParameterStore::GetParameter},
      {"GetParameters", &ParameterStore::GetParameters},
      {"GetParametersByPath", &ParameterStore::GetParametersByPath},
      {"PutParameter", &ParameterStore::PutParameter},
      {"DeleteParameter", &ParameterStore::DeleteParameter},
      {"DeleteParameters", &ParameterStore::DeleteParameters},
  };
  auto it = kOps.find(op);
  if (it == kOps.end()) return AwsError("UnknownOperationException", "");
  std::vector<std::string> names;
  if (op == "GetParametersByPath") {
    call.parameter = string_field("Path");
    std::string path = call.parameter;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    names.push_back(path);
  } else if (op == "GetParameters" || op == "DeleteParameters") {
    if (body.is_object() && body.contains("Names") && body["Names"].is_array()) {
      for (const auto& n : body["Names"]) {
        if (n.is_string()) names.push_back(n.get<std::string>());
      }
    }
    for (const auto& n : names) call.parameter += (call.parameter.empty() ? "" : ",") + n;
  } else {
    call.parameter = string_field("Name");
    names.push_back(call.parameter);
  }
  for (const std::string& name : names) {
    RETURN_IF_ERROR(Authorize(call, action, parameters_.ResourceArn(name)));
    if (name.rfind(ParameterStore::kSecretReferencePrefix, 0) == 0) {
      std::string id = name.substr(std::string(ParameterStore::kSecretReferencePrefix).size());
      id = id.substr(0, id.find(':'));
      if (auto s = Authorize(call, "secretsmanager:GetSecretValue", secrets_.ResourceArn(id));
          !s.ok()) {
        return s;
      }
    }
  }
  return (parameters_.*(it->second))(body);
}

absl::Status AwsService::Prepare(const http::Request& request,
                                 std::chrono::system_clock::time_point now, Call& call) {
  call.start = std::chrono::steady_clock::now();
  call.request_id = NewUuid();
  auto target_it = request.find("X-Amz-Target");
  call.target = target_it == request.end() ? "" : std::string(target_it->value());
  const size_t dot = call.target.find('.');
  const std::string prefix = call.target.substr(0, dot);
  call.operation = dot == std::string::npos ? "" : call.target.substr(dot + 1);
  if (prefix == "secretsmanager") {
    call.service = "secretsmanager";
  } else if (prefix == "AmazonSSM") {
    call.service = "ssm";
  }
  if (request.method() != beast::http::verb::post || request.target() != "/") {
    return AwsError("UnknownOperationException", "");
  }
  if (call.service.empty() || call.operation.empty()) {
    return AwsError("UnknownOperationException", "");
  }
  call.body = Json::parse(request.body().empty() ? "{}" : request.body(), nullptr, false);
  // Name the subject in the ledger even when the request is refused before it runs.
  if (call.body.is_object()) {
    const char* key = call.service == "ssm" ? "Name" : "SecretId";
    if (call.body.contains(key) && call.body[key].is_string()) {
      (call.service == "ssm" ? call.parameter : call.secret) = call.body[key].get<std::string>();
    }
  }
  // Authenticate.
  absl::Status auth = absl::OkStatus();
  if (options_.verify_signatures) {
    auto credential = verifier_.Verify(ToSignedRequest(request), call.service, now);
    // An instance with virtual time (emulator/vtime) signs with its own clock, real time plus the
    // scheduler clock's advance; one without, with real time. Either clock is current.
    const auto advanced = secrets_.Now() - std::chrono::system_clock::now();
    if (!credential.ok() && advanced > std::chrono::seconds(1)) {
      auto shifted = verifier_.Verify(ToSignedRequest(request), call.service, now + advanced);
      if (shifted.ok()) credential = std::move(shifted);
    }
    if (credential.ok()) {
      call.credential = *std::move(credential);
    } else {
      auth = credential.status();
    }
  } else if (auto known = credentials_.Find(AccessKeyOf(request))) {
    call.credential = *std::move(known);
  } else {
    call.credential.access_key_id = AccessKeyOf(request);
  }
  call.principal =
      AssumedRoleArn(options_.account_id, call.credential.role_name, call.credential.session_name);
  if (!auth.ok()) return auth;
  if (call.body.is_discarded() || !call.body.is_object()) {
    return AwsError("SerializationException",
                    "Start of structure or map found where not expected.");
  }
  return absl::OkStatus();
}

void AwsService::Render(const Call& call, Json& result) const {
  if (!renderer_) return;
  auto render = [&](Json& holder, const char* key) {
    if (holder.is_object() && holder.contains(key) && holder[key].is_string()) {
      holder[key] = renderer_(call.credential, holder[key].get<std::string>());
    }
  };
  if (call.operation == "GetSecretValue") {
    render(result, "SecretString");
  } else if (call.operation == "BatchGetSecretValue" && result.contains("SecretValues")) {
    for (Json& value : result["SecretValues"]) render(value, "SecretString");
  } else if (call.operation == "GetParameter" || call.operation == "GetParameters") {
    auto render_parameter = [&](Json& parameter) {
      if (parameter.is_object() &&
          parameter.value("Name", "").rfind(ParameterStore::kSecretReferencePrefix, 0) == 0) {
        render(parameter, "Value");
      }
    };
    if (result.contains("Parameter")) render_parameter(result["Parameter"]);
    if (result.contains("Parameters")) {
      for (Json& parameter : result["Parameters"]) render_parameter(parameter);
    }
  }
}

http::Response AwsService::Finish(const http::Request& request, Call& call,
                                  absl::StatusOr<Json> result) {
  http::Response response;
  Json attrs = {{"service", call.service},
                {"operation", call.operation},
                {"request_id", call.request_id},
                {"access_key_id", call.credential.access_key_id}};
  if (!call.secret.empty()) attrs["secret"] = call.secret;
  if (!call.parameter.empty()) attrs["parameter"] = call.parameter;
  if (!call.via.empty()) attrs["via"] = call.via;
  if (!call.fault.empty()) attrs["fault"] = call.fault;
  if (result.ok()) {
    Render(call, *result);
    response = http::MakeResponse(request, 200, result->dump(), kJsonType);
    attrs["outcome"] = "ok";
    attrs["status"] = 200;
    if (result->contains("VersionId")) attrs["version"] = (*result)["VersionId"];
    if (result->contains("Parameter") && (*result)["Parameter"].contains("Version")) {
      attrs["version"] = (*result)["Parameter"]["Version"];
    }
    if (result->contains("Version")) attrs["version"] = (*result)["Version"];
    if (call.secret.empty() && result->contains("Name") && call.service == "secretsmanager") {
      attrs["secret"] = (*result)["Name"];
    }
  } else {
    const std::string type = AwsErrorType(result.status());
    const unsigned status = (type == "InternalServiceError" || type == "InternalServerError" ||
                             type == "InternalFailure")
                                ? 500
                                : 400;
    Json error = {{"__type", type}, {"Message", std::string(result.status().message())}};
    response = http::MakeResponse(request, status, JsonText(error), kJsonType);
    response.set("X-Amzn-Errortype", type);
    attrs["outcome"] = type;
    attrs["status"] = status;
    attrs["message"] = std::string(result.status().message());
  }
  response.set("x-amzn-RequestId", call.request_id);
  attrs["latency_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - call.start)
          .count();
  ledger_.Append(call.credential.instance, call.credential.function, kinds::kAwsRequest,
                 std::move(attrs));
  return response;
}

http::Response AwsService::Handle(const http::Request& request,
                                  std::chrono::system_clock::time_point now) {
  if (options_.admin_routes && request.target().starts_with("/_thaw/")) {
    return HandleAdmin(request);
  }
  Call call;
  if (auto s = Prepare(request, now, call); !s.ok()) return Finish(request, call, s);
  RunDueRotations();
  if (auto fault = TakeFault(call)) {
    call.fault = fault->id;
    if (!fault->error.ok()) return Finish(request, call, fault->error);
  }
  return Finish(request, call, Dispatch(call, call.body));
}

asio::awaitable<http::Response> AwsService::Serve(const http::Request& request, std::string via) {
  if (options_.admin_routes && request.target().starts_with("/_thaw/")) {
    co_return HandleAdmin(request);
  }
  Call call;
  call.via = std::move(via);
  if (auto s = Prepare(request, std::chrono::system_clock::now(), call); !s.ok()) {
    co_return Finish(request, call, s);
  }
  RunDueRotations();
  std::optional<FaultAction> fault = TakeFault(call);
  if (fault) {
    call.fault = fault->id;
    if (fault->stall || fault->delay.count() > 0) {
      auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
      if (fault->stall) {
        timer->expires_at(asio::steady_timer::time_point::max());
        std::lock_guard<std::mutex> lock(faults_mu_);
        std::erase_if(stalls_, [](const auto& weak) { return weak.expired(); });
        stalls_.push_back(timer);
      } else {
        timer->expires_after(fault->delay);
      }
      boost::system::error_code ec;
      co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!fault->error.ok()) co_return Finish(request, call, fault->error);
  }
  co_return Finish(request, call, Dispatch(call, call.body));
}

http::Response AwsService::HandleAdmin(const http::Request& request) {
  FaultRegistry registry;
  registry.Add(this);
  if (auto response = http::RouteFaults(registry, request)) return *std::move(response);
  return http::JsonError(request, 404, "no such admin route");
}

http::Response AwsService::ServerErrorAnswer(unsigned status, const std::string& message) {
  // AWS's common errors, which every service may answer.
  const std::string type = status >= 500
                               ? (status == 503 ? "ServiceUnavailable" : "InternalFailure")
                               : "ValidationError";
  http::Response response{static_cast<boost::beast::http::status>(status), 11};
  response.set(boost::beast::http::field::content_type, kJsonType);
  response.set("X-Amzn-Errortype", type);
  response.set("x-amzn-RequestId", NewUuid());
  response.body() = JsonText(Json{{"__type", type}, {"Message", message}});
  response.prepare_payload();
  return response;
}

http::Handler AwsService::MakeHandler() {
  return [this](http::Request& request,
                const http::RequestContext& context) -> asio::awaitable<http::Response> {
    if (context.body_too_large) {
      co_return http::MakeResponse(
          request, 413, R"({"__type":"RequestEntityTooLargeException","Message":""})", kJsonType);
    }
    co_return co_await Serve(request, "");
  };
}

}  // namespace thaw::aws
