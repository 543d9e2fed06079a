#ifndef THAW_TESTS_BENCH_LOAD_GENERATOR_H_
#define THAW_TESTS_BENCH_LOAD_GENERATOR_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace thaw::bench {

// What every request of a run sends, and what a good answer looks like.
struct RequestSpec {
  std::string method = "POST";
  std::string target;
  std::string body;
  // Extra header lines (e.g. a SigV4 Authorization), sent as given.
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, a 200 answer whose body differs is counted as a bad answer.
  std::optional<std::string> expected_body;
  // When set, a 200 answer whose body does not contain it is counted as a bad answer.
  std::optional<std::string> expected_substring;
};

// How long a run lasts: it stops at whichever bound comes first.
struct RunLimits {
  // Requests sent across all connections (ignored when per_connection > 0).
  uint64_t max_requests = 1'000'000;
  // No request is started after this much time has passed.
  std::chrono::milliseconds max_duration{1000};
  // When > 0, every connection sends exactly this many requests (still bounded by time).
  uint64_t per_connection = 0;
  // A request still unanswered this long after max_duration is an error: its connection is
  // closed, so a stuck server never hangs the benchmark.
  std::chrono::milliseconds stall_timeout{5000};
  // Keep each request's completion time (for windowed throughput).
  bool record_completions = false;
};

// What a run measured. Latencies are of requests answered 200 with a good body.
struct RunResult {
  uint64_t ok = 0;
  uint64_t transport_errors = 0;  // connect, write, read or a server-side close
  uint64_t bad_status = 0;        // an answer other than 200
  uint64_t bad_body = 0;          // a 200 whose body or headers were not what was expected
  std::string first_error;        // the first thing that went wrong, for the report
  double elapsed_s = 0;
  std::vector<int64_t> latencies_ns;
  // Completion times since the start of the run, ascending (record_completions only).
  std::vector<int64_t> completions_ns;

  uint64_t failures() const { return transport_errors + bad_status + bad_body; }
  double Throughput() const { return elapsed_s > 0 ? ok / elapsed_s : 0; }
};

// Latency percentile in microseconds (nearest rank); 0 when there is no sample.
double PercentileUs(std::vector<int64_t> latencies_ns, double percentile);

// A fixed set of HTTP/1.1 keep-alive connections to 127.0.0.1:port, spread over at most two
// client threads (each with its own io_context). Connections persist across runs, so the
// server-side sessions can be warmed before a measurement. Not thread-safe.
class ClientPool {
 public:
  ClientPool(uint16_t port, int connections, int threads);
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  // Opens every connection; false (and `error`) when one cannot be opened.
  bool Connect(std::string* error);
  // Runs requests on every open connection until the limits are reached.
  RunResult Run(const RequestSpec& spec, const RunLimits& limits);

  int connections() const { return static_cast<int>(connections_.size()); }

 private:
  struct Connection {
    explicit Connection(boost::asio::io_context& io) : socket(io) {}
    boost::asio::ip::tcp::socket socket;
    boost::beast::flat_buffer buffer;
    bool broken = false;
  };

  uint16_t port_;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  // Connection i runs on contexts_[i % contexts_.size()].
  std::vector<std::unique_ptr<Connection>> connections_;
};

// One request on a fresh connection, with a timeout. Returns the status (0 on a transport
// error, with `error` set) and fills `body`.
int FetchOnce(uint16_t port, const std::string& method, const std::string& target,
              const std::string& body, std::chrono::milliseconds timeout, std::string* response,
              std::string* error);

}  // namespace thaw::bench

#endif  // THAW_TESTS_BENCH_LOAD_GENERATOR_H_
