#include "emulator/config/env_vars_file.h"

#include <fstream>
#include <set>
#include <sstream>

#include "core/status_macros.h"
#include "nlohmann/json.hpp"

namespace thaw {
namespace {

using Json = nlohmann::json;

absl::StatusOr<std::map<std::string, std::string>> ReadVariables(const Json& object,
                                                                 const std::string& display_name,
                                                                 const std::string& key) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError(display_name + ": " + key +
                                      ": expected an object of variable names and values");
  }
  std::map<std::string, std::string> variables;
  for (const auto& [name, value] : object.items()) {
    if (value.is_string()) {
      variables[name] = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      variables[name] = value.dump();
    } else {
      return absl::InvalidArgumentError(display_name + ": " + key + "." + name +
                                        ": expected a string, a number or a boolean");
    }
  }
  return variables;
}

}  // namespace

absl::StatusOr<EnvVarOverrides> ParseEnvVarsFile(const std::string& text,
                                                 const std::string& display_name) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(display_name + ": invalid JSON: " + e.what());
  }
  if (!root.is_object()) {
    return absl::InvalidArgumentError(
        display_name + ": expected an object: {\"Parameters\": {...}, \"<function>\": {...}}");
  }
  EnvVarOverrides overrides;
  overrides.source = display_name;
  for (const auto& [key, value] : root.items()) {
    ASSIGN_OR_RETURN(auto variables, ReadVariables(value, display_name, key));
    if (key == "Parameters") {
      overrides.all = std::move(variables);
    } else {
      overrides.by_function[key] = std::move(variables);
    }
  }
  return overrides;
}

absl::StatusOr<EnvVarOverrides> LoadEnvVarsFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path.string() + ": cannot read the --env-vars file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseEnvVarsFile(text.str(), path.string());
}

void ApplyEnvVarOverrides(const EnvVarOverrides& overrides, ThawConfig& config) {
  const std::string& file = overrides.source;
  // The functions' own entries, by function name (a logical id or short name is an alias).
  std::map<std::string, const std::map<std::string, std::string>*> own;
  for (const auto& [key, variables] : overrides.by_function) {
    std::string name = key;
    if (auto alias = config.aliases.find(key); alias != config.aliases.end()) name = alias->second;
    if (!config.functions.count(name)) {
      config.notes.push_back(file + ": " + key + ": no such function; ignored");
      continue;
    }
    own[name] = &variables;
  }
  std::set<std::string> declared_somewhere;
  for (auto& [name, fn] : config.functions) {
    std::map<std::string, std::string> values = overrides.all;
    if (auto it = own.find(name); it != own.end()) {
      for (const auto& [variable, value] : *it->second) {
        values[variable] = value;
        if (!fn.environment.count(variable)) {
          config.notes.push_back(file + ": " + name + "." + variable +
                                 ": not declared in the function's environment; ignored, as "
                                 "SAM ignores it (it would not exist once deployed)");
        }
      }
    }
    for (const auto& [variable, value] : values) {
      auto declared = fn.environment.find(variable);
      if (declared == fn.environment.end()) continue;
      declared->second = value;
      declared_somewhere.insert(variable);
    }
  }
  for (const auto& [variable, value] : overrides.all) {
    if (!declared_somewhere.count(variable)) {
      config.notes.push_back(file + ": Parameters." + variable +
                             ": no function declares it in its environment; ignored, as SAM "
                             "ignores it (it would not exist once deployed)");
    }
  }
}

}  // namespace thaw
