"""The data of the emulated Connectif account: contacts, products, purchases, events and coupons.

Contacts are keyed by e-mail compared case-insensitively, products by the shop's ``productId``.
Purchases are a list, because a second POST with an existing ``purchaseId`` adds a duplicate.
Not thread-safe: callers hold the sandbox lock.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Iterable, Mapping
from typing import Any

from .ids import IdMaker, iso_time


class WriteMode(enum.Enum):
    """How a write treats an element that already exists (the import options; a PATCH overwrites)."""

    OVERWRITE = "overwrite"
    SKIP_EXISTING = "skip_existing"
    FILL_EMPTY = "fill_empty"

    @classmethod
    def from_options(cls, override_existing: bool, update_only_empty: bool) -> WriteMode:
        """Map the import's ``overrideExisting`` / ``updateOnlyEmptyFields`` booleans to a mode."""
        if not override_existing:
            return cls.SKIP_EXISTING
        return cls.FILL_EMPTY if update_only_empty else cls.OVERWRITE


def is_empty(value: object) -> bool:
    """Tell whether a stored field counts as empty (absent, ``None``, ``""`` or ``[]``)."""
    return value is None or value in ("", [])


def _merge(record: dict[str, Any], fields: Mapping[str, Any], mode: WriteMode) -> None:
    for name, value in fields.items():
        if mode is WriteMode.OVERWRITE or is_empty(record.get(name)):
            record[name] = copy.deepcopy(value)


class Store:
    """Everything stored, plus the counters the summary reports."""

    def __init__(self, coupon_sets: Iterable[str]) -> None:
        """Start empty with the given (empty) coupon sets; ids keep increasing across :meth:`clear`."""
        self._ids = IdMaker()
        self._coupon_sets = list(coupon_sets)
        self.contacts: dict[str, dict[str, Any]] = {}
        self.deleted_contacts: list[str] = []
        self.products: dict[str, dict[str, Any]] = {}
        self.purchases: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.coupons: dict[str, list[str]] = {}
        self.duplicate_purchases = 0
        self.purchase_events_triggered = 0
        self.clear()

    def new_id(self) -> str:
        """Return a fresh Connectif id."""
        return self._ids.new()

    # ----- contacts -----------------------------------------------------------------------

    def contact(self, email: str) -> dict[str, Any] | None:
        """Return the contact with ``email`` (case-insensitive), if any."""
        return self.contacts.get(email.lower())

    def contact_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        """Return the first contact whose ``_externalId`` is ``external_id``, if any."""
        return next((c for c in self.contacts.values() if c.get("_externalId") == external_id), None)

    def put_contact(
        self, email: str, fields: Mapping[str, Any], wall: float, mode: WriteMode = WriteMode.OVERWRITE
    ) -> tuple[dict[str, Any], bool]:
        """Create or update a contact; return it and whether it was created."""
        existing = self.contact(email)
        if existing is None:
            now = iso_time(wall)
            record = {"id": self.new_id(), "_email": email, **copy.deepcopy(dict(fields))}
            record.update({"_createdAt": now, "_updatedAt": now})
            self.contacts[email.lower()] = record
            return record, True
        if mode is not WriteMode.SKIP_EXISTING:
            _merge(existing, fields, mode)
            existing["_updatedAt"] = iso_time(wall)
        return existing, False

    def delete_contact(self, email: str) -> bool:
        """Delete a contact; ``False`` when there was none.

        Either way the e-mail is listed (once) in ``deleted_contacts``: the contacts the client
        has deleted, including those it found already gone (404).
        """
        record = self.contacts.pop(email.lower(), None)
        if all(email.lower() != gone.lower() for gone in self.deleted_contacts):
            self.deleted_contacts.append(record["_email"] if record is not None else email)
        return record is not None

    # ----- products -----------------------------------------------------------------------

    def put_product(
        self, product_id: str, fields: Mapping[str, Any], wall: float, mode: WriteMode = WriteMode.OVERWRITE
    ) -> tuple[dict[str, Any], bool]:
        """Create (``availability`` defaults to ``instock``) or update a product; return it and whether created."""
        existing = self.products.get(product_id)
        if existing is None:
            now = iso_time(wall)
            record = {"id": self.new_id(), "productId": product_id, "availability": "instock"}
            record.update({**copy.deepcopy(dict(fields)), "createdAt": now, "updatedAt": now})
            self.products[product_id] = record
            return record, True
        if mode is not WriteMode.SKIP_EXISTING:
            _merge(existing, fields, mode)
            existing["updatedAt"] = iso_time(wall)
        return existing, False

    # ----- purchases ----------------------------------------------------------------------

    def add_purchase(
        self, body: Mapping[str, Any], contact: Mapping[str, Any], trigger_event: bool, wall: float
    ) -> dict[str, Any]:
        """Store a validated purchase (a duplicate when its ``purchaseId`` is already stored)."""
        if self.purchases_with_purchase_id(body["purchaseId"]):
            self.duplicate_purchases += 1
        if trigger_event:
            self.purchase_events_triggered += 1
        now = iso_time(wall)
        fields = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("products", "contactEmail")}
        record: dict[str, Any] = {"id": self.new_id(), **fields}
        record.update({"contactEmail": contact["_email"], "contactId": contact["id"]})
        record["products"] = [{"id": self.new_id(), **copy.deepcopy(line)} for line in body["products"]]
        record.update({"createdAt": now, "updatedAt": now})
        self.purchases.append(record)
        return record

    def purchases_with_purchase_id(self, purchase_id: str) -> list[dict[str, Any]]:
        """Return every stored copy of the shop's purchase ``purchase_id``, oldest first."""
        return [p for p in self.purchases if p["purchaseId"] == purchase_id]

    def purchase(self, connectif_id: str) -> dict[str, Any] | None:
        """Return the purchase with Connectif id ``connectif_id``, if any."""
        return next((p for p in self.purchases if p["id"] == connectif_id), None)

    def delete_purchases(self, purchase_id: str) -> int:
        """Delete every copy of the shop's purchase ``purchase_id``; return how many there were."""
        before = len(self.purchases)
        self.purchases = [p for p in self.purchases if p["purchaseId"] != purchase_id]
        return before - len(self.purchases)

    # ----- custom events and coupons ------------------------------------------------------

    def add_event(self, alias: str, body: Mapping[str, Any], contact: Mapping[str, Any], wall: float) -> dict[str, Any]:
        """Store a custom event of type ``alias`` for ``contact``; every call adds one."""
        event = {"id": self.new_id(), "alias": alias, "contactId": contact["id"], "fields": copy.deepcopy(dict(body))}
        event["createdAt"] = iso_time(wall)
        self.events.append(event)
        return event

    def coupon_codes(self, coupon_set_id: str) -> list[str] | None:
        """Return the codes of a coupon set (``None`` for an unknown set)."""
        return self.coupons.get(coupon_set_id)

    # ----- admin --------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Return a deep copy of everything stored."""
        return copy.deepcopy(
            {
                "contacts": list(self.contacts.values()),
                "deleted_contacts": self.deleted_contacts,
                "products": list(self.products.values()),
                "purchases": self.purchases,
                "custom_events": self.events,
                "coupons": self.coupons,
            }
        )

    def counts(self) -> dict[str, int]:
        """Return the figures of the summary endpoint."""
        distinct = {p["purchaseId"] for p in self.purchases}
        return {
            "contacts": len(self.contacts),
            "deleted_contacts": len(self.deleted_contacts),
            "products": len(self.products),
            "products_out_of_stock": sum(1 for p in self.products.values() if p.get("availability") == "outofstock"),
            "purchases": len(self.purchases),
            "distinct_purchases": len(distinct),
            "duplicate_purchases": self.duplicate_purchases,
            "purchase_events_triggered": self.purchase_events_triggered,
            "coupons": sum(len(codes) for codes in self.coupons.values()),
            "custom_events": len(self.events),
        }

    def clear(self) -> None:
        """Forget everything (the coupon sets stay, empty)."""
        self.contacts = {}
        self.deleted_contacts = []
        self.products = {}
        self.purchases = []
        self.events = []
        self.coupons = {set_id: [] for set_id in self._coupon_sets}
        self.duplicate_purchases = 0
        self.purchase_events_triggered = 0
