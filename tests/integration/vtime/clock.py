"""Reports what the Python clocks read (tests/integration/virtual_time_test.cc).

With {"timer_ms": N} it also sets an asyncio timer N ms ahead on a loop kept across invokes;
`timer_fired` says whether it has fired.
"""
import asyncio
import datetime
import time

_loop = asyncio.new_event_loop()
_fired = []


def handler(event, context):
    if event.get("timer_ms"):
        _loop.call_later(event["timer_ms"] / 1000, lambda: _fired.append(time.time()))
    # One turn of the loop: a timer that fell due while the instance was frozen fires now.
    _loop.run_until_complete(asyncio.sleep(0))
    return {
        "time_ms": time.time() * 1000,
        "monotonic_ms": time.monotonic() * 1000,
        "datetime_ms": datetime.datetime.now(datetime.timezone.utc).timestamp() * 1000,
        "perf_ms": time.perf_counter() * 1000,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "timer_fired": bool(_fired),
    }
