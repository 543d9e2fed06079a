#include "fakes/aws/secret_store.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/aws_error.h"
#include "core/status_macros.h"

namespace thaw::aws {

namespace {

using Json = nlohmann::json;

constexpr char kCurrent[] = "AWSCURRENT";
constexpr char kPrevious[] = "AWSPREVIOUS";
constexpr char kPending[] = "AWSPENDING";
constexpr size_t kMaxOutdatedVersions = 100;

const char kNotFound[] = "Secrets Manager can't find the specified secret.";
const char kMarkedForDeletion[] =
    "You can't perform this operation on the secret because it was marked for deletion.";

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

std::string RandomLetters(size_t n) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::uniform_int_distribution<size_t> pick(0, sizeof(kLetters) - 2);
  std::string out;
  for (size_t i = 0; i < n; ++i) out += kLetters[pick(Rng())];
  return out;
}

// The string member `key`, or a ValidationException naming `member` when absent.
absl::StatusOr<std::string> RequiredString(const Json& request, const char* key,
                                           const char* member) {
  if (!request.is_object() || !request.contains(key) || !request[key].is_string()) {
    return AwsNullMemberError(member);
  }
  return request[key].get<std::string>();
}

std::string OptionalString(const Json& request, const char* key) {
  if (request.is_object() && request.contains(key) && request[key].is_string()) {
    return request[key].get<std::string>();
  }
  return "";
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 512) return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) && std::string_view("/_+=.@-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Json TagsJson(const std::vector<std::pair<std::string, std::string>>& tags) {
  Json out = Json::array();
  for (const auto& [k, v] : tags) out.push_back({{"Key", k}, {"Value", v}});
  return out;
}

absl::Status SetTags(std::vector<std::pair<std::string, std::string>>& tags, const Json& list) {
  if (!list.is_array()) return AwsError("InvalidParameterException", "Tags must be a list.");
  for (const auto& tag : list) {
    if (!tag.is_object() || !tag.contains("Key") || !tag["Key"].is_string()) {
      return AwsError("InvalidParameterException", "You provided an invalid tag.");
    }
    const std::string key = tag["Key"].get<std::string>();
    const std::string value = tag.value("Value", "");
    auto it = std::find_if(tags.begin(), tags.end(), [&](const auto& t) { return t.first == key; });
    if (it != tags.end()) {
      it->second = value;
    } else {
      tags.emplace_back(key, value);
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string NewUuid() {
  static constexpr char kHex[] = "0123456789abcdef";
  // 128 random bits, version 4 and variant 10 set; two draws instead of one per digit (this
  // runs for every request: x-amzn-RequestId).
  uint64_t high = Rng()();
  uint64_t low = Rng()();
  high = (high & ~0xF000ull) | 0x4000ull;
  low = (low & ~(0x3ull << 62)) | (0x2ull << 62);
  std::string out(36, '-');
  int bit = 124;
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    const uint64_t word = bit >= 64 ? high : low;
    out[i] = kHex[(word >> (bit % 64)) & 0xF];
    bit -= 4;
  }
  return out;
}

double EpochSeconds(std::chrono::system_clock::time_point time) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  return static_cast<double>(ms) / 1000.0;
}

SecretStore::SecretStore(const SchedulerClock& clock, Options options)
    : clock_(clock), options_(std::move(options)) {}

std::chrono::system_clock::time_point SecretStore::Now() const {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(clock_.offset());
}

double SecretStore::NowSeconds() const { return EpochSeconds(Now()); }

std::string SecretStore::PartialArn(const std::string& name) const {
  return "arn:aws:secretsmanager:" + options_.region + ":" + options_.account_id +
         ":secret:" + name;
}

void SecretStore::PurgeLocked() {
  const double now = NowSeconds();
  for (auto it = secrets_.begin(); it != secrets_.end();) {
    if (it->second.deletion_date && *it->second.deletion_date <= now) {
      it = secrets_.erase(it);
    } else {
      ++it;
    }
  }
}

SecretStore::Secret* SecretStore::LookupLocked(const std::string& secret_id) {
  if (secret_id.rfind("arn:", 0) == 0) {
    for (auto& [name, secret] : secrets_) {
      if (secret.arn == secret_id || PartialArn(name) == secret_id) return &secret;
    }
    return nullptr;
  }
  auto it = secrets_.find(secret_id);
  return it == secrets_.end() ? nullptr : &it->second;
}

absl::StatusOr<SecretStore::Secret*> SecretStore::FindLocked(const Json& request) {
  ASSIGN_OR_RETURN(auto id, RequiredString(request, "SecretId", "secretId"));
  PurgeLocked();
  Secret* secret = LookupLocked(id);
  if (secret == nullptr) return AwsError("ResourceNotFoundException", kNotFound);
  return secret;
}

std::string SecretStore::ResourceArn(const std::string& secret_id) {
  std::lock_guard<std::mutex> lock(mu_);
  PurgeLocked();
  if (const Secret* secret = LookupLocked(secret_id)) return secret->arn;
  return secret_id.rfind("arn:", 0) == 0 ? secret_id : PartialArn(secret_id);
}

void SecretStore::MoveStageLocked(Secret& secret, const std::string& stage,
                                  const std::string& to_version) {
  if (stage == kCurrent) {
    for (auto& [id, version] : secret.versions) {
      if (id != to_version && version.stages.count(kCurrent)) {
        for (auto& [other_id, other] : secret.versions) other.stages.erase(kPrevious);
        version.stages.insert(kPrevious);
      }
    }
  }
  for (auto& [id, version] : secret.versions) version.stages.erase(stage);
  secret.versions[to_version].stages.insert(stage);
}

absl::StatusOr<std::string> SecretStore::AddVersionLocked(Secret& secret, const Json& request,
                                                          const std::vector<std::string>& stages) {
  const bool has_string = request.contains("SecretString") && request["SecretString"].is_string();
  const bool has_binary = request.contains("SecretBinary") && request["SecretBinary"].is_string();
  if (has_string && has_binary) {
    return AwsError("InvalidParameterException",
                    "You can't specify both a binary secret value and a string secret value in "
                    "the same secret.");
  }
  std::string id = OptionalString(request, "ClientRequestToken");
  if (!id.empty() && (id.size() < 32 || id.size() > 64)) {
    return AwsError(
        "ValidationException",
        "1 validation error detected: Value '" + id +
            "' at 'clientRequestToken' failed to satisfy constraint: Member must "
            "have length " +
            (id.size() < 32 ? "greater than or equal to 32" : "less than or equal to 64"));
  }
  std::optional<std::string> string_value, binary_value;
  if (has_string) string_value = request["SecretString"].get<std::string>();
  if (has_binary) binary_value = request["SecretBinary"].get<std::string>();
  if (!id.empty()) {
    auto it = secret.versions.find(id);
    if (it != secret.versions.end()) {
      if (it->second.string_value == string_value && it->second.binary_value == binary_value) {
        return id;  // An idempotent retry.
      }
      return AwsError("ResourceExistsException",
                      "You can't modify an existing version, you can only create a new version.");
    }
  } else {
    id = NewUuid();
  }
  Version version;
  version.id = id;
  version.string_value = std::move(string_value);
  version.binary_value = std::move(binary_value);
  version.created = NowSeconds();
  version.order = next_order_++;
  secret.versions[id] = std::move(version);
  for (const auto& stage : stages) MoveStageLocked(secret, stage, id);
  secret.last_changed = NowSeconds();

  // Versions without a label are deprecated; keep at most kMaxOutdatedVersions of them.
  std::vector<std::pair<uint64_t, std::string>> unlabelled;
  for (const auto& [vid, v] : secret.versions) {
    if (v.stages.empty()) unlabelled.emplace_back(v.order, vid);
  }
  if (unlabelled.size() > kMaxOutdatedVersions) {
    std::sort(unlabelled.begin(), unlabelled.end());
    for (size_t i = 0; i < unlabelled.size() - kMaxOutdatedVersions; ++i) {
      secret.versions.erase(unlabelled[i].second);
    }
  }
  return id;
}

absl::StatusOr<Json> SecretStore::CreateSecret(const Json& request) {
  ASSIGN_OR_RETURN(auto name, RequiredString(request, "Name", "name"));
  if (!ValidName(name)) {
    return AwsError("ValidationException",
                    "Invalid name. Must be a valid name containing alphanumeric characters, or "
                    "any of the following: -/_+=.@!");
  }
  std::lock_guard<std::mutex> lock(mu_);
  PurgeLocked();
  if (auto it = secrets_.find(name); it != secrets_.end()) {
    if (it->second.deleted) {
      return AwsError("InvalidRequestException",
                      "You can't create this secret because a secret with this name is already "
                      "scheduled for deletion.");
    }
    return AwsError("ResourceExistsException",
                    "The operation failed because the secret " + name + " already exists.");
  }
  Secret secret;
  secret.name = name;
  secret.arn = PartialArn(name) + "-" + RandomLetters(6);
  secret.description = OptionalString(request, "Description");
  secret.kms_key_id = OptionalString(request, "KmsKeyId");
  secret.created = NowSeconds();
  secret.last_changed = secret.created;
  secret.order = next_order_++;
  if (request.contains("Tags")) {
    RETURN_IF_ERROR(SetTags(secret.tags, request["Tags"]));
  }
  Json response = {{"ARN", secret.arn}, {"Name", secret.name}};
  const bool has_value = request.contains("SecretString") || request.contains("SecretBinary");
  if (has_value) {
    ASSIGN_OR_RETURN(auto version, AddVersionLocked(secret, request, {kCurrent}));
    response["VersionId"] = version;
  }
  secrets_[name] = std::move(secret);
  return response;
}

absl::Status SecretStore::Seed(const std::string& name, const std::string& value,
                               const std::string& description) {
  Json request = {{"Name", name}, {"SecretString", value}};
  if (!description.empty()) request["Description"] = description;
  return CreateSecret(request).status();
}

absl::StatusOr<Json> SecretStore::ValueLocked(Secret& secret, const Json& request) {
  if (secret.deleted) return AwsError("InvalidRequestException", kMarkedForDeletion);
  const std::string version_id = OptionalString(request, "VersionId");
  const std::string stage = OptionalString(request, "VersionStage");
  const Version* version = nullptr;
  if (!version_id.empty()) {
    auto it = secret.versions.find(version_id);
    if (it == secret.versions.end()) {
      return AwsError(
          "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret value for VersionId: " + version_id);
    }
    version = &it->second;
    if (!stage.empty() && !version->stages.count(stage)) {
      return AwsError("InvalidRequestException",
                      "You provided a VersionStage that is not associated to the provided "
                      "VersionId.");
    }
  } else {
    const std::string wanted = stage.empty() ? kCurrent : stage;
    for (const auto& [id, v] : secret.versions) {
      if (v.stages.count(wanted)) version = &v;
    }
    if (version == nullptr) {
      return AwsError(
          "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret value for staging label: " + wanted);
    }
  }
  const double now = NowSeconds();
  secret.last_accessed = std::floor(now / 86400) * 86400;
  Json response = {{"ARN", secret.arn}, {"Name", secret.name}, {"VersionId", version->id}};
  if (version->string_value) response["SecretString"] = *version->string_value;
  if (version->binary_value) response["SecretBinary"] = *version->binary_value;
  response["VersionStages"] =
      Json(std::vector<std::string>(version->stages.begin(), version->stages.end()));
  response["CreatedDate"] = version->created;
  return response;
}

absl::StatusOr<Json> SecretStore::GetSecretValue(const Json& request) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto secret, FindLocked(request));
  return ValueLocked(*secret, request);
}

absl::StatusOr<Json> SecretStore::BatchGetSecretValue(const Json& request,
                                                      const Authorizer& authorize) {
  const bool has_ids = request.contains("SecretIdList");
  const bool has_filters = request.contains("Filters");
  if (has_ids == has_filters) {
    return AwsError("InvalidParameterException",
                    "Either 'SecretIdList' or 'Filters' must be provided, but not both.");
  }
  std::vector<std::string> ids;
  std::string next_token;
  if (has_ids) {
    if (!request["SecretIdList"].is_array() || request["SecretIdList"].size() > 20) {
      return AwsError("InvalidParameterException",
                      "SecretIdList must be a list of 1 to 20 secret ids.");
    }
    if (request.contains("MaxResults")) {
      return AwsError("InvalidParameterException",
                      "'Filters' not specified. 'Filters' must also be specified when "
                      "'MaxResults' is provided in the request.");
    }
    for (const auto& id : request["SecretIdList"]) {
      if (id.is_string()) ids.push_back(id.get<std::string>());
    }
  } else {
    Json list_request = {{"Filters", request["Filters"]}};
    list_request["MaxResults"] = request.value("MaxResults", 20);
    if (request.contains("NextToken")) list_request["NextToken"] = request["NextToken"];
    ASSIGN_OR_RETURN(auto listed, ListSecrets(list_request));
    for (const auto& entry : listed["SecretList"]) ids.push_back(entry["ARN"]);
    next_token = listed.value("NextToken", "");
  }
  Json values = Json::array();
  Json errors = Json::array();
  for (const auto& id : ids) {
    std::string arn = ResourceArn(id);
    if (authorize) {
      if (absl::Status s = authorize(arn); !s.ok()) {
        errors.push_back(
            {{"SecretId", id}, {"ErrorCode", AwsErrorType(s)}, {"Message", s.message()}});
        continue;
      }
    }
    absl::StatusOr<Json> value;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto secret = FindLocked(Json{{"SecretId", id}});
      value = secret.ok() ? ValueLocked(**secret, Json::object()) : secret.status();
    }
    if (value.ok()) {
      values.push_back(*std::move(value));
    } else {
      errors.push_back({{"SecretId", id},
                        {"ErrorCode", AwsErrorType(value.status())},
                        {"Message", value.status().message()}});
    }
  }
  Json response = {{"SecretValues", values}, {"Errors", errors}};
  if (!next_token.empty()) response["NextToken"] = next_token;
  return response;
}

absl::StatusOr<Json> SecretStore::PutSecretValue(const Json& request) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto secret, FindLocked(request));
  if (secret->deleted) return AwsError("InvalidRequestException", kMarkedForDeletion);
  if (!request.contains("SecretString") && !request.contains("SecretBinary")) {
    return AwsError("InvalidRequestException",
                    "You must provide either SecretString or SecretBinary.");
  }
  std::vector<std::string> stages = {kCurrent};
  if (request.contains("VersionStages") && request["VersionStages"].is_array()) {
    stages.clear();
    for (const auto& s : request["VersionStages"]) {
      if (s.is_string()) stages.push_back(s.get<std::string>());
    }
  }
  ASSIGN_OR_RETURN(auto id, AddVersionLocked(*secret, request, stages));
  const auto& version = secret->versions[id];
  return Json{
      {"ARN", secret->arn},
      {"Name", secret->name},
      {"VersionId", id},
      {"VersionStages", std::vector<std::string>(version.stages.begin(), version.stages.end())}};
}

absl::StatusOr<Json> SecretStore::UpdateSecret(const Json& request) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto secret, FindLocked(request));
  Secret& s = *secret;
  if (s.deleted) return AwsError("InvalidRequestException", kMarkedForDeletion);
  if (request.contains("Description")) s.description = OptionalString(request, "Description");
  if (request.contains("KmsKeyId")) s.kms_key_id = OptionalString(request, "KmsKeyId");
  s.last_changed = NowSeconds();
  Json response = {{"ARN", s.arn}, {"Name", s.name}};
  if (request.contains("SecretString") || request.contains("SecretBinary")) {
    ASSIGN_OR_RETURN(auto id, AddVersionLocked(s, request, {kCurrent}));
    response["VersionId"] = id;
  }
  return response;
}

Json SecretStore::DescribeLocked(const Secret& secret, bool for_list) const {
  Json out = {{"ARN", secret.arn}, {"Name", secret.name}};
  if (!secret.description.empty()) out["Description"] = secret.description;
  if (!secret.kms_key_id.empty()) out["KmsKeyId"] = secret.kms_key_id;
  if (secret.rotation_enabled) out["RotationEnabled"] = true;
  if (!secret.rotation_lambda_arn.empty()) out["RotationLambdaARN"] = secret.rotation_lambda_arn;
  if (secret.rotation_days) {
    out["RotationRules"] = {{"AutomaticallyAfterDays", *secret.rotation_days}};
    const double base = secret.last_rotated.value_or(secret.created);
    out["NextRotationDate"] = base + *secret.rotation_days * 86400.0;
  }
  if (secret.last_rotated) out["LastRotatedDate"] = *secret.last_rotated;
  out["LastChangedDate"] = secret.last_changed;
  if (secret.last_accessed) out["LastAccessedDate"] = *secret.last_accessed;
  if (secret.deleted) out["DeletedDate"] = *secret.deleted;
  if (!secret.tags.empty()) out["Tags"] = TagsJson(secret.tags);
  Json stages = Json::object();
  for (const auto& [id, version] : secret.versions) {
    if (version.stages.empty()) continue;
    stages[id] = std::vector<std::string>(version.stages.begin(), version.stages.end());
  }
  out[for_list ? "SecretVersionsToStages" : "VersionIdsToStages"] = stages;
  out["CreatedDate"] = secret.created;
  return out;
}

absl::StatusOr<Json> SecretStore::DescribeSecret(const Json& request) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto secret, FindLocked(request));
  return DescribeLocked(*secret, false);
}

absl::StatusOr<Json> SecretStore::ListSecrets(const Json& request) {
  int max_results = 100;
  if (request.contains("MaxResults")) {
    if (!request["MaxResults"].is_number_integer() || request["MaxResults"].get<int>() < 1 ||
        request["MaxResults"].get<int>() > 100) {
      return AwsError("ValidationException",
                      "1 validation error detected: Value at 'maxResults' failed to satisfy "
                      "constraint: Member must have value between 1 and 100");
    }
    max_results = request["MaxResults"].get<int>();
  }
  size_t start = 0;
  if (request.contains("NextToken")) {
    const std::string token = OptionalString(request, "NextToken");
    if (token.rfind("thaw-", 0) != 0) {
      return AwsError("InvalidNextTokenException", "The NextToken value is invalid.");
    }
    start = std::strtoull(token.c_str() + 5, nullptr, 10);
  }
  struct Filter {
    std::string key;
    std::vector<std::string> values;
  };
  std::vector<Filter> filters;
  if (request.contains("Filters")) {
    static const std::set<std::string> kKeys = {
        "description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"};
    for (const auto& f : request["Filters"]) {
      Filter filter{f.value("Key", ""), {}};
      if (!kKeys.count(filter.key)) {
        return AwsError("ValidationException",
                        "1 validation error detected: Value '" + filter.key +
                            "' at 'filters.1.member.key' failed to satisfy constraint: Member "
                            "must satisfy enum value set: [all, name, tag-key, description, "
                            "tag-value, primary-region, owning-service]");
      }
      if (f.contains("Values")) {
        for (const auto& v : f["Values"]) filter.values.push_back(v.get<std::string>());
      }
      filters.push_back(std::move(filter));
    }
  }
  const bool include_deleted = request.value("IncludePlannedDeletion", false);
  const bool descending = OptionalString(request, "SortOrder") == "desc";

  std::lock_guard<std::mutex> lock(mu_);
  PurgeLocked();
  std::vector<const Secret*> matched;
  for (const auto& [name, secret] : secrets_) {
    if (secret.deleted && !include_deleted) continue;
    bool all = true;
    for (const Filter& filter : filters) {
      std::vector<std::string> fields;
      if (filter.key == "name" || filter.key == "all") fields.push_back(secret.name);
      if (filter.key == "description" || filter.key == "all") fields.push_back(secret.description);
      for (const auto& [k, v] : secret.tags) {
        if (filter.key == "tag-key" || filter.key == "all") fields.push_back(k);
        if (filter.key == "tag-value" || filter.key == "all") fields.push_back(v);
      }
      if (filter.key == "primary-region") fields.push_back(options_.region);
      bool any = false;
      for (const std::string& value : filter.values) {
        const bool negate = !value.empty() && value[0] == '!';
        const std::string prefix = negate ? value.substr(1) : value;
        bool hit = false;
        for (const auto& field : fields) hit = hit || field.rfind(prefix, 0) == 0;
        if (hit != negate) any = true;
      }
      if (!any) all = false;
    }
    if (all) matched.push_back(&secret);
  }
  std::sort(matched.begin(), matched.end(), [descending](const Secret* a, const Secret* b) {
    return descending ? a->order > b->order : a->order < b->order;
  });
  Json list = Json::array();
  for (size_t i = start; i < matched.size() && list.size() < static_cast<size_t>(max_results);
       ++i) {
    list.push_back(DescribeLocked(*matched[i], true));
  }
  Json response = {{"SecretList", list}};
  if (start + list.size() < matched.size()) {
    response["NextToken"] = "thaw-" + std::to_string(start + list.size());
  }
  return response;
}

absl::StatusOr<Json> SecretStore::DeleteSecret(const Json& request) {
  const bool force = request.value("ForceDeleteWithoutRecovery", false);
  const bool has_window = request.contains("RecoveryWindowInDays");
  if (force && has_window) {
    return AwsError("InvalidParameterException",
                    "You can't use ForceDeleteWithoutRecovery in conjunction with "
                    "RecoveryWindowInDays.");
  }
  int days = 30;
  if (has_window) {
    days = request["RecoveryWindowInDays"].is_number() ? request["RecoveryWindowInDays"].get<int>()
                                                       : 0;
    if (days < 7 || days > 30) {
      return AwsError("InvalidParameterException",
                      "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto secret, FindLocked(request));
  Secret& s = *secret;
  const double now = NowSeconds();
  if (s.deleted && !force) return AwsError("InvalidRequestException", kMarkedForDeletion);
  Json response = {{"ARN", s.arn}, {"Name", s.name}};
  if (force) {
    response["DeletionDate"] = now;
    secrets_.erase(s.name);
    return response;
  }
  s.deleted = now;
  s.deletion_date = now + days * 86400.0;
  response["DeletionDate"] = *s.deletion_date;
  return response;
}

absl::StatusOr<Json> SecretStore::RestoreSecret(const Json& request) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto secret, FindLocked(request));
  secret->deleted.reset();
  secret->deletion_date.reset();
  return Json{{"ARN", secret->arn}, {"Name", secret->name}};
}

absl::StatusOr<Json> SecretStore::UpdateSecretVersionStage(const Json& request) {
  ASSIGN_OR_RETURN(auto stage, RequiredString(request, "VersionStage", "versionStage"));
  const std::string remove_from = OptionalString(request, "RemoveFromVersionId");
  const std::string move_to = OptionalString(request, "MoveToVersionId");
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto secret, FindLocked(request));
  Secret& s = *secret;
  if (s.deleted) return AwsError("InvalidRequestException", kMarkedForDeletion);
  for (const std::string& id : {remove_from, move_to}) {
    if (!id.empty() && !s.versions.count(id)) {
      return AwsError("InvalidParameterException",
                      "The parameter RemoveFromVersionId or MoveToVersionId contains a version id "
                      "that doesn't exist: " +
                          id);
    }
  }
  std::string holder;
  for (const auto& [id, version] : s.versions) {
    if (version.stages.count(stage)) holder = id;
  }
  if (!holder.empty() && holder != move_to && holder != remove_from) {
    return AwsError("InvalidParameterException",
                    "The staging label " + stage + " is currently attached to version " + holder +
                        ", so you must explicitly reference that version in RemoveFromVersionId.");
  }
  if (!remove_from.empty() && holder != remove_from) {
    return AwsError(
        "InvalidParameterException",
        "The staging label " + stage + " is not attached to version " + remove_from + ".");
  }
  if (move_to.empty()) {
    if (stage == kCurrent) {
      return AwsError("InvalidParameterException",
                      "You can't remove the staging label AWSCURRENT; move it to another version "
                      "with MoveToVersionId.");
    }
    if (!remove_from.empty()) s.versions[remove_from].stages.erase(stage);
  } else {
    MoveStageLocked(s, stage, move_to);
  }
  s.last_changed = NowSeconds();
  return Json{{"ARN", s.arn}, {"Name", s.name}};
}

absl::StatusOr<Json> SecretStore::RotateSecret(const Json& request) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto secret, FindLocked(request));
  Secret& s = *secret;
  if (s.deleted) return AwsError("InvalidRequestException", kMarkedForDeletion);
  if (request.contains("RotationRules")) {
    const Json& rules = request["RotationRules"];
    if (rules.contains("AutomaticallyAfterDays")) {
      const int days = rules["AutomaticallyAfterDays"].is_number_integer()
                           ? rules["AutomaticallyAfterDays"].get<int>()
                           : 0;
      if (days < 1 || days > 1000) {
        return AwsError("InvalidParameterException",
                        "The AutomaticallyAfterDays value must be between 1 and 1000.");
      }
      s.rotation_days = days;
    }
  }
  if (request.contains("RotationLambdaARN")) {
    s.rotation_lambda_arn = OptionalString(request, "RotationLambdaARN");
  }
  s.rotation_enabled = true;
  Json response = {{"ARN", s.arn}, {"Name", s.name}};
  if (!request.value("RotateImmediately", true)) return response;

  std::string current, pending;
  for (const auto& [id, version] : s.versions) {
    if (version.stages.count(kCurrent)) current = id;
    if (version.stages.count(kPending)) pending = id;
  }
  if (current.empty()) {
    return AwsError("InvalidRequestException",
                    "A previous rotation isn't complete. That rotation will be reattempted.");
  }
  const std::string token = OptionalString(request, "ClientRequestToken");
  if (pending.empty() || pending == current) {
    Json value = Json::object();
    const Version& cur = s.versions[current];
    if (cur.string_value) value["SecretString"] = *cur.string_value;
    if (cur.binary_value) value["SecretBinary"] = *cur.binary_value;
    if (!token.empty()) value["ClientRequestToken"] = token;
    ASSIGN_OR_RETURN(auto id, AddVersionLocked(s, value, {kPending}));
    pending = id;
  }
  MoveStageLocked(s, kCurrent, pending);
  s.versions[pending].stages.erase(kPending);
  s.last_rotated = NowSeconds();
  response["VersionId"] = pending;
  return response;
}

absl::StatusOr<Json> SecretStore::TagResource(const Json& request) {
  if (!request.contains("Tags")) return AwsNullMemberError("tags");
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto secret, FindLocked(request));
  RETURN_IF_ERROR(SetTags(secret->tags, request["Tags"]));
  return Json::object();
}

absl::StatusOr<Json> SecretStore::UntagResource(const Json& request) {
  if (!request.contains("TagKeys") || !request["TagKeys"].is_array())
    return AwsNullMemberError("tagKeys");
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto secret, FindLocked(request));
  auto& tags = secret->tags;
  for (const auto& key : request["TagKeys"]) {
    if (!key.is_string()) continue;
    tags.erase(std::remove_if(tags.begin(), tags.end(),
                              [&](const auto& t) { return t.first == key.get<std::string>(); }),
               tags.end());
  }
  return Json::object();
}

}  // namespace thaw::aws
