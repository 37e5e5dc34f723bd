"""Small record helpers shared by sinks and payload builders."""

from __future__ import annotations

from typing import Any

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


def vendor_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The record without Singer metadata (`_sdc_*`) and without `_reject_reason`."""
    return {k: v for k, v in record.items() if not k.startswith("_sdc_") and k != REJECT_REASON}


def as_source_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the tap sent it: without the metadata the SDK added."""
    clean = {k: v for k, v in record.items() if k not in SDK_METADATA}
    if clean.get(DELETED_AT) is None:
        clean.pop(DELETED_AT, None)
    return clean
