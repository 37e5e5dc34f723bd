"""Calls that are not safe to repeat, vendor-reported budgets, multipart forms (ApiClient over loopback)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from api_target_kit.api_stats import ApiStats
from api_target_kit.errors import OutcomeUnknownError, RetriesExhaustedError, VendorError
from api_target_kit.rate_limit import RateLimiter
from api_target_kit.sent_ledger import PendingMark, SentLedger


def test_a_drop_after_an_unsafe_post_raises_outcome_unknown_without_resending(server: Any, make_client: Any) -> None:
    server.script({"drop": True}, {"body": {"created": 2}})
    client = make_client()

    with pytest.raises(OutcomeUnknownError) as caught:
        client.request("POST", "/purchases/", json_body={"purchaseId": "P1"}, idempotent=False)

    assert len(server.requests) == 1
    assert "POST /purchases/" in str(caught.value)
    assert "may have been received" in str(caught.value)


def test_a_read_timeout_of_an_unsafe_post_is_not_repeated(server: Any, make_client: Any) -> None:
    server.script({"sleep": 1.0, "body": {"late": 1}})
    client = make_client(timeout_seconds=0.2)

    with pytest.raises(OutcomeUnknownError):
        client.request("POST", "/purchases/", json_body={}, idempotent=False)

    assert len(server.requests) == 1


def test_an_unsafe_post_is_still_retried_on_429_and_5xx(server: Any, make_client: Any) -> None:
    server.script({"status": 429, "headers": {"Retry-After": "0"}}, {"status": 503}, {"status": 201, "body": {"id": 1}})
    client = make_client()

    response = client.request("POST", "/purchases/", json_body={}, idempotent=False)

    assert response.status_code == 201
    assert len(server.requests) == 3


def test_an_unsafe_post_to_a_closed_port_is_retried_because_nothing_was_sent(make_client: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(base_url=f"http://127.0.0.1:{port}", max_retries=1)

    with pytest.raises(RetriesExhaustedError) as caught:
        client.request("POST", "/purchases/", json_body={}, idempotent=False)

    assert "connection failed" in str(caught.value)


def test_a_429_without_retry_after_waits_until_x_ratelimit_reset(server: Any, make_client: Any) -> None:
    reset = int(time.time()) + 2
    server.script(
        {"status": 429, "headers": {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}},
        {"body": {"ok": 1}},
    )
    client = make_client(limiter=RateLimiter(60_000))

    response = client.request("GET", "/contacts/x")

    assert response.json() == {"ok": 1}
    assert time.time() >= reset - 1.05  # whole-second epoch: at least the rest of that second


def test_remaining_budget_header_slows_the_pace(server: Any, make_client: Any, make_clock: Any) -> None:
    clock = make_clock(advance=False)
    limiter = RateLimiter(6000, headroom=0.0, clock=clock, sleep=clock.sleep)  # 10 ms apart on its own
    # The vendor says 3 calls are left for the next 30 seconds (others use the account too).
    server.script({"headers": {"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": str(int(time.time()) + 30)}})
    client = make_client(limiter=limiter)

    client.request("GET", "/a")
    client.request("GET", "/b")

    # 3 left, 1 kept in reserve: 2 calls over ~30 s, so the next slot is ~15 s after the first.
    assert clock.sleeps and 13.0 <= clock.sleeps[-1] <= 15.5


def test_no_remaining_budget_holds_until_reset(make_clock: Any) -> None:
    clock = make_clock(advance=False)
    limiter = RateLimiter(6000, headroom=0.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.observe_budget(1, 7.5)

    limiter.acquire()

    assert clock.sleeps == [pytest.approx(7.5)]


def test_a_generous_budget_does_not_slow_the_pace(make_clock: Any) -> None:
    clock = make_clock(advance=False)
    limiter = RateLimiter(60, headroom=0.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.observe_budget(100, 60.0)

    limiter.acquire()

    assert clock.sleeps == [pytest.approx(1.0)]


def test_multipart_form_with_file_and_query(server: Any, make_client: Any) -> None:
    client = make_client(headers={"Authorization": "apiKey a:b"})

    client.request(
        "POST",
        "/imports/",
        data={"type": "contacts", "delimiter": ","},
        files={"file": ("contacts.csv", b"_email\na@b.cz\n", "text/csv")},
        params={"x": "1"},
    )

    recorded = server.requests[0]
    assert recorded.path == "/imports/?x=1"
    content_type = recorded.header("Content-Type") or ""
    assert content_type.startswith("multipart/form-data; boundary=")
    assert b'name="type"\r\n\r\ncontacts' in recorded.body
    assert b'filename="contacts.csv"' in recorded.body
    assert b"Content-Type: text/csv\r\n\r\n_email\na@b.cz\n" in recorded.body


def test_stats_count_unsafe_calls_too(server: Any, make_client: Any) -> None:
    server.script({"drop": True})
    stats = ApiStats()
    client = make_client(stats=stats)

    with pytest.raises(OutcomeUnknownError):
        client.request("POST", "/purchases/", json_body={}, idempotent=False, endpoint="purchases.create")

    assert stats.calls_by_endpoint == {"purchases.create": 1}


def test_callers_already_waiting_for_a_slot_respect_a_later_hold_off() -> None:
    limiter = RateLimiter(600)  # 0.1 s apart
    fired: list[float] = []
    started = time.monotonic()

    def call() -> None:
        limiter.acquire()
        fired.append(time.monotonic() - started)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)  # the first has its slot; the others sleep toward 0.1, 0.2, 0.3 s
    limiter.hold_off(1.0)  # a 429 says: nothing for a second
    for thread in threads:
        thread.join()

    fired.sort()
    assert fired[0] < 0.05
    assert all(t >= 1.0 for t in fired[1:]), fired


class RecordedMark:
    """A `SendMark` that notes what it was told, with the requests the server had seen by then."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.events: list[tuple[str, int]] = []

    def sending(self) -> None:
        self.events.append(("sending", len(self.server.requests)))

    def not_sent(self) -> None:
        self.events.append(("not_sent", len(self.server.requests)))


def test_an_unsafe_call_is_marked_pending_only_once_its_slot_is_granted(
    server: Any, make_client: Any, tmp_path: Path
) -> None:
    ledger = SentLedger(str(tmp_path / "ledger.sqlite"))
    limiter = RateLimiter(60_000)
    client = make_client(limiter=limiter)
    limiter.hold_off(0.8)  # the call waits for its slot
    call = threading.Thread(
        target=client.request,
        args=("POST", "/pipelines/7/trigger"),
        kwargs={"json_body": {"email": "a@x.cz"}, "idempotent": False, "mark": PendingMark(ledger, "t", {"k": "d"})},
    )
    call.start()
    time.sleep(0.4)
    assert ledger.pending("t", ["k"]) == set(), "marked pending while still waiting for its slot"
    call.join(timeout=5)

    assert len(server.requests) == 1
    assert ledger.pending("t", ["k"]) == {"k"}  # sent: pending until the caller confirms
    ledger.close()


def test_each_attempt_is_marked_as_it_leaves_and_unmarked_when_it_did_not_arrive(server: Any, make_client: Any) -> None:
    server.script({"status": 429, "headers": {"Retry-After": "0"}}, {"status": 503}, {"status": 201})
    mark = RecordedMark(server)

    make_client().request("POST", "/purchases/", json_body={}, idempotent=False, mark=mark)

    # Each mark before its attempt reached the server; each 429/503 withdrawn before the next.
    assert mark.events == [("sending", 0), ("not_sent", 1), ("sending", 1), ("not_sent", 2), ("sending", 2)]


def test_a_lost_answer_keeps_the_mark_and_a_refusal_drops_it(server: Any, make_client: Any, tmp_path: Path) -> None:
    ledger = SentLedger(str(tmp_path / "ledger.sqlite"))
    ledger.confirm("t", {"old": "d0"})
    server.script({"drop": True}, {"status": 422, "body": {"error": "bad"}}, {"status": 422})
    client = make_client()

    with pytest.raises(OutcomeUnknownError):
        client.request("POST", "/a", json_body={}, idempotent=False, mark=PendingMark(ledger, "t", {"lost": "d"}))
    with pytest.raises(VendorError):
        client.request("POST", "/a", json_body={}, idempotent=False, mark=PendingMark(ledger, "t", {"refused": "d"}))
    with pytest.raises(VendorError):
        client.request("POST", "/a", json_body={}, idempotent=False, mark=PendingMark(ledger, "t", {"old": "d1"}))

    assert ledger.pending("t", ["lost", "refused", "old"]) == {"lost"}
    assert ledger.lookup("t", ["old"]) == {"old": "d0"}, "a confirmed key stays confirmed"
    ledger.close()
