#ifndef THAW_EMULATOR_CONTROL_AWS_ERROR_H_
#define THAW_EMULATOR_CONTROL_AWS_ERROR_H_

#include <string>

namespace thaw {

// An error of the Lambda API (rest-json): HTTP status, `x-amzn-ErrorType`, and the body
// {"Type":"User","Message":...} (429 adds "Reason" and spells "message" in lower case, as
// the service does).
struct AwsError {
  AwsError() = default;
  AwsError(unsigned s, std::string t, std::string m, std::string r = "", std::string k = "User")
      : status(s), type(std::move(t)), message(std::move(m)), reason(std::move(r)),
        kind(std::move(k)) {}

  unsigned status = 400;
  std::string type;
  std::string message;
  std::string reason;  // TooManyRequestsException only
  std::string kind = "User";

  std::string Body() const;
};

}  // namespace thaw

#endif  // THAW_EMULATOR_CONTROL_AWS_ERROR_H_
