#include "emulator/control/aws_error.h"

#include "nlohmann/json.hpp"

namespace thaw {

std::string AwsError::Body() const {
  nlohmann::json body;
  if (!reason.empty()) {
    body = {{"Reason", reason}, {"Type", kind}, {"message", message}};
  } else {
    body = {{"Type", kind}, {"Message", message}};
  }
  return body.dump();
}

}  // namespace thaw
