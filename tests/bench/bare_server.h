#ifndef THAW_TESTS_BENCH_BARE_SERVER_H_
#define THAW_TESTS_BENCH_BARE_SERVER_H_

namespace thaw::bench {

// The physical baseline: a loopback HTTP/1.1 keep-alive server (Boost.Beast, one thread, one
// coroutine per connection, the same shape as thaw's own HTTP server) answering `{}` to every
// POST. Prints "bare: listening on http://127.0.0.1:PORT" and serves until SIGTERM/SIGINT.
// Returns the process exit code.
int RunBareServer();

}  // namespace thaw::bench

#endif  // THAW_TESTS_BENCH_BARE_SERVER_H_
