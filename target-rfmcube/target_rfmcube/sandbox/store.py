"""The data the sandbox keeps: customers keyed by email, orders keyed by id, deleted emails.

An order belongs to the customer whose email is in its ``customerEmail``. An order whose customer
does not exist (yet) is an orphan; it becomes attached as soon as that customer arrives.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .validation import amount_value, import_customer_error, order_error, parse_utc

_ISO = "%Y-%m-%dT%H:%M:%SZ"


class Store:
    """Customers and orders with upsert semantics. Not thread-safe: callers hold a lock."""

    def __init__(self) -> None:
        """Start empty."""
        self.customers: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []

    def merge_customer(self, customer: Mapping[str, Any]) -> None:
        """Insert or merge a valid customer: keys sent overwrite, keys not sent are kept."""
        fields = {key: copy.deepcopy(value) for key, value in customer.items() if key != "orders"}
        existing = self.customers.get(fields["email"])
        if existing is None:
            self.customers[fields["email"]] = fields
        else:
            existing.update(fields)

    def put_order(self, order: Mapping[str, Any], customer_email: str) -> None:
        """Insert or entirely replace a valid order (id stored as a string) under ``customer_email``."""
        stored = copy.deepcopy(dict(order))
        stored["id"] = str(order["id"])
        stored["customerEmail"] = customer_email
        self.orders[stored["id"]] = stored

    def apply_import(self, customers: list[Any]) -> tuple[int, int]:
        """Apply an ``/import`` payload, skipping invalid records; return processed (customers, orders).

        A skipped customer skips its orders too.
        """
        done_customers = done_orders = 0
        for index, customer in enumerate(customers):
            if import_customer_error(customer, f"customers[{index}]") is not None:
                continue
            self.merge_customer(customer)
            done_customers += 1
            for order in customer.get("orders", []):
                if order_error(order, needs_customer_email=False) is None:
                    self.put_order(order, customer["email"])
                    done_orders += 1
        return done_customers, done_orders

    def find_customer(self, customer_id: object, email: object) -> dict[str, Any] | None:
        """Look up by the customer's ``id`` (compared as strings) first, then by ``email``."""
        if customer_id is not None:
            wanted = str(customer_id)
            for customer in self.customers.values():
                if customer.get("id") is not None and str(customer["id"]) == wanted:
                    return customer
        if isinstance(email, str):
            return self.customers.get(email)
        return None

    def delete_customer(self, email: str) -> None:
        """Delete a customer and every order (attached or orphan) carrying its email."""
        self.customers.pop(email, None)
        for order_id in [oid for oid, o in self.orders.items() if o["customerEmail"] == email]:
            del self.orders[order_id]
        if email not in self.deleted:
            self.deleted.append(email)

    def orders_of(self, email: str) -> list[dict[str, Any]]:
        """Return the orders attributed to ``email``, in insertion order."""
        return [o for o in self.orders.values() if o["customerEmail"] == email]

    def orphan_orders(self) -> list[dict[str, Any]]:
        """Return the orders whose customer does not exist."""
        return [o for o in self.orders.values() if o["customerEmail"] not in self.customers]

    def stats(self, email: str) -> dict[str, Any]:
        """Compute simple per-customer statistics over all of the customer's stored orders."""
        orders = self.orders_of(email)
        dates = sorted(d for d in (parse_utc(o.get("createdAt")) for o in orders) if d is not None)
        total = round(sum(amount_value(o.get("amount")) for o in orders), 2)
        return {
            "email": email,
            "totalTransactions": len(orders),
            "total": total,
            "firstTransaction": dates[0].strftime(_ISO) if dates else None,
            "lastTransaction": dates[-1].strftime(_ISO) if dates else None,
        }

    def snapshot(self) -> dict[str, Any]:
        """Return a deep copy of the data: customers with their orders, orphan orders, deleted emails."""
        by_email: dict[str, list[dict[str, Any]]] = {}
        for order in self.orders.values():
            by_email.setdefault(order["customerEmail"], []).append(order)
        customers = []
        for email, customer in self.customers.items():
            entry = copy.deepcopy(customer)
            entry["orders"] = copy.deepcopy(by_email.get(email, []))
            customers.append(entry)
        return {
            "customers": customers,
            "orphan_orders": copy.deepcopy(self.orphan_orders()),
            "deleted_customers": list(self.deleted),
        }

    def counts(self) -> dict[str, int]:
        """Return the figures for the summary endpoint."""
        orphans = len(self.orphan_orders())
        return {
            "customers": len(self.customers),
            "orders": len(self.orders) - orphans,
            "orphan_orders": orphans,
            "deleted_customers": len(self.deleted),
        }

    def clear(self) -> None:
        """Forget everything."""
        self.customers.clear()
        self.orders.clear()
        self.deleted.clear()
