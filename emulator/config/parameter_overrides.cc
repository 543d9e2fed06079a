#include "emulator/config/parameter_overrides.h"

#include "absl/status/status.h"

namespace thaw {
namespace {

// Splits on unquoted whitespace; double quotes group and are dropped.
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool quoted = false;
  bool any = false;
  for (char c : text) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && (c == ' ' || c == '\t' || c == '\n')) {
      if (any) words.push_back(word);
      word.clear();
      any = false;
    } else {
      word += c;
      any = true;
    }
  }
  if (any) words.push_back(word);
  return words;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseParameterOverrides(
    const std::vector<std::string>& arguments) {
  constexpr char kKey[] = "ParameterKey=";
  constexpr char kValue[] = ",ParameterValue=";
  std::map<std::string, std::string> overrides;
  for (const std::string& argument : arguments) {
    for (const std::string& word : Words(argument)) {
      std::string key;
      std::string value;
      if (word.rfind(kKey, 0) == 0) {
        const size_t comma = word.find(kValue);
        if (comma == std::string::npos) {
          return absl::InvalidArgumentError("--parameter-overrides: '" + word +
                                            "' has no ,ParameterValue=");
        }
        key = word.substr(sizeof(kKey) - 1, comma - (sizeof(kKey) - 1));
        value = word.substr(comma + sizeof(kValue) - 1);
      } else {
        const size_t equals = word.find('=');
        if (equals == std::string::npos) {
          return absl::InvalidArgumentError(
              "--parameter-overrides: '" + word +
              "' is neither Key=Value nor ParameterKey=Key,ParameterValue=Value");
        }
        key = word.substr(0, equals);
        value = word.substr(equals + 1);
      }
      if (key.empty()) {
        return absl::InvalidArgumentError("--parameter-overrides: '" + word + "' has no key");
      }
      overrides[key] = value;
    }
  }
  return overrides;
}

}  // namespace thaw
