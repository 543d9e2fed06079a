// The admin API's bodies, as `thaw serve` and the standalone fakes read them: raw bytes read as
// HttpServer reads a request, then the fault routes (http::RouteFaults: POST/GET/DELETE
// /_thaw/faults over a registry with the fake AWS), the JSON body reader every admin route
// uses (http::JsonBody) and the durations POST /_thaw/clock/advance and fault specs take
// (ParseDuration).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/duration.h"
#include "core/fault_registry.h"
#include "core/http/fault_routes.h"
#include "core/http/http_server.h"
#include "core/http/json_body.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/aws/aws_service.h"
#include "fakes/aws/credential_store.h"
#include "fakes/aws/parameter_store.h"
#include "fakes/aws/secret_store.h"
#include "tests/fuzz/fuzz_http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  thaw::Ledger ledger;
  thaw::SchedulerClock clock;
  thaw::aws::CredentialStore credentials;
  thaw::aws::SecretStore secrets(clock, {});
  thaw::aws::ParameterStore parameters(secrets, {});
  thaw::aws::AwsService aws({}, ledger, credentials, secrets, parameters);
  thaw::FaultRegistry faults;
  faults.Add(&aws);
  const thaw::http::HttpServer::Options limits;
  thaw::fuzz::ForEachRequest(
      input, limits.header_limit, limits.body_limit, [&](thaw::http::Request& request, bool) {
        if (std::optional<thaw::http::Response> answer = thaw::http::RouteFaults(faults, request)) {
          answer->prepare_payload();
        }
        std::optional<nlohmann::json> body = thaw::http::JsonBody(request);
        if (body && body->contains("duration") && (*body)["duration"].is_string()) {
          absl::StatusOr<std::chrono::milliseconds> duration =
              thaw::ParseDuration((*body)["duration"].get<std::string>());
          if (duration.ok()) (void)thaw::FormatDuration(*duration);
        }
      });
  (void)thaw::ParseDuration(input.substr(0, 64));
  return 0;
}
