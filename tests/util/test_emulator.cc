#include "tests/util/test_emulator.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <future>
#include <regex>

#include "core/status_macros.h"
#include "emulator/process/boost_process_launcher.h"
#include "host/admin_api.h"

namespace thaw::testing {

namespace asio = boost::asio;

double Slowdown() {
  double factor = 1;
  if (const char* s = std::getenv("THAW_TEST_SLOWDOWN")) factor = std::max(1.0, std::atof(s));
  return factor;
}

std::chrono::milliseconds TestTimeout() {
  return std::chrono::milliseconds(static_cast<long>(15000 * Slowdown()));
}

int ScaledCount(int count) { return std::max(1, static_cast<int>(count / Slowdown())); }

std::string EchoDir() { return THAW_ECHO_DIR; }

void CapturingLogSink::Line(const std::string&, int64_t, std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  lines_.emplace_back(line);
}

std::vector<std::string> CapturingLogSink::Lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}

absl::StatusOr<std::unique_ptr<TestEmulator>> TestEmulator::Start(const std::string& yaml,
                                                                  LauncherFactory make_launcher,
                                                                  bool momento,
                                                                  size_t ledger_window) {
  std::unique_ptr<TestEmulator> emu(new TestEmulator(ledger_window));
  emu->own_launcher_ = make_launcher != nullptr;
  ASSIGN_OR_RETURN(emu->config_, emu->Parse(yaml));
  emu->launcher_ =
      make_launcher ? make_launcher(emu->io_) : std::make_unique<BoostProcessLauncher>(emu->io_);
  // The same wiring as `thaw serve` (EmulatorSession), with the fake AWS left out.
  ASSIGN_OR_RETURN(auto host,
                   EmulatorSession::Create(emu->io_, emu->config_, emu->ledger_, emu->logs_,
                                           *emu->launcher_, {.momento = momento, .aws = false}));
  emu->host_ = std::move(host);
  ASSIGN_OR_RETURN(auto server,
                   http::HttpServer::Listen(emu->io_, "127.0.0.1", 0, MakeApiHandler(*emu->host_),
                                            ApiServerOptions()));
  emu->server_ = std::move(server);
  emu->port_ = emu->server_->port();
  emu->thread_ = std::thread([io = &emu->io_] {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
  return emu;
}

TestEmulator::~TestEmulator() {
  if (thread_.joinable()) {
    auto done = asio::co_spawn(
        io_,
        [this]() -> asio::awaitable<void> {
          server_->Close();
          co_await host_->Shutdown(std::chrono::milliseconds(100));
        },
        asio::use_future);
    done.wait_for(TestTimeout());
    RunOnLoop([this] {
      host_.reset();
      server_.reset();
      launcher_.reset();
    });
    io_.stop();
    thread_.join();
  }
}

absl::StatusOr<ThawConfig> TestEmulator::Parse(const std::string& yaml) const {
  const std::string text = std::regex_replace(yaml, std::regex("\\{\\{echo\\}\\}"), EchoDir());
  ASSIGN_OR_RETURN(auto config, ParseConfig(text, "test.yaml", std::filesystem::current_path()));
  // A test's own launcher starts the instances itself (a fake one has no process to sandbox).
  if (own_launcher_) config.settings.isolation = Isolation::kProcess;
  return config;
}

absl::StatusOr<EmulatorSession::Reload> TestEmulator::Reload(const std::string& yaml) {
  ASSIGN_OR_RETURN(const ThawConfig next, Parse(yaml));
  absl::StatusOr<EmulatorSession::Reload> reload = absl::UnknownError("not run");
  RunOnLoop([&] { reload = host_->ReloadConfig(next); });
  return reload;
}

ControlPlane::Retired TestEmulator::RetireInstances(const std::string& function,
                                                    const std::string& reason) {
  ControlPlane::Retired retired;
  RunOnLoop([&] { retired = host_->control().RetireInstances(function, reason); });
  return retired;
}

void TestEmulator::RunOnLoop(std::function<void()> fn) {
  std::promise<void> done;
  asio::post(io_, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

absl::Status TestEmulator::WaitForEvents(const std::string& kind, const std::string& function,
                                         size_t n) {
  uint64_t since = 0;
  for (size_t i = 0; i < n; ++i) {
    auto event = WaitForEvent(kind, function, since);
    if (!event.ok()) {
      return absl::DeadlineExceededError("saw " + std::to_string(i) + " of " + std::to_string(n) +
                                         " events: " + std::string(event.status().message()));
    }
    since = event->seq;
  }
  return absl::OkStatus();
}

void TestEmulator::AdvanceClock(std::chrono::milliseconds by) {
  RunOnLoop([this, by] { host_->control().AdvanceClock(by); });
}

size_t TestEmulator::CountEvents(const std::string& kind, const std::string& function) {
  return ledger_.Count([&](const Event& e) {
    return e.kind == kind && (function.empty() || e.function == function);
  });
}

HttpResult TestEmulator::Invoke(const std::string& function, const std::string& payload,
                                const std::map<std::string, std::string>& headers) {
  HttpClient* client;
  {
    std::lock_guard<std::mutex> lock(client_mu_);
    auto& slot = clients_[std::this_thread::get_id()];
    if (!slot) slot = std::make_unique<HttpClient>(port_, TestTimeout());
    client = slot.get();
  }
  return client->Post("/2015-03-31/functions/" + function + "/invocations", payload, headers);
}

absl::StatusOr<Event> TestEmulator::WaitForEvent(const std::string& kind,
                                                 const std::string& function, uint64_t since) {
  return ledger_.WaitFor(
      [&](const Event& e) {
        return e.kind == kind && (function.empty() || e.function == function);
      },
      TestTimeout(), since, kind + (function.empty() ? "" : " of " + function));
}

std::unique_ptr<TestEmulator> StartEmulator(const std::string& yaml) {
  auto emu = TestEmulator::Start(yaml);
  EXPECT_TRUE(emu.ok()) << emu.status();
  return emu.ok() ? *std::move(emu) : nullptr;
}

nlohmann::json InvokeJson(TestEmulator& emu, const std::string& fn, const std::string& payload) {
  const HttpResult result = emu.Invoke(fn, payload);
  EXPECT_EQ(result.status, 200) << result.error << result.body;
  return nlohmann::json::parse(result.body, nullptr, false);
}

}  // namespace thaw::testing
