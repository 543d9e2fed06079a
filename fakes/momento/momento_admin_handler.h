#ifndef THAW_FAKES_MOMENTO_MOMENTO_ADMIN_HANDLER_H_
#define THAW_FAKES_MOMENTO_MOMENTO_ADMIN_HANDLER_H_

#include <string>

#include "core/http/http_server.h"
#include "core/ledger_accounts.h"
#include "core/scheduler_clock.h"
#include "fakes/momento/minted_api_keys.h"
#include "fakes/momento/momento_faults.h"

namespace thaw::momento {

// The admin API of the standalone `thaw momento --admin-port`, the same routes and shapes as
// `thaw serve`'s for the fake Momento:
//   POST   /_thaw/faults {...}       -> 201 {"id"}   (momento_faults.h; "service" optional)
//   GET    /_thaw/faults             -> {"faults":[{..., "id", "fired", "service"}]}
//   DELETE /_thaw/faults             -> {"cleared":n};  DELETE /_thaw/faults/{id} -> {"removed"}
//   GET    /_thaw/momento            -> {"instances":[...]}  (MomentoConnectionsPerInstance, from
//                                         the accounts: exact whatever the window)
//   POST   /_thaw/clock/advance {"duration":"5m"} -> {"advanced_ms","offset_ms"}
//   POST   /_thaw/momento/keys {"instance":0,"function":""} -> {"api_key"}: a minted v1 key
//          (minted_api_keys.h) naming `endpoint`, accepted even next to --api-key
// Errors are {"error": message} with 400 or 404. Every argument must outlive the handler; it
// runs on the HTTP server's io thread.
http::Handler MakeMomentoAdminHandler(MomentoFaults& faults, const LedgerAccounts& accounts,
                                      SchedulerClock& clock, MintedApiKeys& keys,
                                      std::string endpoint);

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_MOMENTO_ADMIN_HANDLER_H_
