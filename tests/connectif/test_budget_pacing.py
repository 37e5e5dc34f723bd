"""Pacing on a budget shared with another integration, over loopback against the Connectif sandbox.

Connectif's window here is scaled down to 100 calls per 5 s (per minute in production). Another
client of the account uses 90 of the first window's 100 calls at its start and then stops; the
target then has 10 calls until that window resets and the whole budget after it. Its calls after
the reset must come at its full pace, evenly spaced: slots it was given while the budget was
short must not hold it back.
"""

from __future__ import annotations

import itertools
import time

import requests

from api_target_kit.api_stats import ApiStats
from api_target_kit.concurrency import for_each_concurrently
from api_target_kit.http_client import ApiClient
from api_target_kit.rate_limit import BUDGET_RESERVE, RateLimiter
from api_target_kit.secrets import SecretRedactor

from .conftest import KEY, StartSandbox

WINDOW_SECONDS = 5.0
WINDOW_CALLS = 100
OTHER_CLIENT_CALLS = 90
TARGET_CALLS = 150


def test_calls_after_the_other_client_stopped_come_at_the_full_pace(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(rate_limit=WINDOW_CALLS, window_seconds=WINDOW_SECONDS)
    headers = {"Authorization": f"apiKey {KEY}", "Accept": "application/json"}
    limiter = RateLimiter(WINDOW_CALLS * 60 / WINDOW_SECONDS)  # the target's own limit: the whole budget
    client = ApiClient(
        vendor="Connectif",
        base_url=sandbox.base_url,
        headers=headers,
        limiter=limiter,
        stats=ApiStats(),
        redact=SecretRedactor([KEY]),
        timeout_seconds=10,
    )
    # The other client takes 90 calls right at the start of a window.
    time.sleep(WINDOW_SECONDS - time.time() % WINDOW_SECONDS + 0.05)
    with requests.Session() as other:
        for _ in range(OTHER_CLIENT_CALLS):
            assert other.get(f"{sandbox.base_url}/coupon-sets/", headers=headers, timeout=10).status_code == 200
    reset = (time.time() // WINDOW_SECONDS + 1) * WINDOW_SECONDS  # the request log's times are Unix times
    others = len(sandbox.request_log())
    started = time.time()

    for_each_concurrently(range(TARGET_CALLS), lambda n: client.request("GET", f"/coupon-sets/cs-demo?n={n}"))
    client.close()

    log = sandbox.request_log()[others:]
    assert len(log) == TARGET_CALLS
    assert all(entry["status"] == 200 for entry in log), "no call may go beyond the budget"
    arrivals = sorted(entry["t"] for entry in log)
    before_reset = [t for t in arrivals if t < reset]
    after_reset = [t for t in arrivals if t >= reset]
    assert len(before_reset) <= WINDOW_CALLS - OTHER_CLIENT_CALLS
    # After the reset: at once, then evenly at the full pace.
    assert after_reset[0] - reset <= 1.5 * limiter.interval, after_reset[0] - reset
    gaps = [b - a for a, b in itertools.pairwise(after_reset)]
    assert max(gaps) <= 1.5 * limiter.interval, f"largest gap {max(gaps):.3f} s, pace {limiter.interval:.3f} s"
    ideal = (reset - started) + (TARGET_CALLS - (WINDOW_CALLS - OTHER_CLIENT_CALLS - BUDGET_RESERVE)) * limiter.interval
    elapsed = arrivals[-1] - started
    assert elapsed <= 1.1 * ideal, f"{elapsed:.1f} s, ideal {ideal:.1f} s"
