#include "tests/bench/load_generator.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cmath>
#include <thread>

namespace thaw::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kMaxErrorText = 300;

std::string RequestText(const RequestSpec& spec, uint16_t port) {
  std::string text = spec.method + " " + spec.target +
                     " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
  if (spec.method != "GET" || !spec.body.empty()) {
    text +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(spec.body.size()) +
        "\r\n";
  }
  for (const auto& [name, value] : spec.headers) text += name + ": " + value + "\r\n";
  text += "\r\n";
  text += spec.body;
  return text;
}

// What the connections of one client thread share during a run.
struct RunShared {
  const RequestSpec& spec;
  const RunLimits& limits;
  const std::string& request_text;
  Clock::time_point start;
  Clock::time_point deadline;
  std::atomic<uint64_t> issued{0};
};

// One client thread's part of a run; touched only by that thread.
struct ThreadRun {
  explicit ThreadRun(asio::io_context& io) : watchdog(io) {}
  RunResult result;
  int active = 0;
  Clock::time_point finished;
  asio::steady_timer watchdog;
};

void NoteError(RunResult& result, const std::string& what) {
  if (result.first_error.empty()) result.first_error = what.substr(0, kMaxErrorText);
}

asio::awaitable<void> Drive(tcp::socket& socket, beast::flat_buffer& buffer, bool& broken,
                            RunShared& shared, ThreadRun& run) {
  RunResult& result = run.result;
  uint64_t sent_here = 0;
  while (!broken) {
    if (shared.limits.per_connection > 0) {
      if (sent_here >= shared.limits.per_connection) break;
    } else if (shared.issued.fetch_add(1, std::memory_order_relaxed) >=
               shared.limits.max_requests) {
      break;
    }
    const Clock::time_point t0 = Clock::now();
    if (t0 >= shared.deadline) break;
    ++sent_here;
    beast::error_code ec;
    co_await asio::async_write(socket, asio::buffer(shared.request_text),
                               asio::redirect_error(asio::use_awaitable, ec));
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (!ec) {
      co_await http::async_read(socket, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    }
    const Clock::time_point t1 = Clock::now();
    if (ec) {
      ++result.transport_errors;
      NoteError(result, "transport error: " + ec.message());
      broken = true;
      break;
    }
    const auto& response = parser.get();
    if (response.result_int() != 200) {
      ++result.bad_status;
      NoteError(result, "HTTP " + std::to_string(response.result_int()) + ": " + response.body());
    } else if (response.find("X-Amz-Function-Error") != response.end()) {
      ++result.bad_body;
      NoteError(result, "function error: " + response.body());
    } else if ((shared.spec.expected_body && response.body() != *shared.spec.expected_body) ||
               (shared.spec.expected_substring &&
                response.body().find(*shared.spec.expected_substring) == std::string::npos)) {
      ++result.bad_body;
      NoteError(result, "unexpected body: " + response.body());
    } else {
      ++result.ok;
      result.latencies_ns.push_back((t1 - t0).count());
      if (shared.limits.record_completions) {
        result.completions_ns.push_back((t1 - shared.start).count());
      }
    }
    if (!response.keep_alive()) {
      ++result.transport_errors;
      NoteError(result, "the server closed the keep-alive connection");
      broken = true;
    }
  }
  if (--run.active == 0) {
    run.finished = Clock::now();
    run.watchdog.cancel();
  }
}

}  // namespace

double PercentileUs(std::vector<int64_t> latencies_ns, double percentile) {
  if (latencies_ns.empty()) return 0;
  const size_t n = latencies_ns.size();
  size_t rank = static_cast<size_t>(std::ceil(percentile / 100.0 * static_cast<double>(n)));
  rank = std::clamp<size_t>(rank, 1, n);
  std::nth_element(latencies_ns.begin(), latencies_ns.begin() + (rank - 1), latencies_ns.end());
  return static_cast<double>(latencies_ns[rank - 1]) / 1000.0;
}

ClientPool::ClientPool(uint16_t port, int connections, int threads) : port_(port) {
  threads = std::clamp(threads, 1, 2);
  threads = std::min(threads, std::max(connections, 1));
  for (int i = 0; i < threads; ++i) contexts_.push_back(std::make_unique<asio::io_context>(1));
  for (int i = 0; i < connections; ++i) {
    connections_.push_back(std::make_unique<Connection>(*contexts_[i % threads]));
  }
}

ClientPool::~ClientPool() {
  for (auto& connection : connections_) {
    beast::error_code ignored;
    connection->socket.close(ignored);
  }
}

bool ClientPool::Connect(std::string* error) {
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port_);
  for (auto& connection : connections_) {
    beast::error_code ec;
    connection->socket.connect(endpoint, ec);
    if (!ec) connection->socket.set_option(tcp::no_delay(true), ec);
    if (ec) {
      *error = "cannot connect to 127.0.0.1:" + std::to_string(port_) + ": " + ec.message();
      return false;
    }
  }
  return true;
}

RunResult ClientPool::Run(const RequestSpec& spec, const RunLimits& limits) {
  const std::string request_text = RequestText(spec, port_);
  RunShared shared{spec, limits, request_text, Clock::now(), {}};
  shared.deadline = shared.start + limits.max_duration;

  std::vector<std::unique_ptr<ThreadRun>> runs;
  for (auto& io : contexts_) {
    io->restart();
    runs.push_back(std::make_unique<ThreadRun>(*io));
  }
  RunResult merged;
  for (size_t i = 0; i < connections_.size(); ++i) {
    Connection& connection = *connections_[i];
    if (connection.broken) {
      ++merged.transport_errors;
      NoteError(merged, "connection broken in an earlier run");
      continue;
    }
    ThreadRun& run = *runs[i % contexts_.size()];
    ++run.active;
    asio::co_spawn(*contexts_[i % contexts_.size()],
                   Drive(connection.socket, connection.buffer, connection.broken, shared, run),
                   asio::detached);
  }
  for (size_t t = 0; t < contexts_.size(); ++t) {
    ThreadRun& run = *runs[t];
    run.finished = shared.start;
    if (run.active == 0) continue;
    run.watchdog.expires_at(shared.deadline + limits.stall_timeout);
    run.watchdog.async_wait([this, t, &run](const beast::error_code& ec) {
      if (ec) return;  // cancelled: every connection finished in time
      NoteError(run.result, "a request was still unanswered after the stall timeout");
      for (size_t i = t; i < connections_.size(); i += contexts_.size()) {
        beast::error_code ignored;
        connections_[i]->socket.close(ignored);
      }
    });
  }
  std::thread helper;
  if (contexts_.size() > 1) helper = std::thread([this] { contexts_[1]->run(); });
  contexts_[0]->run();
  if (helper.joinable()) helper.join();

  Clock::time_point finished = shared.start;
  for (auto& run : runs) {
    RunResult& r = run->result;
    finished = std::max(finished, run->finished);
    merged.ok += r.ok;
    merged.transport_errors += r.transport_errors;
    merged.bad_status += r.bad_status;
    merged.bad_body += r.bad_body;
    if (merged.first_error.empty()) merged.first_error = r.first_error;
    merged.latencies_ns.insert(merged.latencies_ns.end(), r.latencies_ns.begin(),
                               r.latencies_ns.end());
    merged.completions_ns.insert(merged.completions_ns.end(), r.completions_ns.begin(),
                                 r.completions_ns.end());
  }
  std::sort(merged.completions_ns.begin(), merged.completions_ns.end());
  merged.elapsed_s = std::chrono::duration<double>(finished - shared.start).count();
  return merged;
}

int FetchOnce(uint16_t port, const std::string& method, const std::string& target,
              const std::string& body, std::chrono::milliseconds timeout, std::string* response,
              std::string* error) {
  asio::io_context io(1);
  tcp::socket socket(io);
  int status = 0;
  bool done = false;
  RequestSpec spec;
  spec.method = method;
  spec.target = target;
  spec.body = body;
  const std::string text = RequestText(spec, port);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        beast::error_code ec;
        co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port},
                                      asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) {
          co_await asio::async_write(socket, asio::buffer(text),
                                     asio::redirect_error(asio::use_awaitable, ec));
        }
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        if (!ec) {
          co_await http::async_read(socket, buffer, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
        }
        done = true;
        if (ec) {
          *error = method + " " + target + ": " + ec.message();
          co_return;
        }
        status = parser.get().result_int();
        *response = parser.get().body();
      },
      asio::detached);
  io.run_for(timeout);
  if (!done) {
    *error =
        method + " " + target + ": no answer within " + std::to_string(timeout.count()) + " ms";
    return 0;
  }
  return status;
}

}  // namespace thaw::bench
