// The Runtime API's input from a function's runtime (emulator/control/runtime_api.h): raw bytes
// read as the instance's HttpServer reads a request (its 7 MiB body limit), and the error type
// header of POST /runtime/invocation/{id}/error and /runtime/init/error normalised as Lambda
// records it (NormalizeErrorType).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/http_server.h"
#include "emulator/control/runtime_api.h"
#include "tests/fuzz/fuzz_http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const thaw::http::HttpServer::Options limits;
  thaw::fuzz::ForEachRequest(
      input, limits.header_limit, 7 * 1024 * 1024, [](thaw::http::Request& request, bool) {
        const std::string type =
            thaw::NormalizeErrorType(request["Lambda-Runtime-Function-Error-Type"]);
        if (type.empty()) __builtin_trap();
      });
  (void)thaw::NormalizeErrorType(input);
  return 0;
}
