#include "check/scenario.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "core/duration.h"
#include "core/event_kinds.h"
#include "core/json_text.h"
#include "core/status_macros.h"
#include "emulator/config/config_overlay.h"
#include "emulator/config/yaml_fields.h"
#include "yaml-cpp/yaml.h"

namespace thaw::check {
namespace {

const std::vector<std::string> kTopLevelKeys = {
    "name",    "description", "config", "functions", "settings",
    "secrets", "parameters",  "caches", "steps",     "expect"};

using Reporter = YamlReporter;

int LineOf(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

// A YAML value as JSON: mappings and sequences recursively; an unquoted scalar that reads as
// JSON (42, 1.5, true, null) as that, anything else as a string.
nlohmann::json YamlToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : node) out[kv.first.as<std::string>()] = YamlToJson(kv.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(YamlToJson(item));
    return out;
  }
  if (node.IsNull() || !node.IsDefined()) return nullptr;
  const std::string& text = node.Scalar();
  if (node.Tag() != "!") {
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
    if (!parsed.is_discarded() && !parsed.is_object() && !parsed.is_array() &&
        !parsed.is_string()) {
      return parsed;
    }
  }
  return text;
}

// The scenario's text with every top-level key but `keep` blanked out, line for line, so that
// the thaw.yaml loader reads the scenario's own functions/settings/seeds and its messages
// point at the scenario's lines.
absl::StatusOr<std::string> OnlyKeys(const Reporter& r, const std::string& yaml,
                                     const YAML::Node& root, const std::set<std::string>& keep) {
  std::vector<std::string> lines;
  {
    std::istringstream in(yaml);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  std::vector<std::pair<int, std::string>> keys;  // 0-based line, key
  for (const auto& kv : root) keys.push_back({kv.first.Mark().line, kv.first.as<std::string>()});
  std::sort(keys.begin(), keys.end());
  for (size_t i = 1; i < keys.size(); ++i) {
    if (keys[i].first == keys[i - 1].first) {
      return r.Error(root, "", "write the scenario's top-level keys one per line (block style)");
    }
  }
  std::vector<bool> kept(lines.size(), false);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!keep.count(keys[i].second)) continue;
    const size_t end = i + 1 < keys.size() ? static_cast<size_t>(keys[i + 1].first) : lines.size();
    for (size_t l = static_cast<size_t>(std::max(keys[i].first, 0)); l < end && l < lines.size();
         ++l) {
      kept[l] = true;
    }
  }
  std::string out;
  for (size_t l = 0; l < lines.size(); ++l) out += (kept[l] ? lines[l] : "") + "\n";
  return out;
}

absl::StatusOr<ThawConfig> LoadFunctions(const Reporter& r, const std::string& yaml,
                                         const YAML::Node& root, const std::string& display_name,
                                         const std::filesystem::path& base_dir,
                                         const LoadOptions& options) {
  const YAML::Node config_path = root["config"];
  const YAML::Node functions = root["functions"];
  if (config_path && functions) {
    return r.Error(config_path, "config",
                   "give either config: (a thaw.yaml) or inline functions:, not both");
  }
  if (!config_path && !functions) {
    return r.Error(root, "",
                   "config: (a thaw.yaml, relative to the scenario) or functions: "
                   "(inline, thaw.yaml syntax) is required");
  }
  if (functions) {
    ASSIGN_OR_RETURN(auto text,
                     OnlyKeys(r, yaml, root, {"functions", "settings", "secrets", "parameters"}));
    return ParseConfig(text, display_name, base_dir, options);
  }
  ASSIGN_OR_RETURN(auto file, GetString(r, config_path, "config"));
  std::filesystem::path path = file;
  if (path.is_relative()) path = base_dir / path;
  // The error_code form: a name the system refuses (too long, ...) is the scenario's mistake,
  // reported, not an exception out of the loader.
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    std::string message = "no such file: ";
    message.append(path.string());
    if (error) message.append(" (").append(error.message()).append(")");
    return r.Error(config_path, "config", message);
  }
  ASSIGN_OR_RETURN(auto config, LoadConfigFile(path, options));
  // The scenario's own settings and seeds, laid over the file as an overlay (checked by the
  // same loader; OnlyKeys keeps the line numbers the scenario's).
  ASSIGN_OR_RETURN(auto text, OnlyKeys(r, yaml, root, {"settings", "secrets", "parameters"}));
  ASSIGN_OR_RETURN(auto overlay, ParseConfigOverlay(text, display_name, base_dir));
  for (const std::string& key : overlay.given_settings) {
    // Only the settings read when instances start, not those the functions are built from.
    if (const SettingKey* setting = FindSettingKey(key); !setting || !setting->scenario) {
      return r.Error(root["settings"][key], "settings." + key,
                     "cannot be overridden by a scenario; set it in the config file");
    }
  }
  ApplyConfigOverlay(overlay, config);
  return config;
}

std::string DescribeInvoke(const Step& s) {
  std::string text = "invoke " + s.function;
  if (s.count > 1) text += " x" + std::to_string(s.count);
  if (s.concurrency > 1) text += " (concurrency " + std::to_string(s.concurrency) + ")";
  if (s.invocation_type != "RequestResponse") text += " [" + s.invocation_type + "]";
  return text;
}

class StepParser {
 public:
  StepParser(const Reporter& r, const ThawConfig& config) : r_(r), config_(config) {}

  absl::StatusOr<Step> Parse(const YAML::Node& item, size_t index) {
    const std::string where = "steps[" + std::to_string(index + 1) + "]";
    if (!item.IsMap() || item.size() != 1) {
      return r_.Error(item, where,
                      "a step is a mapping with one key: invoke, advance, reap, kill, fault, "
                      "clear_faults, rotate_secret or wait_for");
    }
    const auto kv = *item.begin();
    const std::string kind = kv.first.as<std::string>();
    const YAML::Node v = kv.second;
    const std::string path = where + "." + kind;
    Step step;
    step.line = LineOf(kv.first);
    absl::Status status;
    if (kind == "invoke") {
      status = Invoke(v, path, step);
    } else if (kind == "advance") {
      step.kind = Step::Kind::kAdvance;
      ASSIGN_OR_RETURN(auto d, GetDuration(r_, v, path));
      step.duration = d;
      step.text = "advance the clock " + FormatDuration(d);
    } else if (kind == "reap") {
      status = Reap(v, path, step);
    } else if (kind == "kill") {
      status = Kill(v, path, step);
    } else if (kind == "fault") {
      status = Fault(v, path, step);
    } else if (kind == "clear_faults") {
      step.kind = Step::Kind::kClearFaults;
      if (v.IsMap()) {
        RETURN_IF_ERROR(CheckKeys(r_, v, path, {"service"}));
        if (v["service"]) status = Service(v["service"], path + ".service", step);
      } else if (v.IsScalar() && !v.Scalar().empty()) {
        status = Service(v, path, step);
      }
      step.text = "clear faults" + (step.service.empty() ? "" : " (" + step.service + ")");
    } else if (kind == "rotate_secret") {
      status = Rotate(v, path, step);
    } else if (kind == "wait_for") {
      status = WaitFor(v, path, step);
    } else {
      return r_.Error(kv.first, where,
                      "unknown step '" + kind +
                          "' (expected one of: invoke, advance, reap, kill, fault, clear_faults, "
                          "rotate_secret, wait_for)");
    }
    if (!status.ok()) return status;
    return step;
  }

 private:
  absl::Status Function(const YAML::Node& node, const std::string& path, Step& step) {
    ASSIGN_OR_RETURN(auto name, GetString(r_, node, path));
    std::string resolved = name;
    if (auto alias = config_.aliases.find(resolved); alias != config_.aliases.end()) {
      resolved = alias->second;
    }
    if (!config_.functions.count(resolved)) {
      std::vector<std::string> known;
      for (const auto& [n, fn] : config_.functions) known.push_back(n);
      return r_.Error(node, path,
                      "function '" + name + "' is not defined (defined: " + JoinNames(known) + ")");
    }
    step.function = resolved;
    return absl::OkStatus();
  }

  absl::Status Service(const YAML::Node& node, const std::string& path, Step& step) {
    ASSIGN_OR_RETURN(auto service, GetString(r_, node, path));
    if (service != "momento" && service != "aws") {
      return r_.Error(node, path, "service must be momento or aws");
    }
    step.service = service;
    return absl::OkStatus();
  }

  absl::Status Invoke(const YAML::Node& v, const std::string& path, Step& step) {
    step.kind = Step::Kind::kInvoke;
    if (v.IsScalar()) {
      RETURN_IF_ERROR(Function(v, path, step));
    } else {
      if (auto s = CheckKeys(r_, v, path, {"function", "payload", "count", "concurrency", "type"});
          !s.ok()) {
        return s;
      }
      if (!v["function"]) return r_.Error(v, path + ".function", "required key is missing");
      RETURN_IF_ERROR(Function(v["function"], path + ".function", step));
      if (const YAML::Node payload = v["payload"]; payload) {
        if (payload.IsScalar() && payload.Tag() == "!") {
          if (!nlohmann::json::accept(payload.Scalar())) {
            return r_.Error(payload, path + ".payload",
                            "a quoted payload must be JSON text; or write it as a mapping");
          }
          step.payload = payload.Scalar();
        } else {
          step.payload = JsonText(YamlToJson(payload));
        }
      }
      if (v["count"]) {
        ASSIGN_OR_RETURN(auto count, GetInt(r_, v["count"], path + ".count", 1, 100000));
        step.count = count;
      }
      if (v["concurrency"]) {
        ASSIGN_OR_RETURN(auto concurrency,
                         GetInt(r_, v["concurrency"], path + ".concurrency", 1, 1000));
        step.concurrency = concurrency;
      }
      if (v["type"]) {
        ASSIGN_OR_RETURN(auto type, GetString(r_, v["type"], path + ".type"));
        if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
          return r_.Error(v["type"], path + ".type", "must be RequestResponse, Event or DryRun");
        }
        step.invocation_type = type;
      }
    }
    step.text = DescribeInvoke(step);
    return absl::OkStatus();
  }

  absl::Status Reap(const YAML::Node& v, const std::string& path, Step& step) {
    step.kind = Step::Kind::kReap;
    if (v.IsScalar() && !v.Scalar().empty()) {
      RETURN_IF_ERROR(Function(v, path, step));
    } else if (v.IsMap()) {
      RETURN_IF_ERROR(CheckKeys(r_, v, path, {"function", "instance"}));
      if (v["function"]) {
        RETURN_IF_ERROR(Function(v["function"], path + ".function", step));
      }
      if (v["instance"]) {
        ASSIGN_OR_RETURN(auto id, GetInt(r_, v["instance"], path + ".instance", 1, 1 << 30));
        step.instance = id;
      }
    } else if (!v.IsNull()) {
      return r_.Error(v, path, "expected a function name or {function, instance}");
    }
    step.text =
        "reap idle instances" + (step.instance ? " (instance " + std::to_string(step.instance) + ")"
                                 : step.function.empty() ? std::string()
                                                         : " of " + step.function);
    return absl::OkStatus();
  }

  absl::Status Kill(const YAML::Node& v, const std::string& path, Step& step) {
    step.kind = Step::Kind::kKill;
    if (v.IsScalar()) {
      RETURN_IF_ERROR(Function(v, path, step));
    } else {
      RETURN_IF_ERROR(CheckKeys(r_, v, path, {"function", "instance"}));
      if (!v["function"]) return r_.Error(v, path + ".function", "required key is missing");
      RETURN_IF_ERROR(Function(v["function"], path + ".function", step));
      if (v["instance"]) {
        ASSIGN_OR_RETURN(auto index, GetInt(r_, v["instance"], path + ".instance", 1, 1 << 30));
        step.instance = index;
      }
    }
    step.text = "kill " + step.function + "'s " +
                (step.instance ? "instance #" + std::to_string(step.instance) : "newest instance");
    return absl::OkStatus();
  }

  absl::Status Fault(const YAML::Node& v, const std::string& path, Step& step) {
    step.kind = Step::Kind::kFault;
    if (!v.IsMap()) return r_.Error(v, path, "expected a mapping with service: and the fault");
    if (!v["service"]) return r_.Error(v, path + ".service", "required key is missing");
    RETURN_IF_ERROR(Service(v["service"], path + ".service", step));
    step.spec = YamlToJson(v);
    nlohmann::json rest = step.spec;
    rest.erase("service");
    step.text = "fault " + step.service + " " + JsonText(rest);
    return absl::OkStatus();
  }

  absl::Status Rotate(const YAML::Node& v, const std::string& path, Step& step) {
    step.kind = Step::Kind::kRotateSecret;
    if (v.IsScalar()) {
      ASSIGN_OR_RETURN(auto secret, GetString(r_, v, path));
      step.secret = secret;
    } else {
      RETURN_IF_ERROR(CheckKeys(r_, v, path, {"secret", "value"}));
      if (!v["secret"]) return r_.Error(v, path + ".secret", "required key is missing");
      ASSIGN_OR_RETURN(auto secret, GetString(r_, v["secret"], path + ".secret"));
      step.secret = secret;
      if (const YAML::Node value = v["value"]; value) {
        step.value = value.IsScalar() ? value.Scalar() : JsonText(YamlToJson(value));
      }
    }
    step.text = "rotate secret " + step.secret;
    return absl::OkStatus();
  }

  absl::Status WaitFor(const YAML::Node& v, const std::string& path, Step& step) {
    step.kind = Step::Kind::kWaitFor;
    step.duration = std::chrono::seconds(10);
    if (v.IsScalar()) {
      ASSIGN_OR_RETURN(auto kind, GetString(r_, v, path));
      step.event_kind = kind;
    } else {
      if (auto s = CheckKeys(r_, v, path, {"event", "function", "count", "timeout"}); !s.ok()) {
        return s;
      }
      if (!v["event"]) return r_.Error(v, path + ".event", "required key is missing");
      ASSIGN_OR_RETURN(auto kind, GetString(r_, v["event"], path + ".event"));
      step.event_kind = kind;
      if (v["function"]) {
        RETURN_IF_ERROR(Function(v["function"], path + ".function", step));
      }
      if (v["count"]) {
        ASSIGN_OR_RETURN(auto count, GetInt(r_, v["count"], path + ".count", 1, 1000000));
        step.count = count;
      }
      if (v["timeout"]) {
        ASSIGN_OR_RETURN(auto timeout, GetDuration(r_, v["timeout"], path + ".timeout"));
        step.duration = timeout;
      }
    }
    step.text = "wait for " + std::to_string(step.count) + " " + step.event_kind +
                (step.function.empty() ? "" : " of " + step.function) + " (up to " +
                FormatDuration(step.duration) + ")";
    return absl::OkStatus();
  }

  const Reporter& r_;
  const ThawConfig& config_;
};

}  // namespace

absl::StatusOr<Scenario> ParseScenario(const std::string& yaml, const std::string& display_name,
                                       const std::filesystem::path& base_dir,
                                       const LoadOptions& options) {
  Reporter r(display_name);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(display_name + ":" + std::to_string(e.mark.line + 1) +
                                      ": invalid YAML: " + e.msg);
  }
  if (root.IsNull()) return absl::InvalidArgumentError(display_name + ": the file is empty");
  Scenario scenario;
  scenario.path = display_name;
  try {
    RETURN_IF_ERROR(CheckKeys(r, root, "", kTopLevelKeys));
    scenario.name = display_name;
    if (root["name"]) {
      ASSIGN_OR_RETURN(auto name, GetString(r, root["name"], "name"));
      scenario.name = name;
    }
    ASSIGN_OR_RETURN(auto config, LoadFunctions(r, yaml, root, display_name, base_dir, options));
    scenario.config = std::move(config);

    if (const YAML::Node caches = root["caches"]; caches) {
      if (caches.IsScalar()) {
        scenario.caches.push_back(caches.Scalar());
      } else if (caches.IsSequence()) {
        for (size_t i = 0; i < caches.size(); ++i) {
          ASSIGN_OR_RETURN(auto name,
                           GetString(r, caches[i], "caches[" + std::to_string(i + 1) + "]"));
          scenario.caches.push_back(name);
        }
      } else {
        return r.Error(caches, "caches", "expected a list of cache names");
      }
    }

    const YAML::Node steps = root["steps"];
    if (!steps || !steps.IsSequence() || steps.size() == 0) {
      return r.Error(steps ? steps : root, "steps", "expected a non-empty list of steps");
    }
    StepParser parser(r, scenario.config);
    for (size_t i = 0; i < steps.size(); ++i) {
      ASSIGN_OR_RETURN(auto step, parser.Parse(steps[i], i));
      scenario.steps.push_back(std::move(step));
    }

    const YAML::Node expect = root["expect"];
    if (!expect || !expect.IsSequence() || expect.size() == 0) {
      return r.Error(expect ? expect : root, "expect",
                     "expected a non-empty list of rules, e.g. "
                     "'- momento.data_connections per instance == 1'");
    }
    for (size_t i = 0; i < expect.size(); ++i) {
      const YAML::Node item = expect[i];
      const std::string path = "expect[" + std::to_string(i + 1) + "]";
      absl::StatusOr<Expectation> x = item.IsScalar() ? ParseExpectation(item.Scalar())
                                      : item.IsMap()
                                          ? ExpectationFromJson(YamlToJson(item))
                                          : absl::InvalidArgumentError("expected a rule");
      if (!x.ok()) return r.Error(item, path, std::string(x.status().message()));
      if (!x->function.empty() && !scenario.config.functions.count(x->function)) {
        return r.Error(item, path, "function '" + x->function + "' is not defined");
      }
      x->line = LineOf(item);
      scenario.expectations.push_back(*std::move(x));
    }
    // The default rules, after the scenario's own: each unless the scenario states a rule on
    // the same metric (which then stands instead).
    for (const char* rule : kDefaultRules) {
      ASSIGN_OR_RETURN(auto x, ParseExpectation(rule));
      const bool stated =
          std::any_of(scenario.expectations.begin(), scenario.expectations.end(),
                      [&x](const Expectation& own) { return own.metric == x.metric; });
      if (!stated) scenario.expectations.push_back(std::move(x));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(display_name + ":" + std::to_string(e.mark.line + 1) + ": " +
                                      e.msg);
  }
  return scenario;
}

std::vector<Expectation> CauseRules(const Scenario& scenario, const std::vector<Event>& events) {
  struct Reached {
    bool momento = false;
    std::set<std::string> reads;  // fake AWS read operations
    bool any = false;
  };
  std::map<std::string, Reached> functions;  // in name order
  for (const Event& e : events) {
    if (e.function.empty() || e.instance == 0) continue;
    if (e.kind == kinds::kMomentoConnectionOpened || e.kind == kinds::kMomentoRpc) {
      functions[e.function].momento = functions[e.function].any = true;
    } else if (e.kind == kinds::kAwsRequest) {
      const std::string operation = e.attrs.value("operation", "");
      for (const char* read : {"GetSecretValue", "BatchGetSecretValue", "GetParameter",
                               "GetParameters", "GetParametersByPath"}) {
        if (operation == read) functions[e.function].reads.insert(operation);
      }
      functions[e.function].any = true;
    } else if (e.kind == kinds::kSandboxEgressBlocked) {
      functions[e.function].any = true;
    }
  }
  std::vector<std::string> rules;
  for (const auto& [function, reached] : functions) {
    if (!reached.any) continue;
    if (reached.momento) {
      rules.push_back("momento.unprovoked_connections per instance for " + function + " == 0");
    }
    for (const std::string& read : reached.reads) {
      rules.push_back("aws." + read + ".unprovoked per instance for " + function + " == 0");
    }
    rules.push_back("swallowed_failures for " + function + " == 0");
    rules.push_back("events.sandbox.egress_blocked for " + function + " == 0");
  }
  std::vector<Expectation> out;
  for (const std::string& rule : rules) {
    auto x = ParseExpectation(rule);
    if (!x.ok()) continue;  // function names the rule syntax cannot spell
    const bool stated =
        std::any_of(scenario.expectations.begin(), scenario.expectations.end(),
                    [&x](const Expectation& own) { return own.metric == x->metric; });
    if (!stated) out.push_back(*std::move(x));
  }
  return out;
}

absl::StatusOr<Scenario> LoadScenarioFile(const std::filesystem::path& path,
                                          const LoadOptions& options) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(path.string() + ": cannot read the scenario file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseScenario(text.str(), path.string(), std::filesystem::absolute(path).parent_path(),
                       options);
}

}  // namespace thaw::check
