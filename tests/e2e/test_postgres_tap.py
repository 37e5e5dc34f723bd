"""The real tap and a real database: `meltano run` of tap-postgres into each target's sandbox.

A PostgreSQL server on loopback holds a small shop (see `shop_db.py`); each target selects its
tables, maps them with `entities` and `stream_maps` (`shop_pipelines.py`, the README's pairing
configuration) and loads its sandbox. The first run loads everything and rejects the two invalid
e-mails naming the field; then rows are changed and added, and a second, INCREMENTAL run (state
kept in Meltano's system database) sends only what changed: no order or purchase twice.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from api_target_kit.sandbox import SandboxApp

from .conftest import meltano
from .postgres_server import PostgresServer
from .shop_db import CHANGES, LOCAL_TIME_USER, TAP_PASSWORD, TAP_USER
from .shop_pipelines import extractor_name


@dataclass
class Pipeline:
    """One target's pipeline: its database copy, its sandbox and where its runs write."""

    vendor: str
    project: Path
    postgres: PostgresServer
    database: str
    sandbox: SandboxApp[Any]
    api_key: str
    out: Path

    def env(self, number: int, user: str = TAP_USER, **settings: str) -> dict[str, str]:
        """The environment of run `number`: the tap's database login, the target's settings."""
        prefix = f"TARGET_{self.vendor.upper()}_"
        return {
            **os.environ,
            "SHOP_PG_PORT": str(self.postgres.port),
            "SHOP_PG_USER": user,
            "SHOP_PG_PASSWORD": TAP_PASSWORD,
            "SHOP_PG_DATABASE": self.database,
            # The state (bookmarks) of this pipeline only: the project is shared by the session.
            "MELTANO_RUN_STATE_ID_SUFFIX": self.out.name,
            f"{prefix}API_KEY": self.api_key,
            f"{prefix}API_URL": self.sandbox.base_url,
            f"{prefix}MAX_REQUESTS_PER_MINUTE": "3000",
            f"{prefix}QUOTA_BACKEND_URL": "none",
            f"{prefix}LEDGER_PATH": str(self.out / "ledger.sqlite"),
            f"{prefix}CUSTOMER_INDEX_PATH": str(self.out / "customers.sqlite"),
            f"{prefix}REJECTS_PATH": str(self.out / f"rejects-{number}.singer"),
            f"{prefix}SUMMARY_PATH": str(self.out / f"summary-{number}.json"),
            **{f"{prefix}{name.upper()}": value for name, value in settings.items()},
        }

    def run(self, number: int, **settings: str) -> dict[str, Any]:
        """`meltano run tap-shop-<vendor> target-<vendor>` (`settings` for the target); return its summary."""
        env = self.env(number, **settings)
        done = meltano("run", extractor_name(self.vendor), f"target-{self.vendor}", project=self.project, env=env)
        assert self.api_key not in done.stdout + done.stderr
        summary: dict[str, Any] = json.loads((self.out / f"summary-{number}.json").read_text())
        assert summary["status"] == "succeeded", summary
        return summary

    def rejects(self, number: int) -> dict[Any, str]:
        """The records run `number` rejected: their identifying value -> `_reject_reason`."""
        path = self.out / f"rejects-{number}.singer"
        if not path.exists():
            return {}
        found = {}
        for line in path.read_text().splitlines():
            message = json.loads(line)
            if message["type"] == "RECORD":
                record = message["record"]
                key = next(record[k] for k in ("id", "order_id", "purchaseId", "_email", "email") if k in record)
                found[key] = record["_reject_reason"]
        return found

    def change_rows(self) -> None:
        """The second day's updates and inserts."""
        self.postgres.psql(CHANGES, self.database)


def _sandbox(vendor: str, api_key: str) -> SandboxApp[Any]:
    # Rate limits far above the runs' pace (3,000/min): pacing must not dominate the test.
    if vendor == "rfmcube":
        from target_rfmcube.sandbox import RfmcubeSandbox
        from target_rfmcube.sandbox import SandboxConfig as RfmcubeConfig

        return RfmcubeSandbox(RfmcubeConfig(api_key=api_key, process_seconds=0.1, rate_limit=10_000))
    if vendor == "ecomail":
        from target_ecomail.sandbox import EcomailSandbox
        from target_ecomail.sandbox import SandboxConfig as EcomailConfig

        return EcomailSandbox(EcomailConfig(api_key=api_key, rate_limit=10_000))
    from target_connectif.sandbox import ConnectifSandbox
    from target_connectif.sandbox import SandboxConfig as ConnectifConfig

    return ConnectifSandbox(ConnectifConfig(api_key=api_key, import_seconds=0.1, rate_limit=10_000))


@pytest.fixture
def pipeline(
    request: pytest.FixtureRequest, postgres: PostgresServer, shop_project: Path, tmp_path: Path
) -> Iterator[Pipeline]:
    """The vendor's own copy of the shop database and a sandbox on a free port."""
    vendor: str = request.param
    database = f"shop_{vendor}"
    postgres.psql(f"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database} TEMPLATE shop;")
    api_key = f"key-{secrets.token_hex(4)}:{secrets.token_hex(8)}"
    sandbox = _sandbox(vendor, api_key)
    sandbox.start(port=0)
    try:
        yield Pipeline(vendor, shop_project, postgres, database, sandbox, api_key, tmp_path)
    finally:
        sandbox.stop()


def _streams(summary: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
    """Per stream: (received, sent, skipped, rejected)."""
    return {name: (s["received"], s["sent"], s["skipped"], s["rejected"]) for name, s in summary["streams"].items()}


def _api_calls(sandbox: SandboxApp[Any], since: int) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.request_log()[since:]]


@pytest.mark.parametrize("pipeline", ["rfmcube"], indirect=True)
def test_rfmcube_from_postgres(pipeline: Pipeline) -> None:
    """Customers with their orders (items nested by the view); then only the changed ones."""
    first = pipeline.run(1)
    assert _streams(first) == {"public-customers": (5, 3, 0, 2), "public-orders_with_items": (4, 3, 0, 1)}
    rejects = pipeline.rejects(1)
    assert set(rejects) == {3, 4, 103}
    assert "'email'" in rejects[3] and "'email'" in rejects[4] and "'customerEmail'" in rejects[103]

    customers = {c["email"]: c for c in pipeline.sandbox.snapshot()["customers"]}
    assert set(customers) == {"jana.novakova@example.cz", "lukas.dvorak@example.cz", "jiri.stastny@example.cz"}
    jana = customers["jana.novakova@example.cz"]
    orders = jana.pop("orders")
    assert jana == {
        "id": "1",
        "email": "jana.novakova@example.cz",
        "firstname": "Jana",
        "lastname": "Nováková",
        # 01:30 in Prague before the March change (+01:00); 02:40+02:00 before the October one.
        "createdAt": "2026-03-29T00:30:00Z",
        "updatedAt": "2026-10-25T00:40:00Z",
        "tags": ["vip", "praha"],
        "loyalty_tier": "gold",
    }
    assert [(o["id"], o["amount"], o["status"], o["createdAt"], o["updatedAt"]) for o in orders] == [
        ("101", 388.8, "completed", "2026-03-29T00:30:00Z", "2026-10-25T00:40:00Z")
    ]
    assert orders[0]["items"] == [
        {"product_id": "SKU-1", "name": "Čaj Earl Grey", "quantity": 2, "price": 149.9},
        {"product_id": "SKU-2", "name": "Hrnek „Praha“", "quantity": 1, "price": 89.0},
    ]
    lukas = customers["lukas.dvorak@example.cz"]
    assert (lukas["createdAt"], lukas["updatedAt"], lukas["lastname"]) == (
        "2026-03-29T01:30:00Z",
        "2026-10-25T01:10:00Z",
        "Dvořák",
    )
    assert [(o["id"], o["amount"]) for o in customers["jiri.stastny@example.cz"]["orders"]] == [("104", 0.1)]

    pipeline.change_rows()
    calls_before = len(pipeline.sandbox.request_log())
    second = pipeline.run(2)
    assert _streams(second) == {"public-customers": (2, 2, 0, 0), "public-orders_with_items": (2, 2, 0, 0)}
    assert "POST /v1/merge_order" not in _api_calls(pipeline.sandbox, calls_before)
    customers = {c["email"]: c for c in pipeline.sandbox.snapshot()["customers"]}
    assert customers["lukas.dvorak@example.cz"]["lastname"] == "Dvořáková"
    assert customers["lukas.dvorak@example.cz"]["updatedAt"] == "2026-11-02T09:00:00Z"
    assert [(o["id"], o["status"]) for o in customers["lukas.dvorak@example.cz"]["orders"]] == [("102", "completed")]
    assert [(o["id"], o["amount"]) for o in customers["eva.mala@example.cz"]["orders"]] == [("105", 266.9)]
    assert customers["jana.novakova@example.cz"]["orders"][0]["id"] == "101"
    assert pipeline.sandbox.summary()["orders"] == 5 - 1  # 101, 102, 104, 105 (103 was rejected)

    # The rejects hold the records as the tap sent them (before the stream maps): fixed, they
    # replay with `meltano invoke target-rfmcube --input` and the same configuration, maps included.
    fixed = (pipeline.out / "rejects-1.singer").read_text().replace('"not-an-email"', '"petr@example.cz"')
    replay_input = pipeline.out / "rejects-fixed.singer"
    replay_input.write_text(fixed)
    env = pipeline.env(0)
    env["TARGET_RFMCUBE_REJECTS_PATH"] = str(pipeline.out / "rejects-replay.singer")
    env["TARGET_RFMCUBE_SUMMARY_PATH"] = str(pipeline.out / "summary-replay.json")
    done = meltano("invoke", "target-rfmcube", "--input", str(replay_input), project=pipeline.project, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    replay = json.loads((pipeline.out / "summary-replay.json").read_text())
    assert _streams(replay) == {"public-customers": (2, 1, 0, 1), "public-orders_with_items": (1, 1, 0, 0)}
    petr = next(c for c in pipeline.sandbox.snapshot()["customers"] if c["email"] == "petr@example.cz")
    assert (petr["firstname"], petr["createdAt"], [o["id"] for o in petr["orders"]]) == (
        "Petr",
        "2026-01-10T08:00:00Z",
        ["103"],
    )


def _unix(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


@pytest.mark.parametrize("pipeline", ["ecomail"], indirect=True)
def test_ecomail_from_postgres(pipeline: Pipeline) -> None:
    """Subscribers and transactions (items rebuilt from the view); then only the changed ones."""
    first = pipeline.run(1)
    assert _streams(first) == {"public-customers": (5, 3, 0, 2), "public-orders_with_items": (4, 3, 0, 1)}
    rejects = pipeline.rejects(1)
    assert set(rejects) == {3, 4, 103}  # as the tap sent them: customers 3 and 4 have the bad e-mails
    assert all(reason.startswith("field 'email' is not a valid email address") for reason in rejects.values())

    data = pipeline.sandbox.snapshot()
    contacts = {c["email"]: c for c in data["contacts"]}
    assert set(contacts) == {"jana.novakova@example.cz", "lukas.dvorak@example.cz", "jiri.stastny@example.cz"}
    jana = contacts["jana.novakova@example.cz"]
    assert (jana["name"], jana["surname"], jana["phone"], jana["tags"]) == (
        "Jana",
        "Nováková",
        "+420 601 000 001",
        ["vip", "praha"],
    )
    assert "phone" not in contacts["lukas.dvorak@example.cz"]  # NULL in the database: not sent
    orders = {t["order_id"]: t for t in data["transactions"]}
    assert set(orders) == {"101", "102", "104"}
    assert {k: orders["101"][k] for k in ("email", "shop", "amount", "status", "timestamp", "items")} == {
        "email": "jana.novakova@example.cz",
        "shop": "shop.example.cz",
        "amount": 388.8,
        "status": "completed",
        "timestamp": _unix("2026-03-29T00:30:00+00:00"),
        "items": [
            {"code": "SKU-1", "title": "Čaj Earl Grey", "price": 149.9, "amount": 2},
            {"code": "SKU-2", "title": "Hrnek „Praha“", "price": 89.0, "amount": 1},
        ],
    }
    assert (orders["102"]["timestamp"], orders["104"]["amount"]) == (_unix("2026-03-29T01:30:00+00:00"), 0.1)

    pipeline.change_rows()
    calls_before = len(pipeline.sandbox.request_log())
    second = pipeline.run(2)
    assert _streams(second) == {"public-customers": (2, 2, 0, 0), "public-orders_with_items": (2, 2, 0, 0)}
    # The changed order is replaced, the new one created: nothing else is sent.
    assert sorted(_api_calls(pipeline.sandbox, calls_before)) == [
        "POST /lists/1/subscribe-bulk",
        "POST /tracker/transaction-bulk",
        "PUT /tracker/transaction/102",
    ]
    data = pipeline.sandbox.snapshot()
    assert sorted(t["order_id"] for t in data["transactions"]) == ["101", "102", "104", "105"]
    assert pipeline.sandbox.summary()["duplicate_transactions"] == 0
    orders = {t["order_id"]: t for t in data["transactions"]}
    assert orders["102"]["status"] == "completed"
    assert (orders["105"]["email"], orders["105"]["amount"]) == ("eva.mala@example.cz", 266.9)
    contacts = {c["email"]: c for c in data["contacts"]}
    assert contacts["lukas.dvorak@example.cz"]["surname"] == "Dvořáková"
    assert contacts["eva.mala@example.cz"]["tags"] == ["new"]


@pytest.mark.parametrize("pipeline", ["connectif"], indirect=True)
def test_connectif_from_postgres(pipeline: Pipeline) -> None:
    """Contacts, products and purchases (lines rebuilt from the view); then only the changed ones."""
    first = pipeline.run(1)
    assert _streams(first) == {
        "public-customers": (5, 3, 0, 2),
        "public-products": (4, 4, 0, 0),
        "public-orders_with_items": (4, 3, 0, 1),
    }
    rejects = pipeline.rejects(1)
    assert set(rejects) == {3, 4, 103}  # as the tap sent them: customers 3 and 4 have the bad e-mails
    assert rejects[103].startswith("field 'contactEmail' is not a valid email address")
    assert rejects[3].startswith("field '_email' is not a valid email address")

    data = pipeline.sandbox.snapshot()
    contacts = {c["_email"]: c for c in data["contacts"]}
    assert set(contacts) == {"jana.novakova@example.cz", "lukas.dvorak@example.cz", "jiri.stastny@example.cz"}
    assert (contacts["jiri.stastny@example.cz"]["_name"], contacts["jiri.stastny@example.cz"]["_surname"]) == (
        "Jiří",
        "Šťastný",
    )
    products = {p["productId"]: p for p in data["products"]}
    assert {k: products["SKU-2"][k] for k in ("name", "productDetailUrl", "unitPrice")} == {
        "name": "Hrnek „Praha“",
        "productDetailUrl": "https://shop.example.cz/p/sku-2",
        "unitPrice": 89.0,
    }
    assert products["SKU-5"]["unitPrice"] == 9999999999.99  # the largest numeric(12,2)
    purchases = {p["purchaseId"]: p for p in data["purchases"]}
    assert set(purchases) == {"101", "102", "104"}
    fields = ("contactEmail", "purchaseDate", "totalPrice", "totalQuantity")
    assert {k: purchases["101"][k] for k in fields} == {
        "contactEmail": "jana.novakova@example.cz",
        "purchaseDate": "2026-03-29T00:30:00Z",
        "totalPrice": 388.8,
        "totalQuantity": 3,
    }
    assert [(line["productId"], line["quantity"], line["price"]) for line in purchases["101"]["products"]] == [
        ("SKU-1", 2, 149.9),
        ("SKU-2", 1, 89.0),
    ]
    assert purchases["104"]["purchaseDate"] == "2026-07-01T21:59:59Z"

    pipeline.change_rows()
    calls_before = len(pipeline.sandbox.request_log())
    second = pipeline.run(2)
    # Products are re-read at the bookmark (all four share its time): skipped as unchanged. Order
    # 102 changed only its status, which a purchase does not carry: nothing to send.
    assert _streams(second) == {
        "public-customers": (2, 2, 0, 0),
        "public-products": (5, 1, 4, 0),
        "public-orders_with_items": (2, 1, 1, 0),
    }
    # The new purchase is not in the ledger: Connectif is asked first (verify_new_purchases).
    assert sorted(_api_calls(pipeline.sandbox, calls_before)) == [
        "GET /purchases/purchase-id/105",
        "PATCH /contacts/email/eva.mala%40example.cz",
        "PATCH /contacts/email/lukas.dvorak%40example.cz",
        "PATCH /products/product-id/SKU-4",
        "POST /purchases/",
    ]
    summary = pipeline.sandbox.summary()
    assert (summary["purchases"], summary["duplicate_purchases"]) == (4, 0)
    purchase = next(p for p in pipeline.sandbox.snapshot()["purchases"] if p["purchaseId"] == "105")
    assert (purchase["purchaseDate"], purchase["totalPrice"]) == ("2026-11-02T10:10:00Z", 266.9)
    assert [line["productId"] for line in purchase["products"]] == ["SKU-4", "SKU-1"]


@pytest.mark.parametrize("pipeline", ["connectif"], indirect=True)
def test_connectif_purchases_drained_before_their_products_arrive(pipeline: Pipeline) -> None:
    """The tap emits streams in name order: `public-orders_with_items` before `public-products`.

    With batches of two records the purchases sink drains before any product is read; every
    purchase must still be delivered (held until its products arrive), none refused with E0102.
    """
    first = pipeline.run(1, batch_size_rows="2")
    refused = {key: reason for key, reason in pipeline.rejects(1).items() if "E0102" in reason}
    assert not refused, f"purchases refused for products that had not arrived yet: {refused}"
    assert pipeline.rejects(1).keys() == {3, 4, 103}
    assert _streams(first) == {
        "public-customers": (5, 3, 0, 2),
        "public-products": (4, 4, 0, 0),
        "public-orders_with_items": (4, 3, 0, 1),
    }
    summary = pipeline.sandbox.summary()
    assert (summary["purchases"], summary["duplicate_purchases"]) == (3, 0)


@pytest.mark.parametrize("pipeline", ["ecomail"], indirect=True)
def test_tap_sessions_outside_utc_break_incremental_keys(pipeline: Pipeline) -> None:
    """Why the README sets the tap's session time zone to UTC.

    In Europe/Prague the tap writes each `updated_at` with the offset of its date. In October
    2026, 02:10+01:00 comes after 02:40+02:00, but the SDK compares the texts and stops the run.
    """
    done = meltano(
        "invoke",
        extractor_name("ecomail"),
        project=pipeline.project,
        env=pipeline.env(1, user=LOCAL_TIME_USER),
        succeed=False,
    )
    assert done.returncode != 0
    assert re.search(
        r"Unsorted data detected in stream\. Latest value '2026-10-25T02:10:00[.0]*\+01:00' "
        r"is smaller than previous max '2026-10-25T02:40:00[.0]*\+02:00'",
        done.stderr,
    ), done.stderr[-3000:]
