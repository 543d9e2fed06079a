#ifndef THAW_FAKES_MOMENTO_CONNECTION_FAULT_HOOK_H_
#define THAW_FAKES_MOMENTO_CONNECTION_FAULT_HOOK_H_

#include <chrono>

#include "fakes/momento/connection_attributor.h"

namespace thaw::momento {

// The seam for connection-level faults, asked once per accepted connection before it reaches
// gRPC. The implementation is MomentoFaults (momento_faults.h), programmed through
// /_thaw/faults. Implementations must be thread-safe; they are called on the acceptor's
// io_context thread and must not block.
class ConnectionFaultHook {
 public:
  struct Decision {
    enum class Action {
      kServe,      // hand the connection to gRPC (after `delay`)
      kRefuse,     // close it at once (the client sees a reset or EOF)
      kBlackhole,  // keep it open and never answer (until the acceptor closes)
    };
    Action action = Action::kServe;
    // Handshake delay: how long the connection waits before gRPC sees it.
    std::chrono::milliseconds delay{0};
  };

  virtual ~ConnectionFaultHook() = default;
  virtual Decision OnAccept(const ConnectionAttribution& connection) = 0;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_CONNECTION_FAULT_HOOK_H_
