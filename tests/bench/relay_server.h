#ifndef THAW_TESTS_BENCH_RELAY_SERVER_H_
#define THAW_TESTS_BENCH_RELAY_SERVER_H_

#include <string>

namespace thaw::bench {

// The protocol's floor for one invoke: the least a Lambda emulator built of real processes must
// do. One loopback HTTP/1.1 server (Boost.Beast, one thread, one coroutine per connection, as
// thaw's own and the bare server) that is both the Invoke API and the Runtime API, and
// `runtimes` copies of a runtime it starts itself (`bootstrap`, with AWS_LAMBDA_RUNTIME_API and
// _HANDLER=echo), each kept warm on GET /next. An Invoke POST is handed to the runtime idle the
// shortest time (or queued), its /response answers the caller, then the runtime gets its 202
// (the order thaw uses). Nothing else: no instance model, ledger, timers, logs, isolation or
// freeze. The same three exchanges as thaw (caller, event, answer) with the same runtime, so
// thaw's numbers over the relay's are thaw's own cost above the floor.
//
// Prints "relay: runtimes PID PID ..." and then "relay: listening on http://127.0.0.1:PORT",
// and serves until SIGTERM/SIGINT, when it stops its runtimes (SIGKILL) and reaps them. Each
// runtime also dies with the relay (PR_SET_PDEATHSIG). Returns the process exit code: 1 when it
// cannot listen or start a runtime.
int RunRelayServer(const std::string& bootstrap, int runtimes);

}  // namespace thaw::bench

#endif  // THAW_TESTS_BENCH_RELAY_SERVER_H_
