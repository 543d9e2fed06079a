#include "report/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

#include "core/json_text.h"
#include "core/markup_escape.h"
#include "report/time_scale.h"
#include "report/timeline_model.h"

namespace thaw::report {

namespace {

// Geometry of the timeline, in CSS pixels.
constexpr double kLabelWidth = 210;
constexpr double kPlotWidth = 1000;
constexpr double kCountsWidth = 290;
constexpr double kAxisHeight = 34;
constexpr double kLaneHeight = 18;
constexpr double kBarTop = 3;
constexpr double kBarHeight = 12;
// More lanes than this are listed as a count, not drawn: a page with tens of thousands of
// lanes is not readable, and the browser would struggle with it.
constexpr size_t kMaxLanes = 1000;
constexpr size_t kMaxMarksPerLane = 400;
// Half the width goes to event order, half to real time (see TimeScale): a 0.2 ms invoke next
// to an 80 ms init is still visible, and real durations still show.
constexpr double kEventShare = 0.5;
// An event's attrs longer than this are cut in tooltips (a whole response body can be there).
constexpr size_t kMaxAttrsChars = 600;

constexpr std::string_view kStyle = R"css(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#111827}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:17px;margin:22px 0 8px}
.summary{display:inline-block;padding:3px 10px;border-radius:4px;font-weight:600;color:#fff}
.summary.pass{background:#15803d}.summary.fail{background:#b91c1c}.summary.none{background:#6b7280}
.stats{color:#374151;margin:6px 0 0}
ul.verdicts{list-style:none;padding:0;margin:0}
.verdict{padding:6px 8px;border-left:4px solid;margin:4px 0;background:#f9fafb}
.verdict.fail{border-color:#b91c1c;background:#fef2f2}.verdict.pass{border-color:#15803d}
.badge{font-weight:700;margin-right:8px}.fail .badge{color:#b91c1c}.pass .badge{color:#15803d}
.verdict pre{margin:4px 0 0;white-space:pre-wrap;font-size:12px;color:#374151}
.legend{display:flex;flex-wrap:wrap;gap:14px;align-items:center;margin:0 0 8px;font-size:12px}
.legend span{display:inline-flex;align-items:center;gap:4px}
.scroll{overflow:auto;border:1px solid #e5e7eb}
svg text{font-size:11px;fill:#111827}
.axis line{stroke:#9ca3af}.axis text{fill:#4b5563}
.lane .bg{fill:transparent}.lane:hover .bg{fill:#fef9c3}
.lane .counts{fill:#4b5563}
.seg{stroke:none}.seg:hover,.mk:hover{stroke:#000;stroke-width:1.5}
.s-init{fill:#f59e0b}.s-idle{fill:#d1d5db}.s-busy{fill:#2563eb}.s-frozen{fill:#a5d8ff}
.s-stopping{fill:#f87171}.s-gone{fill:#f3f4f6}
.mk-conn-open{fill:#16a34a}.mk-conn-close{fill:#dc2626}.mk-rpc{stroke:#7c3aed;stroke-width:1}
.mk-secret{fill:#ca8a04;stroke:#713f12;stroke-width:.5}.mk-aws{fill:#a16207}
.mk-init-error{stroke:#b91c1c;stroke-width:2}.mk-exited{fill:#111827}
.mk-throttled{fill:#b91c1c}.mk-egress{fill:#f97316;stroke:#7c2d12;stroke-width:1}
.mk-other{fill:#6b7280}
.clock line{stroke:#7c3aed;stroke-dasharray:4 3}.clock text{fill:#7c3aed;font-weight:600}
.break rect{fill:url(#hatch)}.break text{fill:#6b7280}
.note{color:#6b7280;font-size:12px}
)css";

std::string Num(double value, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

// A human length of time: 0.42 ms, 12.3 ms, 1.25 s, 9 m 58 s, 1 h 02 m.
std::string Duration(double ms) {
  char buf[64];
  if (ms < 0) ms = 0;
  if (ms < 10) {
    std::snprintf(buf, sizeof(buf), "%.2f ms", ms);
  } else if (ms < 1000) {
    std::snprintf(buf, sizeof(buf), "%.1f ms", ms);
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof(buf), "%.2f s", ms / 1000);
  } else if (ms < 3'600'000) {
    const long s = std::lround(ms / 1000);
    std::snprintf(buf, sizeof(buf), "%ld m %02ld s", s / 60, s % 60);
  } else {
    const long m = std::lround(ms / 60'000);
    std::snprintf(buf, sizeof(buf), "%ld h %02ld m", m / 60, m % 60);
  }
  return buf;
}

// An axis label, to about three significant digits: 84.3 ms, 1.25 s, 2 m 05 s.
std::string Tick(double ms) {
  char buf[64];
  if (ms < 1000) {
    std::snprintf(buf, sizeof(buf), "%.3g ms", ms);
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof(buf), "%.3g s", ms / 1000);
  } else {
    return Duration(ms);
  }
  return buf;
}

// "seq 12 · 104.2 ms · invoke.start\n{attrs}", escaped.
std::string EventDetail(const Event& event) {
  std::string attrs = JsonText(event.attrs);
  if (attrs.size() > kMaxAttrsChars) attrs = attrs.substr(0, kMaxAttrsChars) + "…";
  return MarkupEscape("seq " + std::to_string(event.seq) + " · " + Num(event.ms) + " ms · " +
                      event.kind + (event.function.empty() ? "" : " · " + event.function) + "\n" +
                      attrs);
}

// Longer function names are cut in the lane's label (the tooltip has them whole).
constexpr size_t kMaxLabelFunction = 20;

// `text` cut to at most `max` bytes, at a UTF-8 character boundary, with "…" when cut.
std::string Truncate(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

std::string LaneLabel(const Lane& lane, size_t max_function = std::string::npos) {
  if (lane.instance == 0) return "no instance";
  std::string label =
      (lane.function.empty() ? std::string("?") : Truncate(lane.function, max_function)) + " #" +
      std::to_string(lane.instance);
  if (!lane.pids.empty()) label += " (" + std::to_string(lane.pids.front()) + ")";
  return label;
}

std::string LaneSummary(const Lane& lane) {
  std::string text = LaneLabel(lane);
  if (lane.pids.size() > 1) {
    text += "\npids:";
    for (const int64_t pid : lane.pids) text += " " + std::to_string(pid);
  }
  text += "\ninvokes: " + std::to_string(lane.invokes) + " (" + std::to_string(lane.cold_invokes) +
          " cold)";
  text += "\nMomento connections: " + std::to_string(lane.connections);
  text += "\nMomento RPCs: " + std::to_string(lane.rpcs);
  for (const auto& [method, n] : lane.rpcs_by_method) {
    text += "\n  " + (method.empty() ? std::string("?") : method) + ": " + std::to_string(n);
  }
  text += "\nsecret fetches: " + std::to_string(lane.secret_fetches);
  text += "\nAWS requests: " + std::to_string(lane.aws_requests);
  if (!lane.isolation.empty()) text += "\nisolation: " + lane.isolation;
  text += "\negress blocked: " + std::to_string(lane.egress_blocked);
  if (!lane.gone_reason.empty()) text += "\ngone: " + lane.gone_reason;
  return MarkupEscape(text);
}

// "2 conn · 14 rpc · 1 secret", the lane's right-hand column.
std::string LaneCounts(const Lane& lane) {
  std::string text = std::to_string(lane.invokes) + " inv";
  if (lane.connections) text += " · " + std::to_string(lane.connections) + " conn";
  if (lane.rpcs) text += " · " + std::to_string(lane.rpcs) + " rpc";
  if (lane.secret_fetches) text += " · " + std::to_string(lane.secret_fetches) + " secret";
  if (lane.egress_blocked) text += " · " + std::to_string(lane.egress_blocked) + " egress";
  if (!lane.gone_reason.empty()) text += " · " + lane.gone_reason;
  return MarkupEscape(text);
}

// A mark's shape at (x, lane-relative y), centred on the bar.
void AppendMarkShape(std::string& out, MarkKind kind, double x) {
  const std::string cls = "mk mk-" + std::string(MarkKindName(kind));
  const double mid = kBarTop + kBarHeight / 2;
  switch (kind) {
    case MarkKind::kConnectionOpened:  // a triangle pointing up, under the bar's top
      out += "<path class=\"" + cls + "\" d=\"M" + Num(x - 4) + " " + Num(mid + 5) + "L" + Num(x) +
             " " + Num(mid - 5) + "L" + Num(x + 4) + " " + Num(mid + 5) + "Z\">";
      return;
    case MarkKind::kConnectionClosed:
      out += "<path class=\"" + cls + "\" d=\"M" + Num(x - 4) + " " + Num(mid - 5) + "L" + Num(x) +
             " " + Num(mid + 5) + "L" + Num(x + 4) + " " + Num(mid - 5) + "Z\">";
      return;
    case MarkKind::kRpc:
      out += "<line class=\"" + cls + "\" x1=\"" + Num(x) + "\" y1=\"" + Num(kBarTop) + "\" x2=\"" +
             Num(x) + "\" y2=\"" + Num(kBarTop + kBarHeight) + "\">";
      return;
    case MarkKind::kSecretFetch:  // a diamond
      out += "<path class=\"" + cls + "\" d=\"M" + Num(x) + " " + Num(mid - 6) + "L" + Num(x + 5) +
             " " + Num(mid) + "L" + Num(x) + " " + Num(mid + 6) + "L" + Num(x - 5) + " " +
             Num(mid) + "Z\">";
      return;
    case MarkKind::kInitError:  // a cross
      out += "<path class=\"" + cls + "\" d=\"M" + Num(x - 4) + " " + Num(mid - 4) + "L" +
             Num(x + 4) + " " + Num(mid + 4) + "M" + Num(x + 4) + " " + Num(mid - 4) + "L" +
             Num(x - 4) + " " + Num(mid + 4) + "\">";
      return;
    case MarkKind::kThrottled:
      out += "<rect class=\"" + cls + "\" x=\"" + Num(x - 1.5) + "\" y=\"" + Num(kBarTop) +
             "\" width=\"3\" height=\"" + Num(kBarHeight) + "\">";
      return;
    case MarkKind::kAwsRequest:
    case MarkKind::kExited:
    case MarkKind::kEgressBlocked:
    case MarkKind::kOther:
      out += "<circle class=\"" + cls + "\" cx=\"" + Num(x) + "\" cy=\"" + Num(mid) + "\" r=\"3\">";
      return;
  }
}

std::string MarkCloseTag(MarkKind kind) {
  switch (kind) {
    case MarkKind::kRpc:
      return "</line>";
    case MarkKind::kThrottled:
      return "</rect>";
    case MarkKind::kAwsRequest:
    case MarkKind::kExited:
    case MarkKind::kEgressBlocked:
    case MarkKind::kOther:
      return "</circle>";
    default:
      return "</path>";
  }
}

void AppendVerdicts(std::string& out, const std::vector<Verdict>& verdicts) {
  out += "<section id=\"verdicts\"><h2>Expectations</h2>";
  if (verdicts.empty()) {
    out += "<p class=\"note\">No expectations.</p></section>";
    return;
  }
  std::vector<const Verdict*> ordered;
  for (const Verdict& v : verdicts) ordered.push_back(&v);
  std::stable_partition(ordered.begin(), ordered.end(),
                        [](const Verdict* v) { return !v->passed; });
  out += "<ul class=\"verdicts\">";
  for (const Verdict* v : ordered) {
    const char* cls = v->passed ? "pass" : "fail";
    out += std::string("<li class=\"verdict ") + cls + "\" data-verdict=\"" + cls +
           "\"><span class=\"badge\">" + (v->passed ? "PASS" : "FAIL") + "</span><code>" +
           MarkupEscape(v->name) + "</code>";
    if (!v->detail.empty()) out += "<pre>" + MarkupEscape(v->detail) + "</pre>";
    out += "</li>";
  }
  out += "</ul></section>";
}

void AppendLegend(std::string& out) {
  out += "<div class=\"legend\">";
  for (const LaneState state : {LaneState::kInit, LaneState::kBusy, LaneState::kIdle,
                                LaneState::kFrozen, LaneState::kStopping, LaneState::kGone}) {
    const std::string name(LaneStateName(state));
    out += "<span><svg width=\"18\" height=\"12\"><rect class=\"seg s-" + name +
           "\" width=\"18\" height=\"12\" stroke=\"#d1d5db\"/></svg>" + name + "</span>";
  }
  const std::pair<MarkKind, const char*> marks[] = {
      {MarkKind::kConnectionOpened, "Momento connection opened"},
      {MarkKind::kConnectionClosed, "closed"},
      {MarkKind::kRpc, "Momento RPC"},
      {MarkKind::kSecretFetch, "secret fetch (GetSecretValue)"},
      {MarkKind::kAwsRequest, "other AWS request"},
      {MarkKind::kInitError, "init error"},
      {MarkKind::kExited, "process exited"},
      {MarkKind::kEgressBlocked, "egress blocked (a name outside the sandbox)"},
  };
  for (const auto& [kind, text] : marks) {
    out += "<span><svg width=\"12\" height=\"18\" viewBox=\"-6 0 12 18\">";
    AppendMarkShape(out, kind, 0);
    out += MarkCloseTag(kind) + "</svg>" + text + "</span>";
  }
  out +=
      "<span><svg width=\"12\" height=\"18\"><line x1=\"6\" y1=\"0\" x2=\"6\" y2=\"18\" "
      "stroke=\"#7c3aed\" stroke-dasharray=\"4 3\"/></svg>scheduler clock advanced</span>";
  out += "</div>";
}

void AppendAxis(std::string& out, const TimeScale& scale, double lanes_height) {
  out += "<g class=\"axis\">";
  // The scale is not linear, so ticks go at even x and say the real time there; none inside
  // a compressed gap, where a time would mean little.
  constexpr double kTickSpacing = 125;
  for (double x = 0; x <= scale.width_px() + 0.5; x += kTickSpacing) {
    const bool in_break =
        std::any_of(scale.breaks().begin(), scale.breaks().end(),
                    [x](const TimeScale::Break& b) { return x > b.x_from + 1 && x < b.x_to - 1; });
    if (in_break) continue;
    const double at = kLabelWidth + x;
    out += "<line x1=\"" + Num(at) + "\" y1=\"" + Num(kAxisHeight - 6) + "\" x2=\"" + Num(at) +
           "\" y2=\"" + Num(kAxisHeight + lanes_height) + "\" stroke-opacity=\".25\"/><text x=\"" +
           Num(at + 2) + "\" y=\"" + Num(kAxisHeight - 9) + "\">" + Tick(scale.MsAt(x)) + "</text>";
  }
  out += "</g>";
  for (const TimeScale::Break& b : scale.breaks()) {
    const double x = kLabelWidth + b.x_from;
    const double w = std::max(2.0, b.x_to - b.x_from);
    out += "<g class=\"break\"><rect x=\"" + Num(x) + "\" y=\"" + Num(kAxisHeight) + "\" width=\"" +
           Num(w) + "\" height=\"" + Num(lanes_height) + "\"><title>" +
           MarkupEscape("no events for " + Duration(b.to_ms - b.from_ms) + " (" + Num(b.from_ms) +
                        " ms to " + Num(b.to_ms) + " ms), drawn compressed") +
           "</title></rect><text x=\"" + Num(x + 2) + "\" y=\"" + Num(kAxisHeight - 20) + "\">⋯ " +
           Duration(b.to_ms - b.from_ms) + "</text></g>";
  }
}

void AppendClocks(std::string& out, const TimelineModel& model, const TimeScale& scale,
                  double lanes_height) {
  for (const ClockMark& clock : model.clocks) {
    const double x = kLabelWidth + scale.X(clock.ms);
    out += "<g class=\"clock\" data-clock-ms=\"" + std::to_string(clock.by_ms) + "\"><title>" +
           MarkupEscape("scheduler clock advanced by " + Duration(clock.by_ms) + " (offset now " +
                        Duration(clock.offset_ms) + ")\n") +
           EventDetail(model.events[clock.event]) + "</title><line x1=\"" + Num(x) + "\" y1=\"" +
           Num(kAxisHeight - 4) + "\" x2=\"" + Num(x) + "\" y2=\"" +
           Num(kAxisHeight + lanes_height) + "\"/><text x=\"" + Num(x + 3) + "\" y=\"" +
           Num(kAxisHeight) + "\">+" + MarkupEscape(Duration(clock.by_ms)) + "</text></g>";
  }
}

void AppendLane(std::string& out, const TimelineModel& model, const TimeScale& scale,
                const Lane& lane, double y) {
  out += "<g class=\"lane\" data-instance=\"" + std::to_string(lane.instance) +
         "\" data-function=\"" + MarkupEscape(lane.function) + "\" transform=\"translate(0 " +
         Num(y) + ")\">";
  out += "<rect class=\"bg\" width=\"" + Num(kLabelWidth + kPlotWidth + kCountsWidth) +
         "\" height=\"" + Num(kLaneHeight) + "\"/>";
  out += "<text class=\"label\" x=\"6\" y=\"13\"><title>" + LaneSummary(lane) + "</title>" +
         MarkupEscape(LaneLabel(lane, kMaxLabelFunction)) + "</text>";
  for (const Segment& seg : lane.segments) {
    const double x0 = kLabelWidth + scale.X(seg.start_ms);
    const double x1 = kLabelWidth + scale.X(seg.end_ms);
    const std::string state(LaneStateName(seg.state));
    out += "<rect class=\"seg s-" + state + "\" data-state=\"" + state + "\" x=\"" + Num(x0) +
           "\" y=\"" + Num(kBarTop) + "\" width=\"" + Num(std::max(1.0, x1 - x0)) + "\" height=\"" +
           Num(kBarHeight) + "\"><title>" +
           MarkupEscape(state + " · " + Duration(seg.end_ms - seg.start_ms) + "\n") +
           EventDetail(model.events[seg.event]) + "</title></rect>";
  }
  for (const Mark& mark : lane.marks) {
    AppendMarkShape(out, mark.kind, kLabelWidth + scale.X(mark.ms));
    out += "<title>" + EventDetail(model.events[mark.event]) + "</title>" + MarkCloseTag(mark.kind);
  }
  out += "<text class=\"counts\" x=\"" + Num(kLabelWidth + kPlotWidth + 8) + "\" y=\"13\">" +
         LaneCounts(lane) + "</text></g>";
}

void AppendTimeline(std::string& out, const TimelineModel& model) {
  out += "<section id=\"timeline\"><h2>Timeline</h2>";
  if (model.lanes.empty()) {
    out += "<p class=\"note\">No instances: the ledger has no instance events.</p>";
  }
  AppendLegend(out);
  std::vector<double> times;
  times.reserve(model.events.size());
  for (const Event& event : model.events) times.push_back(event.ms);
  const TimeScale scale = TimeScale::Fit(std::move(times), kPlotWidth - 10, kEventShare);
  const size_t drawn = std::min(model.lanes.size(), kMaxLanes);
  const double lanes_height = kLaneHeight * static_cast<double>(drawn);
  const double height = kAxisHeight + lanes_height + 6;
  const double width = kLabelWidth + kPlotWidth + kCountsWidth;
  out += "<div class=\"scroll\"><svg id=\"lanes\" width=\"" + Num(width, 0) + "\" height=\"" +
         Num(height, 0) + "\" viewBox=\"0 0 " + Num(width, 0) + " " + Num(height, 0) +
         "\" data-lanes=\"" + std::to_string(drawn) + "\">";
  out +=
      "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f9fafb\"/>"
      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#d1d5db\" stroke-width=\"2\"/>"
      "</pattern></defs>";
  AppendAxis(out, scale, lanes_height);
  for (size_t i = 0; i < drawn; ++i) {
    AppendLane(out, model, scale, model.lanes[i], kAxisHeight + kLaneHeight * i);
  }
  AppendClocks(out, model, scale, lanes_height);
  out += "</svg></div>";
  if (drawn < model.lanes.size()) {
    out += "<p class=\"note\" id=\"lanes-cut\">" + std::to_string(model.lanes.size() - drawn) +
           " more lanes not drawn (the report draws at most " + std::to_string(kMaxLanes) +
           "); the events file has them all.</p>";
  }
  if (model.dropped_marks) {
    out += "<p class=\"note\">" + std::to_string(model.dropped_marks) +
           " marks not drawn (at most " + std::to_string(kMaxMarksPerLane) +
           " per lane, half of them RPCs); the counts at the right of each lane include "
           "them.</p>";
  }
  out +=
      "<p class=\"note\">x: time since the ledger started, not to scale: half the width is "
      "shared equally between events so that sub-millisecond steps stay visible, and long "
      "quiet gaps are compressed (hatched). Hover a segment, mark or label for its event "
      "(seq, kind, attrs) and real duration.</p></section>";
}

void AppendHeader(std::string& out, const ReportInput& input, const TimelineModel& model) {
  const size_t failed = static_cast<size_t>(std::count_if(
      input.verdicts.begin(), input.verdicts.end(), [](const Verdict& v) { return !v.passed; }));
  out += "<header><h1>" + MarkupEscape(input.title.empty() ? "thaw report" : input.title) + "</h1>";
  if (input.verdicts.empty()) {
    out += "<span class=\"summary none\" id=\"summary\">no expectations</span>";
  } else if (failed == 0) {
    out += "<span class=\"summary pass\" id=\"summary\">PASS · all " +
           std::to_string(input.verdicts.size()) + " expectations met</span>";
  } else {
    out += "<span class=\"summary fail\" id=\"summary\">FAIL · " + std::to_string(failed) + " of " +
           std::to_string(input.verdicts.size()) + " expectations failed</span>";
  }
  int instances = 0, invokes = 0, cold = 0, connections = 0, rpcs = 0, secrets = 0;
  for (const Lane& lane : model.lanes) {
    if (lane.instance != 0) ++instances;
    invokes += lane.invokes;
    cold += lane.cold_invokes;
    connections += lane.connections;
    rpcs += lane.rpcs;
    secrets += lane.secret_fetches;
  }
  out += "<p class=\"stats\">" + std::to_string(instances) + " instances · " +
         std::to_string(invokes) + " invokes (" + std::to_string(cold) + " cold) · " +
         std::to_string(connections) + " Momento connections · " + std::to_string(rpcs) +
         " Momento RPCs · " + std::to_string(secrets) + " secret fetches · " +
         std::to_string(model.events.size()) + " events over " +
         Duration(model.end_ms - model.start_ms) + "</p></header>";
}

}  // namespace

std::string RenderHtmlReport(const ReportInput& input) {
  const TimelineModel model = BuildTimeline(input.events, kMaxMarksPerLane);
  std::string out;
  out.reserve(4096 + model.events.size() * 400);
  const std::string title = input.title.empty() ? "thaw report" : input.title;
  out +=
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\"><title>" +
      MarkupEscape(title) + " · thaw</title><style>";
  out += kStyle;
  out += "</style></head><body>";
  AppendHeader(out, input, model);
  AppendVerdicts(out, input.verdicts);
  AppendTimeline(out, model);
  out += "</body></html>\n";
  return out;
}

}  // namespace thaw::report
