// The namespace sandbox with real processes: its listeners, /proc, egress, and that nothing of
// an instance survives it (setsid() or not), as root and as an unprivileged user.
#include "emulator/sandbox/sandbox.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/event_kinds.h"
#include "core/ledger.h"
#include "core/text_file.h"
#include "emulator/sandbox/dns_sink.h"
#include "emulator/sandbox/egress_trap.h"
#include "tests/util/dns_query.h"
#include "tests/util/test_emulator.h"

namespace thaw {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// One sandboxed runtime: its output, its exit.
struct Captured {
  std::vector<std::string> out;
  std::vector<std::string> err;
  std::optional<ExitInfo> exit;
};

class SandboxTest : public ::testing::Test {
 protected:
  std::unique_ptr<Sandbox> Create(SandboxOptions options) {
    options.user_namespace = probe_.user_namespace;
    auto sandbox = Sandbox::Create(io_, options);
    EXPECT_TRUE(sandbox.ok()) << sandbox.status();
    return sandbox.ok() ? *std::move(sandbox) : nullptr;
  }

  // Runs `script` with bash in `sandbox`.
  std::unique_ptr<RuntimeProcess> Run(Sandbox& sandbox, const std::string& script,
                                      Captured& captured,
                                      std::vector<std::string> env = {"PATH=/usr/bin:/bin"}) {
    LaunchSpec spec;
    spec.executable = "/bin/bash";
    spec.args = {"-c", script};
    spec.env = std::move(env);
    spec.working_dir = "/";
    ProcessCallbacks callbacks;
    callbacks.on_line = [&captured](std::string_view line, bool from_stderr) {
      (from_stderr ? captured.err : captured.out).emplace_back(line);
    };
    callbacks.on_exit = [&captured](const ExitInfo& info) { captured.exit = info; };
    auto process = sandbox.Launch(spec, std::move(callbacks));
    EXPECT_TRUE(process.ok()) << process.status();
    return process.ok() ? *std::move(process) : nullptr;
  }

  // Runs the io_context until `done` holds (bounded).
  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + testing::TestTimeout();
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // Runs `script` to its end; returns its stdout lines.
  std::vector<std::string> RunToEnd(const std::string& script) {
    auto sandbox = Create({});
    if (!sandbox) return {};
    Captured captured;
    auto process = Run(*sandbox, script, captured);
    if (!process) return {};
    EXPECT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
    EXPECT_TRUE(RunUntil([&] {
      process->DrainOutput();
      return true;
    }));
    EXPECT_EQ(captured.exit->exit_code, 0) << ::testing::PrintToString(captured.err);
    return captured.out;
  }

  void SetUp() override {
    auto probe = Sandbox::Probe(io_);
    if (!probe.ok()) GTEST_SKIP() << "no namespaces here: " << probe.status();
    probe_ = *probe;
  }

  boost::asio::io_context io_;
  SandboxOptions probe_;
};

// Accepts one connection on `listener` and reads it to its end (bounded waits).
std::string AcceptAndRead(int listener) {
  pollfd p{listener, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(testing::TestTimeout().count())) != 1)
    return "<no connection>";
  const int fd = ::accept(listener, nullptr, nullptr);
  if (fd < 0) return "<accept failed>";
  std::string data;
  char buf[256];
  while (true) {
    pollfd q{fd, POLLIN, 0};
    if (::poll(&q, 1, static_cast<int>(testing::TestTimeout().count())) != 1) break;
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

// Processes whose parent is `pid`, from /proc (thaw's namespace).
std::set<int> ChildrenOf(int pid) {
  std::set<int> children;
  DIR* dir = ::opendir("/proc");
  while (dirent* entry = ::readdir(dir)) {
    const int candidate = std::atoi(entry->d_name);
    if (candidate <= 0) continue;
    std::ifstream stat("/proc/" + std::to_string(candidate) + "/stat");
    std::string content;
    if (!std::getline(stat, content)) continue;
    const size_t paren = content.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(content.substr(paren + 2));
    char state;
    int parent;
    fields >> state >> parent;
    if (parent == pid) children.insert(candidate);
  }
  ::closedir(dir);
  return children;
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

size_t CountMounts() {
  std::ifstream mounts("/proc/self/mountinfo");
  size_t n = 0;
  for (std::string line; std::getline(mounts, line);) ++n;
  return n;
}

TEST_F(SandboxTest, ListenersAreInsideAtTheirFixedAddresses) {
  SandboxOptions options;
  options.listeners = {{"127.0.0.1", 9001}, {"127.0.0.2", 443}, {"127.0.0.3", 443}};
  auto sandbox = Create(options);
  ASSERT_NE(sandbox, nullptr);
  ASSERT_EQ(sandbox->listener_count(), 3u);
  Captured captured;
  auto process = Run(*sandbox,
                     "echo runtime >/dev/tcp/127.0.0.1/9001 && echo momento >/dev/tcp/127.0.0.2/443"
                     " && echo aws >/dev/tcp/127.0.0.3/443",
                     captured);
  ASSERT_NE(process, nullptr);
  EXPECT_EQ(AcceptAndRead(sandbox->TakeListener(0)), "runtime\n");
  EXPECT_EQ(AcceptAndRead(sandbox->TakeListener(1)), "momento\n");
  EXPECT_EQ(AcceptAndRead(sandbox->TakeListener(2)), "aws\n");
  ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
  EXPECT_EQ(captured.exit->exit_code, 0);
}

TEST_F(SandboxTest, ProcShowsOnlyTheInstance) {
  const std::vector<std::string> out = RunToEnd(
      "cd /proc && echo [0-9]*; echo $$; cat /proc/1/environ | wc -c; tr '\\0' ' ' "
      "</proc/1/cmdline | wc -c");
  ASSERT_EQ(out.size(), 4u);
  // The init (1), this shell (2), and the word count and tr pipeline at most.
  for (const std::string& pid : Words(out[0])) EXPECT_LT(std::stoi(pid), 10) << out[0];
  EXPECT_EQ(out[1], "2");
  // The init is a copy of thaw: its environment and arguments are blanked.
  EXPECT_EQ(out[2], "0");
}

TEST_F(SandboxTest, EnvironmentIsOnlyWhatWasGiven) {
  auto sandbox = Create({});
  ASSERT_NE(sandbox, nullptr);
  Captured captured;
  auto process = Run(*sandbox, "env | sort", captured, {"PATH=/usr/bin:/bin", "ONLY=this"});
  ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
  process->DrainOutput();
  EXPECT_THAT(captured.out, ::testing::Contains("ONLY=this"));
  EXPECT_THAT(captured.out, ::testing::Not(::testing::Contains(HasSubstr("GTEST"))));
}

TEST_F(SandboxTest, EgressFailsAtOnce) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> out = RunToEnd(
      "for a in 1.1.1.1/443 10.0.0.1/80 169.254.169.254/80; do "
      "(echo x >/dev/tcp/${a}) 2>&1 | grep -q 'Network is unreachable' && echo blocked; done");
  EXPECT_EQ(out, (std::vector<std::string>{"blocked", "blocked", "blocked"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// With the egress trap the only route out leads to thaw: each attempt (a name the sandbox's
// resolver handed a sinkhole address, or a literal address; TCP or UDP) is recorded with its
// host and port, and still fails at once as with no route.
TEST_F(SandboxTest, EgressTrapRecordsEachAttemptWhichStillFailsAtOnce) {
  if (!probe_.egress_trap) GTEST_SKIP() << "/dev/net/tun cannot be opened in a sandbox here";
  const std::filesystem::path resolv =
      std::filesystem::path(::testing::TempDir()) / ("resolv-" + std::to_string(::getpid()));
  ASSERT_TRUE(WriteTextFile(resolv.string(), DnsSink::ResolvConf()).ok());
  SandboxOptions options;
  options.egress_trap = true;
  options.listeners = {{DnsSink::kAddress, DnsSink::kPort, /*udp=*/true}};
  options.binds = {{resolv, "/etc/resolv.conf"}};
  auto sandbox = Create(options);
  ASSERT_NE(sandbox, nullptr);
  const int tun = sandbox->TakeEgressTrap();
  ASSERT_GE(tun, 0);
  Ledger ledger;
  DnsSink dns(io_, sandbox->TakeListener(0), ledger, 7, "fn", {nullptr, /*sinkhole=*/true, ""});
  EgressTrap trap(io_, tun, ledger, 7, "fn", dns.Names());
  const auto start = std::chrono::steady_clock::now();
  Captured captured;
  auto process = Run(*sandbox,
                     "getent ahostsv4 api.example.com | head -1 | cut -d' ' -f1; "
                     "for a in api.example.com/443 1.1.1.1/8443 169.254.169.254/80; do "
                     "(echo x >/dev/tcp/${a}) 2>&1 | grep -q 'Network is unreachable' && "
                     "echo blocked; done; echo x >/dev/udp/192.0.2.7/514",
                     captured);
  ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
  process->DrainOutput();
  EXPECT_EQ(captured.out,
            (std::vector<std::string>{"198.18.0.1", "blocked", "blocked", "blocked"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  const auto blocked = [](const Event& e) { return e.kind == kinds::kSandboxEgressBlocked; };
  ASSERT_TRUE(RunUntil([&] { return ledger.Count(blocked) >= 4; }));
  const std::vector<Event> events = ledger.Select(blocked);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].attrs["host"], "api.example.com");
  EXPECT_EQ(events[0].attrs["address"], "198.18.0.1");
  EXPECT_EQ(events[0].attrs["port"], 443);
  EXPECT_EQ(events[0].attrs["protocol"], "tcp");
  EXPECT_EQ(events[1].attrs["host"], "1.1.1.1");
  EXPECT_EQ(events[1].attrs["port"], 8443);
  EXPECT_EQ(events[2].attrs["host"], "169.254.169.254");
  EXPECT_EQ(events[3].attrs["host"], "192.0.2.7");
  EXPECT_EQ(events[3].attrs["port"], 514);
  EXPECT_EQ(events[3].attrs["protocol"], "udp");
  for (const Event& e : events) EXPECT_EQ(e.instance, 7);
  std::filesystem::remove(resolv);
}

// settings.egress: allow. The outside is a network namespace the test makes (a veth device at
// 192.0.2.1), never the machine's: slirp4netns carries a connection made in the sandbox to a
// listener there, and ends with the sandbox.
TEST_F(SandboxTest, OutsideLinkReachesOutsideAndEndsWithTheSandbox) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a veth device for the outside)";
  if (std::system("command -v slirp4netns >/dev/null") != 0) {
    GTEST_SKIP() << "slirp4netns is not installed";
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWNET) != 0) _exit(10);
    if (std::system("ip link set lo up && ip link add outside0 type veth peer name outside1 && "
                    "ip addr add 192.0.2.1/24 dev outside0 && ip link set outside0 up && "
                    "ip link set outside1 up") != 0) {
      _exit(11);
    }
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, "192.0.2.1", &address.sin_addr);
    address.sin_port = htons(8080);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listener, 4) != 0) {
      _exit(12);
    }
    boost::asio::io_context io;
    SandboxOptions options;
    options.user_namespace = probe_.user_namespace;
    options.outside_link = true;
    auto sandbox = Sandbox::Create(io, options);
    if (!sandbox.ok()) {
      std::fprintf(stderr, "%s\n", sandbox.status().ToString().c_str());
      _exit(13);
    }
    LaunchSpec spec;
    spec.executable = "/bin/bash";
    spec.args = {"-c", "echo through >/dev/tcp/192.0.2.1/8080"};
    spec.working_dir = "/";
    auto process = (*sandbox)->Launch(spec, {});
    if (!process.ok()) _exit(14);
    if (AcceptAndRead(listener) != "through\n") _exit(15);
    // Its slirp4netns ends with the sandbox and is reaped.
    const std::set<int> before = ChildrenOf(::getpid());
    sandbox->reset();
    const auto deadline = std::chrono::steady_clock::now() + testing::TestTimeout();
    while (!ChildrenOf(::getpid()).empty()) {
      if (std::chrono::steady_clock::now() > deadline) _exit(16);
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    _exit(before.empty() ? 17 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10 unshare, 11 veth device, 12 listen, 13 sandbox with link, 14 launch, "
         "15 nothing came through, 16 slirp4netns left behind, 17 no slirp4netns seen";
}

// Without slirp4netns on PATH, a sandbox that must have a way out is not made, and the error says
// what to install.
TEST_F(SandboxTest, OutsideLinkWithoutSlirp4netnsIsAClearError) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::setenv("PATH", "/nonexistent", 1);
    boost::asio::io_context io;
    SandboxOptions options;
    options.user_namespace = probe_.user_namespace;
    options.outside_link = true;
    auto sandbox = Sandbox::Create(io, options);
    if (sandbox.ok()) _exit(10);
    if (sandbox.status().code() != absl::StatusCode::kUnavailable) _exit(11);
    if (std::string(sandbox.status().message()).find("apt-get install slirp4netns") ==
        std::string::npos) {
      _exit(12);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 made anyway, 11 not Unavailable, 12 no install hint";
}

// settings.egress: allow. Names thaw serves are answered inside; any other query is relayed
// to thaw's own resolver as it is, and its answer back, with nothing recorded.
TEST_F(SandboxTest, ResolverRelaysOutsideNamesWhenEgressIsAllowed) {
  const auto bound_udp = [](uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    return fd;
  };
  uint16_t upstream_port = 0;
  const int upstream = bound_udp(upstream_port);
  uint16_t sink_port = 0;
  const int sink_fd = bound_udp(sink_port);
  Ledger ledger;
  auto served = std::make_shared<DnsSink::ServedNames>(
      DnsSink::ServedNames{{"secretsmanager.us-east-1.amazonaws.com", "127.0.0.3"}});
  DnsSink sink(io_, sink_fd, ledger, 3, "fn",
               {served, /*sinkhole=*/false, "127.0.0.1:" + std::to_string(upstream_port)});
  uint16_t client_port = 0;
  const int client = bound_udp(client_port);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(sink_port);
  const auto receive = [&](int fd) -> std::string {
    std::string got;
    EXPECT_TRUE(RunUntil([&] {
      char buffer[1024];
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n > 0) got.assign(buffer, static_cast<size_t>(n));
      return n > 0;
    }));
    return got;
  };
  const std::string outside = testing::DnsQuery("api.example.com", 1);
  ::sendto(client, outside.data(), outside.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  // The upstream sees the query as it was sent, and answers whoever asked it.
  sockaddr_in relay{};
  socklen_t relay_length = sizeof(relay);
  char asked[1024];
  ASSERT_TRUE(RunUntil([&] {
    return ::recvfrom(upstream, asked, sizeof(asked), MSG_DONTWAIT,
                      reinterpret_cast<sockaddr*>(&relay), &relay_length) > 0;
  }));
  EXPECT_EQ(std::string(asked, outside.size()), outside);
  const std::string answer = "\xBE\xEF the upstream's answer";
  ::sendto(upstream, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&relay),
           relay_length);
  EXPECT_EQ(receive(client), answer);
  // A served name is answered here: 127.0.0.3, RCODE 0.
  const std::string local = testing::DnsQuery("secretsmanager.us-east-1.amazonaws.com", 1);
  ::sendto(client, local.data(), local.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  const std::string got = receive(client);
  ASSERT_GE(got.size(), 4u);
  EXPECT_EQ(got.substr(got.size() - 4), std::string("\x7f\x00\x00\x03", 4));
  EXPECT_EQ(ledger.Count([](const Event&) { return true; }), 0u);
  ::close(client);
  ::close(upstream);
}

TEST_F(SandboxTest, SetsidGrandchildDiesWithTheRuntime) {
  auto sandbox = Create({});
  ASSERT_NE(sandbox, nullptr);
  Captured captured;
  // The grandchild leaves the runtime's session and group; the runtime exits at once.
  auto process =
      Run(*sandbox, "setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo started", captured);
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
  // The init killed the rest of the namespace when the runtime exited; it is left alone.
  ASSERT_TRUE(RunUntil([&] { return ChildrenOf(sandbox->init_pid()).empty(); }));
}

// `pid`'s state letter in /proc/PID/stat ('S' sleeping, 'T' stopped), '?' when it is gone.
char StateOf(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  std::getline(stat, content);
  const size_t paren = content.rfind(')');
  return paren == std::string::npos || paren + 2 >= content.size() ? '?' : content[paren + 2];
}

TEST_F(SandboxTest, FrozenAndContinuedAsAWhole) {
  auto sandbox = Create({});
  ASSERT_NE(sandbox, nullptr);
  Captured captured;
  auto process = Run(*sandbox, "setsid sleep 1000 & sleep 1000", captured);
  ASSERT_NE(process, nullptr);
  // Both the runtime and its setsid() child stop, and continue.
  auto states = [&](char wanted) {
    std::set<int> pending = {process->pid()};
    for (int child : ChildrenOf(process->pid())) pending.insert(child);
    if (pending.size() < 2) return false;
    for (int pid : pending) {
      if (StateOf(pid) != wanted) return false;
    }
    return true;
  };
  ASSERT_TRUE(RunUntil([&] { return states('S'); }));
  process->SignalGroup(SIGSTOP);
  EXPECT_TRUE(RunUntil([&] { return states('T'); }));
  process->SignalGroup(SIGCONT);
  EXPECT_TRUE(RunUntil([&] { return states('S'); }));
  process->SignalGroup(SIGTERM);
  ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
  EXPECT_EQ(captured.exit->signal, SIGTERM);
}

// How often `pid` has been scheduled out (both kinds of context switch), from /proc.
long ContextSwitches(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  long total = 0;
  for (std::string line; std::getline(status, line);) {
    const size_t colon = line.find(':');
    if (colon != std::string::npos && line.find("ctxt_switches") != std::string::npos) {
      total += std::stol(line.substr(colon + 1));
    }
  }
  return total;
}

// The freeze of a runtime alone in its namespace (every event's case) is thaw's signal to it:
// the init is not woken. (With a child, the init signals the whole namespace:
// FrozenAndContinuedAsAWhole.)
TEST_F(SandboxTest, ALoneRuntimeIsFrozenWithoutWakingTheInit) {
  auto sandbox = Create({});
  ASSERT_NE(sandbox, nullptr);
  Captured captured;
  auto process = Run(*sandbox, "exec sleep 1000", captured);
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(RunUntil([&] { return process->pid() > 0 && StateOf(process->pid()) == 'S'; }));
  const long before = ContextSwitches(sandbox->init_pid());
  ASSERT_GT(before, 0);
  for (int round = 0; round < 5; ++round) {
    process->SignalGroup(SIGSTOP);
    ASSERT_TRUE(RunUntil([&] { return StateOf(process->pid()) == 'T'; })) << "round " << round;
    process->SignalGroup(SIGCONT);
    ASSERT_TRUE(RunUntil([&] { return StateOf(process->pid()) == 'S'; })) << "round " << round;
  }
  EXPECT_EQ(ContextSwitches(sandbox->init_pid()), before);
  process->SignalGroup(SIGTERM);
  ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
  EXPECT_EQ(captured.exit->signal, SIGTERM);
}

// Alone at first (frozen by thaw alone), the runtime then starts a setsid() child, outside its
// process group: the next freeze still stops and continues both.
TEST_F(SandboxTest, AChildStartedBetweenFreezesIsFrozenToo) {
  SandboxOptions options;
  options.listeners = {{"127.0.0.1", 9001}};
  auto sandbox = Create(options);
  ASSERT_NE(sandbox, nullptr);
  const int listener = sandbox->TakeListener(0);
  Captured captured;
  auto process = Run(*sandbox,
                     "exec 3<>/dev/tcp/127.0.0.1/9001; read -r -u 3 line; "
                     "setsid sleep 1000 </dev/null & exec sleep 1000",
                     captured);
  ASSERT_NE(process, nullptr);
  pollfd p{listener, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, static_cast<int>(testing::TestTimeout().count())), 1);
  const int connection = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(connection, 0);
  ASSERT_TRUE(RunUntil([&] { return process->pid() > 0 && StateOf(process->pid()) == 'S'; }));
  process->SignalGroup(SIGSTOP);
  ASSERT_TRUE(RunUntil([&] { return StateOf(process->pid()) == 'T'; }));
  process->SignalGroup(SIGCONT);
  ASSERT_TRUE(RunUntil([&] { return StateOf(process->pid()) == 'S'; }));
  ASSERT_EQ(::write(connection, "go\n", 3), 3);
  std::set<int> children;
  ASSERT_TRUE(RunUntil([&] {
    children = ChildrenOf(process->pid());
    return children.size() == 1 && StateOf(*children.begin()) == 'S';
  }));
  const int child = *children.begin();
  for (int round = 0; round < 3; ++round) {
    process->SignalGroup(SIGSTOP);
    EXPECT_TRUE(RunUntil([&] { return StateOf(process->pid()) == 'T' && StateOf(child) == 'T'; }))
        << "round " << round << ": runtime " << StateOf(process->pid()) << ", child "
        << StateOf(child);
    process->SignalGroup(SIGCONT);
    EXPECT_TRUE(RunUntil([&] { return StateOf(process->pid()) == 'S' && StateOf(child) == 'S'; }))
        << "round " << round << ": runtime " << StateOf(process->pid()) << ", child "
        << StateOf(child);
  }
  ::close(connection);
  ::close(listener);
  process->SignalGroup(SIGKILL);
  ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
}

// Instance::Kill sends SIGKILL and at once closes the runtime's Runtime API: the runtime must
// be dead before it can see its connection end and exit on its own ("exit status 3" here).
TEST_F(SandboxTest, AKilledRuntimeIsDeadBeforeItSeesWhatFollows) {
  SandboxOptions options;
  options.listeners = {{"127.0.0.1", 9001}};
  auto sandbox = Create(options);
  ASSERT_NE(sandbox, nullptr);
  const int listener = sandbox->TakeListener(0);
  for (int round = 0; round < 20; ++round) {
    Captured captured;
    auto process =
        Run(*sandbox, "exec 3<>/dev/tcp/127.0.0.1/9001; read -r -u 3 line; exit 3", captured);
    ASSERT_NE(process, nullptr);
    pollfd p{listener, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, static_cast<int>(testing::TestTimeout().count())), 1);
    const int connection = ::accept(listener, nullptr, nullptr);
    ASSERT_GE(connection, 0);
    ASSERT_TRUE(RunUntil([&] { return process->pid() > 0; }));
    process->SignalGroup(SIGKILL);
    ::close(connection);
    ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
    EXPECT_EQ(captured.exit->signal, SIGKILL)
        << "round " << round << ": exit code " << captured.exit->exit_code;
  }
  ::close(listener);
}

TEST_F(SandboxTest, DestroyingTheSandboxLeavesNothing) {
  const size_t mounts = CountMounts();
  const std::set<int> before = ChildrenOf(::getpid());
  for (int i = 0; i < 200; ++i) {
    SandboxOptions options;
    options.listeners = {{"127.0.0.1", 9001}};
    auto sandbox = Create(options);
    ASSERT_NE(sandbox, nullptr);
    Captured captured;
    auto process = Run(*sandbox, "setsid sleep 1000 & exec sleep 1000", captured);
    ASSERT_NE(process, nullptr);
    process.reset();
    sandbox.reset();
  }
  // Every child left was there before (earlier sandboxes may still be reaped meanwhile).
  EXPECT_TRUE(RunUntil([&] {
    const std::set<int> now = ChildrenOf(::getpid());
    return std::includes(before.begin(), before.end(), now.begin(), now.end());
  })) << ::testing::PrintToString(ChildrenOf(::getpid()))
      << " before " << ::testing::PrintToString(before);
  EXPECT_EQ(CountMounts(), mounts);
}

// A sandbox destroyed just before its io_context (as at thaw's end, or a test emulator's),
// which never runs again: its killed init is reaped anyway, not left a zombie. asio makes the
// pidfd it watches non-blocking, where waitid returns EAGAIN rather than wait.
TEST_F(SandboxTest, ASandboxGoneWithItsIoContextLeavesNoZombie) {
  for (int i = 0; i < 20; ++i) {
    int init = 0;
    {
      boost::asio::io_context io;
      SandboxOptions options;
      options.user_namespace = probe_.user_namespace;
      auto sandbox = Sandbox::Create(io, options);
      ASSERT_TRUE(sandbox.ok()) << sandbox.status();
      init = (*sandbox)->init_pid();
      LaunchSpec spec;
      spec.executable = "/bin/sleep";
      spec.args = {"1000"};
      spec.working_dir = "/";
      auto process = (*sandbox)->Launch(spec, {});
      ASSERT_TRUE(process.ok()) << process.status();
      io.run_for(std::chrono::milliseconds(1));  // the pidfd is watched (and non-blocking)
      process->reset();
      sandbox->reset();
    }
    EXPECT_EQ(ChildrenOf(::getpid()).count(init), 0u) << "round " << i << ": init " << init;
  }
}

// A wake of the init's watch while the init still runs must not end the watch. Such wakes are
// real: while a forked process holds copies of thaw's descriptors (another sandbox's init, between
// its clone and its close_range), asio's close of a socket it opened leaves the socket in epoll
// (it skips EPOLL_CTL_DEL there), and an event on it wakes whatever descriptor reuses its reactor
// state. Seen in CI as sandbox inits left zombies among a thousand cold starts. The test makes
// that wake land on the init's watch: asio reuses the state freed last first, and Create registers
// the control socket, then the pidfd.
TEST_F(SandboxTest, AStrayWakeOfTheInitsWatchLeavesNoZombie) {
  using boost::asio::ip::tcp;
  const tcp::endpoint loopback(boost::asio::ip::make_address("127.0.0.1"), 0);
  for (int round = 0; round < 5; ++round) {
    auto stale = std::make_unique<tcp::acceptor>(io_, loopback);
    auto other = std::make_unique<tcp::acceptor>(io_, loopback);
    const tcp::endpoint stale_address = stale->local_endpoint();
    int hold[2];
    ASSERT_EQ(::pipe2(hold, O_CLOEXEC), 0);
    const pid_t holder = ::fork();
    ASSERT_GE(holder, 0);
    if (holder == 0) {  // keeps copies of the listeners until its pipe closes
      ::close(hold[1]);
      char byte;
      while (::read(hold[0], &byte, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
    ::close(hold[0]);
    stale.reset();  // its reactor state is freed first: the pidfd takes it
    other.reset();  // freed last: the control socket takes it
    auto sandbox = Create({});
    ASSERT_NE(sandbox, nullptr);
    const int init = sandbox->init_pid();
    tcp::socket client(io_);
    client.connect(stale_address);  // the stray event: the holder's copy still listens
    io_.restart();
    io_.run_for(std::chrono::milliseconds(20));
    sandbox.reset();
    ASSERT_TRUE(RunUntil([&] { return ChildrenOf(::getpid()).count(init) == 0; }))
        << "round " << round << ": init " << init << " left a zombie";
    ::close(hold[1]);
    ::waitpid(holder, nullptr, 0);
  }
}

TEST_F(SandboxTest, RelaunchReplacesTheRuntimeInTheSameSandbox) {
  SandboxOptions options;
  options.listeners = {{"127.0.0.1", 9001}};
  auto sandbox = Create(options);
  ASSERT_NE(sandbox, nullptr);
  Captured first;
  auto one = Run(*sandbox, "setsid sleep 1000 & exec sleep 1000", first);
  ASSERT_NE(one, nullptr);
  Captured second;
  auto two = Run(*sandbox, "echo again >/dev/tcp/127.0.0.1/9001; exec sleep 1000", second);
  ASSERT_NE(two, nullptr);
  ASSERT_TRUE(RunUntil([&] { return first.exit.has_value(); }));
  EXPECT_EQ(first.exit->signal, SIGKILL);
  EXPECT_EQ(AcceptAndRead(sandbox->TakeListener(0)), "again\n");
  EXPECT_FALSE(second.exit.has_value());
  EXPECT_EQ(ChildrenOf(sandbox->init_pid()), std::set<int>{two->pid()});
}

TEST_F(SandboxTest, BindMountsAFileOverAnother) {
  char path[] = "/tmp/thaw-hosts-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string hosts = "127.0.0.3 secretsmanager.us-east-1.amazonaws.com\n";
  ASSERT_EQ(::write(fd, hosts.data(), hosts.size()), static_cast<ssize_t>(hosts.size()));
  ::close(fd);
  SandboxOptions options;
  options.binds = {{path, "/etc/hosts"}};
  auto sandbox = Create(options);
  ASSERT_NE(sandbox, nullptr);
  Captured captured;
  auto process = Run(*sandbox, "cat /etc/hosts", captured);
  ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
  process->DrainOutput();
  EXPECT_EQ(captured.out,
            std::vector<std::string>{"127.0.0.3 secretsmanager.us-east-1.amazonaws.com"});
  ::unlink(path);
  // thaw's own /etc/hosts is untouched.
  std::ifstream mine("/etc/hosts");
  std::string first;
  std::getline(mine, first);
  EXPECT_THAT(first, Not(HasSubstr("secretsmanager")));
}

// A layer directory holding `files` (relative path -> content), removed with the object.
class LayerDir {
 public:
  LayerDir(const std::string& name, const std::map<std::string, std::string>& files)
      : dir_(std::filesystem::temp_directory_path() /
             ("thaw-layer-" + std::to_string(::getpid()) + "-" + name)) {
    std::filesystem::remove_all(dir_);
    for (const auto& [path, content] : files) {
      std::filesystem::create_directories((dir_ / path).parent_path());
      std::ofstream(dir_ / path) << content;
    }
  }
  ~LayerDir() { std::filesystem::remove_all(dir_); }
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

TEST_F(SandboxTest, OneLayerIsAllThereIsAtOptReadOnly) {
  // Something of the host's under /opt (made when this user may), which the sandbox must hide.
  const std::filesystem::path host_file = "/opt/thaw-host-file-" + std::to_string(::getpid());
  const bool made = static_cast<bool>(std::ofstream(host_file) << "host\n");
  LayerDir layer("one", {{"nodejs/node_modules/mylib/index.js", "module.exports = 1;\n"},
                         {"bin/tool", "#!/bin/sh\n"}});
  SandboxOptions options;
  options.opt_layers = {layer.path()};
  auto sandbox = Create(options);
  ASSERT_NE(sandbox, nullptr);
  Captured captured;
  auto process = Run(*sandbox,
                     "ls -A /opt; cat /opt/nodejs/node_modules/mylib/index.js; "
                     "touch /opt/new 2>/dev/null && echo writable || echo read-only",
                     captured);
  ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
  process->DrainOutput();
  if (made) std::filesystem::remove(host_file);
  EXPECT_EQ(captured.out,
            (std::vector<std::string>{"bin", "nodejs", "module.exports = 1;", "read-only"}))
      << ::testing::PrintToString(captured.err);
  EXPECT_FALSE(std::filesystem::exists(layer.path() / "new"));
}

TEST_F(SandboxTest, LaterLayersWinPerFileAtOpt) {
  LayerDir first("first", {{"shared.txt", "first\n"}, {"python/a.py", "A = 1\n"}});
  LayerDir second("second", {{"shared.txt", "second\n"}, {"python/b.py", "B = 2\n"}});
  LayerDir third("third", {{"lib/libx.so", "not really\n"}});
  SandboxOptions options;
  options.opt_layers = {first.path(), second.path(), third.path()};
  auto sandbox = Create(options);
  ASSERT_NE(sandbox, nullptr);
  Captured captured;
  auto process = Run(*sandbox,
                     "cat /opt/shared.txt; ls -A /opt /opt/python | tr '\\n' ' '; echo; "
                     "touch /opt/new 2>/dev/null && echo writable || echo read-only",
                     captured);
  ASSERT_TRUE(RunUntil([&] { return captured.exit.has_value(); }));
  process->DrainOutput();
  EXPECT_EQ(captured.out,
            (std::vector<std::string>{
                "second", "/opt: lib python shared.txt  /opt/python: a.py b.py ", "read-only"}))
      << ::testing::PrintToString(captured.err);
}

TEST_F(SandboxTest, ALayerThatIsNoDirectoryIsAnError) {
  SandboxOptions options = probe_;
  options.opt_layers = {"/nonexistent/thaw-layer"};
  auto sandbox = Sandbox::Create(io_, options);
  ASSERT_FALSE(sandbox.ok());
  EXPECT_THAT(sandbox.status().message(),
              HasSubstr("layer /nonexistent/thaw-layer is not a directory"));
}

// The init is cloned from a multi-threaded thaw: it must start runtimes without glibc's fork(),
// whose atfork handlers and locks are copied as they were at the clone (a malloc lock held by
// another thread then was held for ever, and launches hung: "the runtime did not start in time").
// A prepare handler that ends the process if it ever runs in an init (PID 1) shows it.
TEST_F(SandboxTest, LaunchingRunsNoneOfThawsForkHandlers) {
  static const int registered = ::pthread_atfork(
      [] {
        if (::getpid() == 1) ::_exit(99);
      },
      nullptr, nullptr);
  ASSERT_EQ(registered, 0);
  EXPECT_THAT(RunToEnd("echo started"), ::testing::ElementsAre("started"));
}

TEST_F(SandboxTest, ExecFailureIsAnError) {
  auto sandbox = Create({});
  ASSERT_NE(sandbox, nullptr);
  LaunchSpec spec;
  spec.executable = "/nonexistent/bootstrap";
  spec.working_dir = "/";
  auto process = sandbox->Launch(spec, {});
  ASSERT_FALSE(process.ok());
  EXPECT_THAT(process.status().message(), HasSubstr("No such file"));
}

// As an unprivileged user: a child process drops to nobody and runs a sandbox there, reporting
// by its exit code (gtest assertions do not cross the fork).
TEST_F(SandboxTest, WorksUnprivileged) {
  if (::geteuid() != 0) GTEST_SKIP() << "already unprivileged; the other tests cover it";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) _exit(10);
    // As a process started by that user would be (a uid change clears it).
    ::prctl(PR_SET_DUMPABLE, 1);
    boost::asio::io_context io;
    SandboxOptions options;
    options.user_namespace = true;
    options.listeners = {{"127.0.0.1", 9001}};
    auto sandbox = Sandbox::Create(io, options);
    if (!sandbox.ok()) {
      std::fprintf(stderr, "%s\n", sandbox.status().ToString().c_str());
      _exit(11);
    }
    LaunchSpec spec;
    spec.executable = "/bin/bash";
    // The init (1), bash (2) and the subshell of $(...) (3).
    spec.args = {"-c", "echo $(cd /proc && echo [0-9]*) >/dev/tcp/127.0.0.1/9001"};
    spec.working_dir = "/";
    auto process = (*sandbox)->Launch(spec, {});
    if (!process.ok()) _exit(12);
    if (AcceptAndRead((*sandbox)->TakeListener(0)) != "1 2 3\n") _exit(13);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 drop, 11 create, 12 launch, 13 listener/proc";
}

// The words a sandbox's "did not get ready in time" error adds: the stuck init's state from /proc.
TEST(InitStateTextTest, SaysTheStateOfAProcessWaitingInASystemCall) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(ready[1]);  // the parent's read returns 0 once the child is past this point
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 0);
  ::close(ready[0]);
  // pause() sleeps: state S (it may still be on its way there for a moment).
  std::string text;
  for (int i = 0; i < 1000; ++i) {
    text = sandbox_internal::InitStateText(child);
    if (text.find("state S") != std::string::npos) break;
    ::sched_yield();
  }
  EXPECT_THAT(text, ::testing::StartsWith("init " + std::to_string(child) + ": state S, "));
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("system call ?")));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  // A process that is gone: nothing can be read.
  EXPECT_EQ(sandbox_internal::InitStateText(child),
            "init " + std::to_string(child) + ": state ?, system call ?");
}

}  // namespace
}  // namespace thaw
