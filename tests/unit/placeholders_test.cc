// RenderPlaceholders: known names replaced, unknown and unclosed ones kept as written.
#include "core/placeholders.h"

#include <gtest/gtest.h>

namespace thaw {
namespace {

std::optional<std::string> Known(const std::string& name) {
  if (name == "momento_api_key") return "KEY";
  if (name == "momento_endpoint") return "cell.example";
  return std::nullopt;
}

TEST(PlaceholdersTest, ReplacesKnownNamesOnly) {
  EXPECT_EQ(RenderPlaceholders("{{momento_api_key}}", Known), "KEY");
  EXPECT_EQ(RenderPlaceholders(R"({"k":"{{momento_api_key}}","e":"{{momento_endpoint}}"})", Known),
            R"({"k":"KEY","e":"cell.example"})");
  EXPECT_EQ(RenderPlaceholders("a {{other}} b {{momento_api_key}}", Known), "a {{other}} b KEY");
  EXPECT_EQ(RenderPlaceholders("no placeholder", Known), "no placeholder");
  EXPECT_EQ(RenderPlaceholders("{{momento_api_key", Known), "{{momento_api_key");
  EXPECT_EQ(RenderPlaceholders("{{momento_api_key}}{{momento_api_key}}", Known), "KEYKEY");
}

}  // namespace
}  // namespace thaw
