#include "core/ledger_jsonl_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>

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

// The window may evict events before the writer flushes: it writes them all the same, since the
// ledger hands each one to the writer before it can be evicted.
TEST(LedgerJsonlWriterTest, WritesEveryEventEvenWhenTheWindowEvictedItBeforeAFlush) {
  Ledger ledger(2);
  ledger.Append(0, "fn", "held-before");  // evicted below; held when the writer starts
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = ::open_memstream(&buffer, &size);
  ASSERT_NE(out, nullptr);
  {
    LedgerJsonlWriter writer(ledger, out);
    for (int i = 0; i < 10; ++i) ledger.Append(0, "fn", "k");
    ASSERT_EQ(ledger.FirstSeq(), 10u);
    writer.Flush();
  }
  std::fclose(out);
  std::istringstream lines(std::string(buffer, size));
  std::free(buffer);
  uint64_t expected = 1;
  for (std::string line; std::getline(lines, line); ++expected) {
    EXPECT_EQ(nlohmann::json::parse(line)["seq"], expected);
  }
  EXPECT_EQ(expected, 12u);  // seqs 1..11, each once
}

}  // namespace
}  // namespace thaw

namespace thaw {
namespace {

TEST(LedgerJsonlWriterTest, OpenWritesEventsAsTheyAreAppendedAndClosesTheFile) {
  const std::string path = "/tmp/thaw-jsonl-test-" + std::to_string(::getpid()) + ".jsonl";
  std::remove(path.c_str());
  Ledger ledger;
  {
    auto writer = LedgerJsonlWriter::Open(ledger, path);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ledger.Append(1, "fn", "a");
    std::FILE* in = std::fopen(path.c_str(), "r");
    ASSERT_NE(in, nullptr);
    char line[512] = {};
    ASSERT_NE(std::fgets(line, sizeof(line), in), nullptr);  // already written
    std::fclose(in);
    EXPECT_EQ(nlohmann::json::parse(line)["kind"], "a");
  }
  ledger.Append(2, "fn", "after");  // the listener is gone: nothing more is written
  std::FILE* in = std::fopen(path.c_str(), "r");
  ASSERT_NE(in, nullptr);
  int lines = 0;
  for (int c; (c = std::fgetc(in)) != EOF;) lines += c == '\n';
  std::fclose(in);
  EXPECT_EQ(lines, 1);
  std::remove(path.c_str());
}

TEST(LedgerJsonlWriterTest, OpenFailsClearlyForAnUnwritablePath) {
  Ledger ledger;
  auto writer = LedgerJsonlWriter::Open(ledger, "/nonexistent-dir/events.jsonl");
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(writer.status().message()).find("cannot open --events"), std::string::npos);
}

}  // namespace
}  // namespace thaw
