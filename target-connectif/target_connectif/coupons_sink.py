"""`coupons`: codes into a coupon set through the Import API (a CSV with one column, `code`).

A code the set already holds comes back in the import's error report as `duplicated code`: it
is where it should be (a rerun, or an import sent again after its answer was lost), so it is
counted as delivered with a warning, not rejected.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from target_connectif.base_sink import ConnectifSink
from target_connectif.catalog_sinks import IMPORT_BATCH_RECORDS
from target_connectif.entities import COUPON_RULES, COUPONS

NO_DELETE = "Connectif has no coupon delete (codes stay in their set)"
#: The error report's reason for a code the set already holds (the sandbox's assumption: Connectif
#: documents the report's reason column, not its texts).
ALREADY_IN_SET = "duplicated code"
ALREADY_IN_SET_WARNING = "code already in the coupon set (delivered earlier; not added twice)"


class CouponsSink(ConnectifSink):
    """Always imported, grouped by coupon set (`couponSetId` field or the `coupon_set_id` setting)."""

    entity = COUPONS
    rules = COUPON_RULES
    entity_key = ("code",)
    MAX_SIZE_DEFAULT = IMPORT_BATCH_RECORDS

    def deliver(self, context: dict[str, Any]) -> None:
        """One import (or several, by size) per coupon set."""
        if context.get("deletes"):
            self.kit.report.skipped(self.stream_name, NO_DELETE, len(context["deletes"]))
        by_set: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for record in context.get("records", []):
            coupon_set = record.get("couponSetId") or self.setting("coupon_set_id")
            if coupon_set in (None, ""):
                self.reject(
                    record, "no coupon set: field 'couponSetId' is empty and the coupon_set_id setting is not set"
                )
                continue
            by_set[str(coupon_set)][str(record["code"])] = record
        for coupon_set, by_code in by_set.items():
            rows = [{"code": code} for code in by_code]

            def oversized(row: dict[str, Any], reason: str, by_code: dict[str, dict[str, Any]] = by_code) -> None:
                self.reject(by_code.pop(row["code"]), f"CSV row too large for one import: {reason}")

            results = self.connectif.imports.run(
                "coupons", rows, "code", oversized=oversized, extra_form={"couponSetId": coupon_set}
            )
            refused = 0
            for result in results:
                for code, reason in result.failed:
                    if code in by_code and reason.strip().lower() == ALREADY_IN_SET:
                        self.kit.report.warn(self.stream_name, ALREADY_IN_SET_WARNING)
                    elif code in by_code:
                        refused += 1
                        self.reject(by_code[code], f"Connectif import {result.import_id} refused the code: {reason}")
            self.kit.report.sent(self.stream_name, len(by_code) - refused)
            self.connectif.note_import_figures(self.entity, len(by_code))
