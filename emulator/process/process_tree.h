#ifndef THAW_EMULATOR_PROCESS_PROCESS_TREE_H_
#define THAW_EMULATOR_PROCESS_PROCESS_TREE_H_

#include <sys/types.h>

#include <map>
#include <vector>

namespace thaw {

// The processes below a runtime, for `isolation: process`, where no PID namespace holds them.
//
// A runtime launched by BoostProcessLauncher is a child subreaper (PR_SET_CHILD_SUBREAPER), so a
// descendant whose parent exits — a `setsid()` grandchild left running by a shell — is adopted
// by the runtime instead of init, and stays in its tree while the runtime lives. These functions
// find every one of them through /proc/<pid>/task/<tid>/children, however far from the process
// group they went, and hold each through a pidfd opened while it was still known to be that
// descendant, so a reused pid is never signalled.
//
// Limits (the sandbox has none of them): a descendant started after the last look, once the
// runtime has exited by itself, and one left behind when thaw itself is SIGKILLed, are init's
// and out of reach.
//
// Thread-safe (reads /proc and signals; no state of its own).

// Every live descendant of `root` (not `root`), parents before children. Empty when `root` has
// none or /proc does not say (a kernel without CONFIG_PROC_CHILDREN).
std::vector<pid_t> Descendants(pid_t root);

// pidfds of `root`'s descendants, by pid; the caller owns (closes) them. Pids already in `held`
// are not opened again; new ones are added to it. With `stop`, each new one is sent SIGSTOP and
// the search repeats (a few rounds at most) until no new one appears, so none can fork a child
// that a kill would miss. Returns how many were added.
int HoldDescendants(pid_t root, bool stop, std::map<pid_t, int>& held);

// Sends `signal` to each held process, then (with `close`) closes the pidfds and empties `held`.
void SignalHeld(std::map<pid_t, int>& held, int signal, bool close);

// SIGKILLs `root`'s process group and every descendant of `root` (stopped first: see
// HoldDescendants), and every process already in `held`, whose pidfds it then closes.
void KillProcessTree(pid_t root, std::map<pid_t, int>& held);

}  // namespace thaw

#endif  // THAW_EMULATOR_PROCESS_PROCESS_TREE_H_
