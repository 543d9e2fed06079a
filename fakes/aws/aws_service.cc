#include "fakes/aws/aws_service.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>

#include "fakes/aws/aws_error.h"

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

bool FaultMatches(const AwsFault& fault, const std::string& target) {
  if (fault.operation.empty() || fault.operation == target) return true;
  const size_t dot = target.find('.');
  return dot != std::string::npos && target.substr(dot + 1) == fault.operation;
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

void AwsService::AddFault(AwsFault fault) {
  std::lock_guard<std::mutex> lock(faults_mu_);
  faults_.push_back(std::move(fault));
}

void AwsService::ClearFaults() {
  std::lock_guard<std::mutex> lock(faults_mu_);
  faults_.clear();
}

std::chrono::milliseconds AwsService::FaultDelay(const std::string& target) {
  std::lock_guard<std::mutex> lock(faults_mu_);
  for (const AwsFault& fault : faults_) {
    if (FaultMatches(fault, target)) return fault.delay;
  }
  return std::chrono::milliseconds(0);
}

absl::Status AwsService::TakeFault(const std::string& target) {
  std::lock_guard<std::mutex> lock(faults_mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!FaultMatches(*it, target)) continue;
    AwsFault fault = *it;
    if (it->count > 0 && --it->count == 0) faults_.erase(it);
    if (fault.error_type.empty()) return absl::OkStatus();
    return AwsError(fault.error_type,
                    fault.message.empty() ? DefaultMessage(fault.error_type) : fault.message);
  }
  return absl::OkStatus();
}

absl::Status AwsService::Authorize(const Call& call, const std::string& action,
                                   const std::string& resource) const {
  if (!call.credential.policy) return absl::OkStatus();
  return iam_.Check(*call.credential.policy, call.principal, action, resource);
}

absl::StatusOr<Json> AwsService::Dispatch(Call& call, const Json& body) {
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
      if (auto s = Authorize(call, action, secrets_.ResourceArn(call.secret)); !s.ok()) return s;
      if (auto s = TakeFault(call.target); !s.ok()) return s;
      return secrets_.CreateSecret(body);
    }
    if (op == "ListSecrets" || op == "BatchGetSecretValue") {
      if (auto s = Authorize(call, action, "*"); !s.ok()) return s;
      if (auto s = TakeFault(call.target); !s.ok()) return s;
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
      if (auto s = Authorize(call, action, secrets_.ResourceArn(call.secret)); !s.ok()) return s;
    }
    if (auto s = TakeFault(call.target); !s.ok()) return s;
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
    if (auto s = Authorize(call, action, parameters_.ResourceArn(name)); !s.ok()) return s;
    if (name.rfind(ParameterStore::kSecretReferencePrefix, 0) == 0) {
      std::string id = name.substr(std::string(ParameterStore::kSecretReferencePrefix).size());
      id = id.substr(0, id.find(':'));
      if (auto s = Authorize(call, "secretsmanager:GetSecretValue", secrets_.ResourceArn(id));
          !s.ok()) {
        return s;
      }
    }
  }
  if (auto s = TakeFault(call.target); !s.ok()) return s;
  return (parameters_.*(it->second))(body);
}

http::Response AwsService::Handle(const http::Request& request,
                                  std::chrono::system_clock::time_point now) {
  const auto start = std::chrono::steady_clock::now();
  if (options_.admin_routes && request.target().starts_with("/_thaw/")) {
    return HandleAdmin(request);
  }
  Call call;
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

  Json body;
  absl::StatusOr<Json> result;
  if (request.method() != beast::http::verb::post || request.target() != "/") {
    result = AwsError("UnknownOperationException", "");
  } else if (call.service.empty() || call.operation.empty()) {
    result = AwsError("UnknownOperationException", "");
  } else {
    body = Json::parse(request.body().empty() ? "{}" : request.body(), nullptr, false);
    // Name the subject in the ledger even when the request is refused before it runs.
    if (body.is_object()) {
      const char* key = call.service == "ssm" ? "Name" : "SecretId";
      if (body.contains(key) && body[key].is_string()) {
        (call.service == "ssm" ? call.parameter : call.secret) = body[key].get<std::string>();
      }
    }
    // Authenticate.
    absl::Status auth = absl::OkStatus();
    if (options_.verify_signatures) {
      auto credential = verifier_.Verify(ToSignedRequest(request), call.service, now);
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
    call.principal = AssumedRoleArn(options_.account_id, call.credential.role_name,
                                    call.credential.session_name);
    if (!auth.ok()) {
      result = auth;
    } else {
      if (body.is_discarded() || !body.is_object()) {
        result = AwsError("SerializationException",
                          "Start of structure or map found where not expected.");
      } else {
        result = Dispatch(call, body);
      }
    }
  }

  http::Response response;
  Json attrs = {{"service", call.service},
                {"operation", call.operation},
                {"request_id", call.request_id},
                {"access_key_id", call.credential.access_key_id}};
  if (!call.secret.empty()) attrs["secret"] = call.secret;
  if (!call.parameter.empty()) attrs["parameter"] = call.parameter;
  if (result.ok()) {
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
    response = http::MakeResponse(request, status, error.dump(), kJsonType);
    response.set("X-Amzn-Errortype", type);
    attrs["outcome"] = type;
    attrs["status"] = status;
    attrs["message"] = std::string(result.status().message());
  }
  response.set("x-amzn-RequestId", call.request_id);
  attrs["latency_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ledger_.Append(call.credential.instance, call.credential.function, kRequestKind,
                 std::move(attrs));
  return response;
}

http::Response AwsService::HandleAdmin(const http::Request& request) {
  if (request.target() == "/_thaw/faults" && request.method() == beast::http::verb::delete_) {
    ClearFaults();
    return http::MakeResponse(request, 200, "{}");
  }
  if (request.target() == "/_thaw/faults" && request.method() == beast::http::verb::post) {
    Json body = Json::parse(request.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return http::MakeResponse(request, 400, R"({"message":"expected a JSON object"})");
    }
    AwsFault fault;
    fault.operation = body.value("operation", "");
    fault.error_type = body.value("error", "");
    fault.message = body.value("message", "");
    fault.count = body.value("count", 1);
    fault.delay = std::chrono::milliseconds(body.value("delay_ms", 0));
    AddFault(std::move(fault));
    return http::MakeResponse(request, 200, "{}");
  }
  return http::MakeResponse(request, 404, R"({"message":"no such admin route"})");
}

http::Handler AwsService::MakeHandler() {
  return [this](http::Request& request,
                const http::RequestContext& context) -> asio::awaitable<http::Response> {
    if (context.body_too_large) {
      co_return http::MakeResponse(
          request, 413, R"({"__type":"RequestEntityTooLargeException","Message":""})", kJsonType);
    }
    auto target_it = request.find("X-Amz-Target");
    const std::string target = target_it == request.end() ? "" : std::string(target_it->value());
    const auto delay = FaultDelay(target);
    if (delay.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor, delay);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return Handle(request, std::chrono::system_clock::now());
  };
}

}  // namespace thaw::aws
