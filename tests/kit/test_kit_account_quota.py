"""The account's request budget shared between processes (pyrate-limiter buckets)."""

from __future__ import annotations

import itertools
import math
import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from api_target_kit.account_quota import BUFFER_MS, AccountQuota, quota_rates
from api_target_kit.errors import ConfigurationError
from api_target_kit.rate_limit import RateLimiter
from api_target_kit.state_dir import account_key

KEY = "sk-live-QUOTA-SECRET-42"


def _take(path: str, count: int, done: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    quota = AccountQuota(vendor="Fake", api_key=KEY, max_requests_per_minute=600, backend_url=f"sqlite:///{path}")
    stamps = []
    for _ in range(count):
        quota.acquire()
        stamps.append(time.time())
    done.put(stamps)


def test_the_bucket_key_names_the_vendor_and_hides_the_key() -> None:
    key = account_key("Ecomail", KEY)
    assert key.startswith("ecomail_") and len(key) == len("ecomail_") + 16
    assert KEY not in key and "QUOTA" not in key
    assert account_key("Ecomail", KEY) == key != account_key("Ecomail", KEY + "x")


def test_rates_space_calls_evenly_and_cap_the_minute_under_the_limit() -> None:
    per_call, per_minute = quota_rates(100)
    assert (per_call.limit, per_call.interval) == (1, 611)  # turns: under this process's pace (612.2 ms)
    assert (per_minute.limit, per_minute.interval) == (98, 60_000)


@pytest.mark.parametrize(
    ("limit", "in_a_minute"), [(60, 59), (100, 98), (300, 294), (1000, 980), (30, 29), (2, 1), (1, 1)]
)
def test_the_minute_cap_admits_what_the_pace_puts_in_a_minute_and_stays_under_the_limit(
    limit: int, in_a_minute: int
) -> None:
    """At 60/min the pace (58.8 a minute) puts 59 calls in some 60 s windows: a cap of 58 held every 59th back."""
    assert quota_rates(limit)[1].limit == in_a_minute
    interval = RateLimiter(limit).interval
    calls_in_a_window = math.floor(60 / interval - 1e-9) + 1  # calls at 0, interval, ... within 60 s
    assert min(calls_in_a_window, limit - 1) <= in_a_minute < limit or limit == 1


@pytest.mark.parametrize("limit", [60, 100, 300, 600, 1000, 1200, 3000])
def test_a_turn_and_its_buffer_fit_within_the_process_pace(limit: int) -> None:
    """A call the bucket delays is dated a turn plus the buffer after the last: shorter than the pace."""
    turn = quota_rates(limit)[0]
    pace_ms = 1000 * RateLimiter(limit).interval
    assert pace_ms - 2 <= turn.interval + BUFFER_MS < pace_ms


@pytest.mark.parametrize("backend", ["none", "sqlite"])
def test_a_lone_process_keeps_its_own_pace_through_the_shared_bucket(backend: str, tmp_path: Path) -> None:
    """The bucket's turns must not add to the RateLimiter's intervals (they did: 57 ms for 51 here)."""
    url = "none" if backend == "none" else f"sqlite:///{tmp_path / 'quota.sqlite'}"
    quota = AccountQuota(vendor="Fake", api_key=KEY, max_requests_per_minute=1200, backend_url=url)
    limiter = RateLimiter(1200, shared=quota)  # one slot every 51.0 ms
    calls = 40
    granted: list[float] = []
    left = iter(range(calls))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if next(left, None) is None:
                    return
            limiter.acquire()
            granted.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    granted.sort()
    assert len(granted) == calls
    pace = (granted[-1] - granted[0]) / (calls - 1)
    # Never faster than the pace, and within 3% of it (a wake-up late by a few ms does not add up).
    assert limiter.interval * 0.97 <= pace <= limiter.interval * 1.03


def test_two_processes_on_one_sqlite_bucket_share_the_budget(tmp_path: Path) -> None:
    path = str(tmp_path / "quota.sqlite")
    done: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [multiprocessing.Process(target=_take, args=(path, 10, done)) for _ in range(2)]
    started = time.time()
    for worker in workers:
        worker.start()
    stamps = sorted(done.get(timeout=60) + done.get(timeout=60))
    for worker in workers:
        worker.join(timeout=10)

    # 20 calls at 600/min together (not each): about 2 s, never two within one slot.
    assert stamps[-1] - started >= 1.8
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 0.095


def test_none_keeps_the_budget_to_this_process() -> None:
    quota = AccountQuota(vendor="Fake", api_key=KEY, max_requests_per_minute=6000, backend_url="none")
    started = time.monotonic()
    for _ in range(5):
        quota.acquire()
    assert time.monotonic() - started < 1.0
    assert quota.describe()["backend"] == "none"


def test_an_unknown_backend_is_a_clear_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="quota_backend_url must be"):
        AccountQuota(vendor="Fake", api_key=KEY, max_requests_per_minute=60, backend_url="memcached://x")


def test_an_unreachable_redis_names_the_host_but_not_the_password() -> None:
    with pytest.raises(ConfigurationError) as caught:
        AccountQuota(
            vendor="Fake", api_key=KEY, max_requests_per_minute=60, backend_url="redis://:hunter2@127.0.0.1:1/0"
        )
    assert "127.0.0.1:1/0" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_the_time_waited_is_wall_time_not_the_sum_over_threads() -> None:
    quota = AccountQuota(vendor="Fake", api_key=KEY, max_requests_per_minute=600, backend_url="none")
    per_thread: list[float] = []

    def take() -> None:
        per_thread.append(sum(quota.acquire() for _ in range(3)))

    started = time.monotonic()
    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.monotonic() - started

    # 12 calls one per ~0.1 s: about 1.1 s of the run spent waiting, while the threads together waited ~3x that.
    assert sum(per_thread) > 2 * elapsed
    assert 0.8 <= quota.waited_seconds <= elapsed + 0.01
