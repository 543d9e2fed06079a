#include "fakes/aws/parameter_store.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "core/aws_error.h"
#include "core/status_macros.h"

namespace thaw::aws {

namespace {

using Json = nlohmann::json;

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(n);
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

absl::Status ValidateName(const std::string& name) {
  const std::string invalid =
      "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed "
      "as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be "
      "formed as a mix of letters, numbers and the following 3 symbols .-_";
  if (name.empty() || name.size() > 2048) return AwsError("ValidationException", invalid);
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '-' && c != '/') {
      return AwsError("ValidationException", invalid);
    }
  }
  if (name.find('/') != std::string::npos && name[0] != '/') {
    return AwsError("ValidationException", "Parameter name must be a fully qualified name.");
  }
  const std::string first = Lower(name[0] == '/' ? name.substr(1) : name);
  if (first.rfind("aws", 0) == 0 || first.rfind("ssm", 0) == 0) {
    return AwsError("ValidationException", invalid);
  }
  return absl::OkStatus();
}

}  // namespace

ParameterStore::ParameterStore(SecretStore& secrets, Options options)
    : secrets_(secrets), options_(std::move(options)) {}

std::pair<std::string, std::string> ParameterStore::SplitName(const std::string& name) const {
  std::string rest = name;
  const std::string arn_prefix =
      "arn:aws:ssm:" + options_.region + ":" + options_.account_id + ":parameter";
  if (rest.rfind(arn_prefix, 0) == 0) {
    rest = rest.substr(arn_prefix.size());
    // "parameter/x" names "x"; "parameter/a/b" names "/a/b".
    if (rest.size() > 1 && rest.find('/', 1) == std::string::npos) rest = rest.substr(1);
  }
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return {rest, ""};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

std::string ParameterStore::ResourceArn(const std::string& name) const {
  const std::string bare = SplitName(name).first;
  return "arn:aws:ssm:" + options_.region + ":" + options_.account_id + ":parameter" +
         (bare.rfind('/', 0) == 0 ? "" : "/") + bare;
}

Json ParameterStore::ParameterJson(const Parameter& parameter, const Version& version,
                                   bool decrypt) const {
  std::string value = version.value;
  if (version.type == "SecureString" && !decrypt) {
    value = Base64("thaw-kms:" + version.key_id + ":" + version.value);
  }
  return Json{{"Name", parameter.name},
              {"Type", version.type},
              {"Value", value},
              {"Version", version.number},
              {"LastModifiedDate", version.last_modified},
              {"ARN", ResourceArn(parameter.name)},
              {"DataType", version.data_type}};
}

absl::StatusOr<Json> ParameterStore::PutParameter(const Json& request) {
  if (!request.contains("Name") || !request["Name"].is_string()) return AwsNullMemberError("name");
  if (!request.contains("Value") || !request["Value"].is_string())
    return AwsNullMemberError("value");
  const std::string name = request["Name"].get<std::string>();
  const std::string value = request["Value"].get<std::string>();
  if (name.rfind("/aws/", 0) == 0) {
    return AwsError("ValidationException", "No access to reserved parameter name: " + name + ".");
  }
  RETURN_IF_ERROR(ValidateName(name));
  if (value.empty()) {
    return AwsError("ValidationException",
                    "1 validation error detected: Value '' at 'value' failed to satisfy "
                    "constraint: Member must have length greater than or equal to 1");
  }
  std::string type = request.value("Type", "");
  if (!type.empty() && type != "String" && type != "StringList" && type != "SecureString") {
    return AwsError("ValidationException",
                    "1 validation error detected: Value '" + type +
                        "' at 'type' failed to satisfy constraint: Member must satisfy enum "
                        "value set: [SecureString, StringList, String]");
  }
  const bool overwrite = request.value("Overwrite", false);
  if (overwrite && request.contains("Tags")) {
    return AwsError("ValidationException",
                    "Invalid request: tags and overwrite can't be used together. To create a "
                    "parameter with tags, please remove overwrite flag. To update tags for an "
                    "existing parameter, please use AddTagsToResource or RemoveTagsFromResource.");
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = parameters_.find(name);
  if (it != parameters_.end() && !overwrite) {
    return AwsError("ParameterAlreadyExists",
                    "The parameter already exists. To overwrite this value, set the overwrite "
                    "option in the request to true.");
  }
  if (it == parameters_.end() && type.empty()) {
    return AwsError("ValidationException",
                    "A parameter type is required when you create a parameter.");
  }
  Parameter& parameter = parameters_[name];
  parameter.name = name;
  Version version;
  const Version* previous = parameter.versions.empty() ? nullptr : &parameter.versions.back();
  version.type = !type.empty() ? type : previous->type;
  version.value = value;
  version.description = request.contains("Description")
                            ? request.value("Description", "")
                            : (previous != nullptr ? previous->description : "");
  if (version.type == "SecureString") version.key_id = request.value("KeyId", "alias/aws/ssm");
  version.data_type = request.value("DataType", "text");
  version.number = previous != nullptr ? previous->number + 1 : 1;
  version.last_modified = EpochSeconds(secrets_.Now());
  parameter.versions.push_back(std::move(version));
  return Json{{"Version", parameter.versions.back().number}, {"Tier", "Standard"}};
}

absl::Status ParameterStore::Seed(const std::string& name, const std::string& type,
                                  const std::string& value) {
  return PutParameter(Json{{"Name", name}, {"Type", type}, {"Value", value}}).status();
}

absl::StatusOr<Json> ParameterStore::GetOneLocked(const std::string& full_name, bool decrypt) {
  auto [name, selector] = SplitName(full_name);
  if (name.rfind(kSecretReferencePrefix, 0) == 0) {
    if (!decrypt) {
      return AwsError("ValidationException",
                      "WithDecryption flag must be True for retrieving a Secret Manager secret.");
    }
    const std::string secret_id = name.substr(std::string(kSecretReferencePrefix).size());
    Json request = {{"SecretId", secret_id}};
    if (!selector.empty()) request["VersionId"] = selector;
    auto value = secrets_.GetSecretValue(request);
    if (!value.ok()) {
      if (AwsErrorType(value.status()) == "ResourceNotFoundException") {
        return AwsError("ParameterNotFound", "");
      }
      return value.status();
    }
    auto described = secrets_.DescribeSecret(Json{{"SecretId", secret_id}});
    Json parameter = {{"Name", name},
                      {"Type", "SecureString"},
                      {"Value", value->value("SecretString", value->value("SecretBinary", ""))},
                      {"Version", 0},
                      {"LastModifiedDate", (*value)["CreatedDate"]},
                      {"ARN", (*value)["ARN"]},
                      {"DataType", "text"},
                      {"SourceResult", described.ok() ? described->dump() : ""}};
    if (!selector.empty()) parameter["Selector"] = ":" + selector;
    return parameter;
  }
  auto it = parameters_.find(name);
  if (it == parameters_.end()) return AwsError("ParameterNotFound", "");
  const Parameter& parameter = it->second;
  const Version* version = &parameter.versions.back();
  if (!selector.empty()) {
    version = nullptr;
    const bool numeric = std::all_of(selector.begin(), selector.end(),
                                     [](unsigned char c) { return std::isdigit(c); });
    if (numeric) {
      const int64_t wanted = std::stoll(selector);
      for (const auto& v : parameter.versions) {
        if (v.number == wanted) version = &v;
      }
    }
    if (version == nullptr) {
      if (!numeric) {
        return AwsError("ParameterVersionLabelNotFound",
                        "Systems Manager could not find the label " + selector + " for parameter " +
                            name + ".");
      }
      return AwsError("ParameterVersionNotFound", "Systems Manager could not find version " +
                                                      selector + " of " + name +
                                                      ". Verify the version and try again.");
    }
  }
  Json out = ParameterJson(parameter, *version, decrypt);
  if (!selector.empty()) out["Selector"] = ":" + selector;
  return out;
}

absl::StatusOr<Json> ParameterStore::GetParameter(const Json& request) {
  if (!request.contains("Name") || !request["Name"].is_string()) return AwsNullMemberError("name");
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto parameter, GetOneLocked(request["Name"].get<std::string>(),
                                                request.value("WithDecryption", false)));
  return Json{{"Parameter", std::move(parameter)}};
}

absl::StatusOr<Json> ParameterStore::GetParameters(const Json& request) {
  if (!request.contains("Names") || !request["Names"].is_array())
    return AwsNullMemberError("names");
  if (request["Names"].empty() || request["Names"].size() > 10) {
    return AwsError("ValidationException",
                    "1 validation error detected: Value at 'names' failed to satisfy constraint: "
                    "Member must have length less than or equal to 10 and greater than or equal "
                    "to 1");
  }
  const bool decrypt = request.value("WithDecryption", false);
  Json found = Json::array(), invalid = Json::array();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& n : request["Names"]) {
    const std::string name = n.is_string() ? n.get<std::string>() : "";
    auto parameter = GetOneLocked(name, decrypt);
    if (parameter.ok()) {
      found.push_back(*std::move(parameter));
    } else if (AwsErrorType(parameter.status()) == "ValidationException") {
      return parameter.status();
    } else {
      invalid.push_back(name);
    }
  }
  return Json{{"Parameters", found}, {"InvalidParameters", invalid}};
}

absl::StatusOr<Json> ParameterStore::GetParametersByPath(const Json& request) {
  if (!request.contains("Path") || !request["Path"].is_string()) return AwsNullMemberError("path");
  std::string path = request["Path"].get<std::string>();
  if (path.empty() || path[0] != '/') {
    return AwsError("ValidationException",
                    "The parameter doesn't meet the parameter name requirements. The parameter "
                    "name must begin with a forward slash \"/\".");
  }
  if (path.back() != '/') path += '/';
  const bool recursive = request.value("Recursive", false);
  const bool decrypt = request.value("WithDecryption", false);
  int max_results = 10;
  if (request.contains("MaxResults")) {
    max_results = request["MaxResults"].is_number_integer() ? request["MaxResults"].get<int>() : 0;
    if (max_results < 1 || max_results > 10) {
      return AwsError("ValidationException",
                      "1 validation error detected: Value '" + request["MaxResults"].dump() +
                          "' at 'maxResults' failed to satisfy constraint: Member must have "
                          "value less than or equal to 10");
    }
  }
  std::vector<std::string> types;
  if (request.contains("ParameterFilters")) {
    for (const auto& filter : request["ParameterFilters"]) {
      if (filter.value("Key", "") != "Type") {
        return AwsError("ValidationException",
                        "thaw supports only the Type key in ParameterFilters for "
                        "GetParametersByPath.");
      }
      for (const auto& v : filter.value("Values", Json::array())) types.push_back(v);
    }
  }
  size_t start = 0;
  if (request.contains("NextToken")) {
    const std::string token = request.value("NextToken", "");
    if (token.rfind("thaw-", 0) != 0) {
      return AwsError("ValidationException", "The specified token is not valid.");
    }
    start = std::strtoull(token.c_str() + 5, nullptr, 10);
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const Parameter*> matched;
  for (const auto& [name, parameter] : parameters_) {
    if (name.rfind(path, 0) != 0 || name.size() == path.size()) continue;
    if (!recursive && name.find('/', path.size()) != std::string::npos) continue;
    if (!types.empty() &&
        std::find(types.begin(), types.end(), parameter.versions.back().type) == types.end()) {
      continue;
    }
    matched.push_back(&parameter);
  }
  Json list = Json::array();
  for (size_t i = start; i < matched.size() && list.size() < static_cast<size_t>(max_results);
       ++i) {
    list.push_back(ParameterJson(*matched[i], matched[i]->versions.back(), decrypt));
  }
  Json response = {{"Parameters", list}};
  if (start + list.size() < matched.size()) {
    response["NextToken"] = "thaw-" + std::to_string(start + list.size());
  }
  return response;
}

absl::StatusOr<Json> ParameterStore::DeleteParameter(const Json& request) {
  if (!request.contains("Name") || !request["Name"].is_string()) return AwsNullMemberError("name");
  std::lock_guard<std::mutex> lock(mu_);
  const std::string name = SplitName(request["Name"].get<std::string>()).first;
  if (parameters_.erase(name) == 0) return AwsError("ParameterNotFound", "");
  return Json::object();
}

absl::StatusOr<Json> ParameterStore::DeleteParameters(const Json& request) {
  if (!request.contains("Names") || !request["Names"].is_array())
    return AwsNullMemberError("names");
  if (request["Names"].empty() || request["Names"].size() > 10) {
    return AwsError("ValidationException",
                    "1 validation error detected: Value at 'names' failed to satisfy constraint: "
                    "Member must have length less than or equal to 10 and greater than or equal "
                    "to 1");
  }
  Json deleted = Json::array(), invalid = Json::array();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& n : request["Names"]) {
    const std::string name = n.is_string() ? n.get<std::string>() : "";
    if (parameters_.erase(SplitName(name).first) > 0) {
      deleted.push_back(name);
    } else {
      invalid.push_back(name);
    }
  }
  return Json{{"DeletedParameters", deleted}, {"InvalidParameters", invalid}};
}

}  // namespace thaw::aws
