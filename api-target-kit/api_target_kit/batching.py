"""Cutting a run of serialised payloads into requests bounded by count and bytes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class OversizedItem(Generic[T]):
    """An item that alone is larger than a request may be."""

    def __init__(self, item: T, size: int, limit: int) -> None:
        self.item = item
        self.size = size
        self.limit = limit

    @property
    def reason(self) -> str:
        """A reject reason naming both sizes."""
        return f"payload of {self.size} bytes exceeds the vendor's request limit of {self.limit} bytes"


def chunk_by_size(
    items: Iterable[tuple[T, bytes]],
    *,
    max_items: int | None = None,
    max_bytes: int | None = None,
    envelope_bytes: int = 0,
    separator_bytes: int = 1,
) -> Iterator[list[tuple[T, bytes]] | OversizedItem[T]]:
    """Group `(item, serialised)` pairs into chunks that fit one request.

    A chunk holds at most `max_items` pairs, and the request built from it, the envelope
    plus every serialised item plus a separator between items, is at most `max_bytes`.
    An item too large for any request is yielded alone as an `OversizedItem`, so the
    caller can reject it with its reason instead of losing it.
    """
    chunk: list[tuple[T, bytes]] = []
    size = envelope_bytes
    for item, payload in items:
        item_size = len(payload)
        if max_bytes is not None and envelope_bytes + item_size > max_bytes:
            yield OversizedItem(item, envelope_bytes + item_size, max_bytes)
            continue
        added = item_size + (separator_bytes if chunk else 0)
        full_by_count = max_items is not None and len(chunk) >= max_items
        full_by_bytes = max_bytes is not None and size + added > max_bytes
        if chunk and (full_by_count or full_by_bytes):
            yield chunk
            chunk, size, added = [], envelope_bytes, item_size
        chunk.append((item, payload))
        size += added
    if chunk:
        yield chunk


def join_json_array(payloads: Iterable[bytes]) -> bytes:
    """Serialised JSON values joined into one JSON array, without re-serialising them."""
    return b"[" + b",".join(payloads) + b"]"
