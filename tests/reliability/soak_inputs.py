"""Soak-scale input for the three targets, and what their sandboxes must hold afterwards.

Every target gets its main entities mixed: `blocks` rounds of a slice of each stream, each round
ended by a STATE whose value carries its `position` (the index of the STATE message in the
input), so a run can be resumed from any STATE it emitted the way meltano does it: the SCHEMA
messages, then the messages after that position (`resume_input`). About one record in a
thousand is invalid (the target must reject it, naming the field); every other record must end
up in the sandbox, once, with the fields it was sent with (`check_delivery`).

The sandbox's contents are read through a per-vendor `Landing`: for each stream, the stored
copies of each key (more than one copy is a duplicate) and, for a stored copy, the fields a
test compares with what the record said (`Landing.view` against `Landing.expect`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from api_target_kit.sandbox import FaultAction, FaultDecision, SandboxApp

from ..target_harness import ROOT, schema_for, write_config
from .vendors import BY_NAME, Vendor

OUTPUT = ROOT / "output" / "reliability"
Message = dict[str, Any]


@dataclass(frozen=True)
class StreamInput:
    """One stream of an input: its records in the order they are sent, and which must be rejected."""

    name: str
    key: str
    records: list[dict[str, Any]]
    invalid: frozenset[str] = frozenset()

    def key_of(self, record: dict[str, Any]) -> str:
        """The record's key as text."""
        return str(record[self.key])

    @property
    def valid(self) -> list[dict[str, Any]]:
        """The records the vendor must end up with."""
        return [r for r in self.records if self.key_of(r) not in self.invalid]


# ----- input: interleaved streams, STATE with positions, resuming ---------------------------


def interleave(streams: Sequence[StreamInput], *, blocks: int) -> list[Message]:
    """SCHEMA of every stream, then `blocks` rounds: a slice of each stream (in order), then a STATE.

    A STATE value is `{"bookmarks": {stream: {"sent": n}}, "position": i}`: `n` records of each
    stream come before it, and `i` is its own index in the returned list.
    """
    messages: list[Message] = [
        {"type": "SCHEMA", "stream": s.name, "schema": schema_for(s.records), "key_properties": [s.key]}
        for s in streams
    ]
    for block in range(blocks):
        bookmarks: dict[str, Any] = {}
        for stream in streams:
            start, end = (len(stream.records) * n // blocks for n in (block, block + 1))
            messages.extend({"type": "RECORD", "stream": stream.name, "record": r} for r in stream.records[start:end])
            bookmarks[stream.name] = {"sent": end}
        messages.append({"type": "STATE", "value": {"bookmarks": bookmarks, "position": len(messages)}})
    return messages


def last_state(messages: Sequence[Message]) -> dict[str, Any]:
    """The value of the input's last STATE."""
    return next(m["value"] for m in reversed(messages) if m["type"] == "STATE")


def resume_input(messages: Sequence[Message], state: dict[str, Any] | None) -> list[Message]:
    """What a tap resumed from `state` sends: every SCHEMA, then the messages after the STATE's position."""
    if state is None:
        return list(messages)
    schemas = [m for m in messages if m["type"] == "SCHEMA"]
    return schemas + [m for m in messages[state["position"] + 1 :] if m["type"] != "SCHEMA"]


def encode(messages: Iterable[Message]) -> bytes:
    """Singer lines, as a tap writes them."""
    return "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in messages).encode()


# ----- where records land in each sandbox ---------------------------------------------------


@dataclass(frozen=True)
class Landing:
    """How one vendor's sandbox shows what arrived."""

    #: snapshot -> stream -> key -> stored copies
    copies: Callable[[dict[str, Any]], dict[str, dict[str, list[dict[str, Any]]]]]
    #: (stream, stored copy) -> the fields compared
    view: Callable[[str, dict[str, Any]], dict[str, Any]]
    #: (stream, record) -> what `view` must show for it
    expect: Callable[[str, dict[str, Any]], dict[str, Any]]
    #: stream -> the record field `copies` groups it by
    keys: dict[str, str]
    #: Streams whose key the vendor compares case-insensitively (e-mails).
    folded: frozenset[str] = frozenset()
    #: Streams the vendor may hold twice after a lost answer (README: events are at least once).
    at_least_once: frozenset[str] = frozenset()

    def key_of(self, stream: str, record: dict[str, Any]) -> str:
        """A record's key as `copies` groups it."""
        value = str(record[self.keys[stream]])
        return value.lower() if stream in self.folded else value


def _group(items: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(str(key(item)), []).append(item)
    return grouped


def _pick(record: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: record.get(name) for name in names}


def _rfmcube_copies(data: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    orders = [o for c in data["customers"] for o in c.get("orders", [])] + data["orphan_orders"]
    return {
        "customers": _group(data["customers"], lambda c: c["email"]),
        "orders": _group(orders, lambda o: o["id"]),
    }


def _rfmcube_view(stream: str, stored: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stored.items() if k != "orders"}


RFMCUBE_LANDING = Landing(
    copies=_rfmcube_copies,
    view=_rfmcube_view,
    expect=lambda stream, record: {k: v for k, v in record.items() if not k.startswith("_sdc_")},
    keys={"customers": "email", "orders": "id"},
)

ECOMAIL_LIST = "1"
ECOMAIL_DEFINED_FIELDS = ("shop", "loyalty_tier", "orders_count")


def _ecomail_copies(data: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    coupons = [c for codes in data["coupons"].values() for c in codes]
    return {
        "subscribers": _group(data["contacts"], lambda c: c["email"].lower()),
        "transactions": _group(data["transactions"], lambda t: t["order_id"]),
        "events": _group(data["events"], lambda e: e["property"]),
        "coupons": _group(coupons, lambda c: c["code"]),
        "automation_triggers": _group(data["automation_runs"], lambda r: f"{r.get('pipeline_id')}|{r.get('email')}"),
    }


def _ecomail_view(stream: str, stored: dict[str, Any]) -> dict[str, Any]:
    if stream == "subscribers":
        member = stored["lists"][ECOMAIL_LIST]
        return {
            **_pick(stored, "email", "name", "tags"),
            "custom_fields": member["custom_fields"],
            "status": member["status"],
        }
    if stream == "transactions":
        return _pick(stored, "order_id", "email", "shop", "amount", "status", "timestamp", "items")
    if stream == "events":
        return _pick(stored, "email", "category", "action", "property", "value")
    return _pick(stored, "code", "valid_until")


def _unix(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


def _ecomail_expect(stream: str, record: dict[str, Any]) -> dict[str, Any]:
    if stream == "subscribers":
        fields = {k.strip().lower(): v for k, v in record["custom_fields"].items()}
        return {
            **_pick(record, "email", "name", "tags"),
            "custom_fields": {k: v for k, v in fields.items() if k in ECOMAIL_DEFINED_FIELDS},
            "status": 1,
        }
    if stream == "transactions":
        return {
            **_pick(record, "order_id", "email", "shop", "status"),
            "amount": float(record["amount"]),
            "timestamp": _unix(record["timestamp"]),
            "items": record["transaction_items"],
        }
    if stream == "events":
        return {
            **_pick(record, "email", "category", "action", "property"),
            "value": json.dumps(record["value"], separators=(",", ":")),
        }
    return _pick(record, "code", "valid_until")


ECOMAIL_LANDING = Landing(
    copies=_ecomail_copies,
    view=_ecomail_view,
    expect=_ecomail_expect,
    keys={"subscribers": "email", "transactions": "order_id", "events": "property", "coupons": "code"},
    folded=frozenset({"subscribers"}),
    at_least_once=frozenset({"events"}),
)

CONNECTIF_COUPON_SET = "cs-demo"


def _connectif_copies(data: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    coupons = [{"code": code, "set": s} for s, codes in data["coupons"].items() for code in codes]
    return {
        "contacts": _group(data["contacts"], lambda c: c["_email"].lower()),
        "products": _group(data["products"], lambda p: p["productId"]),
        "purchases": _group(data["purchases"], lambda p: p["purchaseId"]),
        "coupons": _group(coupons, lambda c: c["code"]),
        "custom_events": _group(data["custom_events"], lambda e: e["fields"].get("addedAt")),
    }


CONTACT_FIELDS = ("_email", "_name", "_newsletterSubscriptionStatus", "_points", "shop_language", "loyalty_tier")
PRODUCT_FIELDS = ("productId", "name", "productDetailUrl", "unitPrice", "categories", "availability")
PURCHASE_FIELDS = ("purchaseId", "contactEmail", "totalPrice", "totalQuantity", "purchaseDate")


def _connectif_view(stream: str, stored: dict[str, Any]) -> dict[str, Any]:
    if stream == "contacts":
        return _pick(stored, *CONTACT_FIELDS)
    if stream == "products":
        return _pick(stored, *PRODUCT_FIELDS)
    if stream == "purchases":
        lines = [{k: v for k, v in line.items() if k != "id"} for line in stored["products"]]
        return {**_pick(stored, *PURCHASE_FIELDS), "products": lines}
    if stream == "custom_events":
        return {"alias": stored["alias"], "fields": stored["fields"]}
    return _pick(stored, "code", "set")


def _connectif_expect(stream: str, record: dict[str, Any]) -> dict[str, Any]:
    if stream == "contacts":
        return _pick(record, *CONTACT_FIELDS)
    if stream == "products":
        return _pick(record, *PRODUCT_FIELDS)
    if stream == "purchases":
        return {**_pick(record, *PURCHASE_FIELDS), "products": record["products"]}
    if stream == "custom_events":
        return {"alias": record["alias"], "fields": {k: v for k, v in record.items() if k != "alias"}}
    return {"code": record["code"], "set": CONNECTIF_COUPON_SET}


CONNECTIF_LANDING = Landing(
    copies=_connectif_copies,
    view=_connectif_view,
    expect=_connectif_expect,
    keys={
        "contacts": "_email",
        "products": "productId",
        "purchases": "purchaseId",
        "coupons": "code",
        "custom_events": "addedAt",
    },
    folded=frozenset({"contacts"}),
    at_least_once=frozenset({"custom_events"}),
)


# ----- the soak input of each target --------------------------------------------------------

#: One record in this many is invalid (and must be rejected).
INVALID_EVERY = 997


def _invalid(n: int) -> bool:
    return n % INVALID_EVERY == INVALID_EVERY - 1


def _valid_index(n: int) -> int:
    """`n`, or the index before it when `n` is an invalid record (which the vendor never has)."""
    return n - 1 if _invalid(n) else n


def _rfmcube_streams(total: int) -> list[StreamInput]:
    customers_count = total * 2 // 5
    orders_count = total - customers_count
    customers, bad_customers = [], set()
    for n in range(customers_count):
        customer = {
            "id": f"C{n}",
            "email": f"c{n}@example.it",
            "createdAt": "2025-01-02T10:00:00Z",
            "updatedAt": "2025-01-03T10:00:00Z",
            "firstname": f"Nome{n}",
            "city": ("Milano", "Roma", "Torino", "Bolzano — Bozen")[n % 4],
        }
        if _invalid(n):
            del customer["createdAt"]
            bad_customers.add(customer["email"])
        customers.append(customer)
    orders, bad_orders = [], set()
    for n in range(orders_count):
        owner = _valid_index(n * customers_count // orders_count)
        order = {
            "id": f"O{n}",
            "customerEmail": f"c{owner}@example.it",
            "createdAt": "2025-02-01T10:00:00Z",
            "updatedAt": "2025-02-01T10:00:00Z",
            "amount": round(10 + n * 0.37, 2),
            "status": ("completed", "shipped")[n % 2],
        }
        if n % 5000 == 17:  # a customer Rfmcube never gets: sent alone through /merge_order
            order["customerEmail"] = f"guest{n}@example.it"
        if _invalid(n):
            order["amount"] = "twelve"
            bad_orders.add(order["id"])
        orders.append(order)
    return [
        StreamInput("customers", "email", customers, frozenset(bad_customers)),
        StreamInput("orders", "id", orders, frozenset(bad_orders)),
    ]


def _ecomail_streams(total: int, *, events: int, coupons: int) -> list[StreamInput]:
    subscribers_count = total // 2
    transactions_count = total - subscribers_count - events - coupons
    subscribers, bad_subscribers = [], set()
    for n in range(subscribers_count):
        email = f"person{n:06d}@example.cz" if not _invalid(n) else f"person{n:06d}-at-example.cz"
        if _invalid(n):
            bad_subscribers.add(email)
        subscribers.append(
            {
                "email": email,
                "name": f"Jméno {n}",
                "custom_fields": {"SHOP": "shop.cz", "Loyalty_Tier": ("gold", "silver")[n % 2]},
                "tags": ["newsletter", f"cohort-{n % 7}"],
            }
        )
    transactions, bad_transactions = [], set()
    for n in range(transactions_count):
        owner = _valid_index(n * subscribers_count // transactions_count)
        order = {
            "order_id": f"ORD{n:07d}",
            "email": f"person{owner:06d}@example.cz",
            "shop": "shop.cz",
            "amount": f"{100 + n % 900}.40",
            "timestamp": "2026-03-01T10:00:00+01:00",
            "status": ("completed", "pending")[n % 2],
            "transaction_items": [{"code": f"SKU{n % 50}", "title": "Nůž", "price": 61.7, "amount": 2}],
        }
        if _invalid(n):
            order["status"] = "lost-in-transit"
            bad_transactions.add(order["order_id"])
        transactions.append(order)
    # Events need their subscriber at Ecomail: those of the first slice, which comes first.
    event_records = [
        {
            "event_id": f"E{n:05d}",
            "email": f"person{_valid_index(n * 7 % 300):06d}@example.cz",
            "category": "ue",
            "action": "Basket",
            "property": f"E{n:05d}",
            "value": {"n": n, "products": [f"SKU{n % 50}"]},
        }
        for n in range(events)
    ]
    coupon_records = [{"code": f"CODE-{n:05d}", "valid_until": "2027-01-31"} for n in range(coupons)]
    return [
        StreamInput("subscribers", "email", subscribers, frozenset(bad_subscribers)),
        StreamInput("transactions", "order_id", transactions, frozenset(bad_transactions)),
        StreamInput("events", "event_id", event_records),
        StreamInput("coupons", "code", coupon_records),
    ]


def _connectif_streams(total: int, *, products: int, purchases: int) -> list[StreamInput]:
    contacts_count = total * 3 // 5
    coupons_count = total - contacts_count - products - purchases
    contacts, bad_contacts = [], set()
    for n in range(contacts_count):
        contact = {
            "_email": f"contact{n:06d}@example.cz",
            "_name": f"Kontakt {n}",
            "_newsletterSubscriptionStatus": ("subscribed", "unsubscribed", "none")[n % 3],
            "_points": n % 100,
            "shop_language": ("cs", "it")[n % 2],
            "loyalty_tier": ("gold", "silver", None)[n % 3],
        }
        if _invalid(n):
            contact["_points"] = "many"
            bad_contacts.add(contact["_email"])
        contacts.append(contact)
    product_records, bad_products = [], set()
    for n in range(products):
        product = {
            "productId": f"P{n:05d}",
            "name": f"Nůž {n}",
            "productDetailUrl": f"https://shop.example.cz/p/knife-{n}",
            "unitPrice": round(10.5 + n, 2),
            "categories": ["Kitchen/Knives"],
            "availability": ("instock", "outofstock")[n % 2],
        }
        if n % 499 == 498:
            del product["name"]
            bad_products.add(product["productId"])
        product_records.append(product)
    # Purchases need their contact and products at Connectif: those of the first slice.
    purchase_records = [
        {
            "purchaseId": f"PUR{n:06d}",
            "contactEmail": f"contact{_valid_index(n * 7 % 300):06d}@example.cz",
            "purchaseDate": "2026-03-01T09:00:00Z",
            "totalPrice": 21.0 + n,
            "totalQuantity": 2,
            "products": [{"productId": f"P{n % 10:05d}", "quantity": 2, "price": 21.0 + n, "unitPrice": 10.5 + n / 2}],
        }
        for n in range(purchases)
    ]
    coupon_records = [{"code": f"CPN-{n:06d}"} for n in range(coupons_count)]
    return [
        StreamInput("contacts", "_email", contacts, frozenset(bad_contacts)),
        StreamInput("products", "productId", product_records, frozenset(bad_products)),
        StreamInput("coupons", "code", coupon_records),
        StreamInput("purchases", "purchaseId", purchase_records),
    ]


@dataclass(frozen=True)
class SoakTarget:
    """A target (see `vendors.py`), its soak input, and how its sandbox shows what arrived."""

    vendor: Vendor
    landing: Landing
    streams: Callable[[int], list[StreamInput]]
    #: Settings of every run in these tests: fast polls, small batches (so that there are calls).
    settings: dict[str, Any] = field(default_factory=dict)
    #: Sandbox settings of every run (its rate window is scaled down in the soak).
    sandbox: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """`rfmcube`, `ecomail` or `connectif`."""
        return self.vendor.name

    def key_of(self, stream: str, record: dict[str, Any]) -> str:
        """A record's key as its landing groups it."""
        return self.landing.key_of(stream, record)


TARGETS: dict[str, SoakTarget] = {
    "rfmcube": SoakTarget(
        BY_NAME["rfmcube"],
        RFMCUBE_LANDING,
        _rfmcube_streams,
        settings={"batch_size_rows": 2000, "poll_interval_seconds": 0.1, "poll_max_interval_seconds": 0.3},
        sandbox={"process_seconds": 0.1},
    ),
    "ecomail": SoakTarget(
        BY_NAME["ecomail"],
        ECOMAIL_LANDING,
        lambda total: _ecomail_streams(total, events=max(total // 1000, 20), coupons=max(total // 200, 20)),
        settings={"subscribe_bulk_size": 3000, "batch_size_rows": 6000},
    ),
    "connectif": SoakTarget(
        BY_NAME["connectif"],
        CONNECTIF_LANDING,
        lambda total: _connectif_streams(total, products=max(total // 50, 20), purchases=max(total // 700, 20)),
        settings={
            "max_import_bytes": 120_000,
            "batch_size_rows": 20_000,
            "poll_interval_seconds": 0.1,
            "poll_max_interval_seconds": 0.3,
        },
        sandbox={"import_seconds": 0.1},
    ),
}


#: A call per target that creates what a second call would create again, and the call with
#: which the target checks whether one whose answer was lost arrived (Rfmcube's is an upsert).
CREATE_CALLS: dict[str, tuple[str, str | None]] = {
    "rfmcube": ("/v1/import", None),
    "ecomail": ("/tracker/transaction-bulk", "/tracker/transaction/{order_id}"),
    "connectif": ("/purchases/", "/purchases/purchase-id/{id}"),
}


# ----- checking what arrived ----------------------------------------------------------------


@dataclass
class Delivery:
    """What a sandbox holds against what an input said."""

    valid: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)
    unexpected: list[tuple[str, str]] = field(default_factory=list)
    duplicated: list[tuple[str, str]] = field(default_factory=list)
    at_least_once_repeats: int = 0
    wrong: list[str] = field(default_factory=list)
    compared: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Figures for the report (first few of each list)."""
        return {
            "valid_records": self.valid,
            "missing": len(self.missing),
            "unexpected": len(self.unexpected),
            "duplicated": len(self.duplicated),
            "at_least_once_repeats": self.at_least_once_repeats,
            "fields_compared_records": self.compared,
            "wrong_fields": len(self.wrong),
            "examples": {k: v[:5] for k, v in (("missing", self.missing), ("wrong", self.wrong)) if v},
        }


def check_delivery(
    target: SoakTarget,
    streams: Sequence[StreamInput],
    data: dict[str, Any],
    *,
    sample_every: int = 97,
    expected_only: set[tuple[str, str]] | None = None,
) -> Delivery:
    """Every valid record present (all keys), once, nothing else; fields of a sample as sent.

    `expected_only` narrows the check to those `(stream, key)` (e.g. what a STATE covers): then
    extra keys in the sandbox are not counted as unexpected.
    """
    stored = target.landing.copies(data)
    result = Delivery()
    for stream in streams:
        copies = stored.get(stream.name, {})
        wanted = {target.key_of(stream.name, r): r for r in stream.valid}
        if expected_only is not None:
            wanted = {k: r for k, r in wanted.items() if (stream.name, k) in expected_only}
        result.valid += len(wanted)
        for number, (key, record) in enumerate(wanted.items()):
            found = copies.get(key, [])
            if not found:
                result.missing.append((stream.name, key))
                continue
            if len(found) > 1:
                if stream.name in target.landing.at_least_once:
                    result.at_least_once_repeats += len(found) - 1
                else:
                    result.duplicated.append((stream.name, key))
            if number % sample_every == 0:
                result.compared += 1
                want = target.landing.expect(stream.name, record)
                for copy in found:
                    got = target.landing.view(stream.name, copy)
                    if got != want:
                        result.wrong.append(f"{stream.name} {key}: stored {got!r}, sent {want!r}")
        if expected_only is None:
            result.unexpected.extend((stream.name, k) for k in copies if k not in wanted)
    return result


def rejected_keys(target: SoakTarget, rejects: Iterable[dict[str, Any]]) -> set[tuple[str, str]]:
    """`(stream, key)` of the records in a rejects file."""
    return {(m["stream"], target.key_of(m["stream"], m["record"])) for m in rejects}


def invalid_keys(target: SoakTarget, streams: Iterable[StreamInput]) -> set[tuple[str, str]]:
    """`(stream, key)` of the records the target must reject."""
    return {(s.name, target.key_of(s.name, r)) for s in streams for r in s.records if s.key_of(r) in s.invalid}


def covered_keys(target: SoakTarget, messages: Sequence[Message], state: dict[str, Any] | None) -> set[tuple[str, str]]:
    """`(stream, key)` of the records the STATE `state` covers (all records before its position)."""
    end = 0 if state is None else state["position"]
    return {(m["stream"], target.key_of(m["stream"], m["record"])) for m in messages[:end] if m["type"] == "RECORD"}


# ----- faults: which the sandbox injected -----------------------------------------------------


class FaultTally:
    """Counts, by kind, the faults a sandbox injects (wraps its fault draw; sandboxes run in-process)."""

    KINDS = {
        FaultAction.DROP: "dropped_before_processing",
        FaultAction.DROP_AFTER: "dropped_after_processing",
        FaultAction.STALL: "stalls",
    }

    def __init__(self, sandbox: SandboxApp[Any]) -> None:
        self.counts: dict[str, int] = {}
        self.stalled_paths: list[str] = []
        injector = sandbox.core.faults
        draw = injector.decide

        def counted(path: str) -> FaultDecision:
            decision = draw(path)
            if decision.action is FaultAction.RESPOND:
                kind = "429" if decision.status == 429 else ("5xx" if decision.status >= 500 else str(decision.status))
            else:
                kind = self.KINDS.get(decision.action, "")
            if kind:
                self.counts[kind] = self.counts.get(kind, 0) + 1
            if decision.action is FaultAction.STALL:
                self.stalled_paths.append(path)
            return decision

        injector.decide = counted  # type: ignore[method-assign]

    def total(self) -> int:
        """Every fault injected."""
        return sum(self.counts.values())


# ----- figures for RELIABILITY.md -----------------------------------------------------------


def write_figures(target: str, aspect: str, figures: dict[str, Any]) -> Path:
    """Write `output/reliability/<target>-<aspect>.json` (read by scripts/reliability_report.py)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{target}-{aspect}.json"
    path.write_text(json.dumps(figures, indent=2, sort_keys=True, default=str) + "\n")
    return path


# ----- a target as a live process: STATE as it comes, signals, resuming ----------------------

#: Runs `python -m <module>` with the SDK's full drain (every sink, then STATE) due every
#: `RELIABILITY_DRAIN_SECONDS` instead of every 5 minutes: the SDK 0.54 emits STATE only on a
#: full drain (max record age, end of input, SIGTERM), so a run of a few seconds emits STATE
#: mid-run as a long production run does.
DRAIN_RUNNER = """
import os, runpy, sys
from singer_sdk import Target
Target._MAX_RECORD_AGE_IN_MINUTES = float(os.environ["RELIABILITY_DRAIN_SECONDS"]) / 60
runpy.run_module(sys.argv.pop(1), run_name="__main__", alter_sys=True)
"""


class LiveRun:
    """A target process on an input file (or fed through stdin), its STATE lines collected as they come."""

    def __init__(
        self,
        target: SoakTarget,
        workdir: Path,
        api_url: str,
        messages: Sequence[Message] | None,
        *,
        drain_seconds: float = 1.0,
        **settings: Any,
    ) -> None:
        self.workdir = workdir
        config = write_config(
            workdir, api_url, api_key=target.vendor.api_key, **{**target.vendor.settings, **target.settings, **settings}
        )
        (workdir / "summary.json").unlink(missing_ok=True)
        args = [sys.executable, "-c", DRAIN_RUNNER, target.vendor.module, "--config", str(config)]
        if messages is not None:
            (workdir / "input.singer").write_bytes(encode(messages))
            args += ["--input", str(workdir / "input.singer")]
        self._stderr = (workdir / "stderr.log").open("wb")
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.PIPE if messages is None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={**os.environ, "RELIABILITY_DRAIN_SECONDS": str(drain_seconds)},
        )
        self.states: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read_states, daemon=True)
        self._reader.start()

    def _read_states(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip():
                self.states.append(json.loads(line))

    def feed(self, messages: Sequence[Message], *, background: bool = False, last: bool = False) -> None:
        """Write messages to the target's stdin; `last`: then end its input; `background`: from a thread.

        In the background the write may block (the target stops reading while it delivers) and
        may find the pipe closed (the target was stopped): both are fine.
        """
        stdin = self.process.stdin
        assert stdin is not None
        data = encode(messages)

        def write() -> None:
            try:
                stdin.write(data)
                stdin.flush()
                if last:
                    stdin.close()
            except (BrokenPipeError, ValueError):
                if not background:
                    raise

        if background:
            threading.Thread(target=write, daemon=True).start()
        else:
            write()

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
        """Poll `condition` while the target runs; fail naming `what` if the target ended first or time ran out."""
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None, f"the target ended ({self.process.returncode}) before {what}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.02)

    def finish(self, timeout: float = 60) -> int:
        """Wait for the target to end; return its exit code."""
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        self._stderr.close()
        return code

    @property
    def stderr(self) -> str:
        """What the target logged."""
        return (self.workdir / "stderr.log").read_text(encoding="utf-8", errors="replace")

    def summary(self) -> dict[str, Any]:
        """The run summary it wrote (empty if none)."""
        path = self.workdir / "summary.json"
        return json.loads(path.read_text()) if path.exists() else {}


def all_rejects(workdir: Path) -> list[dict[str, Any]]:
    """RECORD lines of every rejects file of a work dir (a run with rejects keeps the earlier file beside it)."""
    found = []
    for path in sorted(workdir.glob("rejects*.singer")):
        for line in path.read_text(encoding="utf-8").splitlines():
            message = json.loads(line)
            if message["type"] == "RECORD":
                found.append(message)
    return found


def in_flight(sandbox: SandboxApp[Any]) -> int:
    """Calls the sandbox has received and not answered yet (e.g. stalled ones)."""
    return int(sandbox.summary()["requests"]["by_status"].get("in_flight", 0))


def wait_until_answered(sandbox: SandboxApp[Any], timeout: float = 30) -> None:
    """Wait until every call the sandbox received is answered: a stalled one may still land (read after it)."""
    deadline = time.monotonic() + timeout
    while in_flight(sandbox) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not in_flight(sandbox), "calls still held at the sandbox"


#: How often the live runs here drain every sink and emit STATE.
DRAIN_SECONDS = 1.0


def split_at_states(messages: Sequence[Message], *fractions: float) -> list[list[Message]]:
    """The input cut right after the first STATE past each fraction of it."""
    cuts = [
        next(
            m["value"]["position"] + 1
            for m in messages
            if m["type"] == "STATE" and m["value"]["position"] > len(messages) * f
        )
        for f in fractions
    ]
    return [list(messages[a:b]) for a, b in zip([0, *cuts], [*cuts, len(messages)], strict=True)]


def wait_for_idle(live: LiveRun, sandbox: SandboxApp[Any], *, quiet: float = DRAIN_SECONDS + 0.5) -> None:
    """Wait until the target has sent nothing for `quiet` seconds (it waits on its input)."""
    fed, last = time.monotonic(), [-1, time.monotonic()]

    def idle() -> bool:
        total = sandbox.summary()["requests"]["total"]
        if total != last[0]:
            last[:] = [total, time.monotonic()]
        return time.monotonic() - max(last[1], fed) >= quiet

    live.wait_until(idle, "the target to go idle on its input")


def start_fed_run(
    target: SoakTarget, workdir: Path, sandbox: SandboxApp[Any], messages: Sequence[Message], **settings: Any
) -> tuple[LiveRun, list[Message], list[Message]]:
    """A live run fed the first quarter of `messages`, then (once it is due a drain) the second.

    Returns the run, idle on its input after emitting STATE for the first quarter and staging
    the second, with the second quarter and the rest of the input (not fed yet).
    """
    first, second, rest = split_at_states(messages, 0.25, 0.5)
    live = LiveRun(target, workdir, sandbox.base_url, None, drain_seconds=DRAIN_SECONDS, **settings)
    live.feed(first)
    time.sleep(DRAIN_SECONDS + 0.3)
    live.feed(second)  # its first record finds the first quarter older than DRAIN_SECONDS: full drain, STATE
    live.wait_until(lambda: len(live.states) >= 1, "a first STATE")
    wait_for_idle(live, sandbox)
    return live, second, rest


#: Sandboxes fast enough that no test waits on a rate limit.
FAST_SANDBOX = {"rate_limit": 100_000, "window_seconds": 1.0}
#: Settings of the live runs (no stalls there: a lost create answer is checked after 0.5 s).
RUN_SETTINGS = {"late_arrival_seconds": 0.5, "max_requests_per_minute": 60_000, "request_timeout_seconds": 10}


def run_settings(target: SoakTarget) -> dict[str, Any]:
    """`RUN_SETTINGS`, with `late_arrival_seconds` only where the target has it (not Rfmcube)."""
    if target.name == "rfmcube":
        return {k: v for k, v in RUN_SETTINGS.items() if k != "late_arrival_seconds"}
    return dict(RUN_SETTINGS)


def covered_are_delivered(
    target: SoakTarget, streams: Sequence[StreamInput], messages: Sequence[Message], state: Any, data: dict[str, Any]
) -> list[tuple[str, str]]:
    """The valid records STATE `state` covers that the sandbox does not hold (must be none)."""
    return check_delivery(target, streams, data, expected_only=covered_keys(target, messages, state)).missing


class Case(NamedTuple):
    """One test's target, its input (the soak input at a smaller scale) and its sandbox."""

    target: SoakTarget
    streams: list[StreamInput]
    messages: list[Message]
    sandbox: SandboxApp[Any]


def new_case(
    name: str, start_sandbox: Callable[..., SandboxApp[Any]], records: int, *, blocks: int = 40, **config: Any
) -> Case:
    """`records` of the target's soak input in `blocks` slices, and its sandbox (fast unless `config` says otherwise)."""
    target = TARGETS[name]
    streams = target.streams(records)
    sandbox = start_sandbox(name, **{**FAST_SANDBOX, **target.sandbox, **config})
    return Case(target, streams, interleave(streams, blocks=blocks), sandbox)
