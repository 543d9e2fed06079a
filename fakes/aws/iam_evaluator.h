#ifndef THAW_FAKES_AWS_IAM_EVALUATOR_H_
#define THAW_FAKES_AWS_IAM_EVALUATOR_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace thaw::aws {

// One identity-based policy statement. `actions` are "service:Operation" patterns, matched
// case-insensitively; `resources` are ARN patterns, matched case-sensitively. Both may use
// `*` (any run of characters) and `?` (one character), as IAM does.
struct IamStatement {
  enum class Effect { kAllow, kDeny };
  Effect effect = Effect::kAllow;
  std::vector<std::string> actions;
  std::vector<std::string> resources;
};

// A role's statements (SAM `Policies`, serverless.yml `iam.role.statements`, thaw.yaml).
using IamPolicy = std::vector<IamStatement>;

// Parses `{"Statement":[...]}`, a bare statement list, or one statement: Effect, Action and
// Resource (strings or lists; NotAction / NotResource / Condition are refused with
// InvalidArgument, so a policy thaw cannot evaluate is never silently widened).
absl::StatusOr<IamPolicy> ParseIamPolicy(const nlohmann::json& document);

// Evaluates identity-based policies the way IAM does for one principal: an explicit Deny
// wins, then any Allow, else the implicit deny.
// Stateless and thread-safe.
class IamEvaluator {
 public:
  enum class Decision { kAllow, kExplicitDeny, kImplicitDeny };

  struct Options {
    // IAM matches a secret ARN pattern literally, so `...:secret:name` does not match the
    // secret `...:secret:name-AbCdEf` in AWS (its policies use `name-??????` or `name*`).
    // When true, a pattern also matches a secret ARN with its 6-character suffix removed — a
    // convenience for configs written before thaw picked the suffix. Off by default, so a
    // policy that fails in AWS fails here too.
    bool match_secret_arn_without_suffix = false;
  };

  IamEvaluator() = default;
  explicit IamEvaluator(Options options) : options_(options) {}

  Decision Evaluate(const IamPolicy& policy, std::string_view action,
                    std::string_view resource) const;

  // OkStatus when allowed; otherwise AccessDeniedException with AWS's message:
  // "User: <principal> is not authorized to perform: <action> on resource: <resource> because
  // no identity-based policy allows the <action> action" (or "... with an explicit deny in an
  // identity-based policy").
  absl::Status Check(const IamPolicy& policy, std::string_view principal_arn,
                     std::string_view action, std::string_view resource) const;

 private:
  bool ResourceMatches(std::string_view pattern, std::string_view resource) const;

  Options options_;
};

// IAM's wildcard match: `*` any run (possibly empty), `?` exactly one character.
bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case);

// "arn:aws:sts::<account>:assumed-role/<role>/<session>".
std::string AssumedRoleArn(std::string_view account, std::string_view role,
                           std::string_view session);

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_IAM_EVALUATOR_H_
