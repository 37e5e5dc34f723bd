"""Dry runs: every request a real run would send, written to a file instead of sent."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, TextIO

from api_target_kit.json_payload import dumps_text


class DryRunRecorder:
    """Writes `{"method", "path", "body"}` lines; counts the requests. No headers, no key."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        self.requests = 0

    def record(self, method: str, path: str, body: Any) -> None:
        """Write one request that a real run would send."""
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("w", encoding="utf-8")
            self._file.write(dumps_text({"method": method, "path": path, "body": body}) + "\n")
            self.requests += 1

    def close(self) -> None:
        """Flush and close the file."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
