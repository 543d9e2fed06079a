#include "fakes/momento/run_momento_server.h"

#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "core/event_kinds.h"
#include "core/ledger.h"
#include "core/ledger_jsonl_writer.h"
#include "core/scheduler_clock.h"
#include "core/tls/endpoint_names.h"
#include "core/tls/server_context.h"
#include "core/tls/server_tls.h"
#include "fakes/momento/connection_tracker.h"
#include "fakes/momento/momento_acceptor.h"
#include "fakes/momento/momento_admin_handler.h"
#include "fakes/momento/momento_faults.h"
#include "fakes/momento/momento_server.h"

namespace thaw::momento {

namespace {

namespace asio = boost::asio;

constexpr auto kShutdownGrace = std::chrono::milliseconds(300);

int StartError(const std::string& what) {
  std::fprintf(stderr, "thaw: %s\n", what.c_str());
  return 2;
}

// Prints one line per connection opened or closed.
void PrintConnection(const Event& event) {
  const bool opened = event.kind == kinds::kMomentoConnectionOpened;
  if (!opened && event.kind != kinds::kMomentoConnectionClosed) return;
  const std::string id = event.attrs.value("connection", "");
  const std::string peer = event.attrs.value("peer", "");
  if (opened) {
    std::fprintf(stdout, "thaw momento: connection %s opened from %s\n", id.c_str(), peer.c_str());
  } else {
    std::fprintf(stdout, "thaw momento: connection %s closed (%s)\n", id.c_str(),
                 event.attrs.value("reason", "").c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int RunMomentoServer(const MomentoCommandOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);
  Ledger ledger;
  SchedulerClock clock;
  asio::io_context io(1);
  ConnectionTracker tracker(io, ledger, &clock);
  MomentoFaults faults(ledger, clock, tracker);
  MintedApiKeys minted_keys;

  std::unique_ptr<LedgerJsonlWriter> events;
  if (!options.events_file.empty()) {
    auto opened = LedgerJsonlWriter::Open(ledger, options.events_file);
    if (!opened.ok()) return StartError(std::string(opened.status().message()));
    events = *std::move(opened);
  }
  int print_listener = 0;
  if (!options.quiet) {
    print_listener = ledger.AddListener([&ledger](uint64_t seq) {
      for (const Event& event : ledger.Since(seq - 1, 1)) PrintConnection(event);
    });
  }

  MomentoServerOptions server_options;
  server_options.api_keys.insert(options.api_keys.begin(), options.api_keys.end());
  server_options.caches = options.caches;
  server_options.faults = &faults;
  server_options.minted_keys = &minted_keys;
  auto server = MomentoServer::Start(server_options, ledger, clock, tracker);
  if (!server.ok()) return StartError(std::string(server.status().message()));

  MomentoAcceptor::Options acceptor_options;
  acceptor_options.host = options.host;
  acceptor_options.port = options.port;
  acceptor_options.faults = &faults;
  std::string tls_note;
  std::string tls_temporary_dir;  // removed at exit
  if (options.tls) {
    auto tls =
        tls::MakeServerTls(options.tls_dir, "momento",
                           tls::StandaloneNames(options.host, options.tls_names), tls::kAlpnH2);
    if (!tls.ok()) return StartError(std::string(tls.status().message()));
    acceptor_options.tls = tls->context;
    tls_note = " (TLS, CA " + tls->ca->certificate_path() + ")";
    if (tls->temporary) tls_temporary_dir = tls->dir;
  }
  auto acceptor = MomentoAcceptor::Listen(io, acceptor_options, tracker, (*server)->grpc_server());
  if (!acceptor.ok()) return StartError(std::string(acceptor.status().message()));

  std::unique_ptr<http::HttpServer> admin;
  std::string admin_note;
  if (options.admin_port) {
    auto listening = http::HttpServer::Listen(
        io, options.host, *options.admin_port,
        MakeMomentoAdminHandler(faults, ledger, clock, minted_keys, (*acceptor)->endpoint()));
    if (!listening.ok()) return StartError(std::string(listening.status().message()));
    admin = *std::move(listening);
    admin_note = " (admin http://" + options.host + ":" + std::to_string(admin->port()) + ")";
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    std::fprintf(stdout, "thaw momento: shutting down\n");
    std::fflush(stdout);
    if (admin) admin->Close();
    (*acceptor)->Close();
    (*server)->Shutdown(kShutdownGrace);
    tracker.CloseAll();
    io.stop();
  });

  std::fprintf(stdout, "thaw momento: listening on %s%s%s\n", (*acceptor)->endpoint().c_str(),
               admin_note.c_str(), tls_note.c_str());
  std::fflush(stdout);
  io.run();

  admin.reset();
  acceptor->reset();
  server->reset();
  if (print_listener != 0) ledger.RemoveListener(print_listener);
  events.reset();  // writes what is left and closes the file
  if (!tls_temporary_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(tls_temporary_dir, ignored);
  }
  return 0;
}

}  // namespace thaw::momento
