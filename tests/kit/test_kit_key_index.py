"""KeyIndex: the live row of each staged key, past the recent dict (folded into the buckets), and sealed; RowSpans."""

from __future__ import annotations

import pytest

from api_target_kit.key_index import RECENT, KeyIndex
from api_target_kit.staging_file import SPAN_BLOCK, RowSpans


def test_keys_are_found_replaced_and_dropped_after_they_are_folded_into_the_buckets() -> None:
    keys: list[str] = []  # row -> key, as the staging file would give it back
    index = KeyIndex(lambda row: keys[row])

    def stage(key: str) -> None:
        index.pop(key)
        index.put(key, len(keys))
        keys.append(key)

    total = 3 * RECENT + 5
    for n in range(total):
        stage(f"k{n}@example.it")
    stage("k7@example.it")  # folded long ago: replaced by a new row
    assert index.pop("k8@example.it") == 8
    assert index.pop("k8@example.it") is None

    assert len(index) == total - 1
    assert index.get("k7@example.it") == total and index.get(f"k{total - 1}@example.it") == total - 1
    assert index.get("k8@example.it") is None and "nobody@example.it" not in index
    rows = list(index.live_rows())
    assert rows == sorted(rows) and len(rows) == total - 1
    assert 7 not in rows and 8 not in rows and total in rows
    assert not index.is_live(7) and index.is_live(total)
    assert index.has_hash_of("k9@example.it") and not index.has_hash_of("k8@example.it")


def test_a_sealed_index_tells_the_batch_keys_from_others_by_hash_alone() -> None:
    keys = [f"k{n}@example.it" for n in range(2 * RECENT + 3)]
    index = KeyIndex(lambda row: keys[row])
    for row, key in enumerate(keys):
        index.put(key, row)
    index.pop("k5@example.it")
    index.seal()

    assert all(index.has_hash_of(key) for key in keys if key != "k5@example.it")
    assert not index.has_hash_of("k5@example.it") and not index.has_hash_of("nobody@example.it")
    assert len(index) == len(keys) - 1
    assert list(index.live_rows()) == [row for row in range(len(keys)) if row != 5]
    with pytest.raises(IndexError):  # a sealed index no longer looks keys up
        index.get("k9@example.it")


def test_row_spans_give_each_row_its_start_and_length_long_rows_included() -> None:
    lengths = [(n * 37) % 300 + 1 for n in range(3 * SPAN_BLOCK + 10)]
    lengths[70] = 70_000  # past 16 bits
    lengths[SPAN_BLOCK + 1] = 0xFFFF
    spans = RowSpans()
    starts = []
    for length in lengths:
        starts.append(spans.end)
        assert spans.append(length) == len(starts) - 1

    assert len(spans) == len(lengths) and spans.end == sum(lengths)
    for row in (0, 63, 64, 70, 71, 127, SPAN_BLOCK - 1, SPAN_BLOCK, SPAN_BLOCK + 2, len(lengths) - 1):
        assert (spans.start(row), spans.length(row)) == (starts[row], lengths[row])
    some = [0, 1, 2, 70, 71, 500, 501, SPAN_BLOCK + 1, SPAN_BLOCK + 2, len(lengths) - 1]
    assert list(spans.spans(some)) == [(row, starts[row], lengths[row]) for row in some]


class _SameHash(str):
    """A key whose hash is that of every other `_SameHash`: a collision in every bucket entry."""

    def __hash__(self) -> int:
        return 0x5EED_0000_0000_0000


def test_keys_with_the_same_hash_are_told_apart_by_the_key_read_back() -> None:
    keys = [_SameHash(f"same{n}@example.it") for n in range(3)] + [f"k{n}@example.it" for n in range(RECENT)]
    index = KeyIndex(lambda row: keys[row])
    for row, key in enumerate(keys):
        index.put(key, row)  # the three colliding keys are folded with the first RECENT

    assert index.get(keys[2]) == 2 and index.get(keys[1]) == 1
    assert index.get(_SameHash("other@example.it")) is None  # same hash, no such key
    assert index.pop(keys[1]) == 1
    assert index.get(keys[0]) == 0 and index.get(keys[2]) == 2 and index.get(keys[1]) is None
    assert index.has_hash_of(keys[0])
    index.seal()
    assert index.has_hash_of(keys[2]) and index.has_hash_of(_SameHash("other@example.it"))
    assert not index.has_hash_of("nobody@example.it")
