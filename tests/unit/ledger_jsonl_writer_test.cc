#include "core/ledger_jsonl_writer.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "nlohmann/json.hpp"

namespace thaw {
namespace {

TEST(LedgerJsonlWriterTest, WritesEachEventOnceAsAJsonLine) {
  Ledger ledger;
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = ::open_memstream(&buffer, &size);
  ASSERT_NE(out, nullptr);
  {
    LedgerJsonlWriter writer(ledger, out);
    ledger.Append(1, "fn", "a");
    writer.Flush();
    ledger.Append(2, "fn", "b", {{"x", 1}});
    writer.Flush();
    writer.Flush();
  }
  std::fclose(out);
  const std::string text(buffer, size);
  std::free(buffer);
  const size_t newline = text.find('\n');
  ASSERT_NE(newline, std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(text.substr(0, newline))["kind"], "a");
  const auto second = nlohmann::json::parse(text.substr(newline + 1, text.size() - newline - 2));
  EXPECT_EQ(second["seq"], 2);
  EXPECT_EQ(second["attrs"]["x"], 1);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

}  // namespace
}  // namespace thaw
