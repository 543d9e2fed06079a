#include "tests/util/embedded_momento_harness.h"

#include <boost/asio/post.hpp>
#include <future>

#include "core/status_macros.h"

namespace thaw::testing {

absl::Status EmbeddedMomentoHarness::Start(int64_t instance, const std::string& function,
                                           momento::MomentoServerOptions options) {
  ASSIGN_OR_RETURN(auto momento,
                   momento::EmbeddedMomento::Start(io_, ledger_, clock_, std::move(options)));
  momento_ = std::move(momento);
  ASSIGN_OR_RETURN(auto env, momento_->services().Attach(instance, function, {}));
  endpoint_ = env["THAW_MOMENTO_ENDPOINT"];
  thread_ = std::thread([this] { io_.run(); });
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  channel_ = grpc::CreateCustomChannel(endpoint_, grpc::InsecureChannelCredentials(), args);
  return absl::OkStatus();
}

void EmbeddedMomentoHarness::RunOnIo(const std::function<void()>& task) {
  std::promise<void> done;
  boost::asio::post(io_, [&] {
    task();
    done.set_value();
  });
  done.get_future().wait();
}

void EmbeddedMomentoHarness::Stop() {
  channel_.reset();
  if (thread_.joinable()) {
    RunOnIo([this] { momento_->Shutdown(std::chrono::milliseconds(0)); });
    work_.reset();
    io_.stop();
    thread_.join();
  }
  momento_.reset();
}

}  // namespace thaw::testing
