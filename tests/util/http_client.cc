#include "tests/util/http_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace thaw::testing {

int ConnectLoopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

std::string HttpResult::Header(const std::string& name) const {
  std::string key = name;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  auto it = headers.find(key);
  return it == headers.end() ? "" : it->second;
}

struct HttpClient::Impl {
  Impl(uint16_t p, std::chrono::milliseconds t) : port(p), timeout(t), stream(io) {}
  uint16_t port;
  std::chrono::milliseconds timeout;
  asio::io_context io;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool connected = false;
};

HttpClient::HttpClient(uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(port, timeout)) {}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::Send(const std::string& method, const std::string& target,
                            const std::string& body,
                            const std::map<std::string, std::string>& headers) {
  HttpResult result;
  beast::http::request<beast::http::string_body> req{beast::http::string_to_verb(method), target,
                                                     11};
  req.set(beast::http::field::host, "127.0.0.1:" + std::to_string(impl_->port));
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!impl_->connected) {
      impl_->stream.expires_after(impl_->timeout);
      impl_->stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port), ec);
      if (ec) {
        result.error = "connect: " + ec.message();
        return result;
      }
      impl_->connected = true;
    }
    // beast's timeouts need the async API; run it with a bounded io_context.
    bool done = false;
    beast::http::response_parser<beast::http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    impl_->stream.expires_after(impl_->timeout);
    beast::http::async_write(impl_->stream, req, [&](beast::error_code wec, size_t) {
      if (wec) {
        ec = wec;
        done = true;
        return;
      }
      beast::http::async_read(impl_->stream, impl_->buffer, parser,
                              [&](beast::error_code rec, size_t) {
                                ec = rec;
                                done = true;
                              });
    });
    impl_->io.restart();
    impl_->io.run();
    (void)done;
    if (!ec) {
      auto res = parser.release();
      result.status = res.result_int();
      for (const auto& field : res) {
        std::string key(field.name_string());
        std::transform(key.begin(), key.end(), key.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        result.headers[key] = std::string(field.value());
      }
      result.body = std::move(res.body());
      if (!res.keep_alive()) {
        impl_->stream.close();
        impl_->connected = false;
        impl_->buffer.clear();
      }
      return result;
    }
    impl_->stream.close();
    impl_->connected = false;
    impl_->buffer.clear();
    result.error = ec.message();
    if (ec == beast::error::timeout) return result;  // never retry a timed-out request
  }
  return result;
}

}  // namespace thaw::testing
