#include "emulator/runtimes/cpp/runtime.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <vector>

namespace thaw::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string JsonEscape(const std::string& in) {
  std::string out;
  for (unsigned char c : in) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

using Response = http::response<http::string_body>;

// A keep-alive connection to the Runtime API, reopened when it breaks.
class Client {
 public:
  explicit Client(std::string endpoint) : endpoint_(std::move(endpoint)), socket_(io_) {
    const size_t colon = endpoint_.rfind(':');
    host_ = endpoint_.substr(0, colon);
    port_ = colon == std::string::npos ? "80" : endpoint_.substr(colon + 1);
  }

  const std::string& endpoint() const { return endpoint_; }

  // Sends a request and returns the response, or nothing when the Runtime API is unreachable.
  std::optional<Response> Send(http::request<http::string_body> req) {
    req.set(http::field::host, endpoint_);
    req.keep_alive(true);
    req.prepare_payload();
    for (int attempt = 0; attempt < 2; ++attempt) {
      beast::error_code ec;
      if (!Connect()) return std::nullopt;
      http::write(socket_, req, ec);
      if (!ec) {
        if (std::optional<Response> res = Read()) return res;
      }
      Close();
    }
    return std::nullopt;
  }

  // Writes `wire`, whole requests one after the other (HTTP/1.1 pipelining), in one write, and
  // reads their responses in order into `out`. Retried once on a new connection when nothing
  // was read; otherwise `out` holds the responses read before the connection broke.
  void Pipeline(const std::vector<asio::const_buffer>& wire, size_t requests,
                std::vector<Response>* out) {
    out->clear();
    for (int attempt = 0; attempt < 2 && out->empty(); ++attempt) {
      beast::error_code ec;
      if (!Connect()) return;
      asio::write(socket_, wire, ec);
      while (!ec && out->size() < requests) {
        std::optional<Response> res = Read();
        if (!res) break;
        out->push_back(*std::move(res));
      }
      if (out->size() < requests) Close();
    }
  }

 private:
  bool Connect() {
    if (socket_.is_open()) return true;
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(host_, port_, ec);
    if (ec) return false;
    asio::connect(socket_, results, ec);
    if (ec) {
      socket_.close(ec);
      return false;
    }
    socket_.set_option(tcp::no_delay(true), ec);
    return true;
  }

  void Close() {
    beast::error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
  }

  // Reads one response; nothing when the connection broke (it is then closed).
  std::optional<Response> Read() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    beast::error_code ec;
    // A blocking read waits in poll(), which a stop and continue (the freeze) interrupts
    // (EINTR): that is no broken connection, so read on.
    do {
      ec = {};
      http::read(socket_, buffer_, parser, ec);
    } while (ec == asio::error::interrupted);
    if (ec) return std::nullopt;
    Response res = parser.release();
    if (!res.keep_alive()) socket_.close(ec);
    return res;
  }

  std::string endpoint_;
  std::string host_;
  std::string port_;
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

const char* RuntimeApi() { return std::getenv("AWS_LAMBDA_RUNTIME_API"); }

// Sets _X_AMZN_TRACE_ID for the current event. setenv() would leak its old string on every
// event (glibc never frees them), so one buffer is handed to putenv() and rewritten in place.
void SetTraceEnv(const std::string& trace_id) {
  static constexpr char kName[] = "_X_AMZN_TRACE_ID=";
  static std::vector<char> buffer;
  const size_t needed = sizeof(kName) + trace_id.size();
  if (buffer.size() < needed) {
    // Grown rarely (trace ids have a fixed shape); the old buffer stays valid if still in use.
    static std::vector<std::vector<char>> retired;
    if (!buffer.empty()) retired.push_back(std::move(buffer));
    buffer.assign(needed + 64, '\0');
    std::memcpy(buffer.data(), kName, sizeof(kName) - 1);
    std::memcpy(buffer.data() + sizeof(kName) - 1, trace_id.c_str(), trace_id.size() + 1);
    ::putenv(buffer.data());
    return;
  }
  std::memcpy(buffer.data() + sizeof(kName) - 1, trace_id.c_str(), trace_id.size() + 1);
}

http::request<http::string_body> Post(const std::string& target, std::string body,
                                      const std::string& content_type) {
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  return req;
}

std::string ErrorBody(const std::string& type, const std::string& message) {
  return "{\"errorMessage\":\"" + JsonEscape(message) + "\",\"errorType\":\"" + JsonEscape(type) +
         "\",\"stackTrace\":[]}";
}

}  // namespace

std::chrono::milliseconds InvocationRequest::RemainingTime() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                               std::chrono::system_clock::now());
}

InvocationResponse InvocationResponse::Success(std::string payload, std::string content_type) {
  InvocationResponse r;
  r.payload_ = std::move(payload);
  r.content_type_ = std::move(content_type);
  return r;
}

InvocationResponse InvocationResponse::Failure(std::string error_type, std::string error_message) {
  InvocationResponse r;
  r.success_ = false;
  r.payload_ = ErrorBody(error_type, error_message);
  r.content_type_ = "application/json";
  r.error_type_ = std::move(error_type);
  return r;
}

bool ReportInitError(const std::string& error_type, const std::string& error_message) {
  const char* api = RuntimeApi();
  if (!api) return false;
  Client client(api);
  auto req = Post("/2018-06-01/runtime/init/error", ErrorBody(error_type, error_message),
                  "application/json");
  req.set("Lambda-Runtime-Function-Error-Type", error_type);
  auto res = client.Send(std::move(req));
  return res && res->result_int() == 202;
}

namespace {

// A header value the handler gave, as it may be written: one that could end the field is
// replaced by `fallback`.
std::string_view FieldValue(const std::string& value, std::string_view fallback) {
  return value.find_first_of("\r\n") == std::string::npos ? std::string_view(value) : fallback;
}

}  // namespace

int Run(const Handler& handler) {
  const char* api = RuntimeApi();
  if (!api) {
    std::fprintf(stderr, "thaw::runtime: AWS_LAMBDA_RUNTIME_API is not set\n");
    return 2;
  }
  Client client(api);
  constexpr std::string_view kNextTarget = "/2018-06-01/runtime/invocation/next";
  // The GET /next that follows every answer in the same write.
  const std::string next_wire =
      "GET " + std::string(kNextTarget) + " HTTP/1.1\r\nHost: " + client.endpoint() + "\r\n\r\n";
  std::string head;  // the answer's request line and header, reused
  std::vector<Response> answers;
  std::optional<Response> res =
      client.Send(http::request<http::string_body>{http::verb::get, kNextTarget, 11});
  while (true) {
    if (!res) {
      std::fprintf(stderr, "thaw::runtime: cannot reach the Runtime API at %s\n", api);
      return 1;
    }
    if (res->result_int() != 200) {
      std::fprintf(stderr, "thaw::runtime: /next answered %d: %s\n", res->result_int(),
                   res->body().c_str());
      return 1;
    }
    InvocationRequest request;
    request.payload = std::move(res->body());
    request.request_id = std::string((*res)["Lambda-Runtime-Aws-Request-Id"]);
    request.function_arn = std::string((*res)["Lambda-Runtime-Invoked-Function-Arn"]);
    request.trace_id = std::string((*res)["Lambda-Runtime-Trace-Id"]);
    request.client_context = std::string((*res)["Lambda-Runtime-Client-Context"]);
    request.cognito_identity = std::string((*res)["Lambda-Runtime-Cognito-Identity"]);
    request.content_type = std::string((*res)[http::field::content_type]);
    const std::string deadline(((*res)["Lambda-Runtime-Deadline-Ms"]));
    request.deadline = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(std::strtoll(deadline.c_str(), nullptr, 10)));
    if (!request.trace_id.empty()) SetTraceEnv(request.trace_id);

    std::optional<InvocationResponse> answer;
    try {
      answer = handler(request);
    } catch (const std::exception& e) {
      answer = InvocationResponse::Failure("Runtime.UnhandledException", e.what());
    } catch (...) {
      answer = InvocationResponse::Failure("Runtime.UnhandledException", "unknown exception");
    }
    // The answer and the next /next in one write (HTTP/1.1 pipelining): one syscall, and one
    // wake-up of the Runtime API, fewer per event.
    head.clear();
    head += "POST /2018-06-01/runtime/invocation/";
    head += request.request_id;
    head += answer->success() ? "/response" : "/error";
    head += " HTTP/1.1\r\nHost: ";
    head += client.endpoint();
    head += "\r\nContent-Type: ";
    head += FieldValue(answer->content_type(), "application/json");
    if (!answer->success()) {
      const std::string& type = answer->error_type();
      head += "\r\nLambda-Runtime-Function-Error-Type: ";
      head += FieldValue(type.rfind("Runtime.", 0) == 0 || type.rfind("Function.", 0) == 0
                             ? type
                             : "Function." + type,
                         "Function.Unknown");
    }
    head += "\r\nContent-Length: ";
    head += std::to_string(answer->payload().size());
    head += "\r\n\r\n";
    std::fflush(stdout);
    std::fflush(stderr);
    client.Pipeline({asio::buffer(head), asio::buffer(answer->payload()), asio::buffer(next_wire)},
                    2, &answers);
    if (answers.empty()) {
      std::fprintf(stderr, "thaw::runtime: cannot post the answer for %s\n",
                   request.request_id.c_str());
      return 1;
    }
    if (answers.size() == 2) {
      res = std::move(answers[1]);
    } else {
      res = client.Send(http::request<http::string_body>{http::verb::get, kNextTarget, 11});
    }
  }
}

}  // namespace thaw::runtime
