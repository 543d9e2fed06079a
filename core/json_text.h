#ifndef THAW_CORE_JSON_TEXT_H_
#define THAW_CORE_JSON_TEXT_H_

#include <string>

#include "nlohmann/json.hpp"

namespace thaw {

// `value` as compact JSON text, with invalid UTF-8 in strings replaced by U+FFFD instead of
// thrown on. Events and answers carry bytes from outside (headers, paths, gRPC metadata, a
// handler's output), and nlohmann's plain dump() throws on them; every JSON thaw writes goes
// through here. Pure; thread-safe.
inline std::string JsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace thaw

#endif  // THAW_CORE_JSON_TEXT_H_
