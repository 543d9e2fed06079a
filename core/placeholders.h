#ifndef THAW_CORE_PLACEHOLDERS_H_
#define THAW_CORE_PLACEHOLDERS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace thaw {

// Renders a `{{name}}` placeholder (name given without braces); nullopt: not one it knows.
using PlaceholderValue = std::function<std::optional<std::string>(const std::string& name)>;

// `text` with every `{{name}}` that `value` knows replaced by its value; unknown ones, and an
// unclosed `{{`, stay as written. Used for secrets and functions' environments
// (`{{momento_api_key}}`, ...). Thread-safe when `value` is.
std::string RenderPlaceholders(const std::string& text, const PlaceholderValue& value);

// Renders the placeholders an instance's secret or variable holds: what `name` means for
// `instance` of `function`; nullopt for a name it does not know.
using InstancePlaceholders = std::function<std::optional<std::string>(
    const std::string& name, int64_t instance, const std::string& function)>;

}  // namespace thaw

#endif  // THAW_CORE_PLACEHOLDERS_H_
