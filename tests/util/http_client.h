#ifndef THAW_TESTS_UTIL_HTTP_CLIENT_H_
#define THAW_TESTS_UTIL_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace thaw::testing {

// A plain blocking TCP connection to 127.0.0.1:`port`, for what HttpClient cannot do (send
// malformed bytes, close while a request waits, look at the socket itself). The caller owns
// (closes) the descriptor; -1 when it cannot connect.
int ConnectLoopback(uint16_t port);

// An HTTP answer, with header names lower-cased.
struct HttpResult {
  int status = 0;  // 0 when the request could not be sent or answered
  std::map<std::string, std::string> headers;
  std::string body;
  std::string error;  // why status is 0

  std::string Header(const std::string& name) const;
};

// A blocking HTTP/1.1 keep-alive client for 127.0.0.1:<port>. Thread-compatible: use one per
// thread. Every request has a timeout so a test never hangs.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult Send(const std::string& method, const std::string& target, const std::string& body,
                  const std::map<std::string, std::string>& headers = {});
  HttpResult Get(const std::string& target) { return Send("GET", target, ""); }
  HttpResult Post(const std::string& target, const std::string& body,
                  const std::map<std::string, std::string>& headers = {}) {
    return Send("POST", target, body, headers);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace thaw::testing

#endif  // THAW_TESTS_UTIL_HTTP_CLIENT_H_
