#ifndef THAW_EMULATOR_SANDBOX_KILL_AND_REAP_H_
#define THAW_EMULATOR_SANDBOX_KILL_AND_REAP_H_

#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

namespace thaw {

// Sends SIGKILL to the child that `pidfd` refers to and waits, blocking, until it is reaped, so
// no zombie is left. For destructors that cannot count on their io_context to run again (it
// stopped, or is being destroyed). A killed process ends at once, except an init of a PID
// namespace, which first waits for the namespace's other (killed) processes to end.
//
// `pidfd` may be non-blocking (asio makes the descriptors it watches so), where a plain waitid
// would not wait: it returns EAGAIN while the child still runs, and the child would be left a
// zombie. `pidfd` stays open (its owner closes it). Any thread; no error is reported (a child
// already reaped is fine).
void KillAndReap(int pidfd);

// Reaps the child that `pidfd` refers to if it has exited; never blocks, whether or not `pidfd`
// is non-blocking. Returns false while the child still runs, true once it is reaped (or was
// already: ECHILD). A watch that wakes must look, not assume: readiness of a watched pidfd can be
// stray (an event of a closed socket that a forked process still holds, delivered to the reactor
// state the pidfd now reuses), and closing the pidfd then would leave the child a zombie.
// Any thread; `pidfd` stays open.
bool TryReap(int pidfd);

// Watches `pidfd` (a child's pidfd, assigned to an asio descriptor) and, once the child has
// exited, reaps it and closes `pidfd`; a wake while the child runs re-arms the watch (TryReap).
// `owner` owns `pidfd` and is kept alive until then. Confined to `pidfd`'s io_context; a cancel
// or close of `pidfd` ends the watch (the owner then reaps, e.g. with KillAndReap).
void ReapWhenExited(boost::asio::posix::stream_descriptor& pidfd,
                    std::shared_ptr<const void> owner);

}  // namespace thaw

#endif  // THAW_EMULATOR_SANDBOX_KILL_AND_REAP_H_
