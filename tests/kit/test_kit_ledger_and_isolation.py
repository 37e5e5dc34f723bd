"""The sent ledger (SQLite) and isolating the items a bulk call refused."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from api_target_kit.bulk_isolation import send_isolating_refusals
from api_target_kit.errors import VendorError
from api_target_kit.polling import PollSchedule
from api_target_kit.sent_ledger import SentLedger, payload_digest


def test_ledger_survives_a_reopen_and_is_per_entity(tmp_path: Path) -> None:
    path = str(tmp_path / "state" / "ledger.sqlite")
    ledger = SentLedger(path)
    ledger.confirm("transactions", {"A1": "d1", "A2": "d2"})
    ledger.confirm("events", {"A1": "e1"})
    ledger.close()

    reopened = SentLedger(path)

    assert reopened.lookup("transactions", ["A1", "A2", "A3"]) == {"A1": "d1", "A2": "d2"}
    assert reopened.lookup("events", ["A1", "A2"]) == {"A1": "e1"}
    assert reopened.count("transactions") == 2


def test_ledger_confirm_replaces_and_forget_removes(tmp_path: Path) -> None:
    ledger = SentLedger(str(tmp_path / "l.sqlite"))
    ledger.confirm("t", {"A": "old"})
    ledger.confirm("t", {"A": "new"})
    ledger.forget("t", ["A"])

    assert ledger.lookup("t", ["A"]) == {}
    ledger.confirm("t", {"A": "again"})
    assert ledger.lookup("t", ["A"]) == {"A": "again"}


def test_ledger_lookup_of_many_keys(tmp_path: Path) -> None:
    ledger = SentLedger(str(tmp_path / "l.sqlite"))
    ledger.confirm("t", {str(i): f"d{i}" for i in range(1200)})

    found = ledger.lookup("t", [str(i) for i in range(0, 2400, 2)])

    assert len(found) == 600
    assert found["1198"] == "d1198"


def test_payload_digest_ignores_key_order_but_not_values() -> None:
    assert payload_digest({"a": 1, "b": [1, 2]}) == payload_digest({"b": [1, 2], "a": 1})
    assert payload_digest({"a": 1}) != payload_digest({"a": 2})


def _error(status: int) -> VendorError:
    return VendorError(f"HTTP {status}", status=status, body='{"errors": {}}', method="POST", path="/bulk")


def test_isolation_delivers_the_good_items_and_refuses_only_the_bad() -> None:
    bad = {3, 11}
    calls: list[list[int]] = []
    delivered: list[int] = []
    refused: list[int] = []

    def send(items: Sequence[int]) -> None:
        calls.append(list(items))
        if bad & set(items):
            raise _error(422)
        delivered.extend(items)

    count = send_isolating_refusals(list(range(16)), send, lambda item, exc: refused.append(item))

    assert sorted(refused) == [3, 11]
    assert sorted(delivered) == [i for i in range(16) if i not in bad]
    assert count == 14
    assert len(calls) <= 1 + 2 * 2 * 4  # k * log2(n) splits at most


def test_isolation_costs_one_call_when_nothing_is_refused() -> None:
    calls: list[Sequence[int]] = []
    assert send_isolating_refusals([1, 2, 3], calls.append, lambda item, exc: None) == 3
    assert len(calls) == 1


def test_isolation_lets_other_errors_through() -> None:
    def send(items: Sequence[int]) -> None:
        raise _error(500)

    with pytest.raises(VendorError):
        send_isolating_refusals([1, 2], send, lambda item, exc: None)


def test_vendor_error_json_body() -> None:
    assert _error(422).json() == {"errors": {}}
    assert VendorError("x", status=400, body="not json", method="GET", path="/").json() is None


def test_poll_schedule_grows_to_its_cap_and_times_out() -> None:
    schedule = PollSchedule(first_seconds=1.0, growth=2.0, max_seconds=5.0, timeout_seconds=10.0)
    next_interval = schedule.intervals()
    assert [next_interval() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    now = [0.0]
    timed_out = schedule.deadline(lambda: now[0])
    now[0] = 9.0
    assert not timed_out()
    now[0] = 10.5
    assert timed_out()


def test_intended_calls_stay_pending_until_confirmed_even_across_a_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "l.sqlite")
    ledger = SentLedger(path)
    ledger.confirm("t", {"OLD": "d0"})
    ledger.intend("t", {"A": "d1", "B": "d2", "OLD": "changed"})
    ledger.confirm("t", {"A": "d1"})
    ledger.close()  # as if the process died before B's answer was recorded

    reopened = SentLedger(path)

    assert reopened.pending("t", ["A", "B", "OLD", "C"]) == {"B"}
    assert reopened.lookup("t", ["A", "B", "OLD"]) == {"A": "d1", "OLD": "d0"}
    assert reopened.count("t") == 2
