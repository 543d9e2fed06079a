// libthaw_clock.so: thaw's clock preload, named by LD_PRELOAD in every instance whose function
// has virtual time (settings.virtual_time). It makes the instance's clocks read real time plus
// the total the scheduler clock was advanced by (`advance 20m`), realtime and monotonic alike,
// and keeps absolute deadlines the process hands to the kernel on the kernel's (real) clock.
//
// How: it defines clock_gettime, gettimeofday, time and timespec_get, which the dynamic linker
// then binds every dynamically linked caller to (node and its V8/libuv, libpython, libstdc++'s
// std::chrono, a C++ handler) ahead of glibc's. Each calls glibc's own clock_gettime (the vDSO,
// no system call) and adds the offset, an aligned 64-bit word in a file thaw maps to every
// instance and rewrites in place at each advance (clock_offset_abi.h). Reading it is one load:
// without an advance the cost is an indirect call and an add.
//
// Waits on an absolute deadline (pthread_cond_timedwait, sem_clockwait, clock_nanosleep with
// TIMER_ABSTIME, timerfd_settime with TFD_TIMER_ABSTIME, ...) take the deadline in the shifted
// clock the caller read; the kernel and glibc compare it with the real clock, so each wrapper
// takes the offset off first (every clock is shifted by the same amount, so which clock the
// deadline is on does not matter). Relative timeouts (poll, epoll_wait, nanosleep) need nothing.
//
// Not covered, by construction: statically linked programs and those that read the vDSO or
// make the system call themselves (Go); thaw notes those at instance start. CPU-time clocks
// (CLOCK_PROCESS_CPUTIME_ID, ...) are left alone.
//
// Built as plain C-level code (no C++ runtime, no exceptions): it runs inside any process, in
// any thread, possibly before the program's own initializers.

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

#include "emulator/vtime/clock_offset_abi.h"

#define THAW_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;

// No offset: what a process without the file (or with virtual time off) reads.
const int64_t kZero = 0;
// The mapped offset word, or &kZero once the file was found missing; null until first use.
const int64_t* g_offset = nullptr;

using ClockGettimeFn = int (*)(clockid_t, struct timespec*);
ClockGettimeFn g_real_clock_gettime = nullptr;

const int64_t* MapOffset() {
  const char* path = getenv(thaw::vtime::kOffsetFileEnv);
  if (path == nullptr || *path == '\0') return &kZero;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return &kZero;
  void* map = mmap(nullptr, thaw::vtime::kOffsetFileSize, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  return map == MAP_FAILED ? &kZero : static_cast<const int64_t*>(map);
}

// The offset in nanoseconds. Thread-safe: a race at first use maps the file twice and keeps
// one mapping (the other is unmapped), both reading the same word.
int64_t Offset() {
  const int64_t* word = __atomic_load_n(&g_offset, __ATOMIC_ACQUIRE);
  if (word == nullptr) {
    const int64_t* mapped = MapOffset();
    const int64_t* expected = nullptr;
    if (__atomic_compare_exchange_n(&g_offset, &expected, mapped, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      word = mapped;
    } else {
      if (mapped != &kZero) munmap(const_cast<int64_t*>(mapped), thaw::vtime::kOffsetFileSize);
      word = expected;
    }
  }
  return __atomic_load_n(word, __ATOMIC_RELAXED);
}

// glibc's `name` at `version` (the one programs link against today), resolved once into `slot`.
// The slots are plain statics with constant initialization: no guard, no C++ runtime; a race
// resolves the same symbol twice.
template <typename Fn>
Fn Next(Fn* slot, const char* name, const char* version) {
  Fn fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (fn != nullptr) return fn;
  void* symbol = dlvsym(RTLD_NEXT, name, version);
  if (symbol == nullptr) symbol = dlsym(RTLD_NEXT, name);
  fn = reinterpret_cast<Fn>(symbol);
  __atomic_store_n(slot, fn, __ATOMIC_RELEASE);
  return fn;
}

// glibc's clock_gettime (the one the program would have called).
int RealClockGettime(clockid_t clock, struct timespec* ts) {
  return Next(&g_real_clock_gettime, "clock_gettime", "GLIBC_2.17")(clock, ts);
}

// The clocks that move with the scheduler clock: every clock of time passing, none of CPU time.
bool Shifted(clockid_t clock) {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_REALTIME_ALARM:
    case CLOCK_BOOTTIME_ALARM:
    case CLOCK_TAI:
      return true;
    default:
      return false;
  }
}

void AddNanos(struct timespec* ts, int64_t nanos) {
  if (nanos == 0) return;
  const int64_t total = static_cast<int64_t>(ts->tv_nsec) + nanos % kNanosPerSecond;
  ts->tv_sec += static_cast<time_t>(nanos / kNanosPerSecond + total / kNanosPerSecond);
  ts->tv_nsec = static_cast<long>(total % kNanosPerSecond);
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += kNanosPerSecond;
    ts->tv_sec -= 1;
  }
}

// `deadline` (on a shifted clock) as the real clock's deadline; never before the epoch, so a
// deadline that was already due stays due.
struct timespec RealDeadline(const struct timespec* deadline) {
  struct timespec real = *deadline;
  AddNanos(&real, -Offset());
  if (real.tv_sec < 0) real = {0, 0};
  return real;
}

}  // namespace

THAW_EXPORT int clock_gettime(clockid_t clock, struct timespec* ts) {
  const int result = RealClockGettime(clock, ts);
  if (result == 0 && Shifted(clock)) AddNanos(ts, Offset());
  return result;
}

THAW_EXPORT int gettimeofday(struct timeval* tv, void* tz) {
  if (tz != nullptr) {
    // The obsolete timezone argument: UTC, as TZ=:UTC says.
    auto* zone = static_cast<struct timezone*>(tz);
    zone->tz_minuteswest = 0;
    zone->tz_dsttime = 0;
  }
  struct timespec ts;
  const int result = clock_gettime(CLOCK_REALTIME, &ts);
  if (result != 0) return result;
  tv->tv_sec = ts.tv_sec;
  tv->tv_usec = ts.tv_nsec / 1000;
  return 0;
}

THAW_EXPORT time_t time(time_t* out) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return static_cast<time_t>(-1);
  if (out != nullptr) *out = ts.tv_sec;
  return ts.tv_sec;
}

THAW_EXPORT int timespec_get(struct timespec* ts, int base) {
  if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, ts) != 0) return 0;
  return base;
}

// --- Absolute deadlines ---

THAW_EXPORT int pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                       const struct timespec* deadline) {
  using Fn = int (*)(pthread_cond_t*, pthread_mutex_t*, const struct timespec*);
  static Fn slot = nullptr;
  const Fn next = Next(&slot, "pthread_cond_timedwait", "GLIBC_2.3.2");
  const struct timespec real = RealDeadline(deadline);
  return next(cond, mutex, &real);
}

THAW_EXPORT int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                       clockid_t clock, const struct timespec* deadline) {
  using Fn = int (*)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);
  static Fn slot = nullptr;
  const Fn next = Next(&slot, "pthread_cond_clockwait", "GLIBC_2.34");
  if (!Shifted(clock)) return next(cond, mutex, clock, deadline);
  const struct timespec real = RealDeadline(deadline);
  return next(cond, mutex, clock, &real);
}

THAW_EXPORT int sem_timedwait(sem_t* sem, const struct timespec* deadline) {
  using Fn = int (*)(sem_t*, const struct timespec*);
  static Fn slot = nullptr;
  const Fn next = Next(&slot, "sem_timedwait", "GLIBC_2.34");
  const struct timespec real = RealDeadline(deadline);
  return next(sem, &real);
}

THAW_EXPORT int sem_clockwait(sem_t* sem, clockid_t clock, const struct timespec* deadline) {
  using Fn = int (*)(sem_t*, clockid_t, const struct timespec*);
  static Fn slot = nullptr;
  const Fn next = Next(&slot, "sem_clockwait", "GLIBC_2.34");
  if (!Shifted(clock)) return next(sem, clock, deadline);
  const struct timespec real = RealDeadline(deadline);
  return next(sem, clock, &real);
}

THAW_EXPORT int pthread_mutex_timedlock(pthread_mutex_t* mutex, const struct timespec* deadline) {
  using Fn = int (*)(pthread_mutex_t*, const struct timespec*);
  static Fn slot = nullptr;
  const Fn next = Next(&slot, "pthread_mutex_timedlock", "GLIBC_2.34");
  const struct timespec real = RealDeadline(deadline);
  return next(mutex, &real);
}

THAW_EXPORT int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock,
                                        const struct timespec* deadline) {
  using Fn = int (*)(pthread_mutex_t*, clockid_t, const struct timespec*);
  static Fn slot = nullptr;
  const Fn next = Next(&slot, "pthread_mutex_clocklock", "GLIBC_2.34");
  if (!Shifted(clock)) return next(mutex, clock, deadline);
  const struct timespec real = RealDeadline(deadline);
  return next(mutex, clock, &real);
}

THAW_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec* request,
                                struct timespec* remain) {
  using Fn = int (*)(clockid_t, int, const struct timespec*, struct timespec*);
  static Fn slot = nullptr;
  const Fn next = Next(&slot, "clock_nanosleep", "GLIBC_2.17");
  if ((flags & TIMER_ABSTIME) == 0 || !Shifted(clock)) {
    return next(clock, flags, request, remain);
  }
  const struct timespec real = RealDeadline(request);
  return next(clock, flags, &real, remain);
}

THAW_EXPORT int timerfd_settime(int fd, int flags, const struct itimerspec* value,
                                struct itimerspec* old) {
  using Fn = int (*)(int, int, const struct itimerspec*, struct itimerspec*);
  static Fn slot = nullptr;
  const Fn next = Next(&slot, "timerfd_settime", "GLIBC_2.8");
  // The timer's own clock is not known here; every clock it may have is shifted alike except
  // the CPU-time ones, which timerfd does not take.
  if ((flags & TFD_TIMER_ABSTIME) == 0 || value == nullptr ||
      (value->it_value.tv_sec == 0 && value->it_value.tv_nsec == 0)) {
    return next(fd, flags, value, old);
  }
  struct itimerspec real = *value;
  real.it_value = RealDeadline(&value->it_value);
  if (real.it_value.tv_sec == 0 && real.it_value.tv_nsec == 0) real.it_value.tv_nsec = 1;
  return next(fd, flags, &real, old);
}
