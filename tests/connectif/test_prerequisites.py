"""Purchases that arrive before their contacts and products (a tap emits streams in its own order)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .runs import contacts, products, purchases, run_connectif, stream_messages


def _purchase_posts(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.request_log() if r["method"] == "POST" and r["path"].startswith("/purchases")]


def test_purchases_before_their_contacts_and_products_wait_on_disk_and_spend_no_refused_call(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    # As tap-postgres emits them (streams in name order): every purchase, then contacts, then products.
    # Batches of 100 make the purchases sink drain twice while its prerequisites have not arrived.
    messages = [
        *stream_messages("purchases", purchases(250), key="purchaseId", state_every=100),
        *stream_messages("contacts", contacts(50), key="_email"),
        *stream_messages("products", products(3), key="productId"),
        {"type": "STATE", "value": {"bookmarks": {"end": True}}},
    ]

    run = run_connectif(tmp_path, sandbox.base_url, messages, batch_size_rows=100)

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.rejects == []
    assert sandbox.summary()["purchases"] == 250
    posts = _purchase_posts(sandbox)
    assert len(posts) == 250
    assert all(p["status"] == 201 for p in posts), {p["status"] for p in posts}
    # No STATE while purchases were held: only the last one, once they were delivered.
    assert run.states == [{"bookmarks": {"end": True}}]
    assert "Holding 100 purchases records on disk" in run.stderr


def test_a_purchase_whose_product_never_arrives_is_rejected_naming_it_with_one_call(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    orders = purchases(12)
    for order in (orders[0], orders[7]):  # in two batches (of 5): the second is sent after the first's answer
        order["products"] = [{"productId": "P0999", "quantity": 1, "price": 5.0, "unitPrice": 5.0}]
    messages = [
        *stream_messages("purchases", orders, key="purchaseId"),
        *stream_messages("contacts", contacts(50), key="_email"),
        *stream_messages("products", products(3), key="productId"),
    ]

    run = run_connectif(tmp_path, sandbox.base_url, messages, batch_size_rows=5)

    assert run.returncode == 0, run.stderr[-3000:]
    assert sandbox.summary()["purchases"] == 10
    reasons = sorted(r["record"]["_reject_reason"] for r in run.rejects)
    assert len(reasons) == 2
    assert all("P0999" in reason for reason in reasons), reasons
    # The second purchase of the missing product was rejected without a call.
    refused = [p for p in _purchase_posts(sandbox) if p["status"] == 400]
    assert len(refused) == 1


def test_a_stream_of_purchases_refused_alike_stops_after_max_identical_refusals(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox()
    orders = purchases(60)
    for n, order in enumerate(orders):
        order["products"] = [{"productId": f"MISSING{n}", "quantity": 1, "price": 5.0, "unitPrice": 5.0}]
    messages = stream_messages("contacts", contacts(50), key="_email") + stream_messages(
        "purchases", orders, key="purchaseId", state_every=10
    )

    run = run_connectif(tmp_path, sandbox.base_url, messages, max_identical_refusals=10)

    assert run.returncode == 1
    assert "10 records of purchases in a row refused with E0102" in run.stderr
    assert "load products before purchases or check the product ids" in run.stderr
    assert "Traceback" not in run.stderr
    # At most the refusals of the streak and the calls already under way on the other threads.
    assert 10 <= len(_purchase_posts(sandbox)) < 20
    assert run.states == []
    assert run.summary["status"] == "failed"


#: A shop's contacts table: `email` and `years` mapped to Connectif's `_email` and `age`.
SHOP_CONTACT_MAPS = {
    "shop-contacts": {
        "_email": "email",
        "email": "__NULL__",
        "age": "years",
        "years": "__NULL__",
        "__key_properties__": ["_email"],
    }
}


def _run_shop_contacts(tmp_path: Path, sandbox: Any, people: list[dict[str, Any]], **settings: Any) -> Any:
    """Run the target on `people` as the `shop-contacts` stream, shaped by `SHOP_CONTACT_MAPS`."""
    return run_connectif(
        tmp_path,
        sandbox.base_url,
        stream_messages("shop-contacts", people, key="email"),
        entities={"shop-contacts": "contacts"},
        stream_maps=SHOP_CONTACT_MAPS,
        **settings,
    )


def test_a_row_an_import_refuses_is_rejected_as_the_tap_sent_it_when_stream_maps_shape_it(
    start_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = start_sandbox(contact_fields={"shop_language": "text", "age": "integer"})
    people = [{"email": p.pop("_email"), **p, "years": 30} for p in contacts(150)]
    people[7]["years"] = "old"
    run = _run_shop_contacts(tmp_path, sandbox, people)

    assert run.returncode == 0, run.stderr[-2000:]
    [reject] = run.rejects
    assert reject["stream"] == "shop-contacts"
    assert reject["record"]["email"] == people[7]["email"] and reject["record"]["years"] == "old"
    assert "_email" not in reject["record"] and "age" not in reject["record"]
    assert sandbox.summary()["contacts"] == 149


def test_a_row_the_grown_header_no_longer_fits_is_rejected_as_the_tap_sent_it(
    start_sandbox: Any, tmp_path: Path
) -> None:
    # The first contact fits the import with the header it was staged under; the second adds a
    # long column, and the first no longer fits a file on its own (header + row over the limit).
    column = "favourite_department_of_the_shop_for_this_one"
    sandbox = start_sandbox(contact_fields={"shop_language": "text", "age": "integer", column: "text"})
    people = [
        {"email": "a@example.cz", "years": 30, "shop_language": "x" * 15},
        {"email": "b@example.cz", "years": 31, column: "b"},
    ]
    run = _run_shop_contacts(tmp_path, sandbox, people, max_import_bytes=200, bulk_threshold=1)

    assert run.returncode == 0, run.stderr[-2000:]
    [reject] = run.rejects
    assert reject["stream"] == "shop-contacts"
    assert {k: v for k, v in reject["record"].items() if k != "_reject_reason"} == people[0]
    assert "CSV row too large for one import" in reject["record"]["_reject_reason"]
    assert sandbox.summary()["contacts"] == 1
