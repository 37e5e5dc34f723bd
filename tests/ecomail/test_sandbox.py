"""Tests of the Ecomail sandbox over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from target_ecomail.sandbox import EcomailSandbox, FaultConfig

from ..sandbox_fixtures import run_sandbox_cli
from .conftest import StartSandbox
from .harness_keys import KEY

TX_TOO_MANY = {"errors": {"transaction_data": ["The transaction data may not have more than 1000 items."]}}
NOT_A_CONTACT = {"errors": {"email": ["Subscriber not found"]}}


@pytest.fixture
def session() -> Iterator[requests.Session]:
    """A keep-alive session sending the `key` header."""
    with requests.Session() as s:
        s.headers["key"] = KEY
        yield s


@pytest.fixture
def api(start_sandbox: StartSandbox) -> tuple[EcomailSandbox, str]:
    """One sandbox with default settings and its base URL."""
    sandbox = start_sandbox()
    return sandbox, sandbox.base_url


def person(n: int, **extra: Any) -> dict[str, Any]:
    """A valid subscriber_data item."""
    return {"email": f"person{n}@example.cz", "name": f"P{n}", **extra}


def order(order_id: str, email: str = "buyer@example.cz", *items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A valid {transaction, transaction_items}."""
    line = {"code": "SKU1", "title": "Shoe", "price": 10.5, "amount": 1}
    return {
        "transaction": {"order_id": order_id, "email": email, "shop": "shop.cz", "amount": 10.5, **extra},
        "transaction_items": list(items) or [line],
    }


def bulk(s: requests.Session, url: str, items: list[Any], list_id: str = "1", **flags: Any) -> requests.Response:
    """POST /lists/{id}/subscribe-bulk."""
    return s.post(f"{url}/lists/{list_id}/subscribe-bulk", json={"subscriber_data": items, **flags})


def member(sb: EcomailSandbox, email: str, list_id: str = "1") -> dict[str, Any]:
    """The stored contact (with its membership of list_id under "member")."""
    contact = next(c for c in sb.snapshot()["contacts"] if c["email"].lower() == email.lower())
    return {**contact, "member": contact["lists"].get(list_id)}


# ----- requests, auth, routing --------------------------------------------------------------


def test_wrong_or_missing_key_is_401_wrong_api_key(api: tuple[EcomailSandbox, str]) -> None:
    sb, url = api
    wrong = requests.post(f"{url}/lists/1/subscribe-bulk", json={"subscriber_data": [person(1)]}, headers={"key": "x"})
    missing = requests.get(f"{url}/account")
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert wrong.json() == missing.json() == {"message": "Wrong api key"}
    assert KEY not in wrong.text
    assert sb.summary()["contacts"] == 0


def test_account_lists_and_pipelines(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    _, url = api
    assert session.get(f"{url}/account").json() == {"account": {"name": "Sandbox"}}
    assert [item["id"] for item in session.get(f"{url}/lists").json()] == [1]
    shown = session.get(f"{url}/lists/1").json()
    assert set(shown["list"]["custom_fields"]) == {"shop", "loyalty_tier", "orders_count"}
    assert shown["list"]["custom_fields"]["orders_count"]["type"] == "int"
    assert shown["subscribers"]["subscribed"] == 0 and "unconfirmed" in shown["subscribers"]
    assert session.get(f"{url}/pipelines").json() == {
        "data": [{"id": 1, "name": "Sandbox automation 1"}, {"id": 2, "name": "Sandbox automation 2"}]
    }


def test_unknown_list_is_404_on_every_list_endpoint(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    _, url = api
    calls = [
        session.get(f"{url}/lists/9"),
        session.get(f"{url}/lists/9/subscribers"),
        session.get(f"{url}/lists/9/subscriber/a%40b.cz"),
        bulk(session, url, [person(1)], list_id="9"),
        session.post(f"{url}/lists/9/subscribe", json={"subscriber_data": person(1)}),
        session.put(f"{url}/lists/9/update-subscriber", json={"email": "a@b.cz", "subscriber_data": {}}),
        session.put(f"{url}/lists/9/update-subscriber-bulk", json={"subscriber_data": [person(1)]}),
        session.delete(f"{url}/lists/9/unsubscribe", json={"email": "a@b.cz"}),
    ]
    assert [r.status_code for r in calls] == [404] * len(calls)
    assert all(r.json() == {"message": "List not found"} for r in calls)


def test_unknown_route_wrong_method_and_bad_bodies(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    sb, url = api
    nope = session.get(f"{url}/nope")
    assert nope.status_code == 404 and nope.json() == {"message": "Not found"}
    wrong = session.get(f"{url}/lists/1/subscribe-bulk")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"
    array = session.post(f"{url}/lists/1/subscribe-bulk", json=[person(1)])
    broken = session.post(f"{url}/tracker/events", data=b'{"event": ', headers={"content-type": "application/json"})
    plain = session.post(f"{url}/tracker/events", data=b'{"event": {}}', headers={"content-type": "text/plain"})
    assert [r.status_code for r in (array, broken, plain)] == [400, 400, 400]
    assert all(set(r.json()) == {"message"} for r in (array, broken, plain))
    assert sb.summary()["contacts"] == 0


# ----- subscribe-bulk -----------------------------------------------------------------------


def test_subscribe_bulk_stores_contacts_and_ignores_undefined_fields(
    api: tuple[EcomailSandbox, str], session: requests.Session
) -> None:
    sb, url = api
    first = person(
        1,
        email="Ann@Example.cz",
        gender="female",
        birthday="1990-02-28",
        nameday="02-29",
        vokativ="Anno",
        custom_fields={
            " Shop ": "shop.cz",
            "ORDERS_COUNT": 3,
            "language": "cs",
            "loyalty_tier": {"value": "gold", "type": "string"},
        },
        tags=["vip", "newsletter"],
    )
    resp = bulk(session, url, [first, person(2, status=2), person(3, status=4)])
    assert resp.status_code == 200 and resp.json() == {"inserts": 3}
    ann = member(sb, "ann@example.cz")
    assert ann["email"] == "Ann@Example.cz" and ann["gender"] == "female" and ann["nameday"] == "02-29"
    assert "vokativ" not in ann
    assert ann["tags"] == ["vip", "newsletter"]
    assert ann["member"]["custom_fields"] == {"shop": "shop.cz", "orders_count": 3, "loyalty_tier": "gold"}
    assert ann["member"]["status"] == 1 and ann["member"]["subscribed_at"]
    summary = sb.summary()
    assert summary["custom_field_keys_ignored"] == 1
    assert (summary["subscribers_subscribed"], summary["subscribers_unsubscribed"]) == (1, 1)
    assert summary["subscribers_hard_bounced"] == 1 and summary["contacts"] == 3
    one = session.get(f"{url}/lists/1/subscriber/ANN%40example.cz").json()["subscriber"]
    assert one["tags"] == ["vip", "newsletter"] and one["status"] == 1 and one["list_id"] == 1
    everywhere = session.get(f"{url}/subscribers/ann%40example.cz").json()["subscriber"]
    assert everywhere["lists"]["1"]["status"] == 1
    assert session.get(f"{url}/subscribers/ghost%40example.cz").status_code == 404
    assert session.get(f"{url}/lists/1/subscriber/ghost%40example.cz").json() == {"message": "Subscriber not found"}


def test_only_the_first_3000_bulk_items_are_processed(
    api: tuple[EcomailSandbox, str], session: requests.Session
) -> None:
    sb, url = api
    items = [person(n) for n in range(3000)] + [{"email": "not-an-email", "status": 99}]
    resp = bulk(session, url, items)
    assert resp.status_code == 200 and resp.json() == {"inserts": 3000}
    summary = sb.summary()
    assert summary["subscribers_subscribed"] == 3000
    assert summary["subscribe_bulk_items_ignored"] == 1
    page = session.get(f"{url}/lists/1/subscribers", params={"per_page": 1000, "page": 3}).json()
    assert (page["current_page"], page["total"], page["last_page"], len(page["data"])) == (3, 3000, 3, 1000)
    assert page["data"][0]["email"] == "person2000@example.cz"
    assert session.get(f"{url}/lists/1/subscribers", params={"per_page": 5001}).status_code == 422


TAGS_OVER_2000 = [f"t{n:03d}-" + "x" * 45 for n in range(41)]  # 41 x 50 = 2050 characters


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"custom_fields": {"SHOP": "a", " shop": "b"}}, "custom_fields"),
        ({"custom_fields": {"note": "n" * 4990}}, "custom_fields"),
        ({"custom_fields": {"shop": {"value": "x", "type": "bool"}}}, "custom_fields.shop.type"),
        ({"custom_fields": {"shop": {"value": "20-01-2022", "type": "date"}}}, "custom_fields.shop.value"),
        ({"tags": ["t" * 51]}, "tags.0"),
        ({"tags": TAGS_OVER_2000}, "tags"),
        ({"tags": "vip"}, "tags"),
        ({"birthday": "31/12/1990"}, "birthday"),
        ({"birthday": "1990-02-30"}, "birthday"),
        ({"nameday": "1-5"}, "nameday"),
        ({"nameday": "13-01"}, "nameday"),
        ({"status": 3}, "status"),
        ({"status": 6}, "status"),
        ({"gender": "m"}, "gender"),
        ({"email": "not-an-email"}, "email"),
        ({"email": None}, "email"),
        ({"name": 5}, "name"),
    ],
)
def test_an_invalid_bulk_item_refuses_the_whole_call(
    api: tuple[EcomailSandbox, str], session: requests.Session, bad: dict[str, Any], field: str
) -> None:
    sb, url = api
    resp = bulk(session, url, [person(0), person(1), {**person(2), **bad}])
    assert resp.status_code == 422
    assert list(resp.json()["errors"]) == [f"subscriber_data.2.{field}"]
    assert sb.summary()["contacts"] == 0 and sb.snapshot()["contacts"] == []


def test_limits_at_their_boundary_are_accepted(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    sb, url = api
    fields = {"shop": "s" * (5000 - len('{"shop":""}'))}
    tags = [f"t{n:03d}-" + "x" * 45 for n in range(40)]  # 40 x 50 = 2000 characters
    resp = bulk(session, url, [person(1, custom_fields=fields, tags=tags)])
    assert resp.status_code == 200, resp.text
    assert member(sb, "person1@example.cz")["tags"] == tags
    over = bulk(session, url, [person(2, custom_fields={"shop": fields["shop"] + "s"})])
    assert over.status_code == 422 and "subscriber_data.0.custom_fields" in over.json()["errors"]


def test_update_existing_merges_fields_and_replaces_tags_only_when_sent(
    api: tuple[EcomailSandbox, str], session: requests.Session
) -> None:
    sb, url = api
    bulk(session, url, [person(1, city="Brno", tags=["a"], custom_fields={"shop": "x", "orders_count": 1})])
    kept = bulk(session, url, [person(1, city="Praha", tags=["b"])], update_existing=False)
    assert kept.json() == {"inserts": 0}
    assert member(sb, "person1@example.cz")["city"] == "Brno"
    bulk(session, url, [person(1, city="Praha", custom_fields={"ORDERS_COUNT": 2})])  # update_existing defaults to true
    updated = member(sb, "person1@example.cz")
    assert updated["city"] == "Praha" and updated["tags"] == ["a"]
    assert updated["member"]["custom_fields"] == {"shop": "x", "orders_count": 2}
    bulk(session, url, [person(1, tags=["c"])])
    assert member(sb, "person1@example.cz")["tags"] == ["c"]
    assert sb.summary()["contacts"] == 1


def test_an_unsubscribed_contact_comes_back_only_with_resubscribe_and_status_1(
    api: tuple[EcomailSandbox, str], session: requests.Session
) -> None:
    sb, url = api
    bulk(session, url, [person(1)])
    gone = session.delete(f"{url}/lists/1/unsubscribe", json={"email": "PERSON1@example.cz"})
    assert gone.status_code == 200
    assert gone.json()["status"] == 2 and gone.json()["unsubscribed_at"] and gone.json()["list_id"] == 1
    bulk(session, url, [person(1)])
    assert member(sb, "person1@example.cz")["member"]["status"] == 2
    bulk(session, url, [person(1, status=2)], resubscribe=True)
    assert member(sb, "person1@example.cz")["member"]["status"] == 2
    bulk(session, url, [person(1, status=1)], resubscribe=True)
    back = member(sb, "person1@example.cz")["member"]
    assert back["status"] == 1 and back["unsubscribed_at"] is None
    missing = session.delete(f"{url}/lists/1/unsubscribe", json={"email": "ghost@example.cz"})
    assert missing.status_code == 404
    assert session.delete(f"{url}/lists/1/unsubscribe", json={}).status_code == 422


# ----- single subscribe, updates, erase -----------------------------------------------------


def test_subscribe_one_is_unconfirmed_unless_confirmation_is_skipped(
    api: tuple[EcomailSandbox, str], session: requests.Session
) -> None:
    sb, url = api
    doi = session.post(f"{url}/lists/1/subscribe", json={"subscriber_data": person(1)})
    assert doi.status_code == 200 and doi.json()["already_subscribed"] is False
    assert doi.json()["email"] == "person1@example.cz" and "bounced_hard" in doi.json()
    skip = session.post(f"{url}/lists/1/subscribe", json={"subscriber_data": person(2), "skip_confirmation": True})
    assert skip.json()["already_subscribed"] is False
    again = session.post(f"{url}/lists/1/subscribe", json={"subscriber_data": person(2, city="Brno")})
    assert again.json()["already_subscribed"] is True
    assert "city" not in member(sb, "person2@example.cz")  # update_existing defaults to false here
    summary = sb.summary()
    assert (summary["subscribers_unconfirmed"], summary["subscribers_subscribed"]) == (1, 1)
    bad = session.post(f"{url}/lists/1/subscribe", json={"subscriber_data": person(3, tags=["t" * 51])})
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["subscriber_data.tags.0"]


def test_update_subscriber_one_and_bulk(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    sb, url = api
    bulk(session, url, [person(1, tags=["a", "b"]), person(2)])
    one = session.put(
        f"{url}/lists/1/update-subscriber",
        json={"email": "person1@example.cz", "subscriber_data": {"tags": ["c"], "surname": "Nová"}},
    )
    assert one.status_code == 200 and "bounce_hard" in one.json()
    assert member(sb, "person1@example.cz")["tags"] == ["c"]
    assert member(sb, "person1@example.cz")["surname"] == "Nová"
    ghost = session.put(f"{url}/lists/1/update-subscriber", json={"email": "ghost@example.cz", "subscriber_data": {}})
    assert ghost.status_code == 404 and ghost.json() == {"message": "Subscriber not found"}
    items = [person(2, city="Ostrava"), person(99, city="Nowhere")] + [person(n) for n in range(100, 3098)]
    items.append({"email": "not-an-email"})  # item 3001: ignored, so not validated
    many = session.put(f"{url}/lists/1/update-subscriber-bulk", json={"subscriber_data": items})
    assert many.status_code == 200 and many.json() == {"updates": 1}
    assert member(sb, "person2@example.cz")["city"] == "Ostrava"
    assert sb.summary()["contacts"] == 2 and sb.summary()["update_bulk_items_ignored"] == 1


def test_erase_removes_the_contact_from_every_list(start_sandbox: StartSandbox, session: requests.Session) -> None:
    lists = {"1": {"shop": {"type": "string", "name": "Shop"}}, "7": {}}
    sb = start_sandbox(lists=lists)
    url = sb.base_url
    bulk(session, url, [person(1)])
    bulk(session, url, [person(1)], list_id="7")
    assert set(session.get(f"{url}/subscribers/person1%40example.cz").json()["subscriber"]["lists"]) == {"1", "7"}
    erased = session.delete(f"{url}/subscribers/PERSON1%40example.cz/delete")
    assert erased.status_code == 200 and erased.json() == {}
    assert sb.summary()["contacts"] == 0
    assert session.get(f"{url}/lists/7/subscriber/person1%40example.cz").status_code == 404
    assert session.delete(f"{url}/subscribers/person1%40example.cz/delete").status_code == 404


# ----- transactions ----------------------------------------------------------------------------


def test_create_one_order_and_read_it_back(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    sb, url = api
    created = session.post(f"{url}/tracker/transaction", json=order("O1", timestamp=1600000000, status="pending"))
    assert created.status_code == 200
    assert created.json() == {
        "order_id": "O1",
        "email": "buyer@example.cz",
        "shop": "shop.cz",
        "amount": 10.5,
        "timestamp": "2020-09-13 12:26:40",
        "id": created.json()["id"],
        "status": "pending",
    }
    session.post(f"{url}/tracker/transaction-bulk", json={"transaction_data": [order("O2", "other@example.cz")]})
    found = session.get(f"{url}/tracker/transaction", params={"email": "BUYER@example.cz"}).json()
    assert found["total"] == 1 and found["data"][0]["order_id"] == "O1"
    assert found["data"][0]["items"] == [{"code": "SKU1", "title": "Shoe", "price": 10.5, "amount": 1}]
    dated = session.get(f"{url}/tracker/transaction", params={"date_from": "2020-09-13", "date_to": "2020-09-13"})
    assert [t["order_id"] for t in dated.json()["data"]] == ["O1"]
    assert session.get(f"{url}/tracker/transaction", params={"per_page": 501}).status_code == 422
    assert sb.summary()["transaction_items"] == 2


def test_a_resent_order_id_is_stored_twice(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    sb, url = api
    first = session.post(f"{url}/tracker/transaction-bulk", json={"transaction_data": [order("O1"), order("O2")]})
    assert first.json() == {"inserts": 2}
    again = session.post(f"{url}/tracker/transaction-bulk", json={"transaction_data": [order("O1")]})
    single = session.post(f"{url}/tracker/transaction", json=order("O1"))
    assert again.status_code == 200 and single.status_code == 200
    summary = sb.summary()
    assert summary["transactions"] == 4 and summary["distinct_transactions"] == 2
    assert summary["duplicate_transactions"] == 2 and summary["duplicate_transactions_created"] == 2
    assert [t["order_id"] for t in sb.snapshot()["transactions"]] == ["O1", "O2", "O1", "O1"]


def test_bulk_over_1000_orders_is_422_and_stores_nothing(
    api: tuple[EcomailSandbox, str], session: requests.Session
) -> None:
    sb, url = api
    resp = session.post(
        f"{url}/tracker/transaction-bulk", json={"transaction_data": [order(f"O{n}") for n in range(1001)]}
    )
    assert resp.status_code == 422 and resp.json() == TX_TOO_MANY
    ok = session.post(
        f"{url}/tracker/transaction-bulk", json={"transaction_data": [order(f"O{n}") for n in range(1000)]}
    )
    assert ok.json() == {"inserts": 1000}
    assert sb.summary()["transactions"] == 1000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order_id": None}, "transaction.order_id"),
        ({"email": "nobody"}, "transaction.email"),
        ({"status": "shipped"}, "transaction.status"),
        ({"timestamp": "2024-01-01T00:00:00Z"}, "transaction.timestamp"),
        ({"amount": "10.5"}, "transaction.amount"),
    ],
)
def test_an_invalid_order_refuses_the_whole_bulk(
    api: tuple[EcomailSandbox, str], session: requests.Session, change: dict[str, Any], field: str
) -> None:
    sb, url = api
    bad = order("O2")
    bad["transaction"].update(change)
    resp = session.post(f"{url}/tracker/transaction-bulk", json={"transaction_data": [order("O1"), bad]})
    assert resp.status_code == 422 and list(resp.json()["errors"]) == [f"transaction_data.1.{field}"]
    assert sb.summary()["transactions"] == 0


def test_an_item_without_a_required_field_is_named(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    sb, url = api
    items = ({"code": "A", "title": "a", "price": 1, "amount": 1}, {"title": "b", "price": 1, "amount": "2"})
    resp = session.post(f"{url}/tracker/transaction-bulk", json={"transaction_data": [order("O1", "b@x.cz", *items)]})
    assert resp.status_code == 422
    assert list(resp.json()["errors"]) == ["transaction_data.0.transaction_items.1.code"]
    single = session.post(f"{url}/tracker/transaction", json={"transaction": {"order_id": "O1", "email": "b@x.cz"}})
    assert single.status_code == 422 and list(single.json()["errors"]) == ["transaction_items"]
    assert sb.summary()["transactions"] == 0


def test_put_replaces_a_known_order_and_404s_an_unknown_one(
    api: tuple[EcomailSandbox, str], session: requests.Session
) -> None:
    sb, url = api
    unknown = session.put(f"{url}/tracker/transaction/O1", json=order("O1"))
    assert unknown.status_code == 404 and unknown.json() == {"message": "Transaction not found"}
    assert sb.summary()["transactions"] == 0
    session.post(f"{url}/tracker/transaction", json=order("O1"))
    items = ({"code": "B", "title": "b", "price": 2, "amount": 3},)
    replaced = session.put(
        f"{url}/tracker/transaction/O1", json=order("O1", "buyer@example.cz", *items, status="canceled")
    )
    assert replaced.status_code == 200 and replaced.json() == {}
    stored = sb.snapshot()["transactions"]
    assert len(stored) == 1 and stored[0]["status"] == "canceled"
    assert stored[0]["items"] == [{"code": "B", "title": "b", "price": 2, "amount": 3}]


def test_deletes_remove_every_copy(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    sb, url = api
    orders = [order("O1"), order("O1"), order("O2"), order("O3", shop="other.cz")]
    session.post(f"{url}/tracker/transaction-bulk", json={"transaction_data": orders})
    entries = [{"order_id": "O1"}, {"order_id": "O3", "shop": "shop.cz"}, {"order_id": "nope"}]
    deleted = session.delete(f"{url}/tracker/transaction/delete-bulk", json={"transaction_data": entries})
    assert deleted.status_code == 200 and deleted.json() == {"deleted": 2}
    assert [t["order_id"] for t in sb.snapshot()["transactions"]] == ["O2", "O3"]
    wrong_shop = session.delete(f"{url}/tracker/transaction/O3/delete", json={"transaction_data": {"shop": "shop.cz"}})
    assert wrong_shop.status_code == 404
    assert session.delete(f"{url}/tracker/transaction/O3/delete").json() == {"deleted": True}
    too_many = [{"order_id": str(n)} for n in range(1001)]
    refused = session.delete(f"{url}/tracker/transaction/delete-bulk", json={"transaction_data": too_many})
    assert refused.status_code == 422 and refused.json() == TX_TOO_MANY
    assert sb.summary()["transactions"] == 1


# ----- events, coupons, automations ---------------------------------------------------------


def test_events_need_a_contact_and_are_never_deduplicated(
    api: tuple[EcomailSandbox, str], session: requests.Session
) -> None:
    sb, url = api
    event = {"email": "person1@example.cz", "category": "ue", "action": "Basket", "label": "Basket"}
    stranger = session.post(f"{url}/tracker/events", json={"event": event})
    assert stranger.status_code == 422 and stranger.json() == NOT_A_CONTACT
    bulk(session, url, [person(1, status=2)])  # any status counts
    value = {"data": {"products": [{"name": "Bota", "price": 1}]}}
    first = session.post(f"{url}/tracker/events", json={"event": {**event, "value": value}})
    assert first.status_code == 200
    assert first.json()["value"] == '{"data":{"products":[{"name":"Bota","price":1}]}}'
    assert isinstance(first.json()["id"], int)
    session.post(f"{url}/tracker/events", json={"event": {**event, "value": value}})
    assert sb.summary()["events"] == 2
    at_limit = session.post(f"{url}/tracker/events", json={"event": {**event, "value": "v" * 20_000}})
    too_long = session.post(f"{url}/tracker/events", json={"event": {**event, "value": ["v" * 19_997]}})
    assert at_limit.status_code == 200
    assert too_long.status_code == 422 and list(too_long.json()["errors"]) == ["event.value"]
    assert session.post(f"{url}/tracker/events", json={"event": {"category": "x"}}).status_code == 422
    assert sb.summary()["events"] == 3


def test_coupons_import_duplicate_and_delete(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    sb, url = api
    first = session.post(f"{url}/coupons/import", json={"codes": ["A", "B"], "valid_until": "2030-01-01"})
    assert first.json() == {"imported": 2, "duplicated": 0, "totalCount": 2}
    kept = session.post(f"{url}/coupons/import", json={"codes": ["B", "C"], "valid_until": "2031-01-01"})
    assert kept.json() == {"imported": 1, "duplicated": 1, "totalCount": 2}
    coupons = {c["code"]: c for c in sb.snapshot()["coupons"]["0"]}
    assert coupons["B"]["valid_until"] == "2030-01-01"
    session.post(f"{url}/coupons/import", json={"codes": ["B"], "valid_until": "2032-01-01", "update_existing": True})
    assert {c["code"]: c for c in sb.snapshot()["coupons"]["0"]}["B"]["valid_until"] == "2032-01-01"
    other = session.post(f"{url}/coupons/import", json={"folderId": 5, "codes": ["A"]})
    assert other.json()["imported"] == 1
    gone = session.delete(f"{url}/coupons/delete", json={"codes": ["A", "Z"]})
    assert gone.json() == {"deleted": 1, "invalid": 1}
    assert sb.summary()["coupons"] == 3
    refused = [
        session.post(f"{url}/coupons/import", json={"codes": [f"X{n}" for n in range(1001)]}),
        session.post(f"{url}/coupons/import", json={"codes": []}),
        session.post(f"{url}/coupons/import", json={"codes": ["X"], "valid_until": "01.01.2030"}),
    ]
    assert [r.status_code for r in refused] == [422, 422, 422]
    assert sb.summary()["coupons"] == 3


def test_triggers_run_every_time_for_contacts_only(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    sb, url = api
    stranger = session.post(f"{url}/pipelines/1/trigger", json={"email": "person1@example.cz"})
    assert stranger.status_code == 422 and stranger.json() == NOT_A_CONTACT
    bulk(session, url, [person(1)])
    for _ in range(2):
        fired = session.post(f"{url}/pipelines/1/trigger", json={"email": "person1@example.cz"})
        assert fired.status_code == 200 and fired.json() == {"message": "Automation triggered"}
    unknown = session.post(f"{url}/pipelines/42/trigger", json={"email": "person1@example.cz"})
    assert unknown.status_code == 404 and unknown.json() == {"message": "Pipeline not found"}
    assert sb.summary()["automation_runs"] == 2
    assert [r["pipeline_id"] for r in sb.snapshot()["automation_runs"]] == ["1", "1"]


# ----- rate limit, faults, admin, CLI -------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after_only(start_sandbox: StartSandbox, session: requests.Session) -> None:
    sb = start_sandbox(rate_limit=3, window_seconds=2.0)
    statuses = [session.get(f"{sb.base_url}/account").status_code for _ in range(3)]
    limited = session.get(f"{sb.base_url}/account")
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 2
    assert not [h for h in limited.headers if h.lower().startswith("x-ratelimit")]
    assert sb.summary()["requests"]["rate_limited"] == 1


def test_fail_next_fault_is_answered_before_processing(start_sandbox: StartSandbox, session: requests.Session) -> None:
    rules = [{"status": 503, "path": "/lists/1/subscribe-bulk", "count": 1}]
    sb = start_sandbox(faults=FaultConfig(fail_next=rules))
    failed = bulk(session, sb.base_url, [person(1)])
    assert failed.status_code == 503 and set(failed.json()) == {"message"}
    assert sb.summary()["contacts"] == 0
    assert bulk(session, sb.base_url, [person(1)]).json() == {"inserts": 1}
    assert [r["injected"] for r in sb.request_log()] == [True, False]


def test_drop_after_processing_stores_the_order(start_sandbox: StartSandbox, session: requests.Session) -> None:
    sb = start_sandbox(faults=FaultConfig(rate_drop_after=1.0))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(f"{sb.base_url}/tracker/transaction", json=order("O1"), timeout=5)
    assert sb.summary()["transactions"] == 1


def test_summary_keys_and_reset_over_http(api: tuple[EcomailSandbox, str], session: requests.Session) -> None:
    sb, url = api
    bulk(session, url, [person(1)])
    admin = sb.admin_url
    summary = requests.get(f"{admin}/summary").json()
    expected = {
        "subscribers_subscribed",
        "subscribers_unsubscribed",
        "subscribers_unconfirmed",
        "contacts",
        "transactions",
        "distinct_transactions",
        "duplicate_transactions",
        "transaction_items",
        "events",
        "coupons",
        "automation_runs",
        "subscribe_bulk_items_ignored",
        "custom_field_keys_ignored",
        "requests",
    }
    assert expected <= set(summary) and summary["subscribers_subscribed"] == 1
    data = requests.get(f"{admin}/data").json()
    assert set(data) == {"contacts", "transactions", "events", "coupons", "automation_runs"}
    assert requests.post(f"{admin}/reset").status_code == 200
    assert sb.summary()["contacts"] == 0 and sb.request_log() == []


def test_cli_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    secret = "cli-secret-key"
    with run_sandbox_cli("target_ecomail.sandbox", tmp_path, "--api-key", secret, "--rate-limit", "50") as cli:
        assert cli.banner == f"Ecomail sandbox listening on {cli.url}"
        assert requests.get(f"{cli.url}/account", headers={"key": secret}).status_code == 200
        assert requests.get(f"{cli.url}/account", headers={"key": "x"}).status_code == 401
    assert secret not in cli.output
