"""Retry policy: which statuses are retried, Retry-After parsing, the wait generator."""

from __future__ import annotations

import email.utils
import random

import pytest
from requests.structures import CaseInsensitiveDict

from api_target_kit.retry_policy import (
    MAX_RETRY_AFTER_SECONDS,
    RetryableError,
    is_retryable_status,
    parse_retry_after,
    retry_waits,
)

NOW = 1_700_000_000.0


@pytest.mark.parametrize(("status", "expected"), [(429, True), (500, True), (502, True), (503, True), (599, True)])
def test_retryable_statuses(status: int, expected: bool) -> None:
    assert is_retryable_status(status) is expected


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 406, 409, 413, 422, 600])
def test_not_retryable_statuses(status: int) -> None:
    assert is_retryable_status(status) is False


@pytest.mark.parametrize(("value", "expected"), [("5", 5.0), (" 7 ", 7.0), ("0", 0.0), ("2.5", 2.5)])
def test_retry_after_seconds(value: str, expected: float) -> None:
    assert parse_retry_after({"Retry-After": value}) == expected


def test_retry_after_http_date() -> None:
    header = email.utils.formatdate(NOW + 120, usegmt=True)
    assert parse_retry_after({"Retry-After": header}, now=NOW) == pytest.approx(120.0)


def test_retry_after_http_date_in_the_past_is_zero() -> None:
    header = email.utils.formatdate(NOW - 300, usegmt=True)
    assert parse_retry_after({"Retry-After": header}, now=NOW) == 0.0


def test_retry_after_header_name_is_case_insensitive_with_requests_headers() -> None:
    headers = CaseInsensitiveDict({"retry-after": "3"})
    assert parse_retry_after(headers) == 3.0


@pytest.mark.parametrize("value", ["soon", "", "Wed, 99 Foo 2024", "1 minute"])
def test_retry_after_garbage_is_none(value: str) -> None:
    assert parse_retry_after({"Retry-After": value}, now=NOW) is None


def test_retry_after_missing_is_none() -> None:
    assert parse_retry_after({}, now=NOW) is None


def test_retry_after_negative_is_zero() -> None:
    assert parse_retry_after({"Retry-After": "-5"}) == 0.0


@pytest.mark.parametrize("value", ["999999", "inf"])
def test_retry_after_is_capped(value: str) -> None:
    assert parse_retry_after({"Retry-After": value}) == MAX_RETRY_AFTER_SECONDS


def test_retry_after_far_http_date_is_capped() -> None:
    header = email.utils.formatdate(NOW + 10 * 86400, usegmt=True)
    assert parse_retry_after({"Retry-After": header}, now=NOW) == MAX_RETRY_AFTER_SECONDS


def test_retry_after_nan_is_garbage() -> None:
    assert parse_retry_after({"Retry-After": "nan"}) is None


def _drive(gen: object, *excs: BaseException | None) -> list[float]:
    waits = []
    assert gen.send(None) == 0.0  # type: ignore[attr-defined]
    for exc in excs:
        waits.append(gen.send(exc))  # type: ignore[attr-defined]
    return waits


def test_retry_waits_use_retry_after_exactly() -> None:
    gen = retry_waits(base_seconds=0.5, rng=random.Random(1))
    waits = _drive(gen, RetryableError("x", retry_after=7.0), RetryableError("y", retry_after=0.0))
    assert waits == [7.0, 0.0]


def test_retry_waits_are_jittered_exponential_without_retry_after() -> None:
    gen = retry_waits(base_seconds=1.0, max_seconds=60.0, rng=random.Random(42))
    waits = _drive(gen, *[RetryableError("x")] * 8)
    bounds = [min(60.0, 1.0 * 2**n) for n in range(8)]
    assert all(0.0 <= w <= b for w, b in zip(waits, bounds, strict=True))
    assert len(set(waits)) == 8  # jittered, not constant


def test_retry_waits_are_capped_by_max_seconds() -> None:
    gen = retry_waits(base_seconds=10.0, max_seconds=3.0, rng=random.Random(0))
    waits = _drive(gen, *[RetryableError("x")] * 6)
    assert max(waits) <= 3.0


def test_retry_waits_backoff_continues_after_a_retry_after() -> None:
    # A server-named wait does not reset the exponential attempt counter.
    rng = random.Random(3)
    gen = retry_waits(base_seconds=1.0, max_seconds=1000.0, rng=rng)
    waits = _drive(gen, RetryableError("a"), RetryableError("b", retry_after=2.0), RetryableError("c"))
    assert waits[1] == 2.0
    assert 0.0 <= waits[2] <= 4.0


def test_retryable_error_carries_details() -> None:
    exc = RetryableError("HTTP 429 from GET /x", retry_after=1.5, status=429)
    assert exc.description == "HTTP 429 from GET /x"
    assert str(exc) == "HTTP 429 from GET /x"
    assert exc.retry_after == 1.5
    assert exc.status == 429
