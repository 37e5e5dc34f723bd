"""The rejects file: a replayable Singer file of every record that was not delivered.

Each stream gets its SCHEMA (with an added `_reject_reason` string) before its first
RECORD; each record carries the reason. `target-x --input rejects.singer` replays it
once the cause is fixed (the kit drops `_reject_reason` before sending).

Each run writes a new file: a rejects file left by an earlier run is first renamed with
its modification time in the name (`x-rejects.20261123T101500.singer`), so nothing of it
is lost and a replay of that file never reads the records it is itself rejecting.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import threading
from pathlib import Path
from typing import Any, TextIO

from api_target_kit.errors import ConfigurationError, RejectsFileError
from api_target_kit.json_payload import dumps_text
from api_target_kit.secrets import SecretRedactor

REJECT_REASON = "_reject_reason"


class RejectsWriter:
    """Appends rejected records to one Singer file; thread-safe; opened on first use."""

    def __init__(self, path: str | os.PathLike[str], redact: SecretRedactor) -> None:
        self.path = Path(path)
        self._redact = redact
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        self._schemas_written: set[str] = set()
        self.count = 0
        #: Where an earlier run's rejects file was moved, if there was one.
        self.rotated_to: Path | None = None

    def write(
        self,
        stream: str,
        schema: dict[str, Any],
        record: dict[str, Any],
        reason: str,
        key_properties: list[str] | None = None,
    ) -> None:
        """Write one rejected record with its reason (and its stream's SCHEMA if new)."""
        reason = self._redact(reason)
        line = {"type": "RECORD", "stream": stream, "record": {**record, REJECT_REASON: reason}}
        with self._lock:
            try:
                handle = self._open()
                if stream not in self._schemas_written:
                    handle.write(dumps_text(self._schema_message(stream, schema, key_properties)) + "\n")
                    self._schemas_written.add(stream)
                handle.write(dumps_text(line) + "\n")
                handle.flush()
            except OSError as exc:
                raise self._cannot_write(exc, f"a rejected record of stream {stream!r} could not be set aside") from exc
            self.count += 1

    def sync(self) -> None:
        """Make what was written durable (called before a batch is confirmed)."""
        with self._lock:
            if self._file is not None:
                try:
                    self._file.flush()
                    os.fsync(self._file.fileno())
                except OSError as exc:
                    raise self._cannot_write(exc, "the rejected records could not be made durable") from exc

    def close(self) -> None:
        """Flush and close."""
        with self._lock:
            if self._file is not None:
                try:
                    self._file.close()
                except OSError:
                    pass  # a write to it failed already, and said so (`RejectsFileError`)
                self._file = None

    def _cannot_write(self, exc: OSError, what: str) -> RejectsFileError:
        return RejectsFileError(
            f"cannot write the rejects file {str(self.path)!r} ({exc.strerror or exc}): {what}, so the run "
            "stops before any STATE passes it. Free the space or fix rejects_path, then rerun: the run "
            "resumes from its last STATE."
        )

    def _open(self) -> TextIO:
        if self._file is None:
            if self.path.is_dir():  # else the directory itself would be moved aside as an old file
                raise ConfigurationError(
                    f"rejects_path {str(self.path)!r} is a directory: name a file in it, "
                    f"e.g. {str(self.path / 'rejects.singer')!r}"
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.rotated_to = rotate_aside(self.path)
            # A rejected record may hold text that is not Unicode (a lone surrogate): written
            # as its JSON escape (`\ud800`), so the line stays valid JSON and replays as it came.
            self._file = self.path.open("w", encoding="utf-8", errors="backslashreplace")
        return self._file

    @staticmethod
    def _schema_message(stream: str, schema: dict[str, Any], key_properties: list[str] | None) -> dict[str, Any]:
        with_reason: dict[str, Any] = copy.deepcopy(schema) if schema else {"type": "object"}
        properties: dict[str, Any] = dict(with_reason.get("properties") or {})
        properties[REJECT_REASON] = {"type": ["string", "null"]}
        with_reason["properties"] = properties
        return {"type": "SCHEMA", "stream": stream, "schema": with_reason, "key_properties": list(key_properties or [])}


def rotate_aside(path: Path) -> Path | None:
    """Rename a non-empty `path` to `<stem>.<mtime>.<suffix>`; return the new path."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    if stat.st_size == 0:
        return None
    stamp = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.stem}.{stamp}{path.suffix}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.stem}.{stamp}-{counter}{path.suffix}")
        counter += 1
    path.rename(target)
    return target
