#ifndef THAW_REPORT_TIME_SCALE_H_
#define THAW_REPORT_TIME_SCALE_H_

#include <vector>

namespace thaw::report {

// Maps ledger milliseconds to x pixels for the timeline. Real time alone makes a bad axis for
// a Lambda run: an init of 80 ms dwarfs invokes of 0.2 ms, and a ten-minute quiet stretch
// dwarfs everything. So x blends two monotonic scales:
//  - event order: every distinct event time gets an equal share of `event_share` of the
//    width, so each state change stays visible however short;
//  - compressed real time: the rest of the width is proportional to real time, except that a
//    gap longer than the cap is drawn as the cap (a "break", labelled with its real length).
//    The cap is at least kMinCapMs and grows with the rest of the timeline, so that no break
//    takes more than about a tenth of the real-time share.
// x is piecewise linear between consecutive event times. Immutable after Fit();
// thread-compatible.
class TimeScale {
 public:
  // A compressed gap: real [from_ms, to_ms], drawn on [x_from, x_to].
  struct Break {
    double from_ms = 0;
    double to_ms = 0;
    double x_from = 0;
    double x_to = 0;
  };

  // Gaps at most this long are never compressed.
  static constexpr double kMinCapMs = 1000;

  // Fits every time in `times` (any order, duplicates allowed; may be empty) to
  // [0, width_px]. `event_share` in [0, 1]: 0 is (compressed) real time only, 1 event order
  // only.
  static TimeScale Fit(std::vector<double> times, double width_px, double event_share = 0);

  // The x of `ms`, clamped to [0, width_px] outside the fitted times.
  double X(double ms) const;
  // The inverse: the real time drawn at `x`, clamped likewise.
  double MsAt(double x) const;
  double start_ms() const { return times_.empty() ? 0 : times_.front(); }
  double end_ms() const { return times_.empty() ? 0 : times_.back(); }
  double width_px() const { return width_px_; }
  const std::vector<Break>& breaks() const { return breaks_; }

 private:
  TimeScale() = default;

  double width_px_ = 0;
  std::vector<double> times_;  // distinct, ascending
  std::vector<double> xs_;     // x of each of times_, ascending
  std::vector<Break> breaks_;  // in time order
};

}  // namespace thaw::report

#endif  // THAW_REPORT_TIME_SCALE_H_
