"""Finding the bad items of a bulk call the vendor refused as a whole.

When a bulk endpoint answers a validation error (e.g. 422) for the whole call, the batch is
split in halves and each half sent again, until the refused items stand alone and can be
rejected with the vendor's reason; every good item is still delivered. A batch with k bad
items costs about k * log2(n) extra calls, and none when nothing is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TypeVar

from api_target_kit.errors import VendorError

T = TypeVar("T")


def send_isolating_refusals(
    items: Sequence[T],
    send: Callable[[Sequence[T]], None],
    refuse: Callable[[T, VendorError], None],
    *,
    statuses: Collection[int] = (400, 422),
) -> int:
    """Send `items` with `send`; hand each item the vendor refuses on its own to `refuse`.

    Only a `VendorError` whose status is in `statuses` splits the batch; anything else
    propagates (the batch is not confirmed). Returns how many items were delivered.
    """
    if not items:
        return 0
    try:
        send(items)
    except VendorError as exc:
        if exc.status not in statuses:
            raise
        if len(items) == 1:
            refuse(items[0], exc)
            return 0
        middle = len(items) // 2
        return send_isolating_refusals(items[:middle], send, refuse, statuses=statuses) + send_isolating_refusals(
            items[middle:], send, refuse, statuses=statuses
        )
    return len(items)
