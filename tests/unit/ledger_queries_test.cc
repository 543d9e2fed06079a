#include "core/ledger_queries.h"

#include <gtest/gtest.h>

namespace thaw {
namespace {

TEST(LedgerQueriesTest, ClassifiesMomentoConnectionsPerInstance) {
  Ledger ledger;
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c1"}});
  ledger.Append(1, "fn", "momento.rpc", {{"connection", "c1"}, {"plane", "data"}, {"method", "Set"}});
  ledger.Append(1, "fn", "momento.rpc", {{"connection", "c1"}, {"plane", "data"}, {"method", "Get"}});
  ledger.Append(1, "fn", "momento.connection.opened", {{"connection", "c2"}});
  ledger.Append(1, "fn", "momento.connection.closed", {{"connection", "c2"}});
  ledger.Append(2, "fn", "momento.connection.opened", {{"connection", "c3"}});
  ledger.Append(2, "fn", "momento.rpc",
                {{"connection", "c3"}, {"plane", "control"}, {"method", "CreateCache"}});
  ledger.Append(2, "fn", "invoke.end");
  const nlohmann::json result = MomentoConnectionsPerInstance(ledger);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0]["instance"], 1);
  EXPECT_EQ(result[0]["connections"], 2);
  EXPECT_EQ(result[0]["data_connections"], 1);
  EXPECT_EQ(result[0]["unused_connections"], 1);
  EXPECT_EQ(result[0]["closed"], 1);
  EXPECT_EQ(result[0]["rpcs"]["Get"], 1);
  EXPECT_EQ(result[1]["control_connections"], 1);
  EXPECT_EQ(result[1]["data_connections"], 0);
}

}  // namespace
}  // namespace thaw

namespace thaw {
namespace {

TEST(LedgerQueriesTest, CountsAwsRequestsPerInstanceAndSecret) {
  Ledger ledger;
  ledger.Append(3, "fn", "aws.request",
                {{"operation", "GetSecretValue"}, {"secret", "s1"}, {"outcome", "ok"}});
  ledger.Append(3, "fn", "aws.request",
                {{"operation", "GetSecretValue"}, {"secret", "s1"}, {"outcome", "ok"}});
  ledger.Append(3, "fn", "aws.request",
                {{"operation", "GetParameter"}, {"outcome", "ParameterNotFound"}});
  ledger.Append(0, "", "aws.request", {{"operation", "ListSecrets"}, {"outcome", "ok"}});
  ledger.Append(3, "fn", "invoke.end");
  const nlohmann::json result = AwsRequestsPerInstance(ledger);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0]["instance"], 0);
  EXPECT_EQ(result[1]["instance"], 3);
  EXPECT_EQ(result[1]["requests"], 3);
  EXPECT_EQ(result[1]["operations"]["GetSecretValue"], 2);
  EXPECT_EQ(result[1]["secrets"]["s1"]["GetSecretValue"], 2);
  EXPECT_EQ(result[1]["errors"]["ParameterNotFound"], 1);
}

}  // namespace
}  // namespace thaw
