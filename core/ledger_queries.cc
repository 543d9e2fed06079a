#include "core/ledger_queries.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace thaw {

nlohmann::json MomentoConnectionsPerInstance(const Ledger& ledger) {
  // The SDK's close() connects its never-used control channel, closes its data connection at
  // once and drops the control one later (shared/reference/real-clients.md §4): a connection
  // without RPCs opened at most this long before or after the client closed one of the
  // instance's data connections (the accept and the close race on the server side).
  constexpr double kCloseTimeControlMs = 1000;
  struct Connection {
    int64_t instance = 0;
    bool data = false;
    bool other = false;
    bool closed = false;
    bool close_time = false;
    double opened_ms = 0;
  };
  struct PerInstance {
    std::string function;
    std::map<std::string, long> rpcs;
    std::vector<std::string> connections;
    std::optional<double> last_data_close_ms;
    // Data connections closed (by anyone / by a thaw fault) not yet followed by a new one.
    long closed_data = 0;
    long dropped_by_fault = 0;
    long reconnects = 0;
    long reconnects_after_fault = 0;
    long faults = 0;
  };
  std::map<std::string, Connection> connections;
  std::map<int64_t, PerInstance> instances;
  for (const Event& e :
       ledger.Select([](const Event& e) { return e.kind.starts_with("momento."); })) {
    const std::string id = e.attrs.value("connection", "");
    if (e.kind == "momento.connection.opened") {
      Connection& c = connections[id];
      c.instance = e.instance;
      c.opened_ms = e.ms;
      PerInstance& per = instances[e.instance];
      per.function = e.function;
      per.connections.push_back(id);
      if (per.last_data_close_ms && e.ms - *per.last_data_close_ms <= kCloseTimeControlMs) {
        c.close_time = true;
      }
    } else if (e.kind == "momento.connection.closed") {
      Connection& c = connections[id];
      if (c.closed) continue;
      c.closed = true;
      PerInstance& per = instances[c.instance];
      if (c.data && e.attrs.value("by", "client") == "client") {
        per.last_data_close_ms = e.ms;
        for (const std::string& other_id : per.connections) {
          Connection& other = connections[other_id];
          if (!other.data && !other.other && other_id != id &&
              e.ms - other.opened_ms <= kCloseTimeControlMs && e.ms >= other.opened_ms) {
            other.close_time = true;
          }
        }
      }
      if (c.data) {
        ++per.closed_data;
        if (e.attrs.value("why", "").starts_with("fault:")) ++per.dropped_by_fault;
      }
    } else if (e.kind == "momento.rpc") {
      Connection& c = connections[id];
      c.instance = e.instance;
      PerInstance& per = instances[e.instance];
      per.function = e.function;
      ++per.rpcs[e.attrs.value("method", "")];
      if (e.attrs.value("plane", "") == "data") {
        if (!c.data && per.closed_data > 0) {
          ++per.reconnects;
          --per.closed_data;
          if (per.dropped_by_fault > 0) {
            ++per.reconnects_after_fault;
            --per.dropped_by_fault;
          }
        }
        c.data = true;
      } else {
        c.other = true;
      }
    } else if (e.kind == "momento.fault") {
      ++instances[e.instance].faults;
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [instance, per] : instances) {
    long total = 0, data = 0, control = 0, close_time = 0, unused = 0, closed = 0;
    for (const auto& [id, c] : connections) {
      if (c.instance != instance) continue;
      ++total;
      if (c.data) {
        ++data;
      } else if (c.other) {
        ++control;
      } else if (c.close_time) {
        ++control;
        ++close_time;
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
                   {"close_time_control_connections", close_time},
                   {"unused_connections", unused},
                   {"closed", closed},
                   {"reconnects", per.reconnects},
                   {"reconnects_after_fault", per.reconnects_after_fault},
                   {"faults", per.faults},
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
