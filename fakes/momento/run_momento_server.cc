#include "fakes/momento/run_momento_server.h"

#include <malloc.h>

#include <cstdio>

#include "core/event_kinds.h"
#include "core/standalone/standalone_server.h"
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

constexpr auto kShutdownGrace = std::chrono::milliseconds(300);

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
  // The ledger keeps the last --ledger-window RPCs' records (about 1.6 KB each), so the heap
  // grows until the window is full, and the calls run on one thread. That thread's own malloc arena
  // would grow a page at a time: an mprotect call for 4 calls in 10 (perf trace), each with the new
  // page's fault, slow on the 2-vCPU development VM; one arena for the process grows by sbrk, 128
  // KB at a time. Set before the server's threads start, so none of them makes an arena of its own.
  mallopt(M_ARENA_MAX, 1);
  auto created = StandaloneServer::Create({.name = "momento",
                                           .events_file = options.events_file,
                                           .quiet = options.quiet,
                                           .print_event = PrintConnection,
                                           .ledger_window = options.ledger_window});
  if (!created.ok()) return StandaloneServer::StartError(created.status());
  StandaloneServer& frame = **created;
  ConnectionTracker tracker(frame.io(), frame.ledger(), &frame.clock());
  MomentoFaults faults(frame.ledger(), frame.clock(), tracker);
  MintedApiKeys minted_keys;

  MomentoServerOptions server_options;
  server_options.api_keys.insert(options.api_keys.begin(), options.api_keys.end());
  server_options.caches = options.caches;
  server_options.faults = &faults;
  server_options.minted_keys = &minted_keys;
  auto server = MomentoServer::Start(server_options, frame.ledger(), frame.clock(), tracker);
  if (!server.ok()) return StandaloneServer::StartError(server.status());

  MomentoAcceptor::Options acceptor_options;
  acceptor_options.host = options.host;
  acceptor_options.port = options.port;
  acceptor_options.faults = &faults;
  std::string tls_note;
  if (options.tls) {
    auto tls = frame.MakeTls(options.tls_dir, tls::StandaloneNames(options.host, options.tls_names),
                             tls::kAlpnH2);
    if (!tls.ok()) return StandaloneServer::StartError(tls.status());
    acceptor_options.tls = tls->context;
    tls_note = " (TLS, CA " + tls->ca->certificate_path() + ")";
  }
  auto acceptor =
      MomentoAcceptor::Listen(frame.io(), acceptor_options, tracker, (*server)->grpc_server());
  if (!acceptor.ok()) return StandaloneServer::StartError(acceptor.status());

  std::unique_ptr<http::HttpServer> admin;
  std::string admin_note;
  if (options.admin_port) {
    auto listening =
        http::HttpServer::Listen(frame.io(), options.host, *options.admin_port,
                                 MakeMomentoAdminHandler(faults, frame.accounts(), frame.clock(),
                                                         minted_keys, (*acceptor)->endpoint()));
    if (!listening.ok()) return StandaloneServer::StartError(listening.status());
    admin = *std::move(listening);
    admin_note = " (admin http://" + options.host + ":" + std::to_string(admin->port()) + ")";
  }

  return frame.Serve((*acceptor)->endpoint(), admin_note + tls_note, [&] {
    if (admin) admin->Close();
    (*acceptor)->Close();
    (*server)->Shutdown(kShutdownGrace);
    tracker.CloseAll();
  });
}

}  // namespace thaw::momento
