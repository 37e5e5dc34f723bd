"""Whether the purchase Connectif holds is the one the target would send (a ledger that lost it).

With `purchase_update_mode: replace` and no ledger entry for a purchase Connectif already has,
the target compares what `GET /purchases/purchase-id/{id}` returned with the body it would POST:
the same purchase is left alone (deleting and creating it again would run the purchase workflow
for nothing), a changed one is replaced. Only the fields the target sends are compared; those
Connectif adds (`id`, `contactId`, `createdAt`, each line's `id`, ...) are ignored. Numbers
compare by value (`21` and `21.0`), date-times by the instant, e-mails without case. A field
Connectif returns in some other form counts as a change: the purchase is replaced, as `replace`
asks for a changed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api_target_kit.dates import parse_datetime

_CASELESS = frozenset({"contactEmail"})


def same_purchase(sent: Mapping[str, Any], found: Mapping[str, Any]) -> bool:
    """True when `found` (Connectif's purchase) holds every field of `sent` (the body to POST)."""
    return _same_fields(sent, found)


def _same_fields(sent: Mapping[str, Any], found: Mapping[str, Any]) -> bool:
    return all(_same_value(value, found.get(name), caseless=name in _CASELESS) for name, value in sent.items())


def _same_value(sent: Any, found: Any, *, caseless: bool = False) -> bool:
    if sent == found:
        return True
    if isinstance(sent, bool) or isinstance(found, bool):
        return False
    if isinstance(sent, (int, float)) and isinstance(found, (int, float)):
        return float(sent) == float(found)
    if isinstance(sent, str) and isinstance(found, str):
        if caseless:
            return sent.strip().casefold() == found.strip().casefold()
        sent_at, found_at = parse_datetime(sent), parse_datetime(found)
        return sent_at is not None and sent_at == found_at
    if isinstance(sent, Mapping) and isinstance(found, Mapping):
        return _same_fields(sent, found)
    if isinstance(sent, list) and isinstance(found, list):
        return len(sent) == len(found) and all(_same_value(a, b) for a, b in zip(sent, found, strict=True))
    return False
