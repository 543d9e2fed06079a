// A user's C++ Lambda handler, built against the installed thaw::runtime.
#include <thaw/emulator/runtimes/cpp/runtime.h>

#include <string>

int main() {
  return thaw::runtime::Run([](const thaw::runtime::InvocationRequest& request) {
    return thaw::runtime::InvocationResponse::Success(R"({"got":)" + request.payload + "}");
  });
}
