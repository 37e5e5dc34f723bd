"""The days Ecomail's order listing is read for (pure functions of `order_lookup`)."""

from __future__ import annotations

import datetime as dt

from target_ecomail.order_lookup import days_to_list, unlisted

TODAY = dt.date(2026, 12, 6)
MARCH_1 = int(dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC).timestamp())
MARCH_9 = int(dt.datetime(2026, 3, 9, 0, 10, tzinfo=dt.UTC).timestamp())


def _order(timestamp: int | None) -> dict[str, object]:
    transaction: dict[str, object] = {"order_id": "1", "email": "a@example.cz"}
    if timestamp is not None:
        transaction["timestamp"] = timestamp
    return {"transaction": transaction, "transaction_items": []}


def test_the_orders_utc_days_are_listed_with_a_day_more_each_side() -> None:
    assert days_to_list([_order(MARCH_9), _order(MARCH_1)], TODAY) == (dt.date(2026, 2, 28), dt.date(2026, 3, 10))


def test_an_order_without_a_timestamp_is_listed_from_the_beginning_to_today() -> None:
    assert days_to_list([_order(MARCH_1), _order(None)], TODAY) == (dt.date.min, dt.date(2026, 12, 7))


def test_only_the_days_not_listed_yet_are_listed() -> None:
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    listed = [(dt.date(2026, 3, 5), dt.date(2026, 3, 9)), (dt.date(2026, 3, 20), dt.date(2026, 4, 30))]
    assert unlisted(march, listed) == [
        (dt.date(2026, 3, 1), dt.date(2026, 3, 4)),
        (dt.date(2026, 3, 10), dt.date(2026, 3, 19)),
    ]
    assert unlisted(march, [(dt.date.min, dt.date(2026, 12, 7))]) == []
    assert unlisted((dt.date.min, dt.date(2026, 3, 2)), [march]) == [(dt.date.min, dt.date(2026, 2, 28))]


def test_a_timestamp_beyond_the_years_a_date_holds_lists_every_day() -> None:
    assert days_to_list([_order(MARCH_1), _order(10**15)], TODAY) == (dt.date.min, dt.date.max)
