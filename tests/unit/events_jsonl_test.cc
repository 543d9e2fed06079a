#include "report/events_jsonl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace thaw::report {
namespace {

using ::testing::HasSubstr;

TEST(EventsJsonlTest, ReadsWhatTheLedgerWrites) {
  Ledger ledger;
  ledger.Append(1, "echo", "instance.spawned", {{"pid", 42}});
  ledger.Append(0, "", "clock.advanced", {{"by_ms", 660000}});
  std::stringstream jsonl;
  for (const Event& event : ledger.Since(0)) jsonl << event.ToJson().dump() << "\n\n";
  auto events = ReadEventsJsonl(jsonl);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  const Event& spawned = (*events)[0];
  EXPECT_EQ(spawned.seq, 1u);
  EXPECT_EQ(spawned.instance, 1);
  EXPECT_EQ(spawned.function, "echo");
  EXPECT_EQ(spawned.kind, "instance.spawned");
  EXPECT_EQ(spawned.attrs["pid"], 42);
  EXPECT_EQ(spawned.ms, ledger.Since(0)[0].ms);
  EXPECT_EQ((*events)[1].kind, "clock.advanced");
}

TEST(EventsJsonlTest, ReadsASavedEventsAnswer) {
  std::stringstream in(
      R"({"events":[{"seq":1,"ms":0.5,"instance":3,"function":"f","kind":"invoke.start"}],)"
      R"("last_seq":1})");
  auto events = ReadEventsJsonl(in);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].instance, 3);
  EXPECT_TRUE((*events)[0].attrs.is_object());
}

TEST(EventsJsonlTest, NamesTheLineThatIsNotAnEvent) {
  std::stringstream not_json("{\"kind\":\"a\"}\n{oops\n");
  auto events = ReadEventsJsonl(not_json);
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(events.status().message(), HasSubstr("line 2: not JSON"));

  std::stringstream no_kind("{\"kind\":\"a\"}\n\n{\"seq\":3}\n");
  events = ReadEventsJsonl(no_kind);
  ASSERT_FALSE(events.ok());
  EXPECT_THAT(events.status().message(), HasSubstr("line 3: no \"kind\""));
}

TEST(EventsJsonlTest, LastRunStartsAfterTheLastSeqDrop) {
  std::vector<Event> events(5);
  const uint64_t seqs[] = {1, 2, 1, 2, 3};
  for (size_t i = 0; i < 5; ++i) events[i].seq = seqs[i];
  EXPECT_EQ(LastRunStart(events), 2u);
  events.resize(2);
  EXPECT_EQ(LastRunStart(events), 0u);
  EXPECT_EQ(LastRunStart({}), 0u);
}

}  // namespace
}  // namespace thaw::report
