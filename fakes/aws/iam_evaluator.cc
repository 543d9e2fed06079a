#include "fakes/aws/iam_evaluator.h"

#include <cctype>

#include "core/aws_error.h"
#include "core/status_macros.h"

namespace thaw::aws {

namespace {

absl::StatusOr<std::vector<std::string>> StringList(const nlohmann::json& value,
                                                    const std::string& what) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (!item.is_string()) return absl::InvalidArgumentError(what + ": expected strings");
      out.push_back(item.get<std::string>());
    }
  } else {
    return absl::InvalidArgumentError(what + ": expected a string or a list of strings");
  }
  return out;
}

absl::StatusOr<IamStatement> ParseStatement(const nlohmann::json& s) {
  if (!s.is_object()) return absl::InvalidArgumentError("a statement must be an object");
  for (const char* unsupported : {"NotAction", "NotResource", "Condition", "NotPrincipal"}) {
    if (s.contains(unsupported)) {
      return absl::InvalidArgumentError(std::string("statement key ") + unsupported +
                                        " is not supported");
    }
  }
  IamStatement statement;
  const std::string effect = s.value("Effect", "");
  if (effect == "Allow") {
    statement.effect = IamStatement::Effect::kAllow;
  } else if (effect == "Deny") {
    statement.effect = IamStatement::Effect::kDeny;
  } else {
    return absl::InvalidArgumentError("Effect must be Allow or Deny, got '" + effect + "'");
  }
  if (!s.contains("Action")) return absl::InvalidArgumentError("a statement needs an Action");
  ASSIGN_OR_RETURN(auto actions, StringList(s["Action"], "Action"));
  statement.actions = std::move(actions);
  if (!s.contains("Resource")) return absl::InvalidArgumentError("a statement needs a Resource");
  ASSIGN_OR_RETURN(auto resources, StringList(s["Resource"], "Resource"));
  statement.resources = std::move(resources);
  return statement;
}

// "arn:...:secret:<name>-XXXXXX" -> "arn:...:secret:<name>"; anything else unchanged.
std::string_view WithoutSecretSuffix(std::string_view arn) {
  if (arn.find(":secretsmanager:") == std::string_view::npos) return arn;
  if (arn.find(":secret:") == std::string_view::npos) return arn;
  if (arn.size() < 7 || arn[arn.size() - 7] != '-') return arn;
  for (size_t i = arn.size() - 6; i < arn.size(); ++i) {
    if (!std::isalnum(static_cast<unsigned char>(arn[i]))) return arn;
  }
  return arn.substr(0, arn.size() - 7);
}

}  // namespace

absl::StatusOr<IamPolicy> ParseIamPolicy(const nlohmann::json& document) {
  const nlohmann::json* statements = &document;
  if (document.is_object() && document.contains("Statement")) statements = &document["Statement"];
  IamPolicy policy;
  if (statements->is_array()) {
    for (const auto& s : *statements) {
      ASSIGN_OR_RETURN(auto statement, ParseStatement(s));
      policy.push_back(std::move(statement));
    }
  } else {
    ASSIGN_OR_RETURN(auto statement, ParseStatement(*statements));
    policy.push_back(std::move(statement));
  }
  return policy;
}

bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto eq = [ignore_case](char a, char b) {
    if (!ignore_case) return a == b;
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  // Iterative glob match with backtracking to the last `*`.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || eq(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool IamEvaluator::ResourceMatches(std::string_view pattern, std::string_view resource) const {
  if (WildcardMatch(pattern, resource, false)) return true;
  if (!options_.match_secret_arn_without_suffix) return false;
  std::string_view bare = WithoutSecretSuffix(resource);
  return bare.size() != resource.size() && WildcardMatch(pattern, bare, false);
}

IamEvaluator::Decision IamEvaluator::Evaluate(const IamPolicy& policy, std::string_view action,
                                              std::string_view resource) const {
  bool allowed = false;
  for (const IamStatement& statement : policy) {
    bool action_match = false;
    for (const auto& a : statement.actions) {
      if (WildcardMatch(a, action, true)) {
        action_match = true;
        break;
      }
    }
    if (!action_match) continue;
    bool resource_match = false;
    for (const auto& r : statement.resources) {
      if (ResourceMatches(r, resource)) {
        resource_match = true;
        break;
      }
    }
    if (!resource_match) continue;
    if (statement.effect == IamStatement::Effect::kDeny) return Decision::kExplicitDeny;
    allowed = true;
  }
  return allowed ? Decision::kAllow : Decision::kImplicitDeny;
}

absl::Status IamEvaluator::Check(const IamPolicy& policy, std::string_view principal_arn,
                                 std::string_view action, std::string_view resource) const {
  const Decision decision = Evaluate(policy, action, resource);
  if (decision == Decision::kAllow) return absl::OkStatus();
  std::string message = "User: " + std::string(principal_arn) +
                        " is not authorized to perform: " + std::string(action) +
                        " on resource: " + std::string(resource);
  if (decision == Decision::kExplicitDeny) {
    message += " with an explicit deny in an identity-based policy";
  } else {
    message += " because no identity-based policy allows the " + std::string(action) + " action";
  }
  return AwsError("AccessDeniedException", message);
}

std::string AssumedRoleArn(std::string_view account, std::string_view role,
                           std::string_view session) {
  return "arn:aws:sts::" + std::string(account) + ":assumed-role/" + std::string(role) + "/" +
         std::string(session);
}

}  // namespace thaw::aws
