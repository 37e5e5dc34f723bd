"""Running target-connectif as a process against its sandbox, and input for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..target_harness import TargetRun, load_demo, stream_messages
from ..target_harness import run_target as _run_target

CONNECTIF_KEY = "test-key-id:test-key-secret"  # the key tests/connectif/conftest.py starts sandboxes with

__all__ = [
    "CONNECTIF_KEY",
    "TargetRun",
    "contacts",
    "load_demo",
    "products",
    "purchases",
    "run_connectif",
    "stream_messages",
]


def run_connectif(workdir: Path, api_url: str, messages: Any, **settings: Any) -> TargetRun:
    """Run target-connectif on `messages` (test key, fast polls unless given)."""
    settings.setdefault("max_requests_per_minute", 6000)
    # The sandbox answers or drops a call as it processes it, never later (unless a test stalls it):
    # a lost answer can be checked at once.
    settings.setdefault("late_arrival_seconds", 0.2)
    settings.setdefault("coupon_set_id", "cs-demo")
    return _run_target("target_connectif", workdir, api_url, messages, api_key=CONNECTIF_KEY, **settings)


def contacts(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    """`count` valid contacts."""
    return [
        {
            "_email": f"contact{n:06d}@example.cz",
            "_name": f"Contact {n}",
            "_newsletterSubscriptionStatus": "subscribed",
            "_points": n % 100,
            "shop_language": "cs",
        }
        for n in range(start, start + count)
    ]


def products(count: int) -> list[dict[str, Any]]:
    """`count` valid products."""
    return [
        {
            "productId": f"P{n:04d}",
            "name": f"Knife {n}",
            "productDetailUrl": f"https://shop.example.cz/p/knife-{n}",
            "unitPrice": 10.5 + n,
            "categories": ["Kitchen/Knives"],
            "availability": "instock",
        }
        for n in range(count)
    ]


def purchases(count: int, *, product_count: int = 3) -> list[dict[str, Any]]:
    """`count` valid purchases of the first contacts and products."""
    return [
        {
            "purchaseId": f"O{n:06d}",
            "contactEmail": f"contact{n % 50:06d}@example.cz",
            "purchaseDate": "2026-03-01T10:00:00+01:00",
            "totalPrice": 21.0,
            "totalQuantity": 2,
            "products": [{"productId": f"P{n % product_count:04d}", "quantity": 2, "price": 21.0, "unitPrice": 10.5}],
        }
        for n in range(count)
    ]
