"""The small local SQLite files the targets keep between runs (ledgers, indexes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_sqlite(path: str | None, *schema: str) -> sqlite3.Connection:
    """Open (creating its folder) the database at `path`, in memory when None, and run `schema`.

    The connection may be used from any thread; callers serialise access with their own lock.
    """
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path or ":memory:", check_same_thread=False)
    for statement in schema:
        db.execute(statement)
    db.commit()
    return db
