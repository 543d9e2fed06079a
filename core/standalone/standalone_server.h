#ifndef THAW_CORE_STANDALONE_STANDALONE_SERVER_H_
#define THAW_CORE_STANDALONE_STANDALONE_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/ledger.h"
#include "core/ledger_accounts.h"
#include "core/ledger_jsonl_writer.h"
#include "core/scheduler_clock.h"
#include "core/tls/server_tls.h"

namespace thaw {

// The frame the standalone fakes (`thaw momento`, `thaw aws`) share, so that each command's
// run function only builds its own service: one io thread, a ledger that keeps the last
// `ledger_window` events with its exact accounts (core/ledger_accounts.h: what an admin route
// counts is read there, never from the window), a scheduler clock, the `--events` JSONL file, one
// stdout line per event of interest (unless quiet), TLS material made for the run, the ready line,
// shutdown on SIGINT/SIGTERM, and the clean-up at exit.
//
// Usage, in a command's run function:
//   auto frame = StandaloneServer::Create({.name = "aws", .events_file = ..., .quiet = ...,
//                                          .print_event = PrintRequest});
//   if (!frame.ok()) return StandaloneServer::StartError(frame.status());
//   ... build the service on (*frame)->io(), ledger() and clock() ...
//   return (*frame)->Serve(" (TLS, CA ...)", [&] { server->Close(); });
// Objects built after the frame are destroyed before it, so they may keep references to its
// ledger, clock and io_context.
//
// Threading: not thread-safe; created, served and destroyed on the command's thread, which is
// also the io thread while Serve runs.
class StandaloneServer {
 public:
  struct Options {
    // The command's name, as in `thaw <name>: listening on ...`.
    std::string name = "";
    // When set, every ledger event is appended to this file as one JSON line ("-" = stdout).
    std::string events_file = "";
    // No per-event lines on stdout (the ready and shutdown lines stay).
    bool quiet = false;
    // Prints the line for one event, or nothing; called for every event unless quiet.
    std::function<void(const Event&)> print_event = nullptr;
    // How many events the ledger holds (0: all of them), as `thaw serve --ledger-window`. The
    // accounts and the `--events` file see every event whatever the window.
    size_t ledger_window = Ledger::kDefaultServeWindow;
  };

  // Errors: the events file's (see LedgerJsonlWriter::Open).
  static absl::StatusOr<std::unique_ptr<StandaloneServer>> Create(Options options);

  // Prints `thaw: <message>` on stderr and returns the start-failure exit code, 2.
  static int StartError(const absl::Status& status);
  static int StartError(const std::string& what);

  ~StandaloneServer();
  StandaloneServer(const StandaloneServer&) = delete;
  StandaloneServer& operator=(const StandaloneServer&) = delete;

  boost::asio::io_context& io() { return io_; }
  Ledger& ledger() { return ledger_; }
  const LedgerAccounts& accounts() const { return accounts_; }
  SchedulerClock& clock() { return clock_; }

  // Makes the run's CA and a server context for `names` (tls::MakeServerTls) in `dir`, or in a
  // temporary directory this frame removes at exit. Errors: MakeServerTls's.
  absl::StatusOr<tls::ServerTls> MakeTls(const std::string& dir,
                                         const std::vector<std::string>& names,
                                         const std::string& alpn = "");

  // Prints `thaw <name>: listening on <endpoint><detail>`, serves until SIGINT or SIGTERM, then
  // prints `thaw <name>: shutting down`, calls `stop` (which closes the listeners and whatever
  // keeps the io_context busy) and returns 0 once the io_context has stopped.
  int Serve(const std::string& endpoint, const std::string& detail,
            const std::function<void()>& stop);

 private:
  explicit StandaloneServer(Options options);

  Options options_;
  Ledger ledger_;
  // Created with the ledger, before its first event, so it counts every one.
  LedgerAccounts accounts_{ledger_};
  SchedulerClock clock_;
  boost::asio::io_context io_{1};
  std::unique_ptr<LedgerJsonlWriter> events_;
  int print_listener_ = 0;
  std::string tls_temporary_dir_;
};

}  // namespace thaw

#endif  // THAW_CORE_STANDALONE_STANDALONE_SERVER_H_
