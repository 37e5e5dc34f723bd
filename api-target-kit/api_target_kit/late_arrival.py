"""A create call whose answer was lost may still land: wait for it before checking whether it arrived.

A call that timed out was received, and the vendor may process it after we gave up on its
answer (a slow backend). Asking at once whether it arrived (PUT of the order, GET of the
purchase) can find it absent; sending it again then creates a second one when the first lands.
So before that check the sink waits `late_arrival_seconds` (default: `request_timeout_seconds`,
i.e. the vendor gets as long again as we waited for its answer).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from singer_sdk import typing as th

from api_target_kit.run_report import RunReport

SETTING = "late_arrival_seconds"


def late_arrival_setting() -> th.Property[Any]:
    """`late_arrival_seconds`, for targets that check whether a lost create call arrived."""
    return th.Property(
        SETTING,
        th.NumberType,
        description=(
            "How long after the answer to a create call was lost (timeout, dropped connection) the vendor "
            "may still process it: the target waits that long before checking whether it arrived, so that "
            "a slow call is never created twice. Default: request_timeout_seconds."
        ),
    )


def late_arrival_seconds(config: Mapping[str, Any]) -> float:
    """The configured wait, else the request timeout."""
    value = config.get(SETTING)
    return float(config.get("request_timeout_seconds", 60) if value is None else value)


def wait_for_late_arrival(
    config: Mapping[str, Any], report: RunReport | None = None, *, sleep: Callable[[float], None] = time.sleep
) -> float:
    """Sleep `late_arrival_seconds` (call it when the answer was lost); return the wait.

    With `report`, the progress line says the run is waiting for a late-arrival check meanwhile.
    """
    wait = late_arrival_seconds(config)
    if wait > 0:
        if report is None:
            sleep(wait)
        else:
            with report.waiting("late-arrival check", wait):
                sleep(wait)
    return wait
