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

// A windowed ledger holds its last `window` events; sequence numbers stay dense.
TEST(LedgerTest, AWindowKeepsTheLastEventsAndEvictsTheOldest) {
  Ledger ledger(3);
  EXPECT_EQ(ledger.window(), 3u);
  EXPECT_EQ(ledger.FirstSeq(), 1u);
  for (int i = 1; i <= 5; ++i) ledger.Append(0, "fn", "k" + std::to_string(i));
  EXPECT_EQ(ledger.LastSeq(), 5u);
  EXPECT_EQ(ledger.FirstSeq(), 3u);
  EXPECT_EQ(ledger.Append(0, "fn", "k6"), 6u);
  EXPECT_EQ(ledger.FirstSeq(), 4u);
  EXPECT_THAT(ledger.Since(0),
              ElementsAre(Field(&Event::seq, 4u), Field(&Event::seq, 5u), Field(&Event::seq, 6u)));
}

// A reader paging with `since` sees the gap: the first event returned is not since + 1.
TEST(LedgerTest, SinceSkipsEvictedEventsAndSaysSoThroughTheFirstSeq) {
  Ledger ledger(2);
  for (int i = 0; i < 5; ++i) ledger.Append(0, "fn", "k");
  EXPECT_THAT(ledger.Since(1), ElementsAre(Field(&Event::seq, 4u), Field(&Event::seq, 5u)));
  EXPECT_THAT(ledger.Since(3, 1), ElementsAre(Field(&Event::seq, 4u)));
  EXPECT_TRUE(ledger.Since(5).empty());
  EXPECT_TRUE(ledger.Since(UINT64_MAX).empty());
}

TEST(LedgerTest, SelectAndCountSeeOnlyHeldEvents) {
  Ledger ledger(2);
  ledger.Append(0, "fn", "invoke.end");
  ledger.Append(0, "fn", "invoke.end");
  ledger.Append(0, "fn", "other");
  auto is_end = [](const Event& e) { return e.kind == "invoke.end"; };
  EXPECT_EQ(ledger.Count(is_end), 1u);
  EXPECT_THAT(ledger.Select(is_end), ElementsAre(Field(&Event::seq, 2u)));
}

TEST(LedgerTest, WithoutAWindowNothingIsEvicted) {
  Ledger ledger;
  for (int i = 0; i < 1000; ++i) ledger.Append(0, "fn", "k");
  EXPECT_EQ(ledger.window(), 0u);
  EXPECT_EQ(ledger.FirstSeq(), 1u);
  EXPECT_EQ(ledger.Since(0).size(), 1000u);
}

// A wait that would have to read evicted events fails instead of silently missing one.
TEST(LedgerTest, WaitForFailsWhenTheEventsItMustReadWereEvicted) {
  Ledger ledger(2);
  for (int i = 0; i < 5; ++i) ledger.Append(0, "fn", "k");
  auto missed = ledger.WaitFor([](const Event&) { return false; }, std::chrono::milliseconds(10), 0,
                               "the first event");
  ASSERT_FALSE(missed.ok());
  EXPECT_EQ(missed.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(missed.status().message()),
              ::testing::HasSubstr("events 1..3 were evicted"));
  // From the first held event on, it waits as usual.
  auto held = ledger.WaitFor([](const Event&) { return true; }, std::chrono::milliseconds(10), 3);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->seq, 4u);
}

// Observers see every event once, in order, however small the window: first the events held
// when they are added, then each one appended, before it can be evicted.
TEST(LedgerTest, ObserversSeeEveryEventOnceInOrderBeforeItIsEvicted) {
  Ledger ledger(1);
  ledger.Append(0, "fn", "a");
  ledger.Append(0, "fn", "b");  // evicts a
  std::vector<std::string> seen;
  const int handle = ledger.AddObserver([&](const Event& e) { seen.push_back(e.kind); });
  EXPECT_THAT(seen, ElementsAre("b"));
  ledger.Append(0, "fn", "c");
  ledger.Append(0, "fn", "d");
  ledger.RemoveObserver(handle);
  ledger.Append(0, "fn", "e");
  EXPECT_THAT(seen, ElementsAre("b", "c", "d"));
}

TEST(LedgerTest, ObserversSeeConcurrentAppendsInSequenceOrder) {
  Ledger ledger(4);
  std::vector<uint64_t> seqs;
  ledger.AddObserver([&](const Event& e) { seqs.push_back(e.seq); });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 500; ++i) ledger.Append(0, "fn", "k");
    });
  }
  for (std::thread& w : writers) w.join();
  ASSERT_EQ(seqs.size(), 2000u);
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
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
