#ifndef THAW_EMULATOR_SANDBOX_OUTSIDE_LINK_H_
#define THAW_EMULATOR_SANDBOX_OUTSIDE_LINK_H_

#include <boost/asio/io_context.hpp>
#include <memory>

#include "absl/status/statusor.h"

namespace thaw {

// A sandbox's way out, for functions whose egress is allowed (settings.egress: allow):
// slirp4netns, the user-mode network stack rootless Podman uses, attached to the sandbox's
// network namespace. Inside, it makes a device `tap0` (10.0.2.100/24, default route via
// 10.0.2.2) and carries what leaves through ordinary sockets of its own on the host, as root or
// not. The host's own loopback stays out of reach (--disable-host-loopback): neither thaw's
// admin API nor another instance's listeners can be reached from inside.
//
// Usage:
//   auto link = OutsideLink::Start(io, sandbox->init_pid(), options.user_namespace);
//
// Strand-confined to `io`, which must outlive it. Destroying it ends slirp4netns (its exit pipe
// closes) and reaps it on `io`; thaw's own death ends it too, the same way.
class OutsideLink {
 public:
  // Starts slirp4netns on the namespaces of `init_pid` (its user namespace too when
  // `user_namespace`), and returns once the device inside is configured (a bounded wait).
  // Unavailable when slirp4netns is missing ("install it: apt-get install slirp4netns") or does
  // not get ready.
  static absl::StatusOr<std::unique_ptr<OutsideLink>> Start(boost::asio::io_context& io,
                                                            int init_pid, bool user_namespace);
  ~OutsideLink();
  OutsideLink(const OutsideLink&) = delete;
  OutsideLink& operator=(const OutsideLink&) = delete;

  int pid() const;

  // The program, looked up on PATH.
  static constexpr char kProgram[] = "slirp4netns";

  struct State;

 private:
  explicit OutsideLink(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_SANDBOX_OUTSIDE_LINK_H_
