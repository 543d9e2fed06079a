#ifndef THAW_EMULATOR_CONFIG_IAM_TRANSLATION_H_
#define THAW_EMULATOR_CONFIG_IAM_TRANSLATION_H_

#include <string>

#include "emulator/config/diagnostics.h"
#include "nlohmann/json.hpp"

namespace thaw {

// Collects a function role's identity-based policy from the shapes function definitions use
// (policy documents, SAM policy templates, AWS managed policy names) as the plain statements
// FunctionConfig::iam_statements holds: {"Effect","Action","Resource"}. What cannot be
// translated becomes a note on `diagnostics`, saying whether the calls it would allow are
// denied locally (the statement is dropped) or every call is allowed (an unknown managed
// policy: no restriction at all). Not thread-safe; `diagnostics` must outlive it.
class IamTranslation {
 public:
  IamTranslation(Diagnostics& diagnostics, std::string region, std::string account_id)
      : diag_(diagnostics), region_(std::move(region)), account_id_(std::move(account_id)) {}

  // The function has a policy, even if no statement follows (SAM's default role, a
  // serverless.yml role without statements): then every Secrets Manager / SSM call is denied.
  void DeclareNone() { declared_ = true; }
  // A policy document ({"Statement": [...] or {...}}) or a bare list of statements.
  void AddDocument(const std::string& path, const nlohmann::json& document);
  // One statement; NotAction / NotResource statements are dropped, a Condition is ignored
  // (each with a note).
  void AddStatement(const std::string& path, const nlohmann::json& statement);
  // An AWS managed policy, by name or ARN. Those granting nothing thaw emulates add nothing;
  // SecretsManagerReadWrite, AmazonSSMReadOnlyAccess, AmazonSSMFullAccess,
  // AdministratorAccess and PowerUserAccess become their Secrets Manager / SSM grants; any
  // other makes the function unrestricted.
  void AddManagedPolicy(const std::string& path, const std::string& name);
  // A SAM policy template: AWSSecretsManagerGetSecretValuePolicy, SSMParameterReadPolicy and
  // SSMParameterWithSlashPrefixReadPolicy are expanded as SAM expands them; others are noted
  // and not applied.
  void AddPolicyTemplate(const std::string& path, const std::string& name,
                         const nlohmann::json& parameters);
  // A policy item that could not be evaluated locally: noted and not applied.
  void Unresolved(const std::string& path, const std::string& why);
  // The permissions are unknown: every call is allowed (the caller notes why).
  void Unrestricted() { unrestricted_ = true; }

  // The statements; null when nothing was declared or the function is unrestricted.
  nlohmann::json Statements() const;

 private:
  void Allow(nlohmann::json actions, nlohmann::json resources);

  Diagnostics& diag_;
  std::string region_;
  std::string account_id_;
  bool declared_ = false;
  bool unrestricted_ = false;
  nlohmann::json statements_ = nlohmann::json::array();
};

}  // namespace thaw

#endif  // THAW_EMULATOR_CONFIG_IAM_TRANSLATION_H_
