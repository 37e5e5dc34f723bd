"""Comparing the purchase Connectif holds with the body the target would send."""

from __future__ import annotations

from typing import Any

from target_connectif.payloads import purchase_body
from target_connectif.purchase_match import same_purchase

from .runs import purchases


def _as_connectif_returns_it(body: dict[str, Any]) -> dict[str, Any]:
    """What GET returns for `body`: ids and timestamps added, numbers and dates in other forms."""
    return {
        **body,
        "id": "c1",
        "contactId": "k1",
        "contactEmail": body["contactEmail"].upper(),
        "totalPrice": int(body["totalPrice"]),
        "purchaseDate": "2026-03-01T09:00:00.000Z",
        "products": [{**line, "id": "l1"} for line in body["products"]],
        "createdAt": "2026-03-02T00:00:00Z",
    }


def test_the_same_purchase_in_connectifs_form_is_the_same() -> None:
    body = purchase_body(purchases(1)[0])
    assert body["purchaseDate"] == "2026-03-01T09:00:00Z"
    assert same_purchase(body, _as_connectif_returns_it(body))


def test_a_changed_field_or_line_is_a_change() -> None:
    body = purchase_body(purchases(1)[0])
    found = _as_connectif_returns_it(body)
    assert not same_purchase({**body, "totalPrice": 22.0}, found)
    assert not same_purchase({**body, "purchaseDate": "2026-03-01T10:00:00Z"}, found)
    assert not same_purchase({**body, "products": [*body["products"], body["products"][0]]}, found)
    assert not same_purchase({**body, "products": [{**body["products"][0], "quantity": 3}]}, found)
    assert not same_purchase({**body, "paymentMethod": "card"}, found)  # Connectif has none
