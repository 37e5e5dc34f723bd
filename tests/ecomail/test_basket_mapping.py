"""The README's abandoned-basket mapping: a cart stream becomes Ecomail basket events through stream maps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .runs import run_ecomail, stream_messages, subscribers

#: The same mapping as README.md, "Abandoned baskets".
BASKET_MAP = {
    "carts": {
        "email": "customer_email",
        "category": "'ue'",
        "action": "'Basket'",
        "label": "'Basket'",
        "value": "{'data': {'data': {'action': 'Basket', 'products': items}}}",
        "__key_properties__": ["cart_id", "updated_at"],
    }
}


def _cart(number: int, email: str, updated_at: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cart_id": f"C{number}", "customer_email": email, "updated_at": updated_at, "items": items}


def test_cart_changes_become_basket_events_sent_once(start_sandbox: Any, tmp_path: Path) -> None:
    sandbox = start_sandbox()
    people = subscribers(2)
    knife = {"productId": "P1", "img_url": "https://x/1.jpg", "url": "https://x/p1", "name": "Knife", "price": 9.5}
    carts = [
        _cart(1, people[0]["email"], "2026-05-01T10:00:00Z", [knife]),
        _cart(1, people[0]["email"], "2026-05-01T10:05:00Z", [knife, {**knife, "productId": "P2"}]),
        _cart(2, people[1]["email"], "2026-05-01T11:00:00Z", []),
    ]
    messages = stream_messages("subscribers", people, key="email") + stream_messages(
        "carts",
        carts,
        key="cart_id",
        schema={
            "type": "object",
            "properties": {
                "cart_id": {"type": "string"},
                "customer_email": {"type": "string"},
                "updated_at": {"type": "string", "format": "date-time"},
                "items": {"type": "array", "items": {"type": "object"}},
            },
        },
    )

    first = run_ecomail(tmp_path, sandbox.base_url, messages, entities={"carts": "events"}, stream_maps=BASKET_MAP)
    again = run_ecomail(tmp_path, sandbox.base_url, messages, entities={"carts": "events"}, stream_maps=BASKET_MAP)

    assert first.returncode == 0 and again.returncode == 0, first.stderr[-3000:] + again.stderr[-3000:]
    assert first.rejects == []
    events = sandbox.snapshot()["events"]
    assert len(events) == 3
    assert {(e["category"], e["action"], e["label"]) for e in events} == {("ue", "Basket", "Basket")}
    baskets = sorted(
        [p["productId"] for p in json.loads(e["value"])["data"]["data"]["products"]] for e in events
    )  # events go out from a thread pool: compare them in any order
    assert baskets == [[], ["P1"], ["P1", "P2"]]
    assert again.summary["streams"]["carts"]["skipped"] == 3
