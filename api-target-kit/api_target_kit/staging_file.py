"""A bulk call staged on disk, and sent from there: memory does not grow with the call's size.

`StagingFile` is an append-only temporary file in the system's temp directory, unlinked as
soon as it is created (so the operating system removes it when the process ends, however it
ends), closed when its import is confirmed or failed. Records are appended as they are staged
(encoded payloads only: never the API key); a range is read back with `os.pread`.

`StreamedBody` is a request body read from such a file when it is sent: its length is known
up front (a `Content-Length`, never chunked), and each attempt iterates it from the start, so a
retried call re-reads the file. `multipart_body` wraps a file body in a `multipart/form-data`
form the same way. `RowSpans` says where each row of such a file starts, in about 2 bytes a row.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping

#: Bytes gathered in memory before they are written to the file, and read back per piece: small
#: enough that a piece fits memory the allocator already holds (with 1 MB pieces, sending or
#: rewriting a full batch took new pages).
BLOCK = 1 << 18


class StagingFile:
    """Append-only temporary file: `append` returns where the bytes start; `read` gives them back."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="api-target-staging-")  # closed by `close`
        self._fd = self._file.fileno()
        self._pending = bytearray()
        self._written = 0
        #: Bytes appended so far.
        self.size = 0

    def append(self, data: bytes | bytearray | memoryview) -> int:
        """Add `data` at the end; return its offset."""
        start = self.size
        self._pending += data
        self.size += len(data)
        if len(self._pending) >= BLOCK:
            self._write_pending()
        return start

    def read(self, start: int, length: int) -> bytes:
        """The `length` bytes at `start`."""
        if start + length > self._written:
            self._write_pending()
        return os.pread(self._fd, length, start)

    def ranges(self, spans: Iterable[tuple[int, int]]) -> Iterator[bytes]:
        """The bytes of each `(start, length)` span in turn, in pieces of at most `BLOCK` bytes."""
        self._write_pending()
        for first, length in spans:
            at, end = first, first + length
            while at < end:
                piece = os.pread(self._fd, min(BLOCK, end - at), at)
                if not piece:
                    raise OSError(f"staging file ended at {at} (wanted up to {end})")
                at += len(piece)
                yield piece

    def reader(self) -> SequentialReader:
        """A reader for ranges read in increasing order (one `pread` per block, not per range)."""
        self._write_pending()
        return SequentialReader(self._fd)

    def close(self) -> None:
        """Close (and so delete) the file."""
        self._pending = bytearray()
        self._file.close()

    def _write_pending(self) -> None:
        if self._pending:
            view = memoryview(self._pending)
            while view:
                view = view[os.write(self._fd, view) :]
            self._written += len(self._pending)
            self._pending = bytearray()


def with_offset(offsets: array[int], offset: int) -> array[int]:
    """`offsets` (4 bytes each while the file is under 4 GiB) with `offset` appended: a wider copy past that."""
    if offset > 0xFFFFFFFF and offsets.typecode == "I":
        offsets = array("Q", offsets)
    offsets.append(offset)
    return offsets


#: Rows per block of `RowSpans` (each block is allocated at its full size: 32 KiB).
SPAN_BLOCK = 1 << 14
#: Rows between two offsets `RowSpans` keeps.
MARK_EVERY = 64
_LONG = 0xFFFF


class RowSpans:
    """Where each row of a file of rows (appended one after the other) starts, and its length.

    A row's length in 16 bits (rows of 65,535 bytes or more in a dict), in blocks of
    `SPAN_BLOCK` rows allocated at their full size, so that a growing batch never copies one
    large array (which leaves the allocator holding both, and the next batch's arrays in its
    heap); and the offset of every `MARK_EVERY`-th row. A row starts where the marked row
    before it does, plus the lengths in between. About 2.1 bytes a row.
    """

    def __init__(self) -> None:
        self._blocks: list[array[int]] = []
        self._block = array("H")
        self._marks = array("Q")  # offset of rows 0, MARK_EVERY, 2 * MARK_EVERY, ...
        self._long: dict[int, int] = {}  # row -> length, for rows of `_LONG` bytes or more
        self._rows = 0
        #: Bytes of the rows so far (where the next row starts).
        self.end = 0

    def __len__(self) -> int:
        """Rows appended."""
        return self._rows

    def append(self, length: int) -> int:
        """Add a row of `length` bytes after the last; return its number."""
        row = self._rows
        self._rows = row + 1
        if not row % MARK_EVERY:
            if not row % SPAN_BLOCK:
                self._block = array("H", bytes(2 * SPAN_BLOCK))
                self._blocks.append(self._block)
            self._marks.append(self.end)
        self.end += length
        if length >= _LONG:
            self._long[row] = length
            length = _LONG
        self._block[row % SPAN_BLOCK] = length
        return row

    def length(self, row: int) -> int:
        """The bytes of `row`."""
        length = self._blocks[row // SPAN_BLOCK][row % SPAN_BLOCK]
        return self._long[row] if length == _LONG else length

    def start(self, row: int) -> int:
        """Where `row` starts."""
        first = row - row % MARK_EVERY
        block, at = self._blocks[row // SPAN_BLOCK], first % SPAN_BLOCK
        before = sum(block[at : at + row - first])
        if self._long:
            before += sum(self._long[n] - _LONG for n in range(first, row) if n in self._long)
        return int(self._marks[row // MARK_EVERY]) + before

    def spans(self, rows: Iterable[int]) -> Iterator[tuple[int, int, int]]:
        """`(row, start, length)` of each of `rows`, taken in increasing order."""
        following, start = 0, 0
        for row in rows:
            if row != following:
                start = self.start(row)
            length = self.length(row)
            yield row, start, length
            following, start = row + 1, start + length


class SequentialReader:
    """Reads ranges of a file through a window of `BLOCK` bytes (ranges taken in increasing order)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._window = b""
        self._at = 0

    def read(self, start: int, length: int) -> bytes:
        """The `length` bytes at `start`."""
        offset = start - self._at
        if offset < 0 or offset + length > len(self._window):
            self._window = os.pread(self._fd, max(BLOCK, length), start)
            self._at, offset = start, 0
        return self._window[offset : offset + length]


class StreamedBody:
    """A request body of known length, produced afresh for each attempt (a retry re-reads it).

    requests sends an iterable with a length as a `Content-Length` body, piece by piece.
    """

    def __init__(self, length: int, pieces: Callable[[], Iterable[bytes]]) -> None:
        self.length = length
        self._pieces = pieces

    def __len__(self) -> int:
        """The body's bytes."""
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        """The body from its start."""
        sent = 0
        for piece in self._pieces():
            sent += len(piece)
            yield piece
        if sent != self.length:  # the Content-Length would be wrong: never send a short or long body
            raise ValueError(f"streamed body has {sent} bytes, {self.length} announced")

    def read_all(self) -> bytes:
        """The whole body in memory (for a dry run or a test)."""
        return b"".join(self)


def multipart_body(
    fields: Mapping[str, str], file_field: str, filename: str, content_type: str, file: StreamedBody
) -> tuple[StreamedBody, str]:
    """A `multipart/form-data` form of `fields` and one file streamed from `file`; with its Content-Type."""
    boundary = uuid.uuid4().hex
    head = bytearray()
    for name, value in fields.items():
        head += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        head += value.encode("utf-8") + b"\r\n"
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    prefix = bytes(head)

    def pieces() -> Iterator[bytes]:
        yield prefix
        yield from file
        yield tail

    return StreamedBody(len(prefix) + len(file) + len(tail), pieces), f"multipart/form-data; boundary={boundary}"
