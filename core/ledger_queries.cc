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

}  // namespace thaw
