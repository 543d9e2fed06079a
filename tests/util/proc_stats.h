#ifndef THAW_TESTS_UTIL_PROC_STATS_H_
#define THAW_TESTS_UTIL_PROC_STATS_H_

#include <sys/types.h>

#include <cstddef>

// What /proc says of a process, for the tests and benchmarks that measure thaw from outside.

namespace thaw::testing {

// VmRSS of a process in KB, from /proc/<pid>/status; -1 when unavailable.
long ReadRssKb(pid_t pid);

// User + system CPU time of a process in seconds, from /proc/<pid>/stat; -1 when unavailable.
double ReadCpuSeconds(pid_t pid);

// What a process holds, from /proc/<pid>: open descriptors, threads, and children (of every
// thread). 0 when the process is gone.
size_t CountDescriptors(pid_t pid);
size_t CountThreads(pid_t pid);
size_t CountChildren(pid_t pid);

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_PROC_STATS_H_
