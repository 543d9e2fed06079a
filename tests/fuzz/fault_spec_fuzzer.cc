// Fault specs (core/fault_registry.h): JSON routed by "service" to the fakes that take faults,
// here the fake AWS (AwsService::AddFault; the fake Momento's MomentoFaults would bring gRPC
// into the fuzz build), as the admin API's POST /_thaw/faults, thaw::testing and scenarios
// install them; then listed (the list must be writable JSON), removed and cleared.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/fault_registry.h"
#include "core/json_text.h"
#include "core/ledger.h"
#include "core/scheduler_clock.h"
#include "fakes/aws/aws_service.h"
#include "fakes/aws/credential_store.h"
#include "fakes/aws/parameter_store.h"
#include "fakes/aws/secret_store.h"

namespace {

struct Fakes {
  thaw::Ledger ledger;
  thaw::SchedulerClock clock;
  thaw::aws::CredentialStore credentials;
  thaw::aws::SecretStore secrets{clock, {}};
  thaw::aws::ParameterStore parameters{secrets, {}};
  thaw::aws::AwsService aws{{}, ledger, credentials, secrets, parameters};
  thaw::FaultRegistry registry;
  Fakes() { registry.Add(&aws); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One set of fakes for the whole run; every input leaves them without faults.
  static Fakes* fakes = new Fakes;
  const nlohmann::json spec = nlohmann::json::parse(data, data + size, nullptr, false);
  if (spec.is_discarded()) return 0;
  // A list of specs installs each (a scenario's faults), else the one spec.
  const nlohmann::json specs = spec.is_array() ? spec : nlohmann::json::array({spec});
  std::string last_id;
  for (const nlohmann::json& one : specs) {
    absl::StatusOr<std::string> id = fakes->registry.AddFault(one);
    if (id.ok()) last_id = *id;
  }
  const nlohmann::json listed = fakes->registry.ListFaults();
  (void)thaw::JsonText(listed);
  // A fault that acts at once (a rotation at 0m) may already be spent and gone; one that is
  // still listed must be removable by its id.
  bool still_listed = false;
  for (const nlohmann::json& fault : listed) {
    if (fault.value("id", "") == last_id) still_listed = true;
  }
  if (still_listed && !fakes->registry.RemoveFault(last_id)) __builtin_trap();
  fakes->registry.ClearFaults();
  return 0;
}
