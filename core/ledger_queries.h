#ifndef THAW_CORE_LEDGER_QUERIES_H_
#define THAW_CORE_LEDGER_QUERIES_H_

#include "core/ledger.h"
#include "nlohmann/json.hpp"

namespace thaw {

// Momento connections and RPCs per instance, computed from the ledger's momento.* events:
// [{"instance","function","connections","data_connections","control_connections",
//   "unused_connections","closed","rpcs":{"Get":n,...}}], ordered by instance. A connection is
// a data connection when it carried a cache_client.Scs RPC, a control one when it carried only
// control (or ping) RPCs, unused when it carried none. Thread-safe.
nlohmann::json MomentoConnectionsPerInstance(const Ledger& ledger);

// Fake AWS requests per instance, from the ledger's aws.request events:
// [{"instance","function","requests","operations":{"GetSecretValue":n,...},
//   "secrets":{"<secret id>":{"GetSecretValue":n}},"errors":{"<type>":n}}], ordered by
// instance (0 = requests signed by no instance's credentials). Thread-safe.
nlohmann::json AwsRequestsPerInstance(const Ledger& ledger);

}  // namespace thaw

#endif  // THAW_CORE_LEDGER_QUERIES_H_
