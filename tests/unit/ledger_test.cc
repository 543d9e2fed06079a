#include "core/ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace thaw {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

TEST(LedgerTest, SequenceNumbersAreDenseFromOne) {
  Ledger ledger;
  EXPECT_EQ(ledger.LastSeq(), 0u);
  EXPECT_EQ(ledger.Append(1, "fn", "a"), 1u);
  EXPECT_EQ(ledger.Append(2, "fn", "b"), 2u);
  EXPECT_EQ(ledger.LastSeq(), 2u);
}

TEST(LedgerTest, SinceReturnsLaterEventsInOrderAndHonoursTheLimit) {
  Ledger ledger;
  for (int i = 0; i < 5; ++i) ledger.Append(i, "fn", "k" + std::to_string(i));
  EXPECT_THAT(ledger.Since(2), ElementsAre(Field(&Event::kind, "k2"), Field(&Event::kind, "k3"),
                                           Field(&Event::kind, "k4")));
  EXPECT_THAT(ledger.Since(0, 2), ElementsAre(Field(&Event::seq, 1u), Field(&Event::seq, 2u)));
  EXPECT_TRUE(ledger.Since(5).empty());
  EXPECT_TRUE(ledger.Since(99).empty());
}

TEST(LedgerTest, CountAndSelectAreQueriesOverEvents) {
  Ledger ledger;
  ledger.Append(1, "a", "invoke.end");
  ledger.Append(1, "b", "invoke.end");
  ledger.Append(2, "a", "instance.spawned");
  auto is_end = [](const Event& e) { return e.kind == "invoke.end"; };
  EXPECT_EQ(ledger.Count(is_end), 2u);
  EXPECT_THAT(ledger.Select([](const Event& e) { return e.function == "a"; }),
              ElementsAre(Field(&Event::seq, 1u), Field(&Event::seq, 3u)));
}

TEST(LedgerTest, WaitForSeesAnEventAppendedLaterByAnotherThread) {
  Ledger ledger;
  ledger.Append(0, "fn", "early");
  std::thread writer([&] { ledger.Append(7, "fn", "late", {{"x", 1}}); });
  auto event =
      ledger.WaitFor([](const Event& e) { return e.kind == "late"; }, std::chrono::seconds(10));
  writer.join();
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->instance, 7);
  EXPECT_EQ(event->attrs["x"], 1);
}

TEST(LedgerTest, WaitForTimesOutWithAMessageNamingWhatItWaitedFor) {
  Ledger ledger;
  ledger.Append(0, "fn", "other");
  auto event = ledger.WaitFor([](const Event& e) { return e.kind == "never"; },
                              std::chrono::milliseconds(20), 0, "the never event");
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(event.status().message()), ::testing::HasSubstr("the never event"));
}

TEST(LedgerTest, WaitForIgnoresEventsAtOrBeforeSince) {
  Ledger ledger;
  ledger.Append(0, "fn", "x");
  auto event = ledger.WaitFor([](const Event& e) { return e.kind == "x"; },
                              std::chrono::milliseconds(10), 1);
  EXPECT_FALSE(event.ok());
}

TEST(LedgerTest, ListenersHearEveryAppendUntilRemoved) {
  Ledger ledger;
  std::vector<uint64_t> heard;
  const int handle = ledger.AddListener([&](uint64_t seq) { heard.push_back(seq); });
  ledger.Append(0, "fn", "a");
  ledger.Append(0, "fn", "b");
  ledger.RemoveListener(handle);
  ledger.Append(0, "fn", "c");
  EXPECT_THAT(heard, ElementsAre(1u, 2u));
}

TEST(LedgerTest, ToJsonHasTheDocumentedFields) {
  Ledger ledger;
  ledger.Append(3, "fn", "invoke.end", {{"duration_ms", 1.5}});
  const nlohmann::json j = ledger.Since(0)[0].ToJson();
  EXPECT_EQ(j["seq"], 1);
  EXPECT_EQ(j["instance"], 3);
  EXPECT_EQ(j["function"], "fn");
  EXPECT_EQ(j["kind"], "invoke.end");
  EXPECT_EQ(j["attrs"]["duration_ms"], 1.5);
  EXPECT_THAT(j["t"].get<std::string>(),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z"));
}

}  // namespace
}  // namespace thaw
