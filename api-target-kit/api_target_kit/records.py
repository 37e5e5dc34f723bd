"""Small record helpers shared by sinks and payload builders."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from api_target_kit.rejects import REJECT_REASON

DELETED_AT = "_sdc_deleted_at"
#: Metadata the SDK adds itself (not part of the source record).
SDK_METADATA = (
    "_sdc_extracted_at",
    "_sdc_received_at",
    "_sdc_batched_at",
    "_sdc_sequence",
    "_sdc_table_version",
    "_sdc_sync_started_at",
)


def is_delete(record: dict[str, Any]) -> bool:
    """True when the source deleted this record (`_sdc_deleted_at` set)."""
    return bool(record.get(DELETED_AT))


#: Field names seen in records that have no field starting with `_` (at most `_PLAIN_NAMES_MAX`).
_PLAIN_NAMES: set[str] = set()
_PLAIN_NAMES_MAX = 4096


def vendor_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The record without Singer metadata (`_sdc_*`) and without `_reject_reason` (a new dict).

    Most records have no field starting with `_`, and a stream's records repeat the same
    names: a record whose names were all seen in such records is copied as it is (a subset
    test of its keys, in C). Else the check is done in C too (the keys joined with a NUL
    before each, searched for NUL + `_`), and the names of a record that passes are remembered.
    """
    if record.keys() <= _PLAIN_NAMES:
        return dict(record)
    if "\0_" not in "\0" + "\0".join(record):
        if len(_PLAIN_NAMES) < _PLAIN_NAMES_MAX:
            _PLAIN_NAMES.update(record)
        return dict(record)
    return {k: v for k, v in record.items() if is_vendor_field(k)}


def is_vendor_field(name: str) -> bool:
    """True for a field `vendor_fields` keeps (its test, for one name)."""
    return name[:1] != "_" or (not name.startswith("_sdc_") and name != REJECT_REASON)


def email_key(email: object) -> str:
    """How the vendors match e-mails: trimmed and lower-cased (None and empty text: "")."""
    if type(email) is str:  # nearly always (validated records): no `str()` copy
        return email.strip().lower()
    return str(email or "").strip().lower()


class TapRecord(dict[str, Any]):
    """A record as the tap sent it, with the tap's stream name (`stream`): what a reject writes.

    Several tap streams may be mapped to one sink (`__alias__`): each reject goes under its own.
    """

    def __init__(self, record: dict[str, Any], stream: str) -> None:
        super().__init__(record)
        self.stream = stream

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its stream (held batches are spooled to disk)."""
        return (TapRecord, (dict(self), self.stream))


class SourcedRecord(dict[str, Any]):
    """A record after stream maps that remembers the record the tap sent (`source`).

    Only records of streams with stream maps are wrapped: a reject is written as the tap sent
    it, so that replaying the rejects file through the same configuration applies the maps
    again (a mapped record would not pass them a second time).
    """

    def __init__(self, record: dict[str, Any], source: dict[str, Any]) -> None:
        super().__init__(record)
        self.source = source

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its source (held batches are spooled to disk)."""
        return (SourcedRecord, (dict(self), self.source))


def as_source_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the tap sent it: without the metadata the SDK added."""
    clean = {k: v for k, v in record.items() if k not in SDK_METADATA}
    if clean.get(DELETED_AT) is None:
        clean.pop(DELETED_AT, None)
    return clean


T = TypeVar("T")


def last_per_key(items: Iterable[T], key: Callable[[T], Hashable]) -> tuple[list[T], list[T]]:
    """`(winners, superseded)`: the last item of each key, in first-seen key order, and the rest.

    Within one batch a later record of the same key replaces an earlier one (an upsert
    then a delete ends deleted), so only the last is sent.
    """
    latest: dict[Hashable, T] = {}
    superseded: list[T] = []
    for item in items:
        k = key(item)
        if k in latest:
            superseded.append(latest[k])
        latest[k] = item
    return list(latest.values()), superseded
