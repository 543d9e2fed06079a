#include "report/time_scale.h"

#include <algorithm>
#include <cmath>

namespace thaw::report {

namespace {

// No break may take more than 1/kMaxBreakShare of the compressed real time.
constexpr double kMaxBreakShare = 10;

double CompressedSpan(const std::vector<double>& gaps, double cap) {
  double span = 0;
  for (const double gap : gaps) span += std::min(gap, cap);
  return span;
}

// Linear interpolation of `at` on the ascending knots `from` -> `to`, clamped at the ends.
double Interpolate(const std::vector<double>& from, const std::vector<double>& to, double at) {
  if (from.empty()) return 0;
  if (at <= from.front()) return to.front();
  if (at >= from.back()) return to.back();
  const size_t hi = std::upper_bound(from.begin(), from.end(), at) - from.begin();
  const size_t lo = hi - 1;
  if (from[hi] == from[lo]) return to[lo];
  return to[lo] + (at - from[lo]) / (from[hi] - from[lo]) * (to[hi] - to[lo]);
}

}  // namespace

TimeScale TimeScale::Fit(std::vector<double> times, double width_px, double event_share) {
  TimeScale scale;
  scale.width_px_ = width_px;
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  scale.times_ = std::move(times);
  const std::vector<double>& t = scale.times_;
  if (t.empty()) return scale;

  std::vector<double> gaps;
  gaps.reserve(t.size());
  for (size_t i = 1; i < t.size(); ++i) gaps.push_back(t[i] - t[i - 1]);
  // The largest cap with cap >= span(cap) / kMaxBreakShare: iterating from the whole span
  // only ever lowers it, and it settles within a few rounds.
  double cap = t.back() - t.front();
  for (int round = 0; round < 64; ++round) {
    const double next = std::max(kMinCapMs, CompressedSpan(gaps, cap) / kMaxBreakShare);
    const bool settled = std::abs(next - cap) < 0.5;
    cap = next;
    if (settled) break;
  }
  const double span = CompressedSpan(gaps, cap);
  event_share = std::clamp(event_share, 0.0, 1.0);
  // Without any real-time span (or any gap), event order is all there is.
  if (span <= 0) event_share = 1;
  const double per_event = gaps.empty() ? 0 : width_px * event_share / gaps.size();
  const double per_ms = span > 0 ? width_px * (1 - event_share) / span : 0;

  scale.xs_.reserve(t.size());
  double x = 0;
  scale.xs_.push_back(x);
  for (size_t i = 0; i < gaps.size(); ++i) {
    x += per_event + std::min(gaps[i], cap) * per_ms;
    if (gaps[i] > cap) scale.breaks_.push_back({t[i], t[i + 1], scale.xs_.back(), x});
    scale.xs_.push_back(x);
  }
  return scale;
}

double TimeScale::X(double ms) const { return Interpolate(times_, xs_, ms); }

double TimeScale::MsAt(double x) const { return Interpolate(xs_, times_, x); }

}  // namespace thaw::report
