"""Held batches, the refusal streak and the reject-ratio check, on their own."""

from __future__ import annotations

import datetime as dt
import decimal
from collections import Counter

import pytest

from api_target_kit.held_records import HeldBatches
from api_target_kit.records import SourcedRecord
from api_target_kit.refusal_streak import RefusalStreak, RepeatedRefusalError
from api_target_kit.reject_ratio import RejectedStreamError, StreamRejects, check_reject_ratios, close_field


def test_held_batches_come_back_in_order_with_their_values_and_sources() -> None:
    held = HeldBatches()
    when = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    first = SourcedRecord({"id": 1, "createdAt": when, "amount": decimal.Decimal("1.10")}, {"created_at": "raw"})
    held.hold({"records": [first], "deletes": []})
    held.hold({"records": [], "deletes": [{"id": 2, "_sdc_deleted_at": when}]})

    assert held and held.records == 2 and held.batches == 2
    batches = list(held.release())

    assert [len(b["records"]) for b in batches] == [1, 0]
    back = batches[0]["records"][0]
    assert isinstance(back, SourcedRecord) and back == first and back.source == {"created_at": "raw"}
    assert batches[1]["deletes"][0]["_sdc_deleted_at"] == when
    assert not held and held.records == 0
    assert list(held.release()) == []


def test_the_refusal_streak_counts_one_code_in_a_row_per_stream() -> None:
    streak = RefusalStreak(3)
    streak.refused("purchases", "E0102", "no product")
    streak.refused("purchases", "E0102", "no product")
    streak.accepted("purchases")  # a delivered record ends the streak
    streak.refused("purchases", "E0102", "no product")
    streak.refused("purchases", "E0101", "no contact")  # another cause starts a new one
    streak.refused("events", "HTTP 422", "not a contact")  # another stream has its own
    streak.refused("purchases", "E0101", "no contact")

    with pytest.raises(RepeatedRefusalError, match="3 records of purchases in a row refused with E0101: load"):
        streak.refused("purchases", "E0101", "no contact", "load contacts")
    RefusalStreak(0).refused("purchases", "E0101", "off")  # 0 turns it off


def test_close_field_names_the_tap_field_a_stream_map_should_rename() -> None:
    assert close_field("createdAt", ["id", "created_at", "updated_at"]) == "created_at"
    assert close_field("customerEmail", ["customer_email"]) == "customer_email"
    assert close_field("amount", ["ammount"]) == "ammount"
    assert close_field("createdAt", ["id", "email"]) is None


def _stream(received: int, rejected: int) -> StreamRejects:
    reasons = Counter({"missing required field 'createdAt'": rejected})
    return StreamRejects("orders", received, reasons, "public-orders", ("id", "created_at"))


@pytest.mark.parametrize(
    ("received", "rejected", "ratio", "fails"),
    [
        (1, 1, 0.5, True),  # every record, whatever the size
        (3, 2, 0.5, False),  # below 10 records the share is not applied
        (10, 6, 0.5, True),
        (10, 5, 0.5, False),
        (10, 6, 0.7, False),
        (4, 4, 1.0, False),  # 1 turns the check off
        (5, 0, 0.5, False),
    ],
)
def test_reject_ratio_limits(received: int, rejected: int, ratio: float, fails: bool) -> None:
    if not fails:
        check_reject_ratios([_stream(received, rejected)], ratio, "rejects.singer")
        return
    with pytest.raises(RejectedStreamError) as caught:
        check_reject_ratios([_stream(received, rejected)], ratio, "rejects.singer")
    message = str(caught.value)
    assert "Stream 'orders'" in message and "missing required field 'createdAt'" in message
    assert '{"public-orders": {"createdAt": "created_at", "created_at": "__NULL__"}}' in message
