// One run, three readers: the admin API (/_thaw/momento), `thaw check`'s rules and
// thaw::testing's accounting must count the same Momento connections the same way. The run
// uses the real @gomomento/sdk: one client per instance, and one client per invoke (with its
// control connection for CreateCache) that it close()s. The close-time connection, which the
// readers once classified differently, is pinned by MomentoCloseTime in the unit tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/expectation.h"
#include "testing/emulator.h"
#include "testing/matchers.h"
#include "tests/util/http_client.h"

namespace thaw::testing {
namespace {

using ::testing::Each;

// The lambda makes its client with fromEnvVarV2, from a v2 key minted per instance, and reaches
// the fake at Momento's real names inside its sandbox.
constexpr char kKeyEnv[] =
    "{MOMENTO_API_KEY: \"{{momento_api_key_v2}}\", MOMENTO_ENDPOINT: \"{{momento_endpoint}}\"}";

TEST(AccountingAgreementTest, AdminApiCheckAndTestingAgreeOnOneRun) {
  const std::string code = THAW_SOURCE_DIR "/tests/conformance/momento/lambda";
  auto started = Emulator::Start(
      "functions:\n"
      "  perinvoke: {runtime: provided.al2023, handler: per-invoke, code: \"" +
      code + "\", timeout: 20, environment: " + kKeyEnv +
      "}\n"
      "  shared: {runtime: provided.al2023, handler: module-scope, code: \"" +
      code + "\", timeout: 20, environment: " + kKeyEnv + "}\n");
  ASSERT_TRUE(started.ok()) << started.status();
  Emulator& emu = **started;
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(emu.Invoke("perinvoke"), Succeeded());
    ASSERT_THAT(emu.Invoke("shared"), Succeeded());
  }
  // Stop every instance, so that no connection is still open and the ledger stops growing.
  emu.AdvanceClock(std::chrono::minutes(11));
  ASSERT_TRUE(emu.WaitUntil(
                     [&] {
                       for (const auto& row : emu.MomentoSummary()) {
                         if (row["closed"] != row["connections"]) return false;
                       }
                       return true;
                     },
                     "every Momento connection closed")
                  .ok());

  const nlohmann::json testing_view = emu.MomentoSummary();
  HttpClient client(emu.port());
  const HttpResult admin = client.Get("/_thaw/momento");
  ASSERT_EQ(admin.status, 200) << admin.body;
  EXPECT_EQ(nlohmann::json::parse(admin.body)["instances"], testing_view);

  const std::vector<Event> events = emu.ledger().Since(0);
  for (const char* metric :
       {"connections", "data_connections", "control_connections", "unused_connections"}) {
    long total = 0;
    for (const auto& row : testing_view) total += row[metric].get<long>();
    const std::string rule = "momento." + std::string(metric) + " == " + std::to_string(total);
    auto expectation = check::ParseExpectation(rule);
    ASSERT_TRUE(expectation.ok()) << expectation.status();
    const check::ExpectationResult result =
        check::Evaluate(*expectation, events, {"perinvoke", "shared"});
    EXPECT_TRUE(result.passed) << rule << ": measured " << result.measured;
  }
  // And the shapes this run was built to show.
  EXPECT_THAT(emu.MomentoDataConnectionsPerInstance("shared"), Each(1));
  EXPECT_THAT(emu.MomentoDataConnectionsPerInstance("perinvoke"), Each(3));
}

}  // namespace
}  // namespace thaw::testing
