#include "fakes/momento/connection_attributor.h"

namespace thaw::momento {

ConnectionAttribution PeerAddressAttributor::Attribute(std::string_view grpc_peer) const {
  ConnectionAttribution attribution;
  attribution.connection = std::string(grpc_peer);
  attribution.peer = std::string(grpc_peer);
  return attribution;
}

}  // namespace thaw::momento
