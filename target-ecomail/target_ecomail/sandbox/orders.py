"""Stored orders. Every accepted create is a new order, even when its ``order_id`` exists.

That is the worst-case assumption of vendors/ecomail.md §4.2 (re-sending an order creates a
duplicate); :attr:`OrderBook.duplicates_created` counts such orders as they are stored.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .fields import email_key, utc_text

TRANSACTION_FIELDS: tuple[str, ...] = (
    "email",
    "shop",
    "amount",
    "tax",
    "shipping",
    "city",
    "county",
    "country",
    "props",
    "status",
)
ITEM_FIELDS: tuple[str, ...] = ("code", "title", "categories", "category", "price", "amount", "tags")


@dataclass
class Order:
    """One stored order: the documented transaction fields, ``timestamp`` in Unix seconds, items."""

    id: int
    order_id: str
    timestamp: int
    transaction: dict[str, Any]
    items: list[dict[str, Any]]

    @property
    def email(self) -> str:
        """The buyer's e-mail."""
        return str(self.transaction["email"])

    @property
    def shop(self) -> str | None:
        """The shop the order belongs to (case-sensitive), if any."""
        shop = self.transaction.get("shop")
        return None if shop is None else str(shop)

    def summary(self) -> dict[str, Any]:
        """The answer to a single create: ``{order_id, email, shop, amount, timestamp, id, status}``."""
        return {
            "order_id": self.order_id,
            "email": self.email,
            "shop": self.shop,
            "amount": self.transaction.get("amount"),
            "timestamp": utc_text(self.timestamp),
            "id": self.id,
            "status": self.transaction.get("status"),
        }

    def to_api(self) -> dict[str, Any]:
        """An entry of ``GET /tracker/transaction``."""
        return {
            "id": self.id,
            "order_id": self.order_id,
            "email": self.email,
            "shop": self.shop,
            "amount": self.transaction.get("amount"),
            "timestamp": utc_text(self.timestamp),
            "status": self.transaction.get("status"),
            "items": copy.deepcopy(self.items),
        }

    def to_admin(self) -> dict[str, Any]:
        """Everything stored, for ``GET /_sandbox/data``."""
        return {
            "id": self.id,
            "order_id": self.order_id,
            **copy.deepcopy(self.transaction),
            "timestamp": self.timestamp,
            "items": copy.deepcopy(self.items),
        }


def _order_parts(order: dict[str, Any], wall: float) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """The timestamp, documented transaction fields and documented item fields of a valid order."""
    transaction = order["transaction"]
    timestamp = transaction.get("timestamp")
    fields = {name: copy.deepcopy(transaction[name]) for name in TRANSACTION_FIELDS if name in transaction}
    items = [{name: copy.deepcopy(i[name]) for name in ITEM_FIELDS if name in i} for i in order["transaction_items"]]
    return int(wall) if timestamp is None else int(timestamp), fields, items


class OrderBook:
    """Orders in the order they were stored; ids keep increasing across :meth:`clear`."""

    def __init__(self) -> None:
        """Start empty."""
        self._orders: list[Order] = []
        #: The stored copies of each ``order_id`` (an index over ``_orders``).
        self._by_id: dict[str, list[Order]] = {}
        self._next_id = 1
        self.duplicates_created = 0

    def add(self, order: dict[str, Any], wall: float) -> Order:
        """Store a valid ``{transaction, transaction_items}`` as a new order (a duplicate if its id exists)."""
        order_id = str(order["transaction"]["order_id"])
        if self.exists(order_id):
            self.duplicates_created += 1
        timestamp, fields, items = _order_parts(order, wall)
        stored = Order(id=self._next_id, order_id=order_id, timestamp=timestamp, transaction=fields, items=items)
        self._next_id += 1
        self._orders.append(stored)
        self._by_id.setdefault(order_id, []).append(stored)
        return stored

    def exists(self, order_id: str) -> bool:
        """Tell whether an order with that ``order_id`` is stored."""
        return order_id in self._by_id

    def replace(self, order_id: str, order: dict[str, Any], wall: float) -> int:
        """Overwrite every stored copy of ``order_id`` with a valid order; return how many."""
        copies = self._by_id.get(order_id, [])
        for stored in copies:
            stored.timestamp, stored.transaction, stored.items = _order_parts(order, wall)
        return len(copies)

    def delete(self, order_id: str, shop: str | None = None) -> int:
        """Delete every stored copy of ``order_id`` (of ``shop`` when given); return how many."""
        copies = self._by_id.get(order_id, [])
        gone = [o for o in copies if shop is None or o.shop == shop]
        if not gone:
            return 0
        gone_ids = {o.id for o in gone}
        self._orders = [o for o in self._orders if o.id not in gone_ids]
        kept = [o for o in copies if o.id not in gone_ids]
        if kept:
            self._by_id[order_id] = kept
        else:
            del self._by_id[order_id]
        return len(gone)

    def find(self, *, email: str | None, shop: str | None, date_from: str | None, date_to: str | None) -> list[Order]:
        """Orders matching the filters (dates ``YYYY-MM-DD`` inclusive, on the UTC day)."""
        found = []
        for order in self._orders:
            day = utc_text(order.timestamp)[:10]
            if email is not None and email_key(order.email) != email_key(email):
                continue
            if shop is not None and order.shop != shop:
                continue
            if (date_from is not None and day < date_from) or (date_to is not None and day > date_to):
                continue
            found.append(order)
        return found

    def counts(self) -> dict[str, int]:
        """Stored orders (duplicates included), distinct order ids, duplicates, items."""
        distinct = len(self._by_id)
        return {
            "transactions": len(self._orders),
            "distinct_transactions": distinct,
            "duplicate_transactions": len(self._orders) - distinct,
            "duplicate_transactions_created": self.duplicates_created,
            "transaction_items": sum(len(o.items) for o in self._orders),
        }

    def snapshot(self) -> list[dict[str, Any]]:
        """Every stored order, duplicates included."""
        return [order.to_admin() for order in self._orders]

    def clear(self) -> None:
        """Forget every order and the duplicate count (ids keep increasing)."""
        self._orders.clear()
        self._by_id.clear()
        self.duplicates_created = 0
