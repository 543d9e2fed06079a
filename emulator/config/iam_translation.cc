#include "emulator/config/iam_translation.h"

#include <set>

namespace thaw {

using Json = nlohmann::json;

void IamTranslation::Allow(Json actions, Json resources) {
  statements_.push_back(Json{
      {"Effect", "Allow"}, {"Action", std::move(actions)}, {"Resource", std::move(resources)}});
}

void IamTranslation::AddDocument(const std::string& path, const Json& document) {
  declared_ = true;
  Json statements = document;
  std::string base = path;
  if (document.is_object() && document.contains("Statement")) {
    statements = document["Statement"];
    base += ".Statement";
  }
  if (statements.is_object()) {
    AddStatement(base, statements);
    return;
  }
  if (!statements.is_array()) {
    diag_.Note(base, "not a list of statements; not applied (the calls it allows are denied)");
    return;
  }
  for (size_t i = 0; i < statements.size(); ++i) {
    AddStatement(base + "[" + std::to_string(i) + "]", statements[i]);
  }
}

void IamTranslation::AddStatement(const std::string& path, const Json& statement) {
  declared_ = true;
  if (!statement.is_object() || !statement.contains("Effect")) {
    diag_.Note(path, "not a statement with Effect, Action and Resource; not applied");
    return;
  }
  if (statement.contains("NotAction") || statement.contains("NotResource")) {
    diag_.Note(path,
               "NotAction / NotResource statements are not evaluated by thaw; the "
               "statement is not applied (the calls it allows are denied)");
    return;
  }
  if (!statement.contains("Action") || !statement.contains("Resource")) {
    diag_.Note(path, "a statement needs Action and Resource; not applied");
    return;
  }
  if (statement.contains("Condition")) {
    diag_.Note(path + ".Condition", "ignored: the statement applies unconditionally");
  }
  statements_.push_back(Json{{"Effect", statement["Effect"]},
                             {"Action", statement["Action"]},
                             {"Resource", statement["Resource"]}});
}

void IamTranslation::AddManagedPolicy(const std::string& path, const std::string& name) {
  declared_ = true;
  std::string short_name = name;
  for (const std::string prefix :
       {"arn:aws:iam::aws:policy/service-role/", "arn:aws:iam::aws:policy/"}) {
    if (short_name.rfind(prefix, 0) == 0) short_name = short_name.substr(prefix.size());
  }
  // Managed policies that grant nothing in Secrets Manager or SSM.
  static const std::set<std::string> kInert = {"AWSLambdaBasicExecutionRole",
                                               "AWSLambdaVPCAccessExecutionRole",
                                               "AWSXRayDaemonWriteAccess",
                                               "AWSXrayWriteOnlyAccess",
                                               "AWSLambdaExecute",
                                               "CloudWatchLambdaInsightsExecutionRolePolicy",
                                               "AWSLambdaSQSQueueExecutionRole",
                                               "AWSLambdaDynamoDBExecutionRole",
                                               "AWSLambdaKinesisExecutionRole"};
  if (kInert.count(short_name)) return;
  if (short_name == "SecretsManagerReadWrite") {
    Allow("secretsmanager:*", "*");
  } else if (short_name == "AmazonSSMReadOnlyAccess") {
    Allow(Json::array({"ssm:Describe*", "ssm:Get*", "ssm:List*"}), "*");
  } else if (short_name == "AmazonSSMFullAccess") {
    Allow("ssm:*", "*");
  } else if (short_name == "AdministratorAccess" || short_name == "PowerUserAccess") {
    Allow("*", "*");
  } else {
    unrestricted_ = true;
    diag_.Note(path, "the managed policy " + name +
                         " is not known to thaw: the function's calls to the fake AWS are not "
                         "restricted at all (treated as allowing everything)");
    return;
  }
  diag_.Note(path, "the managed policy " + short_name +
                       " is applied as its Secrets Manager / SSM grants only");
}

void IamTranslation::AddPolicyTemplate(const std::string& path, const std::string& name,
                                       const Json& parameters) {
  declared_ = true;
  auto parameter = [&](const std::string& key) -> std::string {
    if (!parameters.is_object() || !parameters.contains(key) || !parameters[key].is_string()) {
      return "";
    }
    return parameters[key].get<std::string>();
  };
  const std::string ssm_arn = "arn:aws:ssm:" + region_ + ":" + account_id_ + ":parameter";
  if (name == "AWSSecretsManagerGetSecretValuePolicy" && !parameter("SecretArn").empty()) {
    Allow(Json::array({"secretsmanager:GetSecretValue"}), parameter("SecretArn"));
    return;
  }
  if ((name == "SSMParameterReadPolicy" || name == "SSMParameterWithSlashPrefixReadPolicy") &&
      !parameter("ParameterName").empty()) {
    const std::string separator = name == "SSMParameterReadPolicy" ? "/" : "";
    Allow(Json::array({"ssm:DescribeParameters"}), "*");
    Allow(Json::array({"ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"}),
          ssm_arn + separator + parameter("ParameterName"));
    return;
  }
  diag_.Note(path + "." + name,
             "policy template not translated by thaw (it knows "
             "AWSSecretsManagerGetSecretValuePolicy, SSMParameterReadPolicy and "
             "SSMParameterWithSlashPrefixReadPolicy): any Secrets Manager or SSM call it allows "
             "is denied locally");
}

void IamTranslation::Unresolved(const std::string& path, const std::string& why) {
  declared_ = true;
  diag_.Note(path, "not applied: " + why + " (the calls it allows are denied locally)");
}

Json IamTranslation::Statements() const {
  if (unrestricted_ || !declared_) return Json();
  return statements_;
}

}  // namespace thaw
