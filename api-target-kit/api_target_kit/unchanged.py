"""`skip_unchanged`: records whose content the vendor already confirmed are not sent again.

Per entity key, the sent ledger keeps a digest of the last record the vendor confirmed
(written only after confirmation, under its own `unchanged:<entity>` entries, apart from the
entries that keep actions from firing twice). A record with the same digest is skipped and
counted; a delete clears the entry; `ledger_reset: true` clears all of them at start-up, so
everything is sent once more. The digest covers the record as the tap sent it, so after
changing a setting that shapes payloads, reset the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from api_target_kit.records import vendor_fields
from api_target_kit.sent_ledger import SentLedger, payload_digest

PREFIX = "unchanged:"
SKIPPED = "unchanged since the vendor confirmed it (skip_unchanged)"


class SkipUnchanged:
    """One sink's bookkeeping between staging a batch and the vendor confirming it."""

    def __init__(self, ledger: SentLedger | None, entity: str) -> None:
        self._ledger = ledger
        self._entity = PREFIX + entity
        self._staged: dict[str, str] = {}
        self._deleted: set[str] = set()

    @property
    def enabled(self) -> bool:
        """Off unless `skip_unchanged` is set (and the sink is not keeping the ledger itself)."""
        return self._ledger is not None

    def changed(
        self, records: list[dict[str, Any]], key: Callable[[dict[str, Any]], str], skipped: Callable[[int], None]
    ) -> list[dict[str, Any]]:
        """The records to send: those whose digest differs from the confirmed one; remember them."""
        if self._ledger is None or not records:
            return records
        digests = [(record, key(record), payload_digest(vendor_fields(record))) for record in records]
        confirmed = self._ledger.lookup(self._entity, [k for _, k, _ in digests])
        send = []
        for record, record_key, digest in digests:
            if confirmed.get(record_key) == digest:
                continue
            self._staged[record_key] = digest
            send.append(record)
        if len(send) < len(records):
            skipped(len(records) - len(send))
        return send

    def deleted(self, keys: Iterable[str]) -> None:
        """Remember deletes, whose entries go once the vendor confirmed them."""
        if self._ledger is not None:
            self._deleted.update(keys)

    def refused(self, key: str) -> None:
        """A staged record was rejected: it was not confirmed."""
        self._staged.pop(key, None)
        self._deleted.discard(key)

    def settle(self) -> None:
        """The batch is confirmed: record what was sent, drop what was deleted."""
        if self._ledger is None:
            return
        self._ledger.confirm(self._entity, self._staged)
        self._ledger.forget(self._entity, self._deleted)
        self._staged, self._deleted = {}, set()


def reset_all(ledger: SentLedger) -> int:
    """`ledger_reset`: forget every confirmed digest of `skip_unchanged`; return how many."""
    return ledger.forget_prefix(PREFIX)
