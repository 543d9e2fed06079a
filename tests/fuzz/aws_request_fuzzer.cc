// The fake AWS (fakes/aws): raw bytes read as HttpServer reads a request, then served by
// AwsService::Handle: SigV4 (the Authorization header parsed and checked), the X-Amz-Target,
// the AWS JSON 1.1 body and every Secrets Manager / SSM operation on fresh stores. The first
// byte picks whether signatures are verified (off reaches the operations; on, the verifier).
// Several requests in one input run in order on the same stores (CreateSecret, then
// GetSecretValue...). The input is also read as an IAM policy document.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/http/http_server.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/aws/aws_service.h"
#include "fakes/aws/credential_store.h"
#include "fakes/aws/iam_evaluator.h"
#include "fakes/aws/parameter_store.h"
#include "fakes/aws/secret_store.h"
#include "tests/fuzz/fuzz_http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  thaw::Ledger ledger;
  thaw::SchedulerClock clock;
  thaw::aws::CredentialStore credentials;
  thaw::aws::SecretStore secrets(clock, {});
  thaw::aws::ParameterStore parameters(secrets, {});
  thaw::aws::AwsCredential credential;
  credential.access_key_id = "ASIAFUZZFUZZFUZZFUZZ";
  credential.secret_access_key = "fuzz-secret";
  credential.session_token = "fuzz-token";
  credential.instance = 1;
  credential.function = "fn";
  credential.role_name = "fn-role";
  credential.session_name = "fn";
  if (flags & 2) {
    // A policy that allows some and denies some, so that IAM's evaluation runs.
    credential.policy = std::make_shared<const thaw::aws::IamPolicy>(
        *thaw::aws::ParseIamPolicy(nlohmann::json::parse(R"({"Statement":[
          {"Effect":"Allow","Action":["secretsmanager:*","ssm:Get*"],"Resource":"*"},
          {"Effect":"Deny","Action":"secretsmanager:DeleteSecret","Resource":"arn:aws:*:*:*:secret:prod/*"}]})")));
  }
  credentials.Add(credential);
  thaw::aws::AwsService::Options options;
  options.verify_signatures = (flags & 1) != 0;
  options.admin_routes = (flags & 4) != 0;
  thaw::aws::AwsService service(options, ledger, credentials, secrets, parameters);

  const thaw::http::HttpServer::Options limits;
  // A fixed time, so that a crash replays the same way (signatures carry their time).
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  thaw::fuzz::ForEachRequest(input, limits.header_limit, limits.body_limit,
                             [&](thaw::http::Request& request, bool) {
                               thaw::http::Response response = service.Handle(request, now);
                               response.prepare_payload();
                             });

  const nlohmann::json document = nlohmann::json::parse(input, nullptr, false);
  if (!document.is_discarded()) {
    absl::StatusOr<thaw::aws::IamPolicy> policy = thaw::aws::ParseIamPolicy(document);
    if (policy.ok()) {
      thaw::aws::IamEvaluator evaluator;
      (void)evaluator.Evaluate(
          *policy, "secretsmanager:GetSecretValue",
          "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf");
    }
  }
  return 0;
}
