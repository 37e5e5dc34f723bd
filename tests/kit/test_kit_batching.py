"""chunk_by_size and join_json_array."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api_target_kit.batching import OversizedItem, chunk_by_size, join_json_array
from api_target_kit.json_payload import dumps_bytes


def _pairs(sizes: list[int]) -> list[tuple[int, bytes]]:
    """Items numbered 0.. with payloads of the given byte sizes."""
    return [(i, b"x" * size) for i, size in enumerate(sizes)]


def _request_size(chunk: list[tuple[Any, bytes]], envelope: int, separator: int) -> int:
    return envelope + sum(len(p) for _, p in chunk) + separator * (len(chunk) - 1)


def test_by_count() -> None:
    chunks = list(chunk_by_size(_pairs([1] * 7), max_items=3))
    assert [[i for i, _ in c] for c in chunks] == [[0, 1, 2], [3, 4, 5], [6]]


def test_no_limits_is_one_chunk_and_empty_is_nothing() -> None:
    assert [len(c) for c in chunk_by_size(_pairs([5] * 4))] == [4]
    assert list(chunk_by_size([], max_items=2, max_bytes=10)) == []


@pytest.mark.parametrize(
    ("max_bytes", "per_chunk"),
    [
        # envelope 2, items 10 bytes, separator 1: two items need 2 + 10 + 1 + 10 = 23 bytes.
        (23, 2),
        (24, 2),
        (22, 1),
        # three items: 2 + 30 + 2 = 34
        (34, 3),
        (33, 2),
    ],
)
def test_by_bytes_exact_boundaries(max_bytes: int, per_chunk: int) -> None:
    chunks = list(chunk_by_size(_pairs([10] * 6), max_bytes=max_bytes, envelope_bytes=2, separator_bytes=1))
    assert all(isinstance(c, list) for c in chunks)
    assert [len(c) for c in chunks][:-1] == [per_chunk] * (len(chunks) - 1)
    for chunk in chunks:
        assert isinstance(chunk, list)
        assert _request_size(chunk, 2, 1) <= max_bytes


def test_by_bytes_is_greedy_and_never_exceeds_the_limit() -> None:
    sizes = [7, 3, 12, 1, 1, 9, 20, 4, 4, 4, 15, 2]
    envelope, separator, max_bytes = 11, 2, 40
    chunks = list(chunk_by_size(_pairs(sizes), max_bytes=max_bytes, envelope_bytes=envelope, separator_bytes=separator))

    lists = [c for c in chunks if isinstance(c, list)]
    assert len(lists) == len(chunks)
    for i, chunk in enumerate(lists):
        assert _request_size(chunk, envelope, separator) <= max_bytes
        if i + 1 < len(lists):
            # The next chunk's first item did not fit: greedy packing.
            next_item = lists[i + 1][0][1]
            assert _request_size([*chunk, (None, next_item)], envelope, separator) > max_bytes
    assert [i for c in lists for i, _ in c] == list(range(len(sizes)))


def test_request_built_with_join_json_array_fits() -> None:
    records = [{"sku": f"S{i}", "name": "n" * (i * 3)} for i in range(30)]
    pairs = [(r, dumps_bytes(r)) for r in records]
    max_bytes = 120
    chunks = list(chunk_by_size(pairs, max_bytes=max_bytes, envelope_bytes=2, separator_bytes=1))

    delivered = []
    for chunk in chunks:
        if isinstance(chunk, OversizedItem):
            continue
        body = join_json_array(p for _, p in chunk)
        assert len(body) == _request_size(chunk, 2, 1)
        assert len(body) <= max_bytes
        assert json.loads(body) == [r for r, _ in chunk]
        delivered += [r for r, _ in chunk]
    assert delivered == [r for r in records if 2 + len(dumps_bytes(r)) <= max_bytes]


def test_both_limits_together() -> None:
    chunks = list(chunk_by_size(_pairs([1] * 10), max_items=4, max_bytes=6, envelope_bytes=0, separator_bytes=1))
    # bytes allow 3 items (1+1+1+1+1 = 5 <= 6; 4 items = 7) before the count of 4 does.
    assert [len(c) for c in chunks] == [3, 3, 3, 1]


def test_oversized_item_is_yielded_with_both_sizes_and_the_stream_goes_on() -> None:
    pairs = [("a", b"x" * 5), ("big", b"y" * 50), ("b", b"x" * 5), ("c", b"x" * 5)]
    chunks = list(chunk_by_size(pairs, max_bytes=20, envelope_bytes=4, separator_bytes=1))

    oversized = [c for c in chunks if isinstance(c, OversizedItem)]
    assert len(oversized) == 1
    big = oversized[0]
    assert big.item == "big"
    assert big.size == 54  # envelope + item
    assert big.limit == 20
    assert "54 bytes" in big.reason
    assert "20 bytes" in big.reason
    delivered = [i for c in chunks if isinstance(c, list) for i, _ in c]
    assert delivered == ["a", "b", "c"]


def test_item_exactly_at_the_limit_fits_alone() -> None:
    chunks = list(chunk_by_size([("a", b"x" * 18), ("b", b"x")], max_bytes=20, envelope_bytes=2))
    assert chunks == [[("a", b"x" * 18)], [("b", b"x")]]


def test_order_preserved_by_count_and_bytes() -> None:
    sizes = [3, 9, 1, 4, 4, 8, 2, 2, 7, 5] * 3
    chunks = list(chunk_by_size(_pairs(sizes), max_items=4, max_bytes=25, envelope_bytes=2))
    assert [i for c in chunks if isinstance(c, list) for i, _ in c] == list(range(len(sizes)))
    assert all(isinstance(c, list) and len(c) <= 4 for c in chunks)


def test_join_json_array() -> None:
    assert join_json_array([b"1", b'{"a":2}', b'"s"']) == b'[1,{"a":2},"s"]'
    assert json.loads(join_json_array([b"1", b'{"a":2}'])) == [1, {"a": 2}]
    assert join_json_array([]) == b"[]"
