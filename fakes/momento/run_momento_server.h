#ifndef THAW_FAKES_MOMENTO_RUN_MOMENTO_SERVER_H_
#define THAW_FAKES_MOMENTO_RUN_MOMENTO_SERVER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ledger.h"

namespace thaw::momento {

// `thaw momento`: the standalone fake Momento, a drop-in for momento-local.
struct MomentoCommandOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // momento-local's port; 0 picks a free one
  // No per-connection lines on stdout (the ready and shutdown lines stay).
  bool quiet = false;
  // When set, every ledger event is appended to this file as one JSON line, written before
  // the RPC that caused it answers ("-" = stdout).
  std::string events_file;
  // How many ledger events stay in memory (0: all of them); the `--events` file and the counts
  // still see every one.
  size_t ledger_window = Ledger::kDefaultServeWindow;
  // Accepted `authorization` values; empty accepts anything.
  std::vector<std::string> api_keys;
  // Caches created at start.
  std::vector<std::string> caches;
  // When set, the admin API (momento_admin_handler.h: /_thaw/faults, /_thaw/momento,
  // /_thaw/clock/advance) listens on `host`:admin_port; 0 picks a free one. The ready line
  // then names it: `thaw momento: listening on HOST:PORT (admin http://HOST:APORT)`.
  std::optional<uint16_t> admin_port;
  // Serve gRPC over TLS (ALPN h2) with a certificate from a CA made at start, written to
  // `<tls_dir>/ca.pem` (a new temporary directory when tls_dir is empty). The certificate names
  // localhost, *.localhost, 127.0.0.1, ::1, `host` and `tls_names`. The ready line then ends with
  // `(TLS, CA <path>)`. The admin API stays plaintext HTTP.
  bool tls = false;
  std::string tls_dir;
  std::vector<std::string> tls_names;
};

// Serves until SIGINT or SIGTERM, then stops (300 ms grace for calls in flight) and returns 0.
// Prints `thaw momento: listening on HOST:PORT` once ready (with the admin URL, then the CA's path
// with --tls, when asked). Returns
// 2 (after printing `thaw: <what>` on stderr) when it cannot start.
int RunMomentoServer(const MomentoCommandOptions& options);

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_RUN_MOMENTO_SERVER_H_
