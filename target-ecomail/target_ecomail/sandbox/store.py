"""Everything the sandbox keeps, with the admin snapshot and summary counts. Callers hold the lock."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .contacts import COMPLAINED, HARD_BOUNCE, SUBSCRIBED, UNCONFIRMED, UNSUBSCRIBED, ContactBook
from .coupons import CouponFolders
from .journal import Journal
from .orders import OrderBook

#: Items and keys Ecomail drops without saying so, counted for the summary.
IGNORED_COUNTERS: tuple[str, ...] = (
    "subscribe_bulk_items_ignored",
    "update_bulk_items_ignored",
    "custom_field_keys_ignored",
)


class Store:
    """Contacts, orders, events, coupons and automation runs, plus the counts of ignored input."""

    def __init__(self) -> None:
        """Start empty."""
        self.contacts = ContactBook()
        self.orders = OrderBook()
        self.events = Journal()
        self.coupons = CouponFolders()
        self.runs = Journal()
        self.ignored: Counter[str] = Counter()

    def note_ignored(self, counter: str, count: int) -> None:
        """Add ``count`` (when positive) to one of :data:`IGNORED_COUNTERS`."""
        if count > 0:
            self.ignored[counter] += count

    def snapshot(self) -> dict[str, Any]:
        """Everything stored: contacts with memberships, orders (duplicates too), events, coupons, runs."""
        return {
            "contacts": self.contacts.snapshot(),
            "transactions": self.orders.snapshot(),
            "events": self.events.entries(),
            "coupons": self.coupons.snapshot(),
            "automation_runs": self.runs.entries(),
        }

    def counts(self) -> dict[str, int]:
        """The figures of ``GET /_sandbox/summary``."""
        statuses = self.contacts.status_counts()
        return {
            "contacts": len(self.contacts),
            "subscribers_subscribed": statuses[SUBSCRIBED],
            "subscribers_unsubscribed": statuses[UNSUBSCRIBED],
            "subscribers_unconfirmed": statuses[UNCONFIRMED],
            "subscribers_hard_bounced": statuses[HARD_BOUNCE],
            "subscribers_complained": statuses[COMPLAINED],
            **self.orders.counts(),
            "events": len(self.events),
            "coupons": len(self.coupons),
            "automation_runs": len(self.runs),
            **{name: self.ignored[name] for name in IGNORED_COUNTERS},
        }

    def clear(self) -> None:
        """Forget everything (ids keep increasing)."""
        self.contacts.clear()
        self.orders.clear()
        self.events.clear()
        self.coupons.clear()
        self.runs.clear()
        self.ignored.clear()
