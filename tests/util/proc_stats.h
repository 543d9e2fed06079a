#ifndef THAW_TESTS_UTIL_PROC_STATS_H_
#define THAW_TESTS_UTIL_PROC_STATS_H_

#include <sys/types.h>

// What /proc says of a process, for the tests and benchmarks that measure thaw from outside.

namespace thaw::testing {

// VmRSS of a process in KB, from /proc/<pid>/status; -1 when unavailable.
long ReadRssKb(pid_t pid);

// User + system CPU time of a process in seconds, from /proc/<pid>/stat; -1 when unavailable.
double ReadCpuSeconds(pid_t pid);

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_PROC_STATS_H_
