#include "core/standalone/standalone_server.h"

#include <signal.h>

#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <filesystem>

#include "core/status_macros.h"

namespace thaw {

StandaloneServer::StandaloneServer(Options options)
    : options_(std::move(options)), ledger_(options_.ledger_window) {}

absl::StatusOr<std::unique_ptr<StandaloneServer>> StandaloneServer::Create(Options options) {
  // A client that goes away mid-answer must not kill the server.
  ::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<StandaloneServer> frame(new StandaloneServer(std::move(options)));
  if (!frame->options_.events_file.empty()) {
    ASSIGN_OR_RETURN(auto opened,
                     LedgerJsonlWriter::Open(frame->ledger_, frame->options_.events_file));
    frame->events_ = std::move(opened);
  }
  if (!frame->options_.quiet && frame->options_.print_event) {
    StandaloneServer* self = frame.get();
    frame->print_listener_ = frame->ledger_.AddListener([self](uint64_t seq) {
      // A window-full of events appended on other threads since `seq` would have evicted it;
      // Since then starts past it, and that later event gets its own call.
      for (const Event& event : self->ledger_.Since(seq - 1, 1)) {
        if (event.seq == seq) self->options_.print_event(event);
      }
    });
  }
  return frame;
}

StandaloneServer::~StandaloneServer() {
  if (print_listener_ != 0) ledger_.RemoveListener(print_listener_);
  events_.reset();  // writes what is left and closes the file
  if (!tls_temporary_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(tls_temporary_dir_, ignored);
  }
}

int StandaloneServer::StartError(const absl::Status& status) {
  return StartError(std::string(status.message()));
}

int StandaloneServer::StartError(const std::string& what) {
  std::fprintf(stderr, "thaw: %s\n", what.c_str());
  return 2;
}

absl::StatusOr<tls::ServerTls> StandaloneServer::MakeTls(const std::string& dir,
                                                         const std::vector<std::string>& names,
                                                         const std::string& alpn) {
  auto made = tls::MakeServerTls(dir, options_.name, names, alpn);
  if (made.ok() && made->temporary) tls_temporary_dir_ = made->dir;
  return made;
}

int StandaloneServer::Serve(const std::string& endpoint, const std::string& detail,
                            const std::function<void()>& stop) {
  boost::asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    std::fprintf(stdout, "thaw %s: shutting down\n", options_.name.c_str());
    std::fflush(stdout);
    stop();
    io_.stop();
  });
  std::fprintf(stdout, "thaw %s: listening on %s%s\n", options_.name.c_str(), endpoint.c_str(),
               detail.c_str());
  std::fflush(stdout);
  io_.run();
  return 0;
}

}  // namespace thaw
