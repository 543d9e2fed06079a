#include "fakes/momento/momento_instance_services.h"

#include "core/status_macros.h"

namespace thaw::momento {

absl::StatusOr<std::map<std::string, std::string>> MomentoInstanceServices::Attach(
    int64_t instance, const std::string& function, InstanceListener listener) {
  MomentoAcceptor::Options options;
  options.instance = instance;
  options.function = function;
  options.faults = faults_;
  if (listener.fd >= 0) {
    const size_t colon = listener.address.rfind(':');
    options.host = listener.address.substr(0, colon);
    options.port = static_cast<uint16_t>(std::stoi(listener.address.substr(colon + 1)));
    options.listening_fd = listener.fd;
    options.tls = listener.tls;
  }
  ASSIGN_OR_RETURN(auto acceptor, MomentoAcceptor::Listen(io_, options, tracker_, server_));
  std::map<std::string, std::string> env = {
      {"THAW_MOMENTO_ENDPOINT", acceptor->endpoint()},
      {"THAW_MOMENTO_HOST", options.host},
      {"THAW_MOMENTO_PORT", std::to_string(acceptor->port())},
  };
  {
    std::lock_guard<std::mutex> lock(endpoints_mu_);
    endpoints_[instance] = acceptor->endpoint();
  }
  acceptors_[instance] = std::move(acceptor);
  return env;
}

void MomentoInstanceServices::Detach(int64_t instance) {
  acceptors_.erase(instance);
  tracker_.CloseInstance(instance);
  std::lock_guard<std::mutex> lock(endpoints_mu_);
  endpoints_.erase(instance);
}

void MomentoInstanceServices::DetachAll() {
  acceptors_.clear();
  std::lock_guard<std::mutex> lock(endpoints_mu_);
  endpoints_.clear();
}

std::optional<std::string> MomentoInstanceServices::Endpoint(int64_t instance) const {
  std::lock_guard<std::mutex> lock(endpoints_mu_);
  auto it = endpoints_.find(instance);
  if (it == endpoints_.end()) return std::nullopt;
  return it->second;
}

}  // namespace thaw::momento
