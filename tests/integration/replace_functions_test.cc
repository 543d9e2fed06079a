// What hot reload asks of the control plane, on an in-process emulator with real instances:
// ControlPlane::RetireInstances and EmulatorSession::ReloadConfig (ControlPlane::
// ReplaceFunctions): provisioned instances follow the new definition, a removed function is not
// found, reserved concurrency is counted from the new definitions, and a reload that cannot be
// applied changes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "emulator/control/instance.h"
#include "nlohmann/json.hpp"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Key;

// Instances of `function` gone with `reason`.
size_t GoneWith(TestEmulator& emu, const std::string& function, const std::string& reason) {
  return emu.ledger()
      .Select([&](const Event& e) {
        return e.kind == "instance.gone" && e.function == function && e.attrs["reason"] == reason;
      })
      .size();
}

constexpr char kProvisioned[] = R"(
functions:
  prov: {runtime: provided, handler: env, code: "{{echo}}", provisioned_concurrency: 1}
  plain: {runtime: provided, handler: env, code: "{{echo}}"}
)";

// The old provisioned instance goes (config_changed) without a replacement of the old
// definition; the new definition's instances start; an unchanged function keeps its instance.
TEST(ReplaceFunctionsTest, AChangedFunctionRestartsOnItsNewDefinition) {
  auto emu = StartEmulator(kProvisioned);
  ASSERT_TRUE(emu->WaitForEvents("instance.ready", "prov", 1).ok());
  EXPECT_EQ(InvokeJson(*emu, "plain")["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128");

  auto reload = emu->Reload(R"(
functions:
  prov: {runtime: provided, handler: env, code: "{{echo}}", provisioned_concurrency: 2, memory: 256}
  plain: {runtime: provided, handler: env, code: "{{echo}}"}
)");
  ASSERT_TRUE(reload.ok()) << reload.status();
  EXPECT_THAT(reload->functions.changed, ElementsAre(Key("prov")));
  EXPECT_EQ(reload->functions.changed.at("prov").idle, 1);
  EXPECT_THAT(reload->functions.added, IsEmpty());
  EXPECT_THAT(reload->functions.removed, IsEmpty());
  EXPECT_THAT(reload->not_applied, IsEmpty());

  ASSERT_TRUE(emu->WaitForEvents("instance.ready", "prov", 3).ok());
  ASSERT_TRUE(emu->WaitForEvents("instance.gone", "prov", 1).ok());
  emu->RunOnLoop([] {});  // what the gone instance deferred (a replacement, if any) has run
  EXPECT_EQ(GoneWith(*emu, "prov", stop_reasons::kConfigChanged), 1u);
  EXPECT_EQ(emu->CountEvents("instance.spawned", "prov"), 3u);
  const nlohmann::json env = InvokeJson(*emu, "prov");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
  EXPECT_EQ(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "provisioned-concurrency");

  InvokeJson(*emu, "plain");
  EXPECT_EQ(emu->CountEvents("instance.spawned", "plain"), 1u);
}

// A code change keeps provisioned concurrency at its level: the instance is replaced once.
TEST(ReplaceFunctionsTest, ARetiredProvisionedInstanceIsReplaced) {
  auto emu = StartEmulator(kProvisioned);
  ASSERT_TRUE(emu->WaitForEvents("instance.ready", "prov", 1).ok());
  const ControlPlane::Retired retired = emu->RetireInstances("prov", stop_reasons::kCodeChanged);
  EXPECT_EQ(retired.idle, 1);
  EXPECT_EQ(retired.busy, 0);
  ASSERT_TRUE(emu->WaitForEvents("instance.ready", "prov", 2).ok());
  ASSERT_TRUE(emu->WaitForEvents("instance.gone", "prov", 1).ok());
  EXPECT_EQ(GoneWith(*emu, "prov", stop_reasons::kCodeChanged), 1u);
  emu->RunOnLoop([] {});
  EXPECT_EQ(emu->CountEvents("instance.spawned", "prov"), 2u);
}

// Removed: its instances go, none replaces them, and its name is not found, as in AWS; added:
// it answers.
TEST(ReplaceFunctionsTest, ARemovedFunctionIsNotFoundAndAnAddedOneAnswers) {
  auto emu = StartEmulator(kProvisioned);
  ASSERT_TRUE(emu->WaitForEvents("instance.ready", "prov", 1).ok());
  auto reload = emu->Reload(R"(
functions:
  plain: {runtime: provided, handler: env, code: "{{echo}}"}
  added: {runtime: provided, handler: echo, code: "{{echo}}"}
)");
  ASSERT_TRUE(reload.ok()) << reload.status();
  EXPECT_THAT(reload->functions.removed, ElementsAre(Key("prov")));
  EXPECT_THAT(reload->functions.added, ElementsAre("added"));
  ASSERT_TRUE(emu->WaitForEvents("instance.gone", "prov", 1).ok());
  emu->RunOnLoop([] {});
  EXPECT_EQ(GoneWith(*emu, "prov", stop_reasons::kConfigChanged), 1u);
  EXPECT_EQ(emu->CountEvents("instance.spawned", "prov"), 1u);

  const HttpResult gone = emu->Invoke("prov");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.Header("X-Amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(InvokeJson(*emu, "added", R"({"a":1})"), nlohmann::json::parse(R"({"a":1})"));
}

// The account's unreserved pool is counted from the new definitions: a function that now
// reserves 2 of the account's 3 leaves one for the others.
TEST(ReplaceFunctionsTest, ReservedConcurrencyIsCountedFromTheNewDefinitions) {
  auto emu = StartEmulator(R"(
functions:
  open: {runtime: provided, handler: sleep, code: "{{echo}}"}
  big: {runtime: provided, handler: echo, code: "{{echo}}"}
settings: {account_concurrency: 3}
)");
  ASSERT_TRUE(emu->Reload(R"(
functions:
  open: {runtime: provided, handler: sleep, code: "{{echo}}"}
  big: {runtime: provided, handler: echo, code: "{{echo}}", reserved_concurrency: 2}
settings: {account_concurrency: 3}
)")
                  .ok());
  auto call =
      std::async(std::launch::async, [&] { return emu->Invoke("open", R"({"ms":60000})"); });
  ASSERT_TRUE(emu->WaitForEvent("invoke.start", "open").ok());
  const HttpResult throttled = emu->Invoke("open", R"({"ms":1})");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(nlohmann::json::parse(throttled.body)["Reason"], "ConcurrentInvocationLimitExceeded");
  // End the long event: its instance is killed, and the call still gets its one answer.
  HttpClient admin(emu->port(), TestTimeout());
  for (const Event& e :
       emu->ledger().Select([](const Event& e) { return e.kind == "instance.spawned"; })) {
    admin.Post("/_thaw/instances/" + std::to_string(e.instance) + "/kill", "");
  }
  EXPECT_EQ(call.get().status, 200);
}

// Settings, secrets and caches are not applied by a reload; it says which differ.
TEST(ReplaceFunctionsTest, SaysWhichSectionsApplyOnlyAtTheNextStart) {
  auto emu = StartEmulator(R"(
functions:
  plain: {runtime: provided, handler: env, code: "{{echo}}"}
)");
  auto reload = emu->Reload(R"(
functions:
  plain: {runtime: provided, handler: env, code: "{{echo}}"}
settings: {keepalive: 1m}
caches: [orders]
)");
  ASSERT_TRUE(reload.ok()) << reload.status();
  EXPECT_TRUE(reload->functions.empty());
  EXPECT_THAT(reload->not_applied, ElementsAre("settings", "caches"));
}

}  // namespace
}  // namespace thaw::testing
