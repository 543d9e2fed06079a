#include "core/ledger_queries.h"

#include <map>
#include <set>
#include <string>

namespace thaw {

nlohmann::json MomentoConnectionsPerInstance(const Ledger& ledger) {
  struct Connection {
    int64_t instance = 0;
    bool data = false;
    bool other = false;
    bool closed = false;
  };
  struct PerInstance {
    std::string function;
    std::map<std::string, long> rpcs;
  };
  std::map<std::string, Connection> connections;
  std::map<int64_t, PerInstance> instances;
  for (const Event& e : ledger.Select([](const Event& e) { return e.kind.starts_with("momento."); })) {
    const std::string id = e.attrs.value("connection", "");
    if (e.kind == "momento.connection.opened") {
      connections[id].instance = e.instance;
      instances[e.instance].function = e.function;
    } else if (e.kind == "momento.connection.closed") {
      connections[id].closed = true;
    } else if (e.kind == "momento.rpc") {
      Connection& c = connections[id];
      c.instance = e.instance;
      (e.attrs.value("plane", "") == "data" ? c.data : c.other) = true;
      PerInstance& per = instances[e.instance];
      per.function = e.function;
      ++per.rpcs[e.attrs.value("method", "")];
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [instance, per] : instances) {
    long total = 0, data = 0, control = 0, unused = 0, closed = 0;
    for (const auto& [id, c] : connections) {
      if (c.instance != instance) continue;
      ++total;
      if (c.data) {
        ++data;
      } else if (c.other) {
        ++control;
      } else {
        ++unused;
      }
      closed += c.closed ? 1 : 0;
    }
    out.push_back({{"instance", instance},
                   {"function", per.function},
                   {"connections", total},
                   {"data_connections", data},
                   {"control_connections", control},
                   {"unused_connections", unused},
                   {"closed", closed},
                   {"rpcs", per.rpcs}});
  }
  return out;
}

nlohmann::json AwsRequestsPerInstance(const Ledger& ledger) {
  struct PerInstance {
    std::string function;
    long requests = 0;
    std::map<std::string, long> operations;
    std::map<std::string, std::map<std::string, long>> secrets;
    std::map<std::string, long> errors;
  };
  std::map<int64_t, PerInstance> instances;
  for (const Event& e : ledger.Select([](const Event& e) { return e.kind == "aws.request"; })) {
    PerInstance& per = instances[e.instance];
    per.function = e.function;
    ++per.requests;
    const std::string operation = e.attrs.value("operation", "");
    ++per.operations[operation];
    const std::string secret = e.attrs.value("secret", "");
    if (!secret.empty()) ++per.secrets[secret][operation];
    const std::string outcome = e.attrs.value("outcome", "ok");
    if (outcome != "ok") ++per.errors[outcome];
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [instance, per] : instances) {
    out.push_back({{"instance", instance},
                   {"function", per.function},
                   {"requests", per.requests},
                   {"operations", per.operations},
                   {"secrets", per.secrets},
                   {"errors", per.errors}});
  }
  return out;
}

}  // namespace thaw
