"""The three targets side by side, for reliability tests that put the same input through each.

A `Vendor` knows its target module, a key that looks real, how to start a small fast sandbox
for it, the settings a run needs, which of its entities plays which part in a generic test (a
person keyed by e-mail, a priced entity with an id, a dated one, a free-form field, entities a
source delete cannot reach) and where a record lands in its sandbox's data.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from api_target_kit.sandbox import SandboxApp
from target_connectif.sandbox import ConnectifSandbox
from target_connectif.sandbox import SandboxConfig as ConnectifConfig
from target_ecomail.sandbox import EcomailSandbox
from target_ecomail.sandbox import SandboxConfig as EcomailConfig
from target_rfmcube.sandbox import RfmcubeSandbox
from target_rfmcube.sandbox import SandboxConfig as RfmcubeConfig

from ..target_harness import TargetRun, run_target_input

#: Fast enough that no test waits on a rate limit.
SANDBOX_RATE_LIMIT = 100_000
TARGET_REQUESTS_PER_MINUTE = 60_000


@dataclass(frozen=True)
class Entity:
    """One vendor entity as the generic tests use it: its name, key field and a valid record."""

    name: str
    key: str
    make: Callable[[str], dict[str, Any]]

    def record(self, tag: str, **changes: Any) -> dict[str, Any]:
        """A valid record whose key derives from `tag`, with `changes` applied (None values kept)."""
        return {**self.make(tag), **changes}

    def key_of(self, tag: str) -> Any:
        """The key value `record(tag)` carries."""
        return self.make(tag)[self.key]


@dataclass(frozen=True)
class Vendor(ABC):
    """A target, its sandbox and its entities."""

    name: str
    module: str
    api_key: str
    person: Entity
    text_field: str
    #: A second text field of `person` (added by a schema change in the middle of a stream).
    other_text_field: str
    priced: Entity
    amount_field: str
    dated: Entity
    date_field: str
    free_form: tuple[Entity, str]
    undeletable: tuple[Entity, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    sandbox_type: ClassVar[Callable[[Any], SandboxApp[Any]]]
    config_type: ClassVar[Callable[..., Any]]
    sandbox_defaults: ClassVar[dict[str, Any]] = {}

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every text that must never appear in an output: the key (and parts of it that are secret)."""
        return (self.api_key,)

    @contextmanager
    def sandbox(self, **settings: Any) -> Iterator[SandboxApp[Any]]:
        """A sandbox for this vendor's key on a free loopback port, stopped afterwards."""
        config = self.config_type(
            api_key=self.api_key, rate_limit=SANDBOX_RATE_LIMIT, **{**self.sandbox_defaults, **settings}
        )
        app = self.sandbox_type(config)
        app.start(port=0)
        try:
            yield app
        finally:
            app.stop()

    def run(
        self, workdir: Path, api_url: str, data: bytes, *, env: dict[str, str] | None = None, **settings: Any
    ) -> TargetRun:
        """Run the target on raw input `data` (this vendor's key and settings unless given)."""
        settings = {"max_requests_per_minute": TARGET_REQUESTS_PER_MINUTE, **self.settings, **settings}
        api_key = settings.pop("api_key", self.api_key)
        return run_target_input(self.module, workdir, api_url, data, api_key=api_key, env=env, timeout=120, **settings)

    @abstractmethod
    def stored(self, data: dict[str, Any], entity: str, key: Any) -> dict[str, Any] | None:
        """The object the sandbox holds for `key` of `entity` (`data` is its snapshot), if any."""

    @abstractmethod
    def deleted(self, data: dict[str, Any], entity: str, key: Any) -> bool:
        """True when the sandbox shows the source delete of `key` of `entity` as done."""

    def read(self, stored: dict[str, Any], name: str) -> Any:
        """A stored field as the generic tests compare it (dates as UTC `...Z` text)."""
        return stored.get(name)


def _utc_text(value: Any) -> Any:
    """Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (other values unchanged)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


class RfmcubeVendor(Vendor):
    """target-rfmcube: customers (orders nested, or alone through /merge_order)."""

    sandbox_type = RfmcubeSandbox
    config_type = RfmcubeConfig
    sandbox_defaults: ClassVar[dict[str, Any]] = {"process_seconds": 0.05}

    def stored(self, data: dict[str, Any], entity: str, key: Any) -> dict[str, Any] | None:
        """Customers by e-mail; orders by id, nested or orphan."""
        if entity == "customers":
            return next((c for c in data["customers"] if c["email"] == key), None)
        orders = [o for c in data["customers"] for o in c.get("orders", [])] + data["orphan_orders"]
        return next((o for o in orders if str(o["id"]) == str(key)), None)

    def deleted(self, data: dict[str, Any], entity: str, key: Any) -> bool:
        """A customer delete is in `deleted_customers`."""
        return key in data["deleted_customers"] and self.stored(data, entity, key) is None


class EcomailVendor(Vendor):
    """target-ecomail: subscribers of list 1, transactions, events, coupons, triggers."""

    sandbox_type = EcomailSandbox
    config_type = EcomailConfig

    def stored(self, data: dict[str, Any], entity: str, key: Any) -> dict[str, Any] | None:
        """Subscribers by e-mail (with their list 1 membership), transactions by order id."""
        if entity == "subscribers":
            return next((c for c in data["contacts"] if c["email"] == key), None)
        return next((t for t in data["transactions"] if str(t["order_id"]) == str(key)), None)

    def deleted(self, data: dict[str, Any], entity: str, key: Any) -> bool:
        """A subscriber delete unsubscribes it from list 1 (status 2)."""
        contact = self.stored(data, entity, key)
        return contact is not None and contact["lists"]["1"]["status"] == 2

    def read(self, stored: dict[str, Any], name: str) -> Any:
        """Transaction timestamps are Unix seconds at Ecomail."""
        return _utc_text(stored.get(name))


class ConnectifVendor(Vendor):
    """target-connectif: contacts, products, purchases, coupons, custom events."""

    sandbox_type = ConnectifSandbox
    config_type = ConnectifConfig
    sandbox_defaults: ClassVar[dict[str, Any]] = {"import_seconds": 0.05}

    @property
    def secrets(self) -> tuple[str, ...]:
        """The whole key and its secret half."""
        return (self.api_key, self.api_key.partition(":")[2])

    def stored(self, data: dict[str, Any], entity: str, key: Any) -> dict[str, Any] | None:
        """Contacts by e-mail, products by id."""
        if entity == "contacts":
            return next((c for c in data["contacts"] if c["_email"] == key), None)
        return next((p for p in data["products"] if str(p["productId"]) == str(key)), None)

    def deleted(self, data: dict[str, Any], entity: str, key: Any) -> bool:
        """A contact delete removes the contact."""
        return key in data["deleted_contacts"] and self.stored(data, entity, key) is None


_DATES = {"createdAt": "2025-01-02T10:00:00Z", "updatedAt": "2025-01-03T10:00:00Z"}

RFMCUBE = RfmcubeVendor(
    name="rfmcube",
    module="target_rfmcube",
    api_key="rfmc_live_4f9d2a7c81be4e0fa3c65d19b7e2f048",
    person=Entity("customers", "email", lambda tag: {"email": f"{tag}@example.it", **_DATES, "firstname": "Giulia"}),
    text_field="firstname",
    other_text_field="lastname",
    priced=Entity(
        "orders",
        "id",
        lambda tag: {"id": tag, "customerEmail": "buyer@example.it", **_DATES, "amount": 10.5, "status": "completed"},
    ),
    amount_field="amount",
    dated=Entity("customers", "email", lambda tag: {"email": f"{tag}@example.it", **_DATES}),
    date_field="createdAt",
    free_form=(Entity("customers", "email", lambda tag: {"email": f"{tag}@example.it", **_DATES}), "profile"),
    undeletable=(
        Entity("orders", "id", lambda tag: {"id": tag, "customerEmail": "buyer@example.it", **_DATES, "amount": 1}),
    ),
)

_ITEMS = [{"code": "SKU1", "title": "Knife", "price": 61.7, "amount": 2}]
ECOMAIL = EcomailVendor(
    name="ecomail",
    module="target_ecomail",
    api_key="0f3b8e6a91c24d7fb5e2c8a4d6f1b9e3a7c5d2f8e4b6a1c9",
    person=Entity("subscribers", "email", lambda tag: {"email": f"{tag}@example.cz", "name": "Jana"}),
    text_field="name",
    other_text_field="surname",
    priced=Entity(
        "transactions",
        "order_id",
        lambda tag: {
            "order_id": tag,
            "email": "buyer@example.cz",
            "amount": "123.40",
            "status": "completed",
            "transaction_items": _ITEMS,
        },
    ),
    amount_field="amount",
    dated=Entity(
        "transactions",
        "order_id",
        lambda tag: {"order_id": tag, "email": "buyer@example.cz", "amount": 1, "transaction_items": _ITEMS},
    ),
    date_field="timestamp",
    free_form=(
        Entity("transactions", "order_id", lambda tag: {"order_id": tag, "email": "buyer@example.cz", "amount": 1}),
        "props",
    ),
    undeletable=(
        Entity("events", "email", lambda tag: {"email": f"{tag}@example.cz", "category": "ue", "action": "Viewed"}),
        Entity("automation_triggers", "email", lambda tag: {"pipeline_id": "1", "email": f"{tag}@example.cz"}),
    ),
    settings={"list_id": "1", "shop": "shop.cz"},
)

CONNECTIF = ConnectifVendor(
    name="connectif",
    module="target_connectif",
    api_key="5e1c9a7f3b2d4e8a:Qm7vX2pK9sT4wZ8yB3nH6jL1cF5dR0aGe",
    person=Entity(
        "contacts",
        "_email",
        lambda tag: {"_email": f"{tag}@example.cz", "_name": "Jana", "_newsletterSubscriptionStatus": "subscribed"},
    ),
    text_field="_name",
    other_text_field="_surname",
    priced=Entity(
        "products",
        "productId",
        lambda tag: {
            "productId": tag,
            "name": "Knife",
            "productDetailUrl": "https://shop.example.cz/p/1",
            "unitPrice": 10.5,
        },
    ),
    amount_field="unitPrice",
    dated=Entity("contacts", "_email", lambda tag: {"_email": f"{tag}@example.cz"}),
    date_field="_birthdate",
    free_form=(Entity("contacts", "_email", lambda tag: {"_email": f"{tag}@example.cz"}), "_name"),
    undeletable=(
        Entity("coupons", "code", lambda tag: {"code": tag.upper()}),
        Entity("custom_events", "email", lambda tag: {"email": f"{tag}@example.cz", "alias": "wishlist"}),
    ),
    settings={"coupon_set_id": "cs-demo"},
)

VENDORS: tuple[Vendor, ...] = (RFMCUBE, ECOMAIL, CONNECTIF)
VENDOR_NAMES: tuple[str, ...] = tuple(v.name for v in VENDORS)
BY_NAME: dict[str, Vendor] = {v.name: v for v in VENDORS}
