#include "check/expectation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "core/accounting.h"
#include "core/duration.h"
#include "core/event_kinds.h"
#include "core/json_text.h"
#include "core/status_macros.h"

namespace thaw::check {
namespace {

// One event's share of a metric: a connection opened, a secret fetched, an invoke's duration.
struct Contribution {
  int64_t instance = 0;
  std::string function;
  uint64_t seq = 0;
  double value = 1;
  // What the event was about, when a failure should say it (a packaging problem's file and
  // reason); empty for most metrics.
  std::string detail;
};

// A metric: which events contribute, and how a group of contributions becomes one number.
struct Metric {
  // Count: the number of contributions. Otherwise a statistic over their values.
  enum class Stat { kCount, kPercentile, kMax, kMin, kAvg };
  Stat stat = Stat::kCount;
  double percentile = 0;
  std::string unit;  // "" or "ms"
  // "opened {n} Momento data connections": how a failure line reads.
  std::string verb;
  std::string noun;
  std::function<std::vector<Contribution>(const std::vector<Event>&)> extract;
};

constexpr const char* kKnownMetrics =
    "invocations, cold_starts, instances, errors, timeouts, throttles, swallowed_failures, "
    "duration[.warm|.cold].<stat>, init_duration.<stat>, momento.connections, "
    "momento.data_connections, momento.control_connections, momento.unused_connections, "
    "momento.unprovoked_connections, momento.rpcs, momento.rpcs.<Method>, momento.errors, "
    "aws.requests, aws.errors, aws.<Operation>, aws.<Operation>.unprovoked, package.errors, "
    "package.notes, events.<kind>; <stat> is p50, p90, p99 (any "
    "pN), max, min or avg";

// The event with `seq` in `events` (in seq order), or null.
const Event* FindBySeq(const std::vector<Event>& events, uint64_t seq) {
  auto it = std::lower_bound(events.begin(), events.end(), seq,
                             [](const Event& e, uint64_t s) { return e.seq < s; });
  return it != events.end() && it->seq == seq ? &*it : nullptr;
}

std::vector<Contribution> EventsWhere(const std::vector<Event>& events,
                                      const std::function<bool(const Event&)>& keep) {
  std::vector<Contribution> out;
  for (const Event& e : events) {
    if (keep(e)) out.push_back({e.instance, e.function, e.seq, 1, ""});
  }
  return out;
}

// Momento connections by their role (ClassifyMomentoConnections, the one classification);
// each contributes its opening event.
std::vector<Contribution> MomentoConnectionsWhere(const std::vector<Event>& events,
                                                  const std::string& which) {
  std::vector<Contribution> out;
  for (const MomentoConnection& c : ClassifyMomentoConnections(events)) {
    const bool keep = which == "connections" ||
                      (which == "data_connections" && c.role == ConnectionRole::kData) ||
                      (which == "control_connections" && c.role == ConnectionRole::kControl) ||
                      (which == "unused_connections" && c.role == ConnectionRole::kUnused) ||
                      (which == "unprovoked_connections" && c.unprovoked);
    if (keep) out.push_back({c.instance, c.function, c.opened_seq, 1, ""});
  }
  return out;
}

std::optional<Metric> StatMetric(std::string_view stat, Metric base) {
  if (stat == "max") {
    base.stat = Metric::Stat::kMax;
  } else if (stat == "min") {
    base.stat = Metric::Stat::kMin;
  } else if (stat == "avg" || stat == "mean") {
    base.stat = Metric::Stat::kAvg;
  } else if (stat.size() > 1 && stat[0] == 'p') {
    double p = 0;
    try {
      size_t used = 0;
      p = std::stod(std::string(stat.substr(1)), &used);
      if (used != stat.size() - 1) return std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (p <= 0 || p > 100) return std::nullopt;
    base.stat = Metric::Stat::kPercentile;
    base.percentile = p;
  } else {
    return std::nullopt;
  }
  return base;
}

// invocations, cold_starts, instances, errors, timeouts, throttles.
std::optional<Metric> InvocationMetric(const std::string& n) {
  Metric m;
  if (n == "invocations") {
    m.verb = "served";
    m.noun = "invocations";
    m.extract = [](const auto& events) {
      return EventsWhere(events, [](const Event& e) { return e.kind == kinds::kInvokeEnd; });
    };
    return m;
  }
  if (n == "cold_starts") {
    m.verb = "had";
    m.noun = "cold starts";
    m.extract = [](const auto& events) {
      return EventsWhere(events, [](const Event& e) {
        return e.kind == kinds::kInvokeStart && e.attrs.value("cold", false);
      });
    };
    return m;
  }
  if (n == "swallowed_failures") {
    m.verb = "answered success on";
    m.noun = "invocations in which every call to a fake failed";
    m.extract = [](const auto& events) {
      std::vector<Contribution> out;
      for (const SwallowedFailure& s : SwallowedFailures(events)) {
        out.push_back({s.instance, s.function, s.seq, 1,
                       "seq " + std::to_string(s.seq) + ": " + s.Describe()});
      }
      return out;
    };
    return m;
  }
  if (n == "instances") {
    m.verb = "started";
    m.noun = "instances";
    m.extract = [](const auto& events) {
      return EventsWhere(events, [](const Event& e) { return e.kind == kinds::kInstanceSpawned; });
    };
    return m;
  }
  if (n == "errors" || n == "timeouts") {
    const bool timeouts = n == "timeouts";
    m.verb = "had";
    m.noun = timeouts ? "timeouts" : "failed invocations";
    m.extract = [timeouts](const auto& events) {
      std::vector<Contribution> out = EventsWhere(events, [timeouts](const Event& e) {
        if (e.kind != kinds::kInvokeEnd) return false;
        const std::string outcome = e.attrs.value("outcome", "success");
        return timeouts ? outcome == "timeout" : outcome != "success";
      });
      // Why, when the control plane knows (an SDK that went for the real endpoint): once per
      // hint, so the failure line says it without repeating it for every invocation.
      std::set<std::string> hints;
      for (Contribution& c : out) {
        const Event* e = FindBySeq(events, c.seq);
        const std::string hint = e ? e->attrs.value("hint", "") : "";
        if (!hint.empty() && hints.insert(hint).second) c.detail = hint;
      }
      return out;
    };
    return m;
  }
  if (n == "throttles") {
    m.verb = "had";
    m.noun = "throttled invokes (429)";
    m.extract = [](const auto& events) {
      return EventsWhere(events, [](const Event& e) { return e.kind == kinds::kInvokeThrottled; });
    };
    return m;
  }
  return std::nullopt;
}

// duration[.warm|.cold].<stat>, init_duration.<stat>.
std::optional<Metric> DurationMetric(const std::string& n) {
  Metric m;
  if (n.starts_with("duration.")) {
    std::string rest = n.substr(9);
    std::optional<bool> cold;
    if (rest.starts_with("warm.")) {
      cold = false;
      rest = rest.substr(5);
    } else if (rest.starts_with("cold.")) {
      cold = true;
      rest = rest.substr(5);
    }
    m.unit = "ms";
    m.verb = "had";
    m.noun = std::string(cold ? (*cold ? "cold " : "warm ") : "") + "duration";
    m.extract = [cold](const std::vector<Event>& events) {
      std::vector<Contribution> out;
      for (const Event& e : events) {
        if (e.kind != kinds::kInvokeEnd) continue;
        if (cold && e.attrs.value("cold", false) != *cold) continue;
        out.push_back({e.instance, e.function, e.seq, e.attrs.value("duration_ms", 0.0), ""});
      }
      return out;
    };
    return StatMetric(rest, m);
  }
  if (n.starts_with("init_duration.")) {
    m.unit = "ms";
    m.verb = "had";
    m.noun = "init duration";
    m.extract = [](const std::vector<Event>& events) {
      std::vector<Contribution> out;
      for (const Event& e : events) {
        if (e.kind == kinds::kInstanceReady) {
          out.push_back({e.instance, e.function, e.seq, e.attrs.value("init_ms", 0.0), ""});
        }
      }
      return out;
    };
    return StatMetric(n.substr(14), m);
  }
  return std::nullopt;
}

// momento.*: connections by role (the accounting's classification), RPCs, errors.
std::optional<Metric> MomentoMetric(const std::string& n) {
  Metric m;
  if (n.starts_with(kinds::kMomentoFamily)) {
    const std::string rest = n.substr(8);
    if (rest == "connections" || rest == "data_connections" || rest == "control_connections" ||
        rest == "unused_connections") {
      m.verb = "opened";
      m.noun = rest == "connections" ? "Momento connections"
                                     : "Momento " + rest.substr(0, rest.find('_')) + " connections";
      m.extract = [rest](const auto& events) { return MomentoConnectionsWhere(events, rest); };
      return m;
    }
    if (rest == "unprovoked_connections") {
      m.verb = "opened";
      m.noun = "unprovoked Momento data connections";
      m.extract = [rest](const auto& events) { return MomentoConnectionsWhere(events, rest); };
      return m;
    }
    if (rest == "rpcs" || rest == "errors") {
      const bool errors = rest == "errors";
      m.verb = errors ? "got" : "made";
      m.noun = errors ? "Momento RPC errors" : "Momento RPCs";
      m.extract = [errors](const auto& events) {
        return EventsWhere(events, [errors](const Event& e) {
          return e.kind == kinds::kMomentoRpc && (!errors || e.attrs.value("code", "OK") != "OK");
        });
      };
      return m;
    }
    if (rest.starts_with("rpcs.") && rest.size() > 5) {
      const std::string method = rest.substr(5);
      m.verb = "made";
      m.noun = "Momento " + method + " calls";
      m.extract = [method](const auto& events) {
        return EventsWhere(events, [&method](const Event& e) {
          return e.kind == kinds::kMomentoRpc && e.attrs.value("method", "") == method;
        });
      };
      return m;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// aws.requests, aws.errors, aws.<Operation>, aws.<Operation>.unprovoked.
std::optional<Metric> AwsMetric(const std::string& n) {
  Metric m;
  if (n.starts_with("aws.") && n.size() > 4) {
    const std::string rest = n.substr(4);
    m.verb = "made";
    if (rest == "requests") {
      m.noun = "AWS requests";
      m.extract = [](const auto& events) {
        return EventsWhere(events, [](const Event& e) { return e.kind == kinds::kAwsRequest; });
      };
    } else if (rest == "errors") {
      m.verb = "got";
      m.noun = "AWS errors";
      m.extract = [](const auto& events) {
        return EventsWhere(events, [](const Event& e) {
          return e.kind == kinds::kAwsRequest && e.attrs.value("outcome", "ok") != "ok";
        });
      };
    } else if (rest.ends_with(".unprovoked") && rest.size() > 11) {
      const std::string operation = rest.substr(0, rest.size() - 11);
      if (!std::isupper(static_cast<unsigned char>(operation[0]))) return std::nullopt;
      m.noun = "unprovoked " + operation + " refetches";
      m.extract = [operation](const auto& events) {
        std::vector<Contribution> out;
        for (const AwsRefetch& r : UnprovokedAwsRefetches(events)) {
          if (r.operation == operation) out.push_back({r.instance, r.function, r.seq, 1, ""});
        }
        return out;
      };
    } else {
      if (!std::isupper(static_cast<unsigned char>(rest[0])) ||
          rest.find('.') != std::string::npos) {
        return std::nullopt;
      }
      m.noun = rest + " calls";
      m.extract = [rest](const auto& events) {
        return EventsWhere(events, [&rest](const Event& e) {
          return e.kind == kinds::kAwsRequest && e.attrs.value("operation", "") == rest;
        });
      };
    }
    return m;
  }
  return std::nullopt;
}

// package.errors, package.notes: the packaging check's problems (package.problem events).
std::optional<Metric> PackageMetric(const std::string& n) {
  if (n != "package.errors" && n != "package.notes") return std::nullopt;
  const std::string severity = n == "package.errors" ? "error" : "note";
  Metric m;
  m.verb = "had";
  m.noun = "packaging " + severity + "s";
  m.extract = [severity](const std::vector<Event>& events) {
    std::vector<Contribution> out;
    for (const Event& e : events) {
      if (e.kind != kinds::kPackageProblem || e.attrs.value("severity", "") != severity) continue;
      const std::string file = e.attrs.value("file", "");
      out.push_back(
          {e.instance, e.function, e.seq, 1,
           e.function + ": " + (file.empty() ? "" : file + ": ") + e.attrs.value("reason", "")});
    }
    return out;
  };
  return m;
}

std::optional<Metric> FindMetric(std::string_view name) {
  const std::string n(name);
  for (auto family : {InvocationMetric, DurationMetric, MomentoMetric, AwsMetric, PackageMetric}) {
    if (std::optional<Metric> m = family(n)) return m;
  }
  Metric m;
  if (n.starts_with("events.") && n.size() > 7) {
    const std::string kind = n.substr(7);
    m.verb = "had";
    m.noun = kind + " events";
    m.extract = [kind](const auto& events) {
      return EventsWhere(events, [&kind](const Event& e) { return e.kind == kind; });
    };
    return m;
  }
  return std::nullopt;
}

std::string FormatNumber(double value, const std::string& unit = "") {
  char text[64];
  if (std::isnan(value)) return "n/a";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(text, sizeof(text), "%.0f", value);
  } else {
    std::snprintf(text, sizeof(text), "%.1f", value);
  }
  return unit.empty() ? text : std::string(text) + " " + unit;
}

bool Holds(double measured, Expectation::Op op, double expected) {
  switch (op) {
    case Expectation::Op::kEq:
      return measured == expected;
    case Expectation::Op::kNe:
      return measured != expected;
    case Expectation::Op::kLt:
      return measured < expected;
    case Expectation::Op::kLe:
      return measured <= expected;
    case Expectation::Op::kGt:
      return measured > expected;
    case Expectation::Op::kGe:
      return measured >= expected;
  }
  return false;
}

std::optional<Expectation::Op> ParseOp(std::string_view text) {
  if (text == "==" || text == "=") return Expectation::Op::kEq;
  if (text == "!=") return Expectation::Op::kNe;
  if (text == "<") return Expectation::Op::kLt;
  if (text == "<=") return Expectation::Op::kLe;
  if (text == ">") return Expectation::Op::kGt;
  if (text == ">=") return Expectation::Op::kGe;
  return std::nullopt;
}

absl::StatusOr<double> ParseValue(const std::string& text) {
  try {
    size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  auto duration = ParseDuration(text);
  if (duration.ok()) return static_cast<double>(duration->count());
  return absl::InvalidArgumentError("'" + text +
                                    "' is not a number or a duration (like 3, 50ms or 2s)");
}

double Aggregate(const Metric& metric, std::vector<double> values) {
  if (metric.stat == Metric::Stat::kCount) return static_cast<double>(values.size());
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  switch (metric.stat) {
    case Metric::Stat::kMax:
      return values.back();
    case Metric::Stat::kMin:
      return values.front();
    case Metric::Stat::kAvg: {
      double sum = 0;
      for (double v : values) sum += v;
      return sum / static_cast<double>(values.size());
    }
    case Metric::Stat::kPercentile: {
      // Nearest rank: the smallest value with at least p% of the values at or below it.
      const double rank = std::ceil(metric.percentile / 100.0 * static_cast<double>(values.size()));
      const size_t index = static_cast<size_t>(std::max(1.0, rank)) - 1;
      return values[std::min(index, values.size() - 1)];
    }
    case Metric::Stat::kCount:
      break;
  }
  return std::nan("");
}

std::string SeqList(std::vector<uint64_t> seqs, size_t limit = 8) {
  std::string out;
  for (size_t i = 0; i < seqs.size() && i < limit; ++i) {
    out += (i ? ", " : "") + std::to_string(seqs[i]);
  }
  if (seqs.size() > limit) out += ", …";
  return out;
}

std::string StatName(const Metric& m) {
  switch (m.stat) {
    case Metric::Stat::kMax:
      return "max";
    case Metric::Stat::kMin:
      return "min";
    case Metric::Stat::kAvg:
      return "average";
    case Metric::Stat::kPercentile:
      return "p" + FormatNumber(m.percentile);
    case Metric::Stat::kCount:
      break;
  }
  return "";
}

// One failure line for a group (an instance, a function, or everything) that broke the rule.
std::string DescribeFailure(const Metric& metric, const Expectation& x, const std::string& who,
                            const std::vector<Contribution>& group, double measured,
                            long invocations) {
  std::ostringstream out;
  out << who << " ";
  if (metric.stat == Metric::Stat::kCount) {
    out << metric.verb << " " << FormatNumber(measured) << " " << metric.noun;
    if (measured > 1 && invocations > 1 && static_cast<long>(measured) == invocations) {
      out << ", one per invoke";
    }
    std::vector<uint64_t> seqs;
    for (const Contribution& c : group) seqs.push_back(c.seq);
    if (!seqs.empty()) out << ": at seq " << SeqList(seqs);
    // Events that carry their own story (a packaging problem) say it, a few at most.
    std::vector<std::string> details;
    for (const Contribution& c : group) {
      if (!c.detail.empty()) details.push_back(c.detail);
    }
    for (size_t i = 0; i < details.size() && i < 10; ++i) out << (i ? "; " : " — ") << details[i];
    if (details.size() > 10) out << "; and " << details.size() - 10 << " more";
  } else {
    out << "had a " << StatName(metric) << " " << metric.noun << " of "
        << FormatNumber(measured, metric.unit) << " over " << group.size() << " events";
    // The events that are themselves on the wrong side of the limit, worst first.
    std::vector<Contribution> worst;
    for (const Contribution& c : group) {
      if (!Holds(c.value, x.op, x.value)) worst.push_back(c);
    }
    const bool high = x.op == Expectation::Op::kLt || x.op == Expectation::Op::kLe;
    std::sort(worst.begin(), worst.end(), [high](const Contribution& a, const Contribution& b) {
      return high ? a.value > b.value : a.value < b.value;
    });
    if (!worst.empty()) {
      out << "; " << (high ? "slowest" : "fastest") << " at seq ";
      for (size_t i = 0; i < worst.size() && i < 5; ++i) {
        out << (i ? ", " : "") << worst[i].seq << " (" << FormatNumber(worst[i].value, metric.unit)
            << ")";
      }
      if (worst.size() > 5) out << ", …";
    }
  }
  out << " (expected " << OpText(x.op) << " " << FormatNumber(x.value, metric.unit) << ")";
  return out.str();
}

std::string Canonical(const Expectation& x, const std::string& value_text) {
  std::string text = x.metric;
  if (x.per == Expectation::Per::kInstance) text += " per instance";
  if (x.per == Expectation::Per::kFunction) text += " per function";
  if (!x.function.empty()) text += " for " + x.function;
  return text + " " + std::string(OpText(x.op)) + " " + value_text;
}

}  // namespace

std::string_view OpText(Expectation::Op op) {
  switch (op) {
    case Expectation::Op::kEq:
      return "==";
    case Expectation::Op::kNe:
      return "!=";
    case Expectation::Op::kLt:
      return "<";
    case Expectation::Op::kLe:
      return "<=";
    case Expectation::Op::kGt:
      return ">";
    case Expectation::Op::kGe:
      return ">=";
  }
  return "?";
}

absl::Status CheckMetricName(std::string_view metric) {
  if (FindMetric(metric)) return absl::OkStatus();
  return absl::InvalidArgumentError("unknown metric '" + std::string(metric) +
                                    "' (known: " + kKnownMetrics + ")");
}

absl::StatusOr<Expectation> ParseExpectation(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string word; in >> word;) words.push_back(word);
  const std::string usage =
      "expected 'METRIC [per instance|per function] [for FUNCTION] OP VALUE', e.g. "
      "'momento.data_connections per instance == 1'";
  if (words.size() < 3) return absl::InvalidArgumentError(usage);
  Expectation x;
  x.metric = words[0];
  RETURN_IF_ERROR(CheckMetricName(x.metric));
  size_t i = 1;
  if (words[i] == "per") {
    if (i + 1 >= words.size()) return absl::InvalidArgumentError(usage);
    const std::string& per = words[i + 1];
    if (per == "instance") {
      x.per = Expectation::Per::kInstance;
    } else if (per == "function") {
      x.per = Expectation::Per::kFunction;
    } else if (per == "all") {
      x.per = Expectation::Per::kAll;
    } else {
      return absl::InvalidArgumentError("'per " + per +
                                        "': expected per instance, per function or per all");
    }
    i += 2;
  }
  if (i < words.size() && words[i] == "for") {
    if (i + 1 >= words.size()) return absl::InvalidArgumentError(usage);
    x.function = words[i + 1];
    i += 2;
  }
  if (i + 2 != words.size()) return absl::InvalidArgumentError(usage);
  auto op = ParseOp(words[i]);
  if (!op) {
    return absl::InvalidArgumentError("'" + words[i] +
                                      "' is not a comparison (==, !=, <, <=, >, >=)");
  }
  x.op = *op;
  ASSIGN_OR_RETURN(auto value, ParseValue(words[i + 1]));
  x.value = value;
  x.text = Canonical(x, words[i + 1]);
  return x;
}

absl::StatusOr<Expectation> ExpectationFromJson(const nlohmann::json& spec) {
  if (!spec.is_object()) return absl::InvalidArgumentError("expected a mapping");
  static const std::set<std::string> kKeys = {"metric", "per", "function", "op", "value"};
  for (const auto& [key, v] : spec.items()) {
    if (!kKeys.count(key)) {
      return absl::InvalidArgumentError("unknown key '" + key +
                                        "' (expected one of: metric, per, function, op, value)");
    }
  }
  for (const char* required : {"metric", "op", "value"}) {
    if (!spec.contains(required)) {
      return absl::InvalidArgumentError(std::string(required) + ": required key is missing");
    }
  }
  auto text_of = [](const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : JsonText(v);
  };
  std::string line = text_of(spec["metric"]);
  if (spec.contains("per")) line += " per " + text_of(spec["per"]);
  if (spec.contains("function")) line += " for " + text_of(spec["function"]);
  line += " " + text_of(spec["op"]) + " " + text_of(spec["value"]);
  return ParseExpectation(line);
}

ExpectationResult Evaluate(const Expectation& x, const std::vector<Event>& events,
                           const std::vector<std::string>& functions) {
  ExpectationResult result;
  result.expectation = x;
  const std::optional<Metric> metric = FindMetric(x.metric);
  if (!metric) {
    result.measured = "unknown metric";
    result.failures.push_back("unknown metric '" + x.metric + "'");
    return result;
  }
  std::vector<Contribution> all = metric->extract(events);
  if (!x.function.empty()) {
    std::erase_if(all, [&x](const Contribution& c) { return c.function != x.function; });
  }
  // Instances that ran an invocation (every per-instance rule covers them, even at 0).
  std::map<int64_t, std::string> instance_function;
  std::map<int64_t, long> invocations;
  for (const Event& e : events) {
    if (e.kind == kinds::kInstanceSpawned) instance_function[e.instance] = e.function;
    if (e.kind == kinds::kInvokeStart) ++invocations[e.instance];
  }

  std::vector<std::pair<std::string, std::vector<Contribution>>> groups;
  std::vector<long> group_invocations;
  if (x.per == Expectation::Per::kAll) {
    groups.push_back({x.function.empty() ? "all functions" : "function " + x.function, all});
    group_invocations.push_back(0);
  } else if (x.per == Expectation::Per::kInstance) {
    std::map<int64_t, std::vector<Contribution>> by_instance;
    for (const auto& [id, count] : invocations) {
      const std::string& fn = instance_function[id];
      if (x.function.empty() || fn == x.function) by_instance[id];
    }
    for (const Contribution& c : all) {
      if (c.instance != 0) by_instance[c.instance].push_back(c);
    }
    for (auto& [id, group] : by_instance) {
      std::string fn = instance_function.count(id) ? instance_function[id]
                       : group.empty()             ? ""
                                                   : group.front().function;
      groups.push_back({"instance " + std::to_string(id) + (fn.empty() ? "" : " (" + fn + ")"),
                        std::move(group)});
      group_invocations.push_back(invocations.count(id) ? invocations[id] : 0);
    }
  } else {
    std::map<std::string, std::vector<Contribution>> by_function;
    if (x.function.empty()) {
      for (const std::string& fn : functions) by_function[fn];
    } else {
      by_function[x.function];
    }
    for (const Contribution& c : all) by_function[c.function].push_back(c);
    for (auto& [fn, group] : by_function) {
      groups.push_back({"function " + fn, std::move(group)});
      group_invocations.push_back(0);
    }
  }

  std::vector<double> measured_values;
  bool passed = true;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& [who, group] = groups[g];
    std::vector<double> values;
    for (const Contribution& c : group) values.push_back(c.value);
    const double measured = Aggregate(*metric, values);
    if (std::isnan(measured)) {
      if (x.per == Expectation::Per::kAll) {
        passed = false;
        result.failures.push_back(who + ": no events to measure " + x.metric + " on");
      }
      continue;  // An instance or function with nothing to measure has no statistic.
    }
    measured_values.push_back(measured);
    if (!Holds(measured, x.op, x.value)) {
      passed = false;
      result.failures.push_back(
          DescribeFailure(*metric, x, who, group, measured, group_invocations[g]));
    }
  }
  if (x.per != Expectation::Per::kAll && measured_values.empty()) {
    passed = false;
    const std::string what = x.per == Expectation::Per::kInstance ? "instance" : "function";
    result.failures.push_back("no " + what + (x.function.empty() ? "" : " of " + x.function) +
                              " had anything to measure, so the rule proves nothing");
  }
  result.passed = passed;
  if (measured_values.empty()) {
    result.measured = "nothing measured";
  } else if (x.per == Expectation::Per::kAll) {
    result.measured = FormatNumber(measured_values.front(), metric->unit);
  } else {
    const auto [lo, hi] = std::minmax_element(measured_values.begin(), measured_values.end());
    const std::string noun = x.per == Expectation::Per::kInstance ? "instance" : "function";
    const std::string count = std::to_string(measured_values.size()) + " " + noun +
                              (measured_values.size() == 1 ? "" : "s");
    result.measured = *lo == *hi ? FormatNumber(*lo, metric->unit) + " on each of " + count
                                 : FormatNumber(*lo, metric->unit) + " to " +
                                       FormatNumber(*hi, metric->unit) + " over " + count;
  }
  return result;
}

}  // namespace thaw::check
