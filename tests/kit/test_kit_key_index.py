"""KeyIndex: the live row of each staged key, past the recent dict (folded into sorted arrays)."""

from __future__ import annotations

from api_target_kit.key_index import RECENT, KeyIndex


def test_keys_are_found_replaced_and_dropped_after_they_are_folded_into_the_arrays() -> None:
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
