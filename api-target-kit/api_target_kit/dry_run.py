"""Dry runs: every request a real run would send, written to a file instead of sent.

One JSON line per request, `{"method", "path", "body"}`, with the request's whole body. A body
larger than `inline_body_bytes` (and every file a request would upload, such as an import CSV)
is written to its own file in `<dry_run_path without suffix>.bodies/`, and the line names it:
`"body_file"` and `"body_bytes"`, or `"file"` and `"file_bytes"` beside the form in `"body"`.
The polls of an asynchronous job are lines too (`"poll": n`), as many as `PollSchedule.polls_for`
expects. No headers, no key.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, TextIO

from api_target_kit.json_payload import dumps_text

#: Bodies above this many bytes go to their own file (the line stays readable; a 50 MB import fits).
INLINE_BODY_BYTES = 1_000_000


class DryRunRecorder:
    """Writes one line per request a real run would send; counts them."""

    def __init__(self, path: str | os.PathLike[str], *, inline_body_bytes: int = INLINE_BODY_BYTES) -> None:
        self.path = Path(path)
        self.bodies = self.path.with_suffix(".bodies") if self.path.suffix else Path(f"{self.path}.bodies")
        self.inline_body_bytes = inline_body_bytes
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        self._side_files = 0
        self.requests = 0
        self.polls = 0

    def record(self, method: str, path: str, body: Any, *, upload: bytes | None = None, suffix: str = ".csv") -> None:
        """Write one request: `body` is JSON-ready, or JSON already encoded (bytes); `upload` a file it sends."""
        with self._lock:
            line = f'{{"method":{dumps_text(method)},"path":{dumps_text(path)},'
            if isinstance(body, (bytes, bytearray)):
                if len(body) > self.inline_body_bytes:
                    line += self._side_file(bytes(body), ".json", "body")
                else:
                    line += '"body":' + bytes(body).decode("utf-8")
            else:
                text = dumps_text(body)
                if len(text) > self.inline_body_bytes:
                    line += self._side_file(text.encode("utf-8"), ".json", "body")
                else:
                    line += '"body":' + text
            if upload is not None:
                line += "," + self._side_file(upload, suffix, "file")
            self._write(line + "}")

    def record_polls(self, path: str, count: int) -> None:
        """Write the `count` polls (`GET path`) a real run would make of one asynchronous job."""
        with self._lock:
            for number in range(1, count + 1):
                self._write(dumps_text({"method": "GET", "path": path, "body": None, "poll": number}))
            self.polls += count

    def close(self) -> None:
        """Flush and close the file."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _open(self) -> TextIO:
        """The file, opened (and side files of an earlier dry run to the same path removed) on first use."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
            for stale in self.bodies.glob("request-*") if self.bodies.is_dir() else ():
                stale.unlink()
        return self._file

    def _write(self, line: str) -> None:
        """One line (lock held)."""
        self._open().write(line + "\n")
        self.requests += 1

    def _side_file(self, content: bytes, suffix: str, kind: str) -> str:
        """Write `content` to its own file (lock held); return the line's `"<kind>_file"`-style fields."""
        self._open()
        self.bodies.mkdir(parents=True, exist_ok=True)
        self._side_files += 1
        side = self.bodies / f"request-{self.requests + 1:06d}-{self._side_files}{suffix}"
        side.write_bytes(content)
        name = "file" if kind == "file" else "body_file"
        size = "file_bytes" if kind == "file" else "body_bytes"
        return f'"{name}":{dumps_text(str(side))},"{size}":{len(content)}'
