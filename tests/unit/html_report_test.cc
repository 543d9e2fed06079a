#include "report/html_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "core/json_text.h"
#include "core/markup_escape.h"
#include "tests/util/test_emulator.h"

namespace thaw::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Event MakeEvent(uint64_t seq, double ms, int64_t instance, std::string kind,
                nlohmann::json attrs = nlohmann::json::object(), std::string fn = "echo") {
  Event event;
  event.seq = seq;
  event.ms = ms;
  event.instance = instance;
  event.function = std::move(fn);
  event.kind = std::move(kind);
  event.attrs = std::move(attrs);
  return event;
}

size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(MarkupEscapeTest, EscapesMarkupQuotesAndControlCharacters) {
  EXPECT_EQ(MarkupEscape("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(MarkupEscape("tab\there\nnl"), "tab\there\nnl");
  EXPECT_EQ(MarkupEscape(std::string("a\0b\x1b", 4)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(MarkupEscape("héllo ✓"), "héllo ✓");
}

TEST(HtmlEscapeTest, JsonTextReplacesInvalidUtf8InsteadOfThrowing) {
  const nlohmann::json value = {{"body", std::string("\xff\xfe ok")}};
  EXPECT_EQ(JsonText(value), "{\"body\":\"\xEF\xBF\xBD\xEF\xBF\xBD ok\"}");
}

TEST(HtmlReportTest, ZeroInstancesStillMakesAPage) {
  const std::string html = RenderHtmlReport({"empty run", {}, {}});
  EXPECT_THAT(html, HasSubstr("<!doctype html>"));
  EXPECT_THAT(html, HasSubstr("<h1>empty run</h1>"));
  EXPECT_THAT(html, HasSubstr("No instances"));
  EXPECT_THAT(html, HasSubstr("no expectations"));
  EXPECT_THAT(html, Not(HasSubstr("data-instance=")));
  EXPECT_THAT(html, HasSubstr("</html>"));
}

TEST(HtmlReportTest, HasNoExternalResources) {
  const std::string html = RenderHtmlReport(
      {"t", {MakeEvent(1, 0, 1, "instance.spawned", {{"pid", 9}})}, {{"x", true, ""}}});
  EXPECT_THAT(html, Not(HasSubstr("<script src")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
}

TEST(HtmlReportTest, ListsFailedVerdictsFirstWithTheirDetail) {
  const std::string html = RenderHtmlReport(
      {"scenario",
       {},
       {{"invokes == 3", true, "3"},
        {"momento.connections per instance == 1", false, "instance 2 (pid 77): 3 connections"},
        {"secrets per instance <= 1", true, ""}}});
  EXPECT_THAT(html, HasSubstr("FAIL · 1 of 3 expectations failed"));
  const size_t fail = html.find("data-verdict=\"fail\"");
  const size_t pass = html.find("data-verdict=\"pass\"");
  ASSERT_NE(fail, std::string::npos);
  ASSERT_NE(pass, std::string::npos);
  EXPECT_LT(fail, pass);
  EXPECT_THAT(html, HasSubstr("instance 2 (pid 77): 3 connections"));
  EXPECT_EQ(Occurrences(html, "data-verdict=\"pass\""), 2u);
}

TEST(HtmlReportTest, AllPassedSaysSo) {
  const std::string html = RenderHtmlReport({"s", {}, {{"a", true, ""}, {"b", true, ""}}});
  EXPECT_THAT(html, HasSubstr("PASS · all 2 expectations met"));
}

TEST(HtmlReportTest, DrawsALanePerInstanceWithStatesAndMarks) {
  const std::vector<Event> events = {
      MakeEvent(1, 0, 1, "instance.spawned", {{"pid", 4242}}),
      MakeEvent(2, 5, 1, "instance.ready"),
      MakeEvent(3, 5, 1, "invoke.start", {{"cold", true}}),
      MakeEvent(4, 6, 1, "aws.request", {{"operation", "GetSecretValue"}}),
      MakeEvent(5, 7, 1, "momento.connection.opened", {{"connection", "c1"}}),
      MakeEvent(6, 8, 1, "momento.rpc", {{"method", "Get"}}),
      MakeEvent(7, 9, 1, "invoke.end"),
      MakeEvent(8, 10, 1, "instance.frozen"),
      MakeEvent(9, 20, 0, "clock.advanced", {{"by_ms", 660000}, {"offset_ms", 660000}}, ""),
      MakeEvent(10, 21, 1, "instance.stopping", {{"reason", "idle"}}),
      MakeEvent(11, 22, 1, "instance.gone", {{"reason", "idle"}}),
      MakeEvent(12, 30, 2, "instance.spawned", {{"pid", 4343}}, "other"),
  };
  const std::string html = RenderHtmlReport({"run", events, {}});
  EXPECT_THAT(html, HasSubstr("data-instance=\"1\" data-function=\"echo\""));
  EXPECT_THAT(html, HasSubstr("data-instance=\"2\" data-function=\"other\""));
  EXPECT_THAT(html, HasSubstr("echo #1 (4242)"));
  EXPECT_THAT(html, HasSubstr("other #2 (4343)"));
  for (const char* state : {"init", "busy", "idle", "frozen", "stopping", "gone"}) {
    EXPECT_THAT(html, HasSubstr(std::string("data-state=\"") + state + "\"")) << state;
  }
  EXPECT_THAT(html, HasSubstr("class=\"mk mk-secret\""));
  EXPECT_THAT(html, HasSubstr("class=\"mk mk-conn-open\""));
  EXPECT_THAT(html, HasSubstr("class=\"mk mk-rpc\""));
  // The clock advance is a marker, labelled with its jump, not 11 minutes of width.
  EXPECT_THAT(html, HasSubstr("data-clock-ms=\"660000\""));
  EXPECT_THAT(html, HasSubstr("+11 m 00 s"));
  EXPECT_THAT(html, Not(HasSubstr("class=\"break\"")));
  // Hover details: seq, kind and attrs.
  EXPECT_THAT(html, HasSubstr("seq 4 · 6.0 ms · aws.request · echo\n{&quot;operation&quot;:"
                              "&quot;GetSecretValue&quot;}"));
  EXPECT_THAT(html, HasSubstr("1 invokes (1 cold) · 1 Momento connections · 1 Momento RPCs · "
                              "1 secret fetches"));
}

TEST(HtmlReportTest, CutsLongFunctionNamesInLabelsOnly) {
  const std::string name = "a-function-name-of-forty-characters-xxxx";
  const std::string html =
      RenderHtmlReport({"t", {MakeEvent(1, 0, 1, "instance.spawned", {{"pid", 5}}, name)}, {}});
  EXPECT_THAT(html, HasSubstr("a-function-name-of-f… #1 (5)</text>"));
  EXPECT_THAT(html, HasSubstr("<title>" + name + " #1 (5)\n"));
}

TEST(HtmlReportTest, EscapesEverythingThatComesFromEvents) {
  const std::string evil = "<script>alert(1)</script>\"'&";
  const std::vector<Event> events = {
      MakeEvent(1, 0, 1, "instance.spawned", {{"pid", 1}, {"x", evil}}, evil),
      MakeEvent(2, 1, 1, evil, {{evil, evil}}, evil),
      MakeEvent(3, 2, 1, "aws.request", {{"operation", "GetSecretValue"}, {"secret", evil}}, evil),
      MakeEvent(4, 3, 1, "momento.rpc", {{"method", evil}, {"bytes", std::string("\xff")}}, evil),
  };
  const std::string html = RenderHtmlReport({evil, events, {{evil, false, evil}}});
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("alert(1)</")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
}

TEST(HtmlReportTest, AThousandInstancesRenderQuicklyWithABoundedPage) {
  std::vector<Event> events;
  uint64_t seq = 0;
  double ms = 0;
  for (int64_t id = 1; id <= 1000; ++id) {
    events.push_back(MakeEvent(++seq, ms += 0.5, id, "instance.spawned", {{"pid", 1000 + id}}));
    events.push_back(MakeEvent(++seq, ms += 2, id, "instance.ready"));
    for (int i = 0; i < 3; ++i) {
      events.push_back(MakeEvent(++seq, ms += 0.1, id, "invoke.start", {{"cold", i == 0}}));
      events.push_back(MakeEvent(++seq, ms += 0.1, id, "momento.rpc", {{"method", "Get"}}));
      events.push_back(MakeEvent(++seq, ms += 1, id, "invoke.end"));
      events.push_back(MakeEvent(++seq, ms += 0.1, id, "instance.frozen"));
      events.push_back(MakeEvent(++seq, ms += 0.1, id, "instance.thawed"));
    }
  }
  events.push_back(
      MakeEvent(++seq, ms += 1, 0, "clock.advanced", {{"by_ms", 600000}, {"offset_ms", 600000}}));
  for (int64_t id = 1; id <= 1000; ++id) {
    events.push_back(MakeEvent(++seq, ms += 0.1, id, "instance.gone", {{"reason", "idle"}}));
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string html = RenderHtmlReport({"churn", events, {}});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(Occurrences(html, "class=\"lane\""), 1000u);
  EXPECT_THAT(html, HasSubstr("1000 instances · 3000 invokes (1000 cold)"));
  // Generous bounds (3 s; it takes about 0.1 s), to catch an accidental quadratic or a
  // blow-up of the page.
  EXPECT_LT(took, thaw::testing::TestTimeout() / 5);
  EXPECT_LT(html.size(), 20u * 1024 * 1024);
  RecordProperty("html_bytes", std::to_string(html.size()));
  RecordProperty(
      "render_ms",
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

TEST(HtmlReportTest, ALongQuietGapIsDrawnCompressedWithItsRealLength) {
  std::vector<Event> events;
  uint64_t seq = 0;
  for (double ms = 0; ms < 2000; ms += 100) {
    ++seq;
    events.push_back(MakeEvent(seq, ms, 1, seq % 2 ? "invoke.start" : "invoke.end"));
  }
  // Ten minutes later, the next burst.
  for (double ms = 602'000; ms < 604'000; ms += 100) {
    ++seq;
    events.push_back(MakeEvent(seq, ms, 1, seq % 2 ? "invoke.start" : "invoke.end"));
  }
  const std::string html = RenderHtmlReport({"gap", events, {}});
  EXPECT_EQ(Occurrences(html, "<g class=\"break\">"), 1u);
  EXPECT_THAT(html, HasSubstr("⋯ 10 m 00 s"));
  EXPECT_THAT(html, HasSubstr("no events for 10 m 00 s (1900.0 ms to 602000.0 ms)"));
}

TEST(HtmlReportTest, MoreLanesThanTheCapAreCountedNotDrawn) {
  std::vector<Event> events;
  for (int64_t id = 1; id <= 1005; ++id) {
    events.push_back(MakeEvent(id, static_cast<double>(id), id, "instance.spawned", {{"pid", id}}));
  }
  const std::string html = RenderHtmlReport({"many", events, {}});
  EXPECT_EQ(Occurrences(html, "class=\"lane\""), 1000u);
  EXPECT_THAT(html, HasSubstr("5 more lanes not drawn"));
}

}  // namespace
}  // namespace thaw::report
