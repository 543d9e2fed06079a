#ifndef THAW_EMULATOR_GATEWAY_HTTP_GATEWAY_H_
#define THAW_EMULATOR_GATEWAY_HTTP_GATEWAY_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/http/http_server.h"
#include "emulator/control/control_plane.h"

namespace thaw::gateway {

// The HTTP front doors of the functions, as `sam local start-api` serves them, plus function
// URLs: the API Gateway routes of every function on one port, each function URL on a port of
// its own. A request becomes the event the real service sends (gateway_event.h), is invoked
// through Lambda's Invoke operation (so it is validated, throttled, counted and attributed like
// any invoke), and the function's answer becomes the HTTP response (gateway_response.h).
//
// The API port reads the routes of the configuration the control plane runs at each request,
// so a hot reload's new routes apply at once; the function URL listeners are the ones of the
// configuration at Start.
//
// Usage:
//   auto gateway = HttpGateway::Start(io, control, {.api_port = 3000, .url_port = 3002});
//   for (const std::string& line : (*gateway)->Describe()) puts(line.c_str());
//
// Strand-confined to `io`, the control plane's io_context; `control` must outlive it.
class HttpGateway {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    // The API Gateway routes' port (sam local start-api's); 0 picks a free one.
    uint16_t api_port = 3000;
    // The first function URL's port; the next ones (in function name order) follow it; 0 picks
    // a free one for each.
    uint16_t url_port = 3002;
    // Overrides API Gateway's integration limits (REST 29 s, HTTP API 30 s), for tests.
    std::optional<std::chrono::milliseconds> integration_timeout;
  };

  // Listens on the API port and on one port per function URL of control.config(). Unavailable
  // when a port cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpGateway>> Start(boost::asio::io_context& io,
                                                            ControlPlane& control,
                                                            Options options);
  ~HttpGateway();
  HttpGateway(const HttpGateway&) = delete;
  HttpGateway& operator=(const HttpGateway&) = delete;

  uint16_t api_port() const;
  // Function name -> its URL's port.
  std::map<std::string, uint16_t> url_ports() const;
  // What is served, a line each: the API's URL and each route (method, path, function, kind),
  // then each function URL.
  std::vector<std::string> Describe() const;

  // As HttpServer's: stop taking connections; then let answers in flight finish.
  void StopAccepting();
  boost::asio::awaitable<void> Drain(std::chrono::milliseconds grace);

 private:
  struct State;
  explicit HttpGateway(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace thaw::gateway

#endif  // THAW_EMULATOR_GATEWAY_HTTP_GATEWAY_H_
