"""`coupons`: codes imported in batches of 1,000 per folder; deletes the same way."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from api_target_kit.bulk_isolation import send_isolating_refusals
from api_target_kit.errors import VendorError
from target_ecomail.base_sink import EcomailSink
from target_ecomail.entities import COUPON_RULES, COUPONS
from target_ecomail.vendor_errors import refusal_reason

#: Not documented; assumed 1,000 codes per call (vendors/ecomail.md §9).
COUPON_BATCH_MAX = 1000


class CouponsSink(EcomailSink):
    """`POST /coupons/import` grouped by folder and expiry; `DELETE /coupons/delete`."""

    entity = COUPONS
    rules = COUPON_RULES
    entity_key = ("code",)
    MAX_SIZE_DEFAULT = 10 * COUPON_BATCH_MAX

    def deliver(self, context: dict[str, Any]) -> None:
        """Imports per (folder, valid_until), then deletes per folder."""
        groups: dict[tuple[int | None, str | None], list[dict[str, Any]]] = defaultdict(list)
        for record in context.get("records", []):
            valid_until = record.get("valid_until")
            groups[(self._folder(record), str(valid_until)[:10] if valid_until else None)].append(record)
        for (folder, valid_until), records in groups.items():
            self._in_batches(records, self._importer(folder, valid_until))
        by_folder: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
        for record in context.get("deletes", []):
            by_folder[self._folder(record)].append(record)
        for folder, records in by_folder.items():
            self._in_batches(records, self._deleter(folder))

    def _folder(self, record: dict[str, Any]) -> int | None:
        folder = record.get("folder_id") or self.setting("coupon_folder_id")
        return None if folder in (None, "") else int(folder)

    def _in_batches(self, records: list[dict[str, Any]], send: Any) -> None:
        def refuse(record: dict[str, Any], exc: VendorError) -> None:
            self.reject(record, refusal_reason(exc))

        for start in range(0, len(records), COUPON_BATCH_MAX):
            send_isolating_refusals(records[start : start + COUPON_BATCH_MAX], send, refuse, statuses=(422,))

    def _importer(self, folder: int | None, valid_until: str | None) -> Any:
        def send(chunk: Sequence[dict[str, Any]]) -> None:
            body: dict[str, Any] = {
                "codes": [str(r["code"]) for r in chunk],
                "update_existing": bool(self.setting("update_existing_coupons", True)),
            }
            if folder is not None:
                body["folderId"] = folder
            if valid_until:
                body["valid_until"] = valid_until
            self._call("POST", "/coupons/import", body)
            self.kit.report.sent(self.stream_name, len(chunk))

        return send

    def _deleter(self, folder: int | None) -> Any:
        def send(chunk: Sequence[dict[str, Any]]) -> None:
            body: dict[str, Any] = {"codes": [str(r["code"]) for r in chunk]}
            if folder is not None:
                body["folderId"] = folder
            self._call("DELETE", "/coupons/delete", body)
            self.kit.report.deleted(self.stream_name, len(chunk))

        return send

    def _call(self, method: str, path: str, body: dict[str, Any]) -> None:
        if self.kit.dry_run:
            self.kit.record_dry_run(method, path, body)
        else:
            self.kit.client.request(method, path, json_body=body, endpoint=path)
