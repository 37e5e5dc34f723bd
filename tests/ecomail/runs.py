"""Running target-ecomail as a process against its sandbox, and input for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..target_harness import TargetRun, load_demo, stream_messages
from ..target_harness import run_target as _run_target

ECOMAIL_KEY = "ecm-test-key-51b2e8d0"
LIST_ID = "1"

__all__ = ["ECOMAIL_KEY", "LIST_ID", "TargetRun", "load_demo", "run_ecomail", "stream_messages", "subscribers"]


def run_ecomail(workdir: Path, api_url: str, messages: Any, **settings: Any) -> TargetRun:
    """Run target-ecomail on `messages` (list 1, test key, fast settings unless given)."""
    settings.setdefault("list_id", LIST_ID)
    settings.setdefault("shop", "shop.cz")
    settings.setdefault("max_requests_per_minute", 6000)
    # The sandbox answers or drops a call as it processes it, never later (unless a test stalls it):
    # a lost answer can be checked at once.
    settings.setdefault("late_arrival_seconds", 0.2)
    return _run_target("target_ecomail", workdir, api_url, messages, api_key=ECOMAIL_KEY, **settings)


def subscribers(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    """`count` valid subscribers."""
    return [
        {
            "email": f"person{n:06d}@example.cz",
            "name": f"Person {n}",
            "custom_fields": {"SHOP": "shop.cz", "Loyalty_Tier": "gold"},
            "tags": ["newsletter"],
        }
        for n in range(start, start + count)
    ]


def transactions(count: int, *, start: int = 0, status: str = "completed") -> list[dict[str, Any]]:
    """`count` valid orders of the first subscribers."""
    return [
        {
            "order_id": f"ORD{n:07d}",
            "email": f"person{n % 1000:06d}@example.cz",
            "amount": "123.40",
            "timestamp": "2026-03-01T10:00:00+01:00",
            "status": status,
            "transaction_items": [{"code": "SKU1", "title": "Knife", "price": 61.7, "amount": 2}],
        }
        for n in range(start, start + count)
    ]
