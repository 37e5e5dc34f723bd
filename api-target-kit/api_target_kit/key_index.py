"""key -> row number for a batch staged on disk, in about 8 bytes a key instead of ~150.

The batch's rows are on disk (`staging_file.StagingFile`); what stays in memory per row is
what it takes to find a key's row and to tell live rows from replaced ones:

- the latest keys in a plain dict (at most `RECENT` of them: a key replaced soon after it was
  staged is found there by its text);
- older keys as 8 bytes each, the key's hash (its top 40 bits) and its row (24 bits), appended
  to one of `BUCKETS` byte strings chosen by the hash's low bits. A key is found by a byte
  search of its bucket (in C, no number boxed per step; unsorted, so folding a key is an
  append, not an insertion), and a hash match is checked against the key read back from the
  row (`key_of(row)`), so a collision never replaces the wrong row;
- a 512 KB filter of the folded keys' hashes (made at the first fold), so that a key staged for
  the first time is seldom searched for in the buckets;
- one bit per row replaced or dropped (dead), kept only once a row dies: a batch whose keys
  never repeat has none.

Once no key is looked up any more (the batch is being sent), `seal` keeps only what tells the
batch's keys from others: each key's hash in 4 bytes (42 bits with the bucket's bits).

A batch of more than 2**24 rows (16.7 million) keeps the keys of the rows past that in the
dict.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterator
from itertools import chain, compress, repeat

#: Keys kept by their text before they are folded into the buckets.
RECENT = 16_384
#: Byte strings the folded keys are spread over, by the low bits of their hash: a search reads
#: one (≈ 1.6 KB at 410,000 keys).
BUCKETS = 2048
_BUCKET_MASK = BUCKETS - 1
_ROW_BITS = 24
_ROW_MASK = (1 << _ROW_BITS) - 1
_HASH_MASK = (1 << 64) - 1
_TOP_MASK = _HASH_MASK ^ _ROW_MASK
#: A bit per value of a hash's top `_FILTER_BITS` bits (512 KB), set for every key folded into
#: the buckets: a key whose bit is clear was never folded, so most keys staged for the first
#: time are not searched for there.
_FILTER_BITS = 22
_FILTER_SHIFT = 64 - _FILTER_BITS
#: An entry is the 64-bit number `hash's top 40 bits << 24 | row`, little-endian: its row in
#: bytes 0-2, the hash in bytes 3-7 (`_HASH_AT`). Sealed, the top 32 bits in 4 bytes.
_ENTRY = 8
_HASH_AT = 3
_SEALED = 4
_SWAP = sys.byteorder != "little"  # arrays are in the machine's order; entries are little-endian
#: For each byte of the dead-row bitmap, its 8 rows' live flags (1 = live).
_LIVE_FLAGS = [bytes(1 - (byte >> bit & 1) for bit in range(8)) for byte in range(256)]


def _no_rows(row: int) -> str:
    raise LookupError(f"row {row}: the batch's file is closed")


class KeyIndex:
    """The live row of each key staged in a batch; `key_of(row)` reads a row's key back."""

    def __init__(self, key_of: Callable[[int], str]) -> None:
        self._key_of = key_of
        self._recent: dict[str, int] = {}
        self._large: dict[str, int] = {}  # keys of rows past 2**24
        self._buckets: list[bytearray] = [bytearray() for _ in range(BUCKETS)]
        self._folded = bytearray()  # the filter of folded keys (see `_FILTER_BITS`), made at the first fold
        self._hashes: list[bytes] | None = None  # once sealed: per bucket, the keys' hashes' top 32 bits
        self._dead = bytearray()  # bit `row % 8` of byte `row // 8`: the row was replaced or dropped
        self._rows = 0  # rows put so far (the newest + 1)
        self._count = 0

    def detach(self) -> None:
        """Drop `key_of` once the rows' file is gone.

        `key_of` refers back to the batch: kept, it would make a reference cycle that only the
        garbage collector's rare full collections free. `has_hash_of`, `live_rows` and `len` still work; `get` and `pop` no longer read rows back.
        """
        self._key_of = _no_rows

    def __len__(self) -> int:
        """Live keys."""
        return self._count

    def __contains__(self, key: object) -> bool:
        """True if `key` has a live row."""
        return isinstance(key, str) and self.get(key) is not None

    def get(self, key: str) -> int | None:
        """The live row of `key`, if any."""
        row = self._recent.get(key)
        if row is None and self._large:
            row = self._large.get(key)
        if row is None:
            found = self._find(key)
            row = None if found is None else found[2]
        return row

    def put(self, key: str, row: int) -> None:
        """Record `row` (the newest row of the batch) as the live row of `key`, which has none."""
        if row >= self._rows:
            self._rows = row + 1
        elif row >> 3 < len(self._dead):
            self._dead[row >> 3] &= ~(1 << (row & 7))
        self._count += 1
        if row > _ROW_MASK:
            self._large[key] = row
            return
        self._recent[key] = row
        if len(self._recent) >= RECENT:
            self._fold()

    def pop(self, key: str) -> int | None:
        """Forget the live row of `key` (marked dead); return it, if there was one."""
        row = self._recent.pop(key, None)
        if row is None and self._large:
            row = self._large.pop(key, None)
        if row is None:
            found = self._find(key)
            if found is None:
                return None
            bucket, at, row = found
            del bucket[at : at + _ENTRY]
        byte = row >> 3
        if byte >= len(self._dead):  # grown to cover every row so far (an eighth of a byte each)
            self._dead.extend(bytes((self._rows >> 3) + 1 - len(self._dead)))
        self._dead[byte] |= 1 << (row & 7)
        self._count -= 1
        return row

    def is_live(self, row: int) -> bool:
        """True if `row` is some key's live row."""
        if row >= self._rows:
            return False
        byte = row >> 3
        return byte >= len(self._dead) or not self._dead[byte] >> (row & 7) & 1

    def live_rows(self) -> Iterator[int]:
        """The live rows, in row order."""
        if not self._dead:
            return iter(range(self._rows))
        flags = chain(chain.from_iterable(_LIVE_FLAGS[byte] for byte in self._dead), repeat(1))
        return compress(range(self._rows), flags)

    def seal(self) -> None:
        """Keep only the keys' hashes, 4 bytes each, for `has_hash_of`: the keys are no longer looked up.

        Done before a full batch is sent, so that the request's buffers reuse the memory the
        buckets held. `has_hash_of`, `live_rows`, `is_live` and `len` still work; `get`, `put`
        and `pop` no longer do. Converted bucket by bucket (no second copy of them all).
        """
        if self._hashes is not None:
            return
        self._fold()
        hashes = []
        for number, bucket in enumerate(self._buckets):
            entries = array("Q")
            entries.frombytes(bucket)
            if _SWAP:
                entries.byteswap()
            sealed = array("I", [packed >> 32 for packed in entries])
            if _SWAP:
                sealed.byteswap()
            hashes.append(sealed.tobytes())
            self._buckets[number] = bytearray()
        self._hashes, self._buckets = hashes, []
        self._folded = bytearray()
        self._key_of = _no_rows

    def has_hash_of(self, key: str) -> bool:
        """True if `key` or a key with the same hash is live (no read-back: for a batch whose file is gone)."""
        if key in self._recent or key in self._large:
            return True
        full = hash(key) & _HASH_MASK
        if self._hashes is not None:
            return _search(self._hashes[full & _BUCKET_MASK], (full >> 32).to_bytes(4, "little"), 0, 0, _SEALED) >= 0
        return _search(self._buckets[full & _BUCKET_MASK], _needle(full), _HASH_AT, _HASH_AT, _ENTRY) >= 0

    def _find(self, key: str) -> tuple[bytearray, int, int] | None:
        """(bucket, where the key's entry starts in it, its row), if the key was folded."""
        if self._hashes is not None:
            raise IndexError("the key index is sealed: keys are no longer looked up")
        full = hash(key) & _HASH_MASK
        bit = full >> _FILTER_SHIFT
        folded = self._folded
        if not folded or not folded[bit >> 3] >> (bit & 7) & 1:
            return None
        bucket = self._buckets[full & _BUCKET_MASK]
        needle = _needle(full)
        at = _search(bucket, needle, _HASH_AT, _HASH_AT, _ENTRY)
        while at >= 0:
            start = at - _HASH_AT
            row = int.from_bytes(bucket[start:at], "little")
            if self._key_of(row) == key:
                return bucket, start, row
            at = _search(bucket, needle, at + _ENTRY, _HASH_AT, _ENTRY)
        return None

    def _fold(self) -> None:
        """Move the recent keys into the buckets (each appended at its bucket's end)."""
        added: list[list[int]] = [[] for _ in range(BUCKETS)]
        if not self._folded:
            self._folded = bytearray(1 << (_FILTER_BITS - 3))
        folded = self._folded
        for key, row in self._recent.items():
            full = hash(key) & _HASH_MASK
            bit = full >> _FILTER_SHIFT
            folded[bit >> 3] |= 1 << (bit & 7)
            added[full & _BUCKET_MASK].append(full & _TOP_MASK | row)
        self._recent = {}
        for bucket, new in zip(self._buckets, added, strict=True):
            if new:
                entries = array("Q", new)
                if _SWAP:
                    entries.byteswap()
                bucket.extend(entries)  # its bytes (a buffer), not its numbers


def _needle(full: int) -> bytes:
    """The 5 bytes of a hash's top 40 bits as an entry holds them."""
    return (full >> _ROW_BITS).to_bytes(5, "little")


def _search(data: bytes | bytearray, needle: bytes, start: int, offset: int, width: int) -> int:
    """The first place from `start` where `needle` is at `offset` in an entry of `width` bytes; -1 if none."""
    at = data.find(needle, start)
    while at >= 0 and at % width != offset:
        at = data.find(needle, at + 1)
    return at
