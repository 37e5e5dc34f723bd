"""RateLimiter: even spacing, thread safety, hold_off (fake clock) and one real threaded run."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from api_target_kit.rate_limit import HEADROOM, RateLimiter


def test_interval_keeps_headroom() -> None:
    limiter = RateLimiter(60)
    assert limiter.interval == pytest.approx(60.0 / (60 * (1 - HEADROOM)))
    assert RateLimiter(120, headroom=0.0).interval == pytest.approx(0.5)
    assert RateLimiter(600, headroom=0.1).interval == pytest.approx(60.0 / 540.0)


@pytest.mark.parametrize("rpm", [0, -1])
def test_rate_must_be_positive(rpm: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(rpm)


def test_slots_are_evenly_spaced(make_clock: Any) -> None:
    clock = make_clock(start=500.0)
    limiter = RateLimiter(60, clock=clock, sleep=clock.sleep)
    granted_at = []
    for _ in range(6):
        limiter.acquire()
        granted_at.append(clock())

    gaps = [b - a for a, b in itertools.pairwise(granted_at)]
    expected = 60.0 / (60 * (1 - 0.02))
    assert granted_at[0] == 500.0  # the first slot is immediate
    assert gaps == [pytest.approx(expected)] * 5
    assert limiter.granted == 6
    assert limiter.waited_seconds == pytest.approx(5 * expected)


def test_a_caller_that_wakes_late_does_not_push_the_later_slots_back(make_clock: Any) -> None:
    """Threads wake a few ms after their slot: the pace must not drift by that much per call."""
    clock = make_clock(start=500.0)

    def oversleeping(seconds: float) -> None:
        clock.sleep(seconds + 0.006)

    limiter = RateLimiter(1000, clock=clock, sleep=oversleeping)
    left_at = []
    for _ in range(50):
        limiter.acquire()
        left_at.append(clock())
    interval = 60.0 / (1000 * (1 - 0.02))

    # No call leaves ahead of the pace ...
    assert all(at >= 500.0 + n * interval - 1e-9 for n, at in enumerate(left_at))
    # ... and the 50th leaves at most one wake-up late, not 49 of them (the old drift: 49 x 6 ms).
    assert left_at[-1] <= 500.0 + 49 * interval + 0.006 + 1e-9


def test_acquire_returns_the_wait_and_idle_time_is_not_banked(make_clock: Any) -> None:
    clock = make_clock(start=0.0)
    limiter = RateLimiter(60, headroom=0.0, clock=clock, sleep=clock.sleep)
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == pytest.approx(1.0)
    clock.now += 30.0  # a long pause: no burst of saved-up slots afterwards
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == pytest.approx(1.0)


def test_concurrent_acquisitions_get_distinct_slots(make_clock: Any) -> None:
    clock = make_clock(start=100.0, advance=False)
    limiter = RateLimiter(6000, headroom=0.0, clock=clock, sleep=clock.sleep)
    waits: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(25):
            wait = limiter.acquire()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # The clock stands still, so each wait is its slot's distance from "now".
    slots = sorted(round(w / limiter.interval) for w in waits)
    assert slots == list(range(200))
    assert limiter.granted == 200
    assert len(clock.sleeps) == 199  # every caller but the first had to wait


def test_hold_off_pushes_the_next_slot(make_clock: Any) -> None:
    clock = make_clock(start=100.0, advance=False)
    limiter = RateLimiter(60, headroom=0.0, clock=clock, sleep=clock.sleep)
    assert limiter.acquire() == 0.0

    limiter.hold_off(5.0)
    assert limiter.acquire() == pytest.approx(5.0)
    # Slots continue evenly after the hold-off.
    assert limiter.acquire() == pytest.approx(6.0)


def test_shorter_hold_off_never_pulls_slots_earlier(make_clock: Any) -> None:
    clock = make_clock(start=0.0, advance=False)
    limiter = RateLimiter(60, headroom=0.0, clock=clock, sleep=clock.sleep)
    limiter.hold_off(10.0)
    limiter.hold_off(2.0)
    assert limiter.acquire() == pytest.approx(10.0)


def test_seconds_for() -> None:
    limiter = RateLimiter(60, headroom=0.0)
    assert limiter.seconds_for(0) == 0.0
    assert limiter.seconds_for(30) == pytest.approx(30.0)


def test_real_clock_spacing_across_threads() -> None:
    limiter = RateLimiter(600)  # one slot every ~0.102 s
    barrier = threading.Barrier(10)

    def worker() -> None:
        barrier.wait()
        limiter.acquire()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    # 10 slots are 9 intervals apart: 9 * 0.102 = 0.92 s at least.
    assert elapsed >= 0.85
    assert limiter.granted == 10


def test_the_calls_left_are_spread_from_now_to_the_reset_then_the_full_pace(make_clock: Any) -> None:
    clock = make_clock(start=0.0)
    limiter = RateLimiter(6000, headroom=0.0, clock=clock, sleep=clock.sleep)  # 10 ms apart on its own
    limiter.acquire()
    clock.now = 0.5  # the answer comes: 5 calls left (1 kept in reserve) until the reset in 8 s
    limiter.observe_budget(5, 8.0)

    granted_at = []
    for _ in range(6):
        limiter.acquire()
        granted_at.append(clock())

    # 4 calls 2 s apart from the last slot given out, the next at the reset (8.5), then our own pace.
    assert granted_at == pytest.approx([2.0, 4.0, 6.0, 8.0, 8.5, 8.51])


def test_slots_waited_for_while_the_budget_was_short_come_back_with_a_fuller_budget() -> None:
    limiter = RateLimiter(600)  # ~0.1 s apart on its own
    limiter.acquire()
    limiter.observe_budget(3, 20.0)  # 2 usable calls in 20 s: 10 s apart
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        waits = [pool.submit(limiter.acquire) for _ in range(4)]
        time.sleep(0.3)
        assert not any(w.done() for w in waits), "nothing before the first budget slot (10 s away)"
        limiter.observe_budget(400, 20.0)  # the other integration stopped: plenty left again
    fired = [started + w.result() for w in waits]

    fired.sort()
    assert fired[-1] - started < 0.3 + 4 * limiter.interval + 0.3, fired
    gaps = [b - a for a, b in itertools.pairwise(fired)]
    assert min(gaps) >= 0.9 * limiter.interval, gaps


def test_the_reset_brings_callers_waiting_on_a_short_budget_forward(make_clock: Any) -> None:
    clock = make_clock(start=0.0)
    limiter = RateLimiter(6000, headroom=0.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.observe_budget(2, 3.0)  # 1 usable call, 3 s to the reset: its slot would be 3 s away anyway
    limiter.acquire()
    limiter.acquire()
    # The first at the reset, the next at our own pace (not another 3 s later).
    assert clock() == pytest.approx(3.01)


def test_a_caller_that_gives_up_waiting_leaves_the_queue(make_clock: Any) -> None:
    clock = make_clock(start=0.0, advance=True)

    def sleep(seconds: float) -> None:
        if len(clock.sleeps) == 0:
            clock.sleeps.append(seconds)
            raise KeyboardInterrupt
        clock.sleep(seconds)

    limiter = RateLimiter(60, headroom=0.0, clock=clock, sleep=sleep)
    limiter.acquire()
    with pytest.raises(KeyboardInterrupt):
        limiter.acquire()
    assert limiter.acquire() == pytest.approx(1.0)
    assert limiter.granted == 2


def test_waits_of_threads_waiting_together_count_once() -> None:
    """Eight threads queueing for the same slots: the waited time is the run's, not eight times it."""
    limiter = RateLimiter(6000)  # a slot every ~10 ms
    waits: list[float] = []

    def caller() -> None:
        for _ in range(5):
            waits.append(limiter.acquire())

    started = time.monotonic()
    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    assert limiter.granted == 40
    assert sum(waits) > 3 * elapsed  # what summing over threads used to report
    assert 39 * limiter.interval * 0.9 <= limiter.waited_seconds <= elapsed
