"""`RequestCap`: the `/import` size learned from 416s, step by step.

The end-to-end checks against the sandbox's size limit are in `test_import_size.py`; these walk
the rules one answer at a time.
"""

from __future__ import annotations

from target_rfmcube.request_cap import FIRST_DROP, RequestCap

MB = 1_000_000


def _run(cap: RequestCap, limit: int, requests: int) -> list[tuple[int, int]]:
    """Send `requests` full requests (each as large as the cap) to a vendor taking `limit` bytes."""
    answers = []
    for _ in range(requests):
        size = cap.bytes
        if size > limit:
            cap.refused_at(size)
            answers.append((size, 416))
        else:
            cap.accepted_at(size)
            answers.append((size, 200))
    return answers


def test_the_cap_is_the_assumed_size_until_a_416() -> None:
    cap = RequestCap(50 * MB)
    assert _run(cap, 60 * MB, 3) == [(50 * MB, 200)] * 3 and cap.bytes == 50 * MB and not cap.climbing


def test_a_limit_fifty_times_lower_costs_two_416s_and_settles_above_half_of_it() -> None:
    cap = RequestCap(50 * MB)
    answers = _run(cap, 1 * MB, 40)
    refused = [size for size, status in answers if status == 416]
    assert refused == [50 * MB, 2 * (50 * MB // FIRST_DROP)]  # the first, then the one step too far
    assert answers[-30:] == [(50 * MB // FIRST_DROP, 200)] * 30 and not cap.climbing
    assert 0.5 * MB < cap.bytes <= 1 * MB


def test_a_limit_just_under_the_assumed_size_climbs_to_half_the_refused_size_without_a_second_416() -> None:
    cap = RequestCap(50 * MB)
    answers = _run(cap, 40 * MB, 20)
    assert [status for _, status in answers].count(416) == 1
    assert cap.bytes == 25 * MB and not cap.climbing
    assert [size for size, _ in answers[1:8]] == [781_250 * 2**step for step in range(6)] + [25 * MB]


def test_at_most_two_416s_for_any_limit_down_to_a_64th_of_the_assumed_size() -> None:
    for limit in range(50 * MB // FIRST_DROP, 50 * MB, 370_001):
        cap = RequestCap(50 * MB)
        answers = _run(cap, limit, 40)
        assert [status for _, status in answers].count(416) <= 2, limit
        assert limit / 2 < cap.bytes <= limit and not cap.climbing, (limit, cap.bytes)


def test_below_a_64th_each_416_before_anything_passes_halves_the_cap() -> None:
    cap = RequestCap(64_000)
    answers = _run(cap, 300, 8)
    assert [size for size, status in answers if status == 416] == [64_000, 1000, 500]
    assert cap.bytes == 250 and answers[-1] == (250, 200) and not cap.climbing


def test_a_request_well_under_the_cap_does_not_raise_it() -> None:
    cap = RequestCap(50 * MB)
    cap.refused_at(50 * MB)
    cap.accepted_at(100_000)  # the short tail of a drain
    assert cap.bytes == 781_250 and cap.climbing
    cap.accepted_at(781_000)
    assert cap.bytes == 1_562_500


def test_a_later_416_under_what_passed_before_halves_the_cap_for_a_limit_gone_down() -> None:
    cap = RequestCap(50 * MB)
    _run(cap, 1 * MB, 20)
    settled = cap.bytes
    cap.refused_at(settled)
    assert cap.bytes == settled // 2 and cap.accepted == 0 and not cap.climbing


def test_a_first_416_after_larger_requests_passed_starts_from_the_largest_accepted() -> None:
    cap = RequestCap(50 * MB)
    cap.accepted_at(10 * MB)  # a short import went through at 10 MB
    cap.refused_at(50 * MB)
    assert cap.bytes == 10 * MB and cap.climbing
    cap.accepted_at(10 * MB)
    assert cap.bytes == 20 * MB
