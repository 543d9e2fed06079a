// Reports what the Node.js clocks read (tests/integration/virtual_time_test.cc). With
// {"timer_ms": N} it also sets a timer N ms ahead; `timer_fired` says whether it has fired.
let timerFiredAt = null;

exports.handler = async (event, context) => {
  if (event.timer_ms) {
    setTimeout(() => {
      timerFiredAt = Date.now();
    }, event.timer_ms);
  }
  // One turn of the timers first: a timer that fell due while the instance was frozen fires
  // when it next runs, before this one (it is due earlier).
  await new Promise((resolve) => setTimeout(resolve, 1));
  return {
    date_ms: Date.now(),
    perf_ms: performance.now(),
    hrtime_ms: Number(process.hrtime.bigint() / 1000000n),
    remaining_ms: context.getRemainingTimeInMillis(),
    timer_fired: timerFiredAt !== null,
  };
};
