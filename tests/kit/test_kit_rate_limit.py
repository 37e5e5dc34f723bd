"""RateLimiter: even spacing, thread safety, hold_off (fake clock) and one real threaded run."""

from __future__ import annotations

import itertools
import threading
import time
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
