#include "fakes/momento/local_fault_injector.h"

#include <gtest/gtest.h>

namespace thaw::momento {
namespace {

TEST(LocalFaultInjectorTest, RpcNamesFollowMomentoLocal) {
  EXPECT_EQ(LocalFaultInjector::RpcName("Get"), "get");
  EXPECT_EQ(LocalFaultInjector::RpcName("SetIf"), "set-if");
  EXPECT_EQ(LocalFaultInjector::RpcName("SetIfNotExists"), "set-if");
  EXPECT_EQ(LocalFaultInjector::RpcName("GetBatch"), "get-batch");
  EXPECT_EQ(LocalFaultInjector::RpcName("ItemGetTtl"), "item-get-ttl");
  EXPECT_EQ(LocalFaultInjector::RpcName("KeysExist"), "keys-exist");
  EXPECT_EQ(LocalFaultInjector::RpcName("GetWithHash"), "get-with-hash");
  EXPECT_EQ(LocalFaultInjector::RpcName("SetIfHash"), "set-if-hash");
}

TEST(LocalFaultInjectorTest, ErrorsOnlyListedRpcsAndStopsAfterTheCountPerRequestId) {
  LocalFaultInjector faults;
  const std::map<std::string, std::string> metadata = {{"request-id", "session-1"},
                                                       {"return-error", "unavailable"},
                                                       {"error-rpcs", "get set"},
                                                       {"error-count", "2"}};
  EXPECT_FALSE(faults.Decide(metadata, "delete").error.has_value());
  auto first = faults.Decide(metadata, "get");
  ASSERT_TRUE(first.error.has_value());
  EXPECT_EQ(first.error->code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(faults.Decide(metadata, "set").error.has_value());
  EXPECT_FALSE(faults.Decide(metadata, "get").error.has_value());

  auto other_session = metadata;
  other_session["request-id"] = "session-2";
  EXPECT_TRUE(faults.Decide(other_session, "get").error.has_value());
}

TEST(LocalFaultInjectorTest, WithoutACountEveryCallErrs) {
  LocalFaultInjector faults;
  const std::map<std::string, std::string> metadata = {{"return-error", "not-found"},
                                                       {"error-rpcs", "get"}};
  for (int i = 0; i < 5; ++i) {
    auto plan = faults.Decide(metadata, "get");
    ASSERT_TRUE(plan.error.has_value());
    EXPECT_EQ(plan.error->code(), absl::StatusCode::kNotFound);
  }
}

TEST(LocalFaultInjectorTest, DelaysListedRpcsUpToTheCount) {
  LocalFaultInjector faults;
  const std::map<std::string, std::string> metadata = {
      {"request-id", "s"}, {"delay-rpcs", "set"}, {"delay-ms", "250"}, {"delay-count", "1"}};
  EXPECT_EQ(faults.Decide(metadata, "get").delay.count(), 0);
  EXPECT_EQ(faults.Decide(metadata, "set").delay.count(), 250);
  EXPECT_EQ(faults.Decide(metadata, "set").delay.count(), 0);
}

TEST(LocalFaultInjectorTest, KnowsEveryMomentoLocalErrorName) {
  for (const char* name : {"invalid-argument", "unknown", "already-exists", "not-found", "internal",
                           "permission-denied", "unauthenticated", "cancelled", "unavailable",
                           "resource-exhausted", "deadline-exceeded", "failed-precondition"}) {
    EXPECT_TRUE(LocalFaultInjector::ErrorCode(name).has_value()) << name;
  }
  EXPECT_FALSE(LocalFaultInjector::ErrorCode("bogus").has_value());
}

}  // namespace
}  // namespace thaw::momento
