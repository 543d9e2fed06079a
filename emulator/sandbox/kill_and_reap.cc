#include "emulator/sandbox/kill_and_reap.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace thaw {

void KillAndReap(int pidfd) {
  if (pidfd < 0) return;
  ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
  const int flags = ::fcntl(pidfd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) != 0) ::fcntl(pidfd, F_SETFL, flags & ~O_NONBLOCK);
  siginfo_t info{};
  while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info,
                  WEXITED | __WALL) < 0 &&
         errno == EINTR) {
  }
}

bool TryReap(int pidfd) {
  siginfo_t info{};
  int waited;
  do {
    waited = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info,
                      WEXITED | WNOHANG | __WALL);
  } while (waited < 0 && errno == EINTR);
  // With WNOHANG a running child is 0 and si_pid 0 (not EAGAIN, even on a non-blocking pidfd).
  return waited < 0 || info.si_pid != 0;
}

void ReapWhenExited(boost::asio::posix::stream_descriptor& pidfd,
                    std::shared_ptr<const void> owner) {
  pidfd.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                   [&pidfd, owner = std::move(owner)](const boost::system::error_code& ec) {
                     if (ec || !pidfd.is_open()) return;
                     if (!TryReap(pidfd.native_handle())) {
                       ReapWhenExited(pidfd, owner);
                       return;
                     }
                     boost::system::error_code ignored;
                     pidfd.close(ignored);
                   });
}

}  // namespace thaw
