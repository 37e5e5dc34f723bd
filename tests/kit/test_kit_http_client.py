"""ApiClient over real loopback HTTP against the scripted server (see conftest.py)."""

from __future__ import annotations

import email.utils
import math
import time
from itertools import chain
from typing import Any

import pytest

from api_target_kit.api_stats import ApiStats
from api_target_kit.errors import AuthenticationError, DeliveryError, RetriesExhaustedError, VendorError
from api_target_kit.http_client import MAX_BODY_CHARS
from api_target_kit.rate_limit import RateLimiter
from api_target_kit.staging_file import StagingFile, StreamedBody


def _all_text(exc: BaseException) -> str:
    """Everything an exception could show: str, repr, args and its chained causes."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), *(repr(a) for a in current.args)]
        parts += [repr(v) for v in vars(current).values()]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


# Retries ---------------------------------------------------------------------------


def test_retries_429_500_502_503_then_succeeds(server: Any, make_client: Any) -> None:
    server.script({"status": 429}, {"status": 500}, {"status": 502}, {"status": 503}, {"body": {"ok": True}})
    stats = ApiStats()
    client = make_client(stats=stats, max_retries=4)

    response = client.request("POST", "/items", json_body={"sku": "A1"})

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert len(server.requests) == 5
    assert all(r.method == "POST" and r.path == "/items" for r in server.requests)
    assert all(r.json() == {"sku": "A1"} for r in server.requests)
    assert stats.calls == 5
    assert stats.retries == 4
    assert stats.rate_limited == 1
    assert stats.calls_by_endpoint == {"/items": 5}


def test_stats_count_calls_by_endpoint_label(server: Any, make_client: Any) -> None:
    server.script({"status": 429}, {}, {})
    stats = ApiStats()
    client = make_client(stats=stats)

    client.request("GET", "/items/1", endpoint="items.get")
    client.request("GET", "/items/2", endpoint="items.get")

    assert stats.calls == 3
    assert stats.calls_by_endpoint == {"items.get": 3}
    assert stats.retries == 1
    assert stats.rate_limited == 1
    assert stats.retry_wait_seconds >= 0.0


def test_every_attempt_takes_a_limiter_slot(server: Any, make_client: Any, make_clock: Any) -> None:
    server.script({"status": 503}, {"status": 503}, {})
    clock = make_clock(advance=False)
    limiter = RateLimiter(60, headroom=0.0, clock=clock, sleep=clock.sleep)
    client = make_client(limiter=limiter)

    client.request("GET", "/ping")

    assert limiter.granted == 3
    # The clock stands still, so the 2nd and 3rd slots are 1 s and 2 s ahead.
    assert clock.sleeps == [pytest.approx(1.0), pytest.approx(2.0)]


def test_retry_after_seconds_is_honoured_and_holds_off_the_limiter(
    server: Any, make_client: Any, make_clock: Any
) -> None:
    server.script({"status": 429, "headers": {"Retry-After": "1"}}, {"body": {"ok": 1}})
    clock = make_clock(advance=False)
    limiter = RateLimiter(60_000, clock=clock, sleep=clock.sleep)
    stats = ApiStats()
    client = make_client(limiter=limiter, stats=stats)

    started = time.monotonic()
    response = client.request("POST", "/items", json_body=[])
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert len(server.requests) == 2
    assert elapsed >= 0.99
    # hold_off(1): the retry's slot (and every other thread's) is 1 s after the 429.
    assert clock.sleeps == [pytest.approx(1.0)]
    assert limiter.waited_seconds == pytest.approx(1.0)
    assert stats.rate_limited == 1
    assert stats.retry_wait_seconds == pytest.approx(1.0)


def test_a_429_without_retry_after_waits_the_vendors_default(server: Any, make_client: Any) -> None:
    server.script({"status": 429}, {"body": {"ok": 1}})
    limiter = RateLimiter(60_000)
    client = make_client(limiter=limiter, wait_after_bare_429=0.4)

    started = time.monotonic()
    response = client.request("POST", "/items", json_body=[])
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert len(server.requests) == 2
    assert elapsed >= 0.39
    assert client.stats.retry_wait_seconds == pytest.approx(0.4)


def test_a_429_without_retry_after_and_no_default_backs_off(server: Any, make_client: Any) -> None:
    server.script({"status": 429}, {"body": {"ok": 1}})
    client = make_client()
    assert client.request("POST", "/items", json_body=[]).status_code == 200
    assert client.stats.retry_wait_seconds < 0.05  # jittered backoff at backoff_base_seconds=0.01


def test_retry_after_http_date_is_honoured(server: Any, make_client: Any, make_clock: Any) -> None:
    when = math.ceil(time.time()) + 1  # 1-2 s ahead (HTTP dates have whole seconds)
    server.script(
        {"status": 429, "headers": {"Retry-After": email.utils.formatdate(when, usegmt=True)}},
        {"body": {"ok": 1}},
    )
    clock = make_clock(advance=False)
    limiter = RateLimiter(60_000, clock=clock, sleep=clock.sleep)
    client = make_client(limiter=limiter)

    started = time.monotonic()
    response = client.request("POST", "/items", json_body=[])
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert len(server.requests) == 2
    assert len(clock.sleeps) == 1
    held = clock.sleeps[0]
    assert 0.9 <= held <= 2.0
    assert elapsed >= held - 0.01
    assert time.time() >= when - 0.05


def test_dropped_connection_is_retried(server: Any, make_client: Any) -> None:
    server.script({"drop": True}, {"body": {"ok": 1}})
    stats = ApiStats()
    client = make_client(stats=stats)

    response = client.request("POST", "/items", json_body={"a": 1})

    assert response.json() == {"ok": 1}
    assert len(server.requests) == 2
    assert stats.retries == 1
    assert stats.rate_limited == 0


def test_connection_dropped_mid_body_is_retried(server: Any, make_client: Any) -> None:
    server.script({"body": {"partial": "x" * 200}, "truncate": True}, {"body": {"ok": 1}})
    client = make_client()

    response = client.request("GET", "/items")

    assert response.json() == {"ok": 1}
    assert len(server.requests) == 2


def test_read_timeout_is_retried(server: Any, make_client: Any) -> None:
    server.script({"sleep": 1.0, "body": {"late": 1}}, {"body": {"ok": 1}})
    stats = ApiStats()
    client = make_client(stats=stats, timeout_seconds=0.3)

    response = client.request("GET", "/slow")

    assert response.json() == {"ok": 1}
    assert len(server.requests) == 2
    assert stats.retries == 1


def test_read_timeouts_exhausted_say_timed_out(server: Any, make_client: Any) -> None:
    server.script({"sleep": 1.0}, {"sleep": 1.0})
    client = make_client(timeout_seconds=0.2, max_retries=1)

    with pytest.raises(RetriesExhaustedError) as caught:
        client.request("GET", "/slow")

    assert "timed out" in str(caught.value)
    assert "GET /slow" in str(caught.value)
    assert len(server.requests) == 2


def test_retries_exhausted_names_method_and_path(server: Any, make_client: Any, api_key: str) -> None:
    server.script(*[{"status": 503, "body": f"busy, key {api_key}"}] * 3)
    stats = ApiStats()
    client = make_client(stats=stats, max_retries=2)

    with pytest.raises(RetriesExhaustedError) as caught:
        client.request("PUT", "/items/42", json_body={})

    message = str(caught.value)
    assert isinstance(caught.value, DeliveryError)
    assert "PUT /items/42" in message
    assert "3 attempts" in message
    assert "HTTP 503" in message
    assert api_key not in _all_text(caught.value)
    assert len(server.requests) == 3
    assert stats.calls == 3
    assert stats.retries == 2
    assert server.pending == 0


def test_retries_exhausted_uses_endpoint_label(server: Any, make_client: Any) -> None:
    server.script({"status": 500}, {"status": 500})
    client = make_client(max_retries=1)

    with pytest.raises(RetriesExhaustedError, match=r"POST items\.import: gave up after 2 attempts"):
        client.request("POST", "/v1/import?x=1", json_body={}, endpoint="items.import")


def test_every_429_is_counted_even_the_last(server: Any, make_client: Any) -> None:
    server.script({"status": 429}, {"status": 429})
    stats = ApiStats()
    client = make_client(stats=stats, max_retries=1)

    with pytest.raises(RetriesExhaustedError):
        client.request("GET", "/items")

    assert len(server.requests) == 2
    assert stats.rate_limited == 2


# Authentication ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failure_raises_at_once_without_the_key(server: Any, make_client: Any, api_key: str, status: int) -> None:
    server.script({"status": status, "body": {"error": f"bad key {api_key}"}}, {"body": {"never": "used"}})
    stats = ApiStats()
    client = make_client(stats=stats)

    with pytest.raises(AuthenticationError) as caught:
        client.request("POST", "/items", json_body={"sku": "A"})

    assert len(server.requests) == 1
    assert stats.retries == 0
    assert server.requests[0].header("Authorization") == f"Bearer {api_key}"
    message = str(caught.value)
    assert "check api_key" in message
    assert f"HTTP {status}" in message
    assert "POST /items" in message
    assert api_key not in _all_text(caught.value)
    assert "SECRET123" not in _all_text(caught.value)


# Other statuses -----------------------------------------------------------------------


def test_other_4xx_raise_vendor_error_with_status_and_body(server: Any, make_client: Any) -> None:
    server.script({"status": 422, "body": {"error": "sku must not be empty"}})
    client = make_client()

    with pytest.raises(VendorError) as caught:
        client.request("POST", "/items", json_body={"sku": ""})

    exc = caught.value
    assert exc.status == 422
    assert "sku must not be empty" in exc.body
    assert exc.method == "POST"
    assert exc.path == "/items"
    assert "HTTP 422" in str(exc)
    assert "sku must not be empty" in str(exc)
    assert len(server.requests) == 1


def test_ok_statuses_return_the_response(server: Any, make_client: Any) -> None:
    server.script({"status": 404, "body": {"error": "no such item"}})
    client = make_client()

    response = client.request("GET", "/items/9", ok_statuses=(404,))

    assert response.status_code == 404
    assert response.json() == {"error": "no such item"}
    assert len(server.requests) == 1


def test_status_explanation_is_appended(server: Any, make_client: Any) -> None:
    server.script({"status": 406, "body": "not acceptable"})
    client = make_client(status_explanations={406: "Use an API connector's key."})

    with pytest.raises(VendorError) as caught:
        client.request("POST", "/import", json_body={})

    assert str(caught.value).endswith("not acceptable. Use an API connector's key.")
    assert caught.value.status == 406


def test_explanation_only_for_its_status(server: Any, make_client: Any) -> None:
    server.script({"status": 409, "body": "conflict"})
    client = make_client(status_explanations={406: "Use an API connector's key."})

    with pytest.raises(VendorError) as caught:
        client.request("POST", "/import", json_body={})

    assert "API connector" not in str(caught.value)


def test_body_echoing_the_key_is_redacted(server: Any, make_client: Any, api_key: str) -> None:
    server.script({"status": 400, "body": f"invalid request from key {api_key}: bad field"})
    client = make_client()

    with pytest.raises(VendorError) as caught:
        client.request("POST", "/items", json_body={})

    assert api_key not in _all_text(caught.value)
    assert "***" in caught.value.body
    assert "bad field" in caught.value.body


def test_long_body_is_cut_in_messages(server: Any, make_client: Any) -> None:
    server.script({"status": 400, "body": "e" * (MAX_BODY_CHARS + 500)})
    client = make_client()

    with pytest.raises(VendorError) as caught:
        client.request("POST", "/items", json_body={})

    assert len(caught.value.body) == MAX_BODY_CHARS


def test_key_cut_by_the_body_limit_is_still_redacted(server: Any, make_client: Any, api_key: str) -> None:
    # The cut falls on the key's last character: all but one of its characters survive the cut.
    body = "x" * (MAX_BODY_CHARS - len(api_key) + 1) + api_key
    server.script({"status": 400, "body": body})
    client = make_client()

    with pytest.raises(VendorError) as caught:
        client.request("POST", "/items", json_body={})

    assert api_key[:-1] not in _all_text(caught.value)


def test_sends_headers_json_and_raw_data(server: Any, make_client: Any, api_key: str) -> None:
    client = make_client(base_url=server.url + "/v1/")

    client.request("POST", "/json", json_body={"n": 1}, headers={"X-Extra": "yes"})
    client.request("POST", "/raw", data=b'{"raw":true}', headers={"Content-Type": "application/json"})

    first, second = server.requests
    assert first.path == "/v1/json"
    assert first.json() == {"n": 1}
    assert first.header("X-Extra") == "yes"
    assert first.header("Authorization") == f"Bearer {api_key}"
    assert second.path == "/v1/raw"
    assert second.body == b'{"raw":true}'
    assert second.header("Authorization") == f"Bearer {api_key}"


def test_a_body_streamed_from_a_staging_file_is_sent_whole_and_reread_on_each_retry(
    server: Any, make_client: Any
) -> None:
    server.script({"status": 503}, {"status": 500}, {"body": {"ok": True}})
    staged = StagingFile()
    starts = [staged.append(f'{{"n":{n}}},'.encode()) for n in range(50_000)]  # several blocks
    size = staged.size
    body = StreamedBody(size + 1, lambda: chain([b"["], staged.ranges([(0, size - 1)]), [b"]"]))
    client = make_client(max_retries=2)

    client.request("POST", "/bulk", data=body, headers={"Content-Type": "application/json"})

    assert len(server.requests) == 3
    assert {r.header("Content-Length") for r in server.requests} == {str(size + 1)}
    assert all(r.header("Transfer-Encoding") is None for r in server.requests)
    assert all(r.json() == [{"n": n} for n in range(50_000)] for r in server.requests)
    assert staged.read(starts[7], 7) == b'{"n":7}'
    staged.close()


def test_a_streamed_body_that_is_not_its_announced_length_is_never_sent_short() -> None:
    body = StreamedBody(10, lambda: [b"12345"])
    with pytest.raises(ValueError, match="5 bytes, 10 announced"):
        body.read_all()
