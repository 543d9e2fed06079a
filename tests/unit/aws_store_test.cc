// The fake AWS's Secrets Manager and Parameter Store data, without HTTP.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "core/aws_error.h"
#include "core/scheduler_clock.h"
#include "fakes/aws/parameter_store.h"
#include "fakes/aws/secret_store.h"

namespace thaw::aws {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SecretStoreTest : public ::testing::Test {
 protected:
  SecretStoreTest() : store_(clock_, {}) {}

  Json Ok(absl::StatusOr<Json> result) {
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : Json();
  }
  std::string Error(absl::StatusOr<Json> result) {
    if (result.ok()) return "ok";
    return AwsErrorType(result.status()) + ": " + std::string(result.status().message());
  }
  Json Create(const std::string& name, const std::string& value) {
    return Ok(store_.CreateSecret({{"Name", name}, {"SecretString", value}}));
  }
  std::vector<std::string> Stages(const Json& described, const std::string& version) {
    return described["VersionIdsToStages"].value(version, std::vector<std::string>{});
  }

  SchedulerClock clock_;
  SecretStore store_;
};

TEST_F(SecretStoreTest, CreateAndGetHaveAwsShapes) {
  Json created = Create("prod/momento", R"({"MOMENTO_API_KEY":"k"})");
  const std::string arn = created["ARN"];
  EXPECT_TRUE(std::regex_match(
      arn, std::regex("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/momento-"
                      "[A-Za-z]{6}")))
      << arn;
  EXPECT_TRUE(std::regex_match(std::string(created["VersionId"]),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")));
  Json value = Ok(store_.GetSecretValue({{"SecretId", "prod/momento"}}));
  EXPECT_EQ(value["ARN"], arn);
  EXPECT_EQ(value["Name"], "prod/momento");
  EXPECT_EQ(value["SecretString"], R"({"MOMENTO_API_KEY":"k"})");
  EXPECT_EQ(value["VersionStages"], Json::array({"AWSCURRENT"}));
  EXPECT_TRUE(value["CreatedDate"].is_number_float());
  EXPECT_NEAR(
      value["CreatedDate"].get<double>(),
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(),
      5);
  // By full ARN and by partial ARN (no suffix).
  EXPECT_EQ(Ok(store_.GetSecretValue({{"SecretId", arn}}))["Name"], "prod/momento");
  EXPECT_EQ(Ok(store_.GetSecretValue(
                {{"SecretId",
                  "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/momento"}}))["Name"],
            "prod/momento");
}

TEST_F(SecretStoreTest, Errors) {
  Create("s", "v");
  EXPECT_EQ(Error(store_.GetSecretValue({{"SecretId", "nope"}})),
            "ResourceNotFoundException: Secrets Manager can't find the specified secret.");
  EXPECT_EQ(Error(store_.GetSecretValue({{"SecretId", "s"}, {"VersionStage", "AWSPREVIOUS"}})),
            "ResourceNotFoundException: Secrets Manager can't find the specified secret value for "
            "staging label: AWSPREVIOUS");
  EXPECT_EQ(Error(store_.GetSecretValue({{"SecretId", "s"}, {"VersionId", "nope"}})),
            "ResourceNotFoundException: Secrets Manager can't find the specified secret value for "
            "VersionId: nope");
  EXPECT_EQ(Error(store_.CreateSecret({{"Name", "s"}, {"SecretString", "x"}})),
            "ResourceExistsException: The operation failed because the secret s already exists.");
  EXPECT_THAT(Error(store_.CreateSecret({{"Name", "bad name"}})),
              HasSubstr("ValidationException: Invalid name."));
  EXPECT_THAT(
      Error(store_.CreateSecret({{"Name", "b"}, {"SecretString", "x"}, {"SecretBinary", "eA=="}})),
      HasSubstr("InvalidParameterException"));
  EXPECT_THAT(Error(store_.GetSecretValue(Json::object())), HasSubstr("ValidationException"));
}

TEST_F(SecretStoreTest, PutMovesCurrentToPreviousAndDropsOlderPrevious) {
  const std::string v1 = Create("s", "one")["VersionId"];
  const std::string v2 =
      Ok(store_.PutSecretValue({{"SecretId", "s"}, {"SecretString", "two"}}))["VersionId"];
  const std::string v3 =
      Ok(store_.PutSecretValue({{"SecretId", "s"}, {"SecretString", "three"}}))["VersionId"];
  Json described = Ok(store_.DescribeSecret({{"SecretId", "s"}}));
  EXPECT_THAT(Stages(described, v3), ElementsAre("AWSCURRENT"));
  EXPECT_THAT(Stages(described, v2), ElementsAre("AWSPREVIOUS"));
  EXPECT_FALSE(described["VersionIdsToStages"].contains(v1));
  EXPECT_EQ(Ok(store_.GetSecretValue(
                {{"SecretId", "s"}, {"VersionStage", "AWSPREVIOUS"}}))["SecretString"],
            "two");
  EXPECT_EQ(Ok(store_.GetSecretValue({{"SecretId", "s"}, {"VersionId", v1}}))["SecretString"],
            "one");
  EXPECT_EQ(Error(store_.GetSecretValue(
                {{"SecretId", "s"}, {"VersionId", v2}, {"VersionStage", "AWSCURRENT"}})),
            "InvalidRequestException: You provided a VersionStage that is not associated to the "
            "provided VersionId.");
}

TEST_F(SecretStoreTest, ClientRequestTokenIsIdempotent) {
  Create("s", "one");
  const std::string token = "0123456789abcdef0123456789abcdef";
  Json put = {{"SecretId", "s"}, {"SecretString", "two"}, {"ClientRequestToken", token}};
  EXPECT_EQ(Ok(store_.PutSecretValue(put))["VersionId"], token);
  EXPECT_EQ(Ok(store_.PutSecretValue(put))["VersionId"], token);
  put["SecretString"] = "other";
  EXPECT_EQ(Error(store_.PutSecretValue(put)),
            "ResourceExistsException: You can't modify an existing version, you can only create "
            "a new version.");
}

TEST_F(SecretStoreTest, PendingVersionAndRotation) {
  const std::string v1 = Create("s", "one")["VersionId"];
  const std::string pending =
      Ok(store_.PutSecretValue({{"SecretId", "s"},
                                {"SecretString", "two"},
                                {"VersionStages", {"AWSPENDING"}}}))["VersionId"];
  Json described = Ok(store_.DescribeSecret({{"SecretId", "s"}}));
  EXPECT_THAT(Stages(described, v1), ElementsAre("AWSCURRENT"));
  EXPECT_THAT(Stages(described, pending), ElementsAre("AWSPENDING"));
  Json rotated = Ok(store_.RotateSecret(
      {{"SecretId", "s"}, {"RotationRules", {{"AutomaticallyAfterDays", 30}}}}));
  EXPECT_EQ(rotated["VersionId"], pending);
  described = Ok(store_.DescribeSecret({{"SecretId", "s"}}));
  EXPECT_THAT(Stages(described, pending), ElementsAre("AWSCURRENT"));
  EXPECT_THAT(Stages(described, v1), ElementsAre("AWSPREVIOUS"));
  EXPECT_EQ(described["RotationEnabled"], true);
  EXPECT_EQ(described["RotationRules"]["AutomaticallyAfterDays"], 30);
  EXPECT_TRUE(described.contains("LastRotatedDate"));
  // Without a pending version, rotation makes a new current version with the same value.
  Json again = Ok(store_.RotateSecret({{"SecretId", "s"}}));
  EXPECT_NE(again["VersionId"], pending);
  EXPECT_EQ(Ok(store_.GetSecretValue({{"SecretId", "s"}}))["SecretString"], "two");
}

TEST_F(SecretStoreTest, UpdateSecretVersionStage) {
  const std::string v1 = Create("s", "one")["VersionId"];
  const std::string v2 =
      Ok(store_.PutSecretValue({{"SecretId", "s"}, {"SecretString", "two"}}))["VersionId"];
  EXPECT_THAT(Error(store_.UpdateSecretVersionStage(
                  {{"SecretId", "s"}, {"VersionStage", "AWSCURRENT"}, {"MoveToVersionId", v1}})),
              HasSubstr("is currently attached to version " + v2));
  Ok(store_.UpdateSecretVersionStage({{"SecretId", "s"},
                                      {"VersionStage", "AWSCURRENT"},
                                      {"MoveToVersionId", v1},
                                      {"RemoveFromVersionId", v2}}));
  Json described = Ok(store_.DescribeSecret({{"SecretId", "s"}}));
  EXPECT_THAT(Stages(described, v1), ElementsAre("AWSCURRENT"));
  EXPECT_THAT(Stages(described, v2), ElementsAre("AWSPREVIOUS"));
  Ok(store_.UpdateSecretVersionStage(
      {{"SecretId", "s"}, {"VersionStage", "custom"}, {"MoveToVersionId", v2}}));
  described = Ok(store_.DescribeSecret({{"SecretId", "s"}}));
  EXPECT_THAT(Stages(described, v2), ElementsAre("AWSPREVIOUS", "custom"));
}

TEST_F(SecretStoreTest, DeleteWithRecoveryWindonOnTheSchedulerClock) {
  Create("s", "one");
  Json deleted = Ok(store_.DeleteSecret({{"SecretId", "s"}, {"RecoveryWindowInDays", 7}}));
  EXPECT_TRUE(deleted["DeletionDate"].is_number());
  EXPECT_THAT(Error(store_.GetSecretValue({{"SecretId", "s"}})),
              HasSubstr("InvalidRequestException: You can't perform this operation on the secret "
                        "because it was marked for deletion."));
  EXPECT_TRUE(Ok(store_.DescribeSecret({{"SecretId", "s"}})).contains("DeletedDate"));
  EXPECT_EQ(Ok(store_.ListSecrets(Json::object()))["SecretList"].size(), 0u);
  EXPECT_EQ(Ok(store_.ListSecrets({{"IncludePlannedDeletion", true}}))["SecretList"].size(), 1u);
  EXPECT_THAT(Error(store_.CreateSecret({{"Name", "s"}})),
              HasSubstr("already scheduled for deletion"));
  Ok(store_.RestoreSecret({{"SecretId", "s"}}));
  EXPECT_EQ(Ok(store_.GetSecretValue({{"SecretId", "s"}}))["SecretString"], "one");

  Ok(store_.DeleteSecret({{"SecretId", "s"}, {"RecoveryWindowInDays", 7}}));
  clock_.Advance(std::chrono::hours(24 * 7 + 1));
  EXPECT_THAT(Error(store_.DescribeSecret({{"SecretId", "s"}})),
              HasSubstr("ResourceNotFoundException"));
}

TEST_F(SecretStoreTest, DeleteValidationAndForce) {
  Create("s", "one");
  EXPECT_THAT(Error(store_.DeleteSecret({{"SecretId", "s"}, {"RecoveryWindowInDays", 3}})),
              HasSubstr("must be between 7 and 30 days"));
  EXPECT_THAT(
      Error(store_.DeleteSecret(
          {{"SecretId", "s"}, {"RecoveryWindowInDays", 7}, {"ForceDeleteWithoutRecovery", true}})),
      HasSubstr("InvalidParameterException"));
  Ok(store_.DeleteSecret({{"SecretId", "s"}, {"ForceDeleteWithoutRecovery", true}}));
  EXPECT_THAT(Error(store_.GetSecretValue({{"SecretId", "s"}})),
              HasSubstr("ResourceNotFoundException"));
  Create("s", "again");
}

TEST_F(SecretStoreTest, ListFiltersAndPages) {
  Create("app/a", "1");
  Create("app/b", "2");
  Create("other", "3");
  Ok(store_.TagResource({{"SecretId", "other"}, {"Tags", {{{"Key", "team"}, {"Value", "x"}}}}}));
  auto names = [](const Json& list) {
    std::vector<std::string> out;
    for (const auto& s : list["SecretList"]) out.push_back(s["Name"]);
    return out;
  };
  EXPECT_THAT(
      names(Ok(store_.ListSecrets({{"Filters", {{{"Key", "name"}, {"Values", {"app/"}}}}}}))),
      ElementsAre("app/a", "app/b"));
  EXPECT_THAT(
      names(Ok(store_.ListSecrets({{"Filters", {{{"Key", "name"}, {"Values", {"!app/"}}}}}}))),
      ElementsAre("other"));
  EXPECT_THAT(
      names(Ok(store_.ListSecrets({{"Filters", {{{"Key", "tag-key"}, {"Values", {"team"}}}}}}))),
      ElementsAre("other"));
  Json page = Ok(store_.ListSecrets({{"MaxResults", 2}}));
  EXPECT_THAT(names(page), ElementsAre("app/a", "app/b"));
  ASSERT_TRUE(page.contains("NextToken"));
  Json next = Ok(store_.ListSecrets({{"MaxResults", 2}, {"NextToken", page["NextToken"]}}));
  EXPECT_THAT(names(next), ElementsAre("other"));
  EXPECT_FALSE(next.contains("NextToken"));
  EXPECT_TRUE(next["SecretList"][0].contains("SecretVersionsToStages"));
  EXPECT_EQ(next["SecretList"][0]["Tags"][0]["Key"], "team");
  Ok(store_.UntagResource({{"SecretId", "other"}, {"TagKeys", {"team"}}}));
  EXPECT_FALSE(Ok(store_.DescribeSecret({{"SecretId", "other"}})).contains("Tags"));
  EXPECT_THAT(Error(store_.ListSecrets({{"Filters", {{{"Key", "bogus"}, {"Values", {"x"}}}}}})),
              HasSubstr("ValidationException"));
}

TEST_F(SecretStoreTest, BatchGetReportsMissingAndDenied) {
  Create("a", "1");
  Create("b", "2");
  Json result = Ok(store_.BatchGetSecretValue(
      {{"SecretIdList", {"a", "b", "missing"}}}, [](const std::string& arn) {
        if (arn.find(":secret:b-") != std::string::npos) {
          return AwsError("AccessDeniedException", "denied");
        }
        return absl::OkStatus();
      }));
  ASSERT_EQ(result["SecretValues"].size(), 1u);
  EXPECT_EQ(result["SecretValues"][0]["SecretString"], "1");
  ASSERT_EQ(result["Errors"].size(), 2u);
  EXPECT_EQ(result["Errors"][0]["ErrorCode"], "AccessDeniedException");
  EXPECT_EQ(result["Errors"][1]["SecretId"], "missing");
  EXPECT_EQ(result["Errors"][1]["ErrorCode"], "ResourceNotFoundException");
  Json filtered = Ok(
      store_.BatchGetSecretValue({{"Filters", {{{"Key", "name"}, {"Values", {"a"}}}}}}, nullptr));
  EXPECT_EQ(filtered["SecretValues"].size(), 1u);
  EXPECT_THAT(Error(store_.BatchGetSecretValue(Json::object(), nullptr)),
              HasSubstr("InvalidParameterException"));
}

TEST_F(SecretStoreTest, ResourceArnForIam) {
  const std::string arn = Create("s", "1")["ARN"];
  EXPECT_EQ(store_.ResourceArn("s"), arn);
  EXPECT_EQ(store_.ResourceArn("missing"),
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing");
}

class ParameterStoreTest : public SecretStoreTest {
 protected:
  ParameterStoreTest() : parameters_(store_, {}) {}
  ParameterStore parameters_;
};

TEST_F(ParameterStoreTest, PutGetVersionsAndShapes) {
  EXPECT_EQ(Ok(parameters_.PutParameter(
                {{"Name", "/app/table"}, {"Value", "orders"}, {"Type", "String"}})),
            Json({{"Version", 1}, {"Tier", "Standard"}}));
  EXPECT_EQ(Error(parameters_.PutParameter({{"Name", "/app/table"}, {"Value", "x"}})),
            "ParameterAlreadyExists: The parameter already exists. To overwrite this value, set "
            "the overwrite option in the request to true.");
  EXPECT_EQ(Ok(parameters_.PutParameter(
                {{"Name", "/app/table"}, {"Value", "orders2"}, {"Overwrite", true}}))["Version"],
            2);
  Json p = Ok(parameters_.GetParameter({{"Name", "/app/table"}}))["Parameter"];
  EXPECT_EQ(p["Name"], "/app/table");
  EXPECT_EQ(p["Type"], "String");
  EXPECT_EQ(p["Value"], "orders2");
  EXPECT_EQ(p["Version"], 2);
  EXPECT_EQ(p["DataType"], "text");
  EXPECT_EQ(p["ARN"], "arn:aws:ssm:us-east-1:123456789012:parameter/app/table");
  EXPECT_TRUE(p["LastModifiedDate"].is_number());
  Json v1 = Ok(parameters_.GetParameter({{"Name", "/app/table:1"}}))["Parameter"];
  EXPECT_EQ(v1["Value"], "orders");
  EXPECT_EQ(v1["Selector"], ":1");
  EXPECT_THAT(Error(parameters_.GetParameter({{"Name", "/app/table:9"}})),
              HasSubstr("ParameterVersionNotFound: Systems Manager could not find version 9"));
  EXPECT_EQ(Error(parameters_.GetParameter({{"Name", "/nope"}})), "ParameterNotFound: ");
  EXPECT_EQ(
      Ok(parameters_.GetParameter(
          {{"Name",
            "arn:aws:ssm:us-east-1:123456789012:parameter/app/table"}}))["Parameter"]["Value"],
      "orders2");
}

TEST_F(ParameterStoreTest, SecureStringNeedsDecryption) {
  Ok(parameters_.PutParameter({{"Name", "pw"}, {"Value", "hunter2"}, {"Type", "SecureString"}}));
  EXPECT_NE(Ok(parameters_.GetParameter({{"Name", "pw"}}))["Parameter"]["Value"], "hunter2");
  EXPECT_EQ(Ok(parameters_.GetParameter(
                {{"Name", "pw"}, {"WithDecryption", true}}))["Parameter"]["Value"],
            "hunter2");
}

TEST_F(ParameterStoreTest, Validation) {
  EXPECT_THAT(Error(parameters_.PutParameter({{"Name", "x"}, {"Value", "v"}})),
              HasSubstr("A parameter type is required"));
  EXPECT_THAT(Error(parameters_.PutParameter({{"Name", "x"}, {"Value", "v"}, {"Type", "Int"}})),
              HasSubstr("Member must satisfy enum value set"));
  EXPECT_THAT(
      Error(parameters_.PutParameter({{"Name", "a/b"}, {"Value", "v"}, {"Type", "String"}})),
      HasSubstr("fully qualified"));
  EXPECT_THAT(
      Error(parameters_.PutParameter({{"Name", "/ssm/x"}, {"Value", "v"}, {"Type", "String"}})),
      HasSubstr("can't be prefixed"));
  EXPECT_THAT(Error(parameters_.PutParameter({{"Name", "x"}, {"Value", ""}, {"Type", "String"}})),
              HasSubstr("greater than or equal to 1"));
}

TEST_F(ParameterStoreTest, GetParametersAndByPath) {
  for (const char* name : {"/app/a", "/app/b", "/app/deep/c", "/other"}) {
    Ok(parameters_.PutParameter({{"Name", name}, {"Value", "v"}, {"Type", "String"}}));
  }
  Json got = Ok(parameters_.GetParameters({{"Names", {"/app/a", "/missing"}}}));
  EXPECT_EQ(got["Parameters"].size(), 1u);
  EXPECT_EQ(got["InvalidParameters"], Json::array({"/missing"}));
  auto names = [](const Json& result) {
    std::vector<std::string> out;
    for (const auto& p : result["Parameters"]) out.push_back(p["Name"]);
    return out;
  };
  EXPECT_THAT(names(Ok(parameters_.GetParametersByPath({{"Path", "/app"}}))),
              ElementsAre("/app/a", "/app/b"));
  EXPECT_THAT(names(Ok(parameters_.GetParametersByPath({{"Path", "/app/"}, {"Recursive", true}}))),
              ElementsAre("/app/a", "/app/b", "/app/deep/c"));
  Json page =
      Ok(parameters_.GetParametersByPath({{"Path", "/"}, {"Recursive", true}, {"MaxResults", 3}}));
  EXPECT_EQ(page["Parameters"].size(), 3u);
  Json rest = Ok(parameters_.GetParametersByPath(
      {{"Path", "/"}, {"Recursive", true}, {"MaxResults", 3}, {"NextToken", page["NextToken"]}}));
  EXPECT_THAT(names(rest), ElementsAre("/other"));
}

TEST_F(ParameterStoreTest, Delete) {
  Ok(parameters_.PutParameter({{"Name", "a"}, {"Value", "v"}, {"Type", "String"}}));
  Ok(parameters_.PutParameter({{"Name", "b"}, {"Value", "v"}, {"Type", "String"}}));
  EXPECT_EQ(Ok(parameters_.DeleteParameter({{"Name", "a"}})), Json::object());
  EXPECT_THAT(Error(parameters_.DeleteParameter({{"Name", "a"}})), HasSubstr("ParameterNotFound"));
  Json deleted = Ok(parameters_.DeleteParameters({{"Names", {"b", "a"}}}));
  EXPECT_EQ(deleted["DeletedParameters"], Json::array({"b"}));
  EXPECT_EQ(deleted["InvalidParameters"], Json::array({"a"}));
}

TEST_F(ParameterStoreTest, SecretsManagerReference) {
  Create("prod/db", "pw");
  EXPECT_EQ(Error(parameters_.GetParameter({{"Name", "/aws/reference/secretsmanager/prod/db"}})),
            "ValidationException: WithDecryption flag must be True for retrieving a Secret "
            "Manager secret.");
  Json p = Ok(parameters_.GetParameter(
      {{"Name", "/aws/reference/secretsmanager/prod/db"}, {"WithDecryption", true}}))["Parameter"];
  EXPECT_EQ(p["Type"], "SecureString");
  EXPECT_EQ(p["Value"], "pw");
  EXPECT_EQ(Json::parse(p["SourceResult"].get<std::string>())["Name"], "prod/db");
  EXPECT_THAT(Error(parameters_.GetParameter(
                  {{"Name", "/aws/reference/secretsmanager/missing"}, {"WithDecryption", true}})),
              HasSubstr("ParameterNotFound"));
  EXPECT_THAT(
      Error(parameters_.PutParameter(
          {{"Name", "/aws/reference/secretsmanager/x"}, {"Value", "v"}, {"Type", "String"}})),
      HasSubstr("reserved parameter name"));
}

TEST(NewUuidTest, VersionFourAndDistinct) {
  const std::regex kV4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuid();
    ASSERT_TRUE(std::regex_match(id, kV4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace thaw::aws
