#ifndef THAW_CORE_LEDGER_QUERIES_H_
#define THAW_CORE_LEDGER_QUERIES_H_

#include "core/ledger.h"
#include "nlohmann/json.hpp"

namespace thaw {

// Momento connections and RPCs per instance, computed from the ledger's momento.* events:
// [{"instance","function","connections","data_connections","control_connections",
//   "close_time_control_connections","unused_connections","closed","reconnects",
//   "reconnects_after_fault","faults","rpcs":{"Get":n,...}}], ordered by instance.
// A connection is a data connection when it carried a cache_client.Scs RPC, a control one when
// it carried only control (or ping) RPCs -- or when it is the short control connection the
// SDK's close() opens (no RPC, opened at most 1 s before or after the client closed one of
// the instance's data connections; also counted in close_time_control_connections) -- and
// unused otherwise. `reconnects` counts data connections that started carrying RPCs after
// one of the instance's data connections had closed (`_after_fault`: closed by a thaw fault,
// why=fault:*); `faults` counts momento.fault events. Thread-safe.
nlohmann::json MomentoConnectionsPerInstance(const Ledger& ledger);

// Fake AWS requests per instance, from the ledger's aws.request events:
// [{"instance","function","requests","operations":{"GetSecretValue":n,...},
//   "secrets":{"<secret id>":{"GetSecretValue":n}},"errors":{"<type>":n}}], ordered by
// instance (0 = requests signed by no instance's credentials). Thread-safe.
nlohmann::json AwsRequestsPerInstance(const Ledger& ledger);

}  // namespace thaw

#endif  // THAW_CORE_LEDGER_QUERIES_H_
