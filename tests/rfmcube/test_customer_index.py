"""The customer index: stubs read from the staged payloads' first bytes, and the id index only while deleting by id."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from api_target_kit.records import email_key
from target_rfmcube.customer_index import CustomerIndex, stub_key
from target_rfmcube.payloads import STUB_FIELDS, customer_payload, staged_customer

CUSTOMERS: list[dict[str, Any]] = [
    {"city": "Roma", "email": " Anna@Example.IT ", "id": 7, "createdAt": "2024-01-02T03:04:05+01:00", "x": None},
    {"lastname": "Bell", "updatedAt": "2025-02-03T00:00:00Z", "email": "b@example.it", "id": None, "note": 'a,"}b'},
    {"email": "ünïcode@exämple.it", "id": "C3", "tags": ["a", "b"], "nested": {"email": "not@this.one"}},
    {"firstname": "No stub fields"},
    {"id": "C5"},
    {
        "_sdc_extracted_at": "2025-01-01T00:00:00Z",
        "city": "Milano",
        "email": "Full@Example.it",
        "id": 42,
        "customerId": 9,
        "createdAt": "2024-01-02T03:04:05+01:00",
        "updatedAt": "2024-05-06T07:08:09Z",
        "orders": [{"id": "O1"}],
        "note": None,
    },
    {"updatedAt": "2024-05-06T07:08:09Z", "createdAt": "2024-01-02T03:04:05Z", "id": "C7", "email": "seven@example.it"},
]


@pytest.mark.parametrize("record", CUSTOMERS)
def test_the_stub_is_the_first_bytes_of_the_staged_payload(record: dict[str, Any]) -> None:
    payload = customer_payload(record)
    encoded, head = staged_customer(record)
    assert json.loads(encoded) == payload  # every field, same values: only the order of keys changed
    stub = {name: payload[name] for name in STUB_FIELDS if payload.get(name) is not None}
    assert json.loads(encoded[:head] + b"}") == stub
    assert list(json.loads(encoded))[: len(stub)] == list(stub)


EMAILS = [
    " Anna@Example.IT ",
    'a"b@x.it',
    "back\\slash@x.it",
    "tab\t@x.it",
    "ünïcode@exämple.it",
    "\u2028@x.it",
    "",
    42,
]


@pytest.mark.parametrize("email", [*EMAILS, None])
def test_the_index_key_read_from_a_stub_is_the_email_key_of_its_email(email: Any) -> None:
    record = {"id": "C1", "createdAt": "2024-01-02T03:04:05Z", "updatedAt": "2024-01-02T03:04:05Z", "x": '","'}
    if email is not None:
        record["email"] = email
    encoded, head = staged_customer(record)
    stub = (encoded[:head] + b"}").decode()
    assert stub_key(stub) == email_key(email)


def _heads(*records: dict[str, Any]) -> list[bytes]:
    staged = [staged_customer(record) for record in records]
    return [encoded[:head] for encoded, head in staged]


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        }


def test_confirmed_stubs_are_found_by_email_key(tmp_path: Path) -> None:
    index = CustomerIndex(str(tmp_path / "customers.sqlite"))
    with sqlite3.connect(tmp_path / "customers.sqlite") as db:  # a new file: one B-tree, keyed by email_key
        (table,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'customers'").fetchone()
    assert table.endswith("WITHOUT ROWID")
    index.remember([_heads(CUSTOMERS[0]), _heads(CUSTOMERS[1], CUSTOMERS[2])])
    found = index.lookup(["anna@example.it", "b@example.it", "ünïcode@exämple.it", "nobody@example.it"])
    assert found == {
        "anna@example.it": {"email": " Anna@Example.IT ", "id": "7", "createdAt": "2024-01-02T02:04:05Z"},
        "b@example.it": {"email": "b@example.it", "updatedAt": "2025-02-03T00:00:00Z"},
        "ünïcode@exämple.it": {"email": "ünïcode@exämple.it", "id": "C3"},
    }
    index.remember([_heads({**CUSTOMERS[1], "id": "C2"})])  # a later confirmation replaces the stub
    assert index.lookup(["b@example.it"])["b@example.it"]["id"] == "C2"
    # One key twice in a chunk: the later wins, though its stub sorts first ("B" < "b").
    twice = [
        {**CUSTOMERS[1], "id": "C2-0", "email": "b@example.it "},
        {**CUSTOMERS[1], "id": "C2-1", "email": "B@example.it"},
    ]
    index.remember([_heads(CUSTOMERS[2], twice[0], CUSTOMERS[0], twice[1])])
    assert index.lookup(["b@example.it"])["b@example.it"] == {"email": "B@example.it", "id": "C2-1", **DATES_OF_1}
    index.close()


DATES_OF_1 = {"updatedAt": "2025-02-03T00:00:00Z"}


def test_the_id_index_is_built_by_a_delete_by_id_and_dropped_at_the_next_opening(tmp_path: Path) -> None:
    path = tmp_path / "customers.sqlite"
    index = CustomerIndex(str(path))
    index.remember([_heads(CUSTOMERS[0], CUSTOMERS[2])])
    assert "customers_by_id" not in _indexes(path)  # loading customers keeps no id index up to date
    index.forget(email_key="anna@example.it")
    assert "customers_by_id" not in _indexes(path)
    index.forget(customer_id="C3")
    assert "customers_by_id" in _indexes(path)
    assert index.lookup(["anna@example.it", "ünïcode@exämple.it"]) == {}
    index.remember([_heads(CUSTOMERS[0])])  # kept up to date for the rest of this run
    index.forget(customer_id="7")
    assert index.lookup(["anna@example.it"]) == {}
    index.close()
    reopened = CustomerIndex(str(path))
    assert "customers_by_id" not in _indexes(path)
    reopened.remember([_heads(CUSTOMERS[0])])
    reopened.forget(customer_id="7")  # found by a full build again
    assert reopened.lookup(["anna@example.it"]) == {}
    reopened.close()


EARLIER_LAYOUTS = {
    "customer_id column, always indexed": (
        "CREATE TABLE customers (email_key TEXT PRIMARY KEY, customer_id TEXT, stub TEXT NOT NULL)",
        "CREATE INDEX customers_by_id ON customers (customer_id)",
        "INSERT INTO customers VALUES ('old@example.it', 'C9', ?)",
    ),
    "rowid table": (
        "CREATE TABLE customers (email_key TEXT PRIMARY KEY, stub TEXT NOT NULL)",
        "INSERT INTO customers VALUES ('old@example.it', ?)",
    ),
}


@pytest.mark.parametrize("layout", EARLIER_LAYOUTS)
def test_a_file_written_by_an_earlier_layout_is_read_and_written(tmp_path: Path, layout: str) -> None:
    path = tmp_path / "customers.sqlite"
    *create, insert = EARLIER_LAYOUTS[layout]
    with sqlite3.connect(path) as db:
        for statement in create:
            db.execute(statement)
        db.execute(insert, ('{"email":"Old@Example.it","id":"C9"}',))
    index = CustomerIndex(str(path))
    assert "customers_by_id" not in _indexes(path)
    index.remember([_heads(CUSTOMERS[2])])
    assert set(index.lookup(["old@example.it", "ünïcode@exämple.it"])) == {"old@example.it", "ünïcode@exämple.it"}
    index.forget(customer_id="C9")
    index.forget(customer_id="C3")
    assert index.lookup(["old@example.it", "ünïcode@exämple.it"]) == {}
    index.close()
