#ifndef THAW_EMULATOR_SANDBOX_SANDBOX_H_
#define THAW_EMULATOR_SANDBOX_SANDBOX_H_

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emulator/process/process_launcher.h"
#include "emulator/sandbox/outside_link.h"

namespace thaw {

// A TCP address inside a sandbox's network namespace ("127.0.0.2", 443).
struct SandboxAddress {
  std::string ip;
  uint16_t port = 0;
  // A bound UDP socket (e.g. a DNS server's) rather than a listening TCP one.
  bool udp = false;
  // "127.0.0.2:443".
  std::string ToString() const { return ip + ":" + std::to_string(port); }
  // Parses "a.b.c.d:port" (IPv4 only). InvalidArgument otherwise.
  static absl::StatusOr<SandboxAddress> Parse(const std::string& text);
};

// A file made visible at another path inside the sandbox's mount namespace (read-only), e.g. an
// instance-private /etc/hosts, or a CA bundle over /etc/ssl/certs/ca-certificates.crt.
struct SandboxBind {
  std::filesystem::path source;  // an existing file
  std::filesystem::path target;  // an existing file, hidden by `source` inside
};

struct SandboxOptions {
  // Listening sockets (bound UDP sockets for `udp` addresses) made inside the sandbox's network
  // namespace, handed back in this order.
  std::vector<SandboxAddress> listeners;
  std::vector<SandboxBind> binds;
  // The function's layer directories, in Lambda's order (emulator/config FunctionConfig::layers),
  // shown read-only at /opt in place of whatever the host has there: one layer is bind-mounted
  // over /opt; several are stacked with overlayfs (later layers win per file, no upper layer).
  // Empty: /opt is left as it is. Each must be an existing directory whose path holds neither
  // ':' nor ',' (overlayfs option syntax); /opt must exist on the host. Lambda's limit of 5
  // layers is the loaders' to check, not the sandbox's.
  std::vector<std::filesystem::path> opt_layers;
  // Also a new user namespace (thaw's uid and gid mapped to root inside, nothing else mapped).
  // Needed when thaw is not root; preferred when it is, since the runtime's capabilities then
  // stop at the sandbox (it cannot undo its mounts, nor read the init's memory through /proc).
  // Sandbox::Probe() says whether it works here.
  bool user_namespace = true;
  // Also the egress trap: a tun device that every IPv4 packet bound outside the sandbox is
  // routed to, handed to thaw (Sandbox::TakeEgressTrap) to record and refuse. Without it (or
  // where /dev/net/tun cannot be opened) such packets have no route at all.
  bool egress_trap = false;
  // Instead, a way out to the internet (OutsideLink: slirp4netns), for settings.egress: allow.
  bool outside_link = false;
};

namespace sandbox_internal {
// What /proc says of a process (an init that did not report in time): its scheduler state and the
// system call it is in, "init 123: state S, system call 202" (202 is futex on x86-64: a wait on a
// lock; state R: running, a spin). "?" for what cannot be read.
std::string InitStateText(int pid);
}  // namespace sandbox_internal

// One Lambda instance's sandbox: new PID, network and mount namespaces (and a user namespace
// when asked), whose first process (PID 1) is a small init forked from thaw. Inside:
//  - loopback only: `lo` is up, so the whole of 127/8 is local and any other address is
//    unreachable at once (ENETUNREACH): there is no route out (with SandboxOptions::egress_trap,
//    the only route out leads to thaw, which answers "unreachable" itself);
//  - a private /proc, so the instance sees its own processes only (not thaw's environment, nor a
//    sibling's credentials), the files of SandboxOptions::binds, and the function's layers at
//    /opt (SandboxOptions::opt_layers);
//  - the listeners of SandboxOptions::listeners, created there and passed to thaw over a unix
//    socket (SCM_RIGHTS); thaw serves them from its own event loops, so whatever arrives on one
//    is the instance's by construction.
// The sandbox is a ProcessLauncher: Launch() starts the runtime as the init's child, with the
// given environment and nothing else of thaw's (no descriptor but stdio, default signals).
// RuntimeProcess::SignalGroup reaches every process of the namespace (the init forwards it), so
// freezing and SIGTERM cover the runtime's own children, setsid() or not. When the runtime
// exits, the init kills everything else in the namespace. Destroying the sandbox kills the init,
// which takes the whole namespace with it; so does thaw's death (the init has
// PR_SET_PDEATHSIG=SIGKILL, and sees thaw's end of its socket close). Nothing survives: no
// process, mount or namespace (the network namespace goes with the last listener thaw closes).
// Strand-confined to `io` (one thread, which must live as long as the sandbox: the parent-death
// signal follows the thread that created the init). At most one runtime runs at a time; a
// Launch while one runs kills it first.
class Sandbox : public ProcessLauncher {
 public:
  // Creates the namespaces and the listeners; returns once the init is ready (a bounded wait).
  // Internal/Unavailable with the failing step ("mount /proc: Operation not permitted").
  static absl::StatusOr<std::unique_ptr<Sandbox>> Create(boost::asio::io_context& io,
                                                         const SandboxOptions& options);
  // Whether sandboxes can be created here, and whether they need a user namespace: OK with the
  // options to use, or the reason they cannot (namespaces unavailable, /proc not mountable...).
  // The options ask for the egress trap where it works.
  // Creates and destroys one sandbox; call once, at start.
  static absl::StatusOr<SandboxOptions> Probe(boost::asio::io_context& io);

  ~Sandbox() override;
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // The listening socket made for options.listeners[i]; the caller owns it from then on. -1 when
  // already taken.
  int TakeListener(size_t i);
  size_t listener_count() const { return listeners_.size(); }
  // The egress trap's tun descriptor (non-blocking; reads give one IPv4 packet each, writes
  // inject one), owned by the caller from then on. -1 when not asked for, already taken, or
  // refused here (trap_error() says why).
  int TakeEgressTrap();
  // errno of the failed trap set-up ("Permission denied" for /dev/net/tun), 0 otherwise.
  int trap_error() const { return trap_error_; }
  // The init's pid, in thaw's PID namespace.
  int init_pid() const;

  // ProcessLauncher. The returned process's pid() is the runtime's pid in thaw's namespace.
  absl::StatusOr<std::unique_ptr<RuntimeProcess>> Launch(const LaunchSpec& spec,
                                                         ProcessCallbacks callbacks) override;

  struct State;

 private:
  // Create's one attempt (Create retries it in ThreadSanitizer builds only).
  static absl::StatusOr<std::unique_ptr<Sandbox>> CreateOnce(boost::asio::io_context& io,
                                                             const SandboxOptions& options);
  explicit Sandbox(std::shared_ptr<State> state, std::vector<int> listeners);

  std::shared_ptr<State> state_;
  std::vector<int> listeners_;
  int egress_trap_ = -1;
  std::unique_ptr<OutsideLink> outside_link_;
  int trap_error_ = 0;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_SANDBOX_SANDBOX_H_
