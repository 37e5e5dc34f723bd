"""Per-record calls in parallel: the shared rate limit paces them, threads hide the latency."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

#: Enough threads to keep a 1000/min budget busy at ~1 s per call; the limiter paces them.
DEFAULT_WORKERS = 8


def for_each_concurrently(items: Iterable[T], send: Callable[[T], object], *, workers: int = DEFAULT_WORKERS) -> None:
    """Call `send` on every item from a small thread pool; wait for all of them (results are ignored).

    After the first exception no new call starts; it is raised here once the calls under
    way have finished (so none is left running while the batch fails).
    """
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        for item in items:
            send(item)
        return
    failed = threading.Event()

    def guarded(item: T) -> None:
        if failed.is_set():
            return
        try:
            send(item)
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="per-record") as pool:
        futures = [pool.submit(guarded, item) for item in items]
    errors: list[BaseException] = [e for f in futures if (e := f.exception()) is not None]
    if errors:
        raise errors[0]
