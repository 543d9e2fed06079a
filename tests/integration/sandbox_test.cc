// settings.isolation: sandbox with real runtimes (bash, Node.js, Python): what a handler sees
// inside, freezing, and that nothing an instance started survives it or thaw.
#include "emulator/sandbox/sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/process/child.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/search_path.hpp>
#include <filesystem>
#include <fstream>
#include <regex>

#include "nlohmann/json.hpp"
#include "tests/util/test_emulator.h"

namespace thaw::testing {
// Named as well: a unity build compiles this file with the others of its binary.
namespace sandbox_test {
namespace {

namespace bp = boost::process;
using ::testing::Each;
using ::testing::Lt;

std::string Dir() { return std::string(THAW_SOURCE_DIR) + "/tests/integration/sandbox"; }

std::string Config(const std::string& isolation, const std::string& extra_settings = "") {
  return "functions:\n"
         "  bash: {runtime: provided.al2023, handler: probe, code: \"" +
         Dir() +
         "\"}\n"
         "  env: {runtime: provided.al2023, handler: env, code: \"" +
         Dir() +
         "\"}\n"
         "  services: {runtime: provided.al2023, handler: services, code: \"" +
         Dir() +
         "\"}\n"
         "  spawn: {runtime: provided.al2023, handler: spawn, code: \"" +
         Dir() +
         "\"}\n"
         "  node: {runtime: nodejs20.x, handler: probe.handler, code: \"" +
         Dir() +
         "\"}\n"
         "  python: {runtime: python3.12, handler: probe.handler, code: \"" +
         Dir() +
         "\"}\n"
         "  echo: {runtime: provided.al2023, handler: echo, code: \"{{echo}}\"}\n"
         "settings: {isolation: " +
         isolation + extra_settings + "}\n";
}

bool SandboxesWork() {
  boost::asio::io_context io;
  return Sandbox::Probe(io).ok();
}

// Pids (in this namespace) of processes whose command line is exactly `sleep <marker>`.
// A /proc file's content, "" when it cannot be read. POSIX reads: a process that exits while
// its file is read makes read() fail with ESRCH, which libstdc++'s filebuf throws on.
std::string ReadProcFile(const std::string& path) {
  std::string content;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return content;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) content.append(buffer, n);
  ::close(fd);
  return n < 0 ? std::string() : content;
}

std::vector<int> Sleepers(int marker) {
  std::vector<int> found;
  const std::string wanted = std::string("sleep") + '\0' + std::to_string(marker) + '\0';
  DIR* dir = ::opendir("/proc");
  while (dirent* entry = ::readdir(dir)) {
    const int pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    const std::string content = ReadProcFile("/proc/" + std::to_string(pid) + "/cmdline");
    if (content != wanted) continue;
    const std::string state = ReadProcFile("/proc/" + std::to_string(pid) + "/stat");
    if (!state.empty() && state.find(") Z ") == std::string::npos) found.push_back(pid);
  }
  ::closedir(dir);
  return found;
}

// Waits (bounded) until `done` holds.
bool Eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + TestTimeout();
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

char ProcessState(int pid) {
  const std::string content = ReadProcFile("/proc/" + std::to_string(pid) + "/stat");
  if (content.empty()) return 0;
  const size_t paren = content.rfind(')');
  return paren == std::string::npos || paren + 2 >= content.size() ? 0 : content[paren + 2];
}

size_t CountMounts() {
  std::ifstream mounts("/proc/self/mountinfo");
  size_t n = 0;
  for (std::string line; std::getline(mounts, line);) ++n;
  return n;
}

size_t CountDescriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

// What each descriptor is, for a failure message.
std::string DescribeDescriptors() {
  std::string out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    out += entry.path().filename().string() + "->" +
           std::filesystem::read_symlink(entry.path(), ec).string() + " ";
  }
  return out;
}

class SandboxIsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SandboxesWork()) GTEST_SKIP() << "no namespaces here";
  }

  std::unique_ptr<TestEmulator> Start(const std::string& yaml) {
    auto emu = TestEmulator::Start(yaml, nullptr, /*momento=*/true);
    EXPECT_TRUE(emu.ok()) << emu.status();
    return emu.ok() ? *std::move(emu) : nullptr;
  }

  nlohmann::json Invoke(TestEmulator& emu, const std::string& fn,
                        const std::string& payload = "{}") {
    const HttpResult result = emu.Invoke(fn, payload);
    EXPECT_EQ(result.status, 200) << result.error << result.body;
    EXPECT_EQ(result.Header("x-amz-function-error"), "") << result.body;
    const nlohmann::json answer = nlohmann::json::parse(result.body, nullptr, false);
    EXPECT_TRUE(answer.is_object()) << result.body;
    return answer.is_object() ? answer : nlohmann::json::object();
  }
};

TEST_F(SandboxIsolationTest, EveryRuntimeSeesLambdasViewFromInside) {
  auto emu = Start(Config("sandbox"));
  ASSERT_NE(emu, nullptr);
  for (const std::string fn : {"bash", "node", "python"}) {
    SCOPED_TRACE(fn);
    const auto start = std::chrono::steady_clock::now();
    const nlohmann::json seen = Invoke(*emu, fn);
    EXPECT_EQ(seen["runtime_api"], "127.0.0.1:9001") << seen;
    // The init (1), the runtime (2) and what it runs meanwhile: nothing of thaw's.
    ASSERT_TRUE(seen["pids"].is_array()) << seen;
    EXPECT_THAT(seen["pids"].get<std::vector<int>>(), Each(Lt(32))) << seen;
    EXPECT_THAT(seen["pids"].get<std::vector<int>>(), ::testing::Contains(1)) << seen;
    EXPECT_EQ(seen["thaw_vars"], 0) << seen;
    EXPECT_THAT(seen["egress"].get<std::string>(),
                ::testing::AnyOf("ENETUNREACH", "Network is unreachable"));
    // Egress fails at once: no connect timeout (a minute or more) was waited for. The bound
    // covers the cold start too, so it grows with the build's slowness.
    EXPECT_LT(std::chrono::steady_clock::now() - start,
              std::chrono::duration<double>(5 * Slowdown()));
    auto spawned = emu->WaitForEvent("instance.spawned", fn);
    ASSERT_TRUE(spawned.ok());
    EXPECT_EQ(spawned->attrs["isolation"], "sandbox");
    EXPECT_EQ(spawned->attrs["runtime_api_port"], 9001);
  }
  // Warm: the same instance answers again.
  EXPECT_EQ(Invoke(*emu, "node")["runtime_api"], "127.0.0.1:9001");
  EXPECT_EQ(emu->CountEvents("instance.spawned", "node"), 1u);
}

TEST_F(SandboxIsolationTest, ProcessIsolationKeepsTodaysEnvironment) {
  auto emu = Start(Config("process"));
  ASSERT_NE(emu, nullptr);
  const nlohmann::json seen = Invoke(*emu, "env");
  EXPECT_NE(seen["runtime_api"], "127.0.0.1:9001") << seen;
  EXPECT_GT(seen["thaw_vars"].get<int>(), 0) << seen;  // THAW_MOMENTO_*
  auto spawned = emu->WaitForEvent("instance.spawned", "env");
  ASSERT_TRUE(spawned.ok());
  EXPECT_EQ(spawned->attrs["isolation"], "process");
}

TEST_F(SandboxIsolationTest, FreezingStopsEveryProcessOfTheInstance) {
  auto emu = Start(Config("sandbox"));
  ASSERT_NE(emu, nullptr);
  const int marker = 900000 + static_cast<int>(::getpid() % 90000);
  Invoke(*emu, "spawn", "{\"marker\": " + std::to_string(marker) + "}");
  auto spawned = emu->WaitForEvent("instance.spawned", "spawn");
  ASSERT_TRUE(spawned.ok());
  const int runtime = spawned->attrs["pid"];
  ASSERT_TRUE(emu->WaitForEvent("instance.frozen", "spawn").ok());
  std::vector<int> sleepers;
  ASSERT_TRUE(Eventually([&] { return (sleepers = Sleepers(marker)).size() == 1; }));
  EXPECT_TRUE(Eventually([&] { return ProcessState(runtime) == 'T'; }));
  EXPECT_TRUE(Eventually([&] { return ProcessState(sleepers[0]) == 'T'; }));
  // Thawed for the next event, the setsid() child too.
  Invoke(*emu, "spawn", "{\"marker\": " + std::to_string(marker + 1) + "}");
  EXPECT_TRUE(Eventually([&] { return ProcessState(sleepers[0]) != 'T'; }));
}

// Without the sandbox too: the runtime is a child subreaper, so a setsid() grandchild whose
// shell parent exited stays in its tree, and the reap kills the whole tree.
TEST_F(SandboxIsolationTest, InProcessIsolationASetsidGrandchildIsGoneOnceItsInstanceIsReaped) {
  auto emu = Start(Config("process"));
  ASSERT_NE(emu, nullptr);
  const int marker = 930000 + static_cast<int>(::getpid() % 60000);
  Invoke(*emu, "spawn", "{\"marker\": " + std::to_string(marker) + "}");
  std::vector<int> sleepers;
  ASSERT_TRUE(Eventually([&] { return (sleepers = Sleepers(marker)).size() == 1; }));
  auto spawned = emu->WaitForEvent("instance.spawned", "spawn");
  ASSERT_TRUE(spawned.ok());
  const int runtime = spawned->attrs["pid"];
  // Left the runtime's process group and session, yet still in its tree.
  EXPECT_NE(::getpgid(sleepers[0]), runtime);
  emu->AdvanceClock(std::chrono::minutes(11));  // past the keepalive
  ASSERT_TRUE(emu->WaitForEvent("instance.gone", "spawn").ok());
  EXPECT_TRUE(Eventually([&] { return Sleepers(marker).empty(); }));
}

TEST_F(SandboxIsolationTest, ASetsidGrandchildIsGoneOnceItsInstanceIsReaped) {
  auto emu = Start(Config("sandbox"));
  ASSERT_NE(emu, nullptr);
  const int marker = 910000 + static_cast<int>(::getpid() % 90000);
  Invoke(*emu, "spawn", "{\"marker\": " + std::to_string(marker) + "}");
  ASSERT_TRUE(Eventually([&] { return Sleepers(marker).size() == 1; }));
  emu->AdvanceClock(std::chrono::minutes(11));  // past the keepalive
  ASSERT_TRUE(emu->WaitForEvent("instance.gone", "spawn").ok());
  EXPECT_TRUE(Eventually([&] { return Sleepers(marker).empty(); }));
}

TEST_F(SandboxIsolationTest, ManyColdStartsLeaveNothingBehind) {
  // gRPC keeps process-wide pollers (an epoll and an eventfd) once a server has run in the
  // process; an emulator started and stopped first leaves those in place, so the count below is
  // about what instances leave behind.
  { ASSERT_NE(Start(Config("sandbox")), nullptr); }
  const size_t mounts = CountMounts();
  const size_t descriptors = CountDescriptors();
  const int marker = 920000 + static_cast<int>(::getpid() % 90000);
  {
    auto emu = Start(Config("sandbox", ", keepalive: 0s"));
    ASSERT_NE(emu, nullptr);
    // 1,000 sandboxed cold starts (fewer under the sanitizers): every tenth a bash runtime that
    // leaves a setsid() sleeper behind, the others the C++ echo function.
    const int cold_starts = ScaledCount(1000);
    const int spawns = (cold_starts + 9) / 10;
    for (int i = 0; i < cold_starts; ++i) {
      if (i % 10 == 0) {
        ASSERT_EQ(Invoke(*emu, "spawn", "{\"marker\": " + std::to_string(marker) + "}")["spawned"],
                  marker);
      } else {
        Invoke(*emu, "echo");
      }
    }
    ASSERT_TRUE(emu->WaitForEvents("instance.gone", "spawn", spawns).ok());
    ASSERT_TRUE(emu->WaitForEvents("instance.gone", "echo", cold_starts - spawns).ok());
    EXPECT_EQ(emu->CountEvents("instance.spawned", "spawn") +
                  emu->CountEvents("instance.spawned", "echo"),
              static_cast<size_t>(cold_starts));
  }
  EXPECT_TRUE(Eventually([&] { return Sleepers(marker).empty(); }));
  EXPECT_EQ(CountMounts(), mounts);
  EXPECT_TRUE(Eventually([&] { return CountDescriptors() == descriptors; }))
      << CountDescriptors() << " descriptors, " << descriptors
      << " before: " << DescribeDescriptors();
}

// `thaw serve` in a sandbox, as a child process, its port from its first line.
class ServeInSandbox {
 public:
  ServeInSandbox() {
    dir_ = std::filesystem::temp_directory_path() / ("thaw-sandbox-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const std::string config = (dir_ / "thaw.yaml").string();
    std::ofstream(config) << std::regex_replace(Config("sandbox"), std::regex("\\{\\{echo\\}\\}"),
                                                EchoDir());
    serve_ = bp::child(THAW_BINARY, "serve", "--port", "0", "--config", config, bp::std_out > out_,
                       bp::std_err > bp::null);
    std::string line;
    std::smatch m;
    if (std::getline(out_, line) && std::regex_search(line, m, std::regex(":([0-9]+) "))) {
      client_ = std::make_unique<HttpClient>(static_cast<uint16_t>(std::stoi(m[1])), TestTimeout());
    }
  }
  ~ServeInSandbox() {
    if (serve_.running()) {
      ::kill(serve_.id(), SIGTERM);
      serve_.wait();
    }
    std::filesystem::remove_all(dir_);
  }
  HttpClient* client() { return client_.get(); }
  bp::child& process() { return serve_; }

 private:
  std::filesystem::path dir_;
  bp::ipstream out_;
  bp::child serve_;
  std::unique_ptr<HttpClient> client_;
};

// Where namespaces cannot be made, thaw runs instances as processes and says why, once. Made so
// here with a user namespace whose namespace limits are 0 (util-linux's unshare).
TEST_F(SandboxIsolationTest, FallsBackToProcessesAndSaysWhy) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("thaw-fallback-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string config = (dir / "thaw.yaml").string();
  std::ofstream(config) << std::regex_replace(Config("sandbox"), std::regex("\\{\\{echo\\}\\}"),
                                              EchoDir());
  const std::string err = (dir / "stderr").string();
  const std::string script =
      "for n in user pid net mnt; do echo 0 >/proc/sys/user/max_${n}_namespaces || exit 99; done; "
      "exec \"$0\" serve --port 0 --config \"$1\"";
  bp::ipstream out;
  bp::child serve(bp::search_path("unshare"), "-r", "/bin/sh", "-c", script, THAW_BINARY, config,
                  bp::std_out > out, bp::std_err > err);
  std::string line;
  std::smatch m;
  ASSERT_TRUE(std::getline(out, line)) << "exit " << (serve.wait(), serve.exit_code());
  ASSERT_TRUE(std::regex_search(line, m, std::regex(":([0-9]+) "))) << line;
  HttpClient client(static_cast<uint16_t>(std::stoi(m[1])), TestTimeout());
  const HttpResult result = client.Post("/2015-03-31/functions/env/invocations", "{}");
  ASSERT_EQ(result.status, 200) << result.body;
  const nlohmann::json seen = nlohmann::json::parse(result.body, nullptr, false);
  EXPECT_NE(seen["runtime_api"], "127.0.0.1:9001") << seen;
  EXPECT_GT(seen["thaw_vars"].get<int>(), 0) << seen;
  ::kill(serve.id(), SIGTERM);
  serve.wait();
  std::ifstream in(err);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_THAT(text, ::testing::HasSubstr("thaw: isolation: process (instances cannot run in "
                                         "sandboxes here: sandbox: cannot create namespaces"));
  std::filesystem::remove_all(dir);
}

TEST_F(SandboxIsolationTest, TheFakesAnswerAtTheirAddressesInside) {
  ServeInSandbox serve;
  ASSERT_NE(serve.client(), nullptr);
  const HttpResult result =
      serve.client()->Post("/2015-03-31/functions/services/invocations", "{}");
  ASSERT_EQ(result.status, 200) << result.body;
  const nlohmann::json seen = nlohmann::json::parse(result.body, nullptr, false);
  EXPECT_EQ(seen["momento"], "open") << seen;
  // An unsigned request over HTTPS (the run's CA is trusted): the fake AWS answers it with an
  // AWS error, 4xx.
  EXPECT_GE(std::stoi(seen["aws"].get<std::string>()), 400) << seen;
  EXPECT_LT(std::stoi(seen["aws"].get<std::string>()), 500) << seen;
  EXPECT_EQ(seen["outside"], "failed") << seen;
}

// A name thaw does not serve fails at once inside, and the attempt is recorded for the instance.
TEST_F(SandboxIsolationTest, EgressIsBlockedAndRecorded) {
  auto emu = Start(Config("sandbox"));
  ASSERT_NE(emu, nullptr);
  const nlohmann::json seen = Invoke(*emu, "services");
  EXPECT_EQ(seen["outside"], "failed") << seen;
  auto blocked = emu->WaitForEvent("sandbox.egress_blocked", "services");
  ASSERT_TRUE(blocked.ok()) << blocked.status();
  EXPECT_EQ(blocked->attrs["host"], "api.example.com");
  if (::geteuid() == 0) {
    // The egress trap (root can always open /dev/net/tun): the name resolved, as in a VPC with
    // no NAT, and the connection was caught with its port.
    EXPECT_EQ(seen["lookup"], "resolved") << seen;
    EXPECT_EQ(blocked->attrs["port"], 443) << blocked->attrs;
    EXPECT_EQ(blocked->attrs["protocol"], "tcp") << blocked->attrs;
    auto spawned = emu->WaitForEvent("instance.spawned", "services");
    ASSERT_TRUE(spawned.ok()) << spawned.status();
    EXPECT_EQ(spawned->attrs["egress"], "blocked");
  }
  EXPECT_GT(blocked->instance, 0);
  EXPECT_EQ(emu->CountEvents("sandbox.egress_blocked", "echo"), 0u);
}

TEST_F(SandboxIsolationTest, NothingSurvivesASigkillOfThawServe) {
  ServeInSandbox serve;
  ASSERT_NE(serve.client(), nullptr);
  const int marker = 930000 + static_cast<int>(::getpid() % 90000);
  const HttpResult result = serve.client()->Post("/2015-03-31/functions/spawn/invocations",
                                                 "{\"marker\": " + std::to_string(marker) + "}");
  ASSERT_EQ(result.status, 200) << result.body;
  ASSERT_TRUE(Eventually([&] { return Sleepers(marker).size() == 1; }));

  ::kill(serve.process().id(), SIGKILL);
  serve.process().wait();
  // The init had PR_SET_PDEATHSIG; its death takes the whole PID namespace with it.
  EXPECT_TRUE(Eventually([&] { return Sleepers(marker).empty(); }));
}

}  // namespace
}  // namespace sandbox_test
}  // namespace thaw::testing
