"""`target-connectif`: contacts, products, purchases, coupons and custom events into Connectif."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any, ClassVar

from singer_sdk import typing as th

from api_target_kit.late_arrival import late_arrival_setting
from api_target_kit.polling import PollSchedule
from api_target_kit.settings import common_settings, poll_settings, properties_schema
from api_target_kit.target import ApiTarget
from target_connectif.catalog_sinks import DEFAULT_BULK_THRESHOLD, ContactsSink, ProductsSink
from target_connectif.coupons_sink import CouponsSink
from target_connectif.custom_events_sink import CustomEventsSink
from target_connectif.entities import CONTACTS, COUPONS, CUSTOM_EVENTS, PRODUCTS, PURCHASES
from target_connectif.import_api import ImportOptions, ImportRunner
from target_connectif.purchases_sink import PurchasesSink

NAME = "target-connectif"
API_URL = "https://api.connectif.cloud"
#: Documented: 100 requests per minute per account, shared by all its API keys.
REQUESTS_PER_MINUTE = 100
#: Documented: an import file may be at most 50 MB (413 above it).
MAX_IMPORT_BYTES = 50_000_000


class TargetConnectif(ApiTarget):
    """Loads contacts and products (Import API for large batches), purchases, coupons and custom events."""

    name = NAME
    vendor = "Connectif"
    entity_sinks: ClassVar[dict[str, Any]] = {
        CONTACTS: ContactsSink,
        PRODUCTS: ProductsSink,
        PURCHASES: PurchasesSink,
        COUPONS: CouponsSink,
        CUSTOM_EVENTS: CustomEventsSink,
    }
    status_explanations: ClassVar[dict[int, str]] = {
        415: "Connectif wants Content-Type application/json (multipart for imports): a bug in the target, please report it",
    }

    config_jsonschema = properties_schema(
        *common_settings(
            target_name=NAME, default_api_url=API_URL, default_max_requests_per_minute=REQUESTS_PER_MINUTE
        ),
        th.Property(
            "bulk_threshold",
            th.IntegerType,
            default=DEFAULT_BULK_THRESHOLD,
            description="Contact and product batches of at least this many upserts (or that fill an import file) go through the Import API; smaller ones record by record.",
        ),
        th.Property(
            "override_existing",
            th.BooleanType,
            default=True,
            description="Imports overwrite existing contacts and products (overrideExisting).",
        ),
        th.Property(
            "update_only_empty_fields",
            th.BooleanType,
            default=False,
            description="Imports fill only empty fields (updateOnlyEmptyFields; needs override_existing).",
        ),
        th.Property(
            "max_import_bytes",
            th.IntegerType,
            default=MAX_IMPORT_BYTES,
            description="Largest import upload (Connectif: 50 MB per file); the CSV stays 1 KB under it, for the form around it. A contacts or products batch is sent when its file is full (≈ 410,000 contacts at 50 MB); coupons are split into files of at most this size.",
        ),
        *poll_settings("import"),
        th.Property(
            "trigger_purchase_event",
            th.BooleanType,
            default=True,
            description="Fire the On-Purchase workflow trigger for each purchase (triggerPurchaseEvent).",
        ),
        th.Property(
            "purchase_update_mode",
            th.StringType(allowed_values=["skip", "replace"]),
            default="skip",
            description="A purchase Connectif already has: 'skip' it, or 'replace' it (delete, then create) when it changed.",
        ),
        th.Property(
            "create_missing_contacts",
            th.BooleanType,
            default=False,
            description="On E0101 (no such contact) create the contact from the purchase's e-mail and retry; else reject.",
        ),
        th.Property(
            "verify_new_purchases",
            th.BooleanType,
            default=True,
            description=(
                "Check GET /purchases/purchase-id/{id} before creating a purchase missing from the ledger (one call "
                "each, paced by the budget), so a fresh or lost ledger creates no duplicate. Turn off only when the "
                "ledger is known to hold every purchase Connectif has."
            ),
        ),
        late_arrival_setting(),
        th.Property("coupon_set_id", th.StringType, description="Coupon set for codes that carry no couponSetId."),
        th.Property(
            "custom_event_alias", th.StringType, description="Custom event type alias for events that carry no 'alias'."
        ),
        th.Property(
            "create_contact_for_events",
            th.BooleanType,
            default=False,
            description="Create the contact of a custom event when Connectif has none (createContact).",
        ),
    )

    def auth_headers(self) -> dict[str, str]:
        """`Authorization: apiKey <keyId>:<keySecret>` (documented)."""
        return {"Authorization": f"apiKey {self.config['api_key']}", "Accept": "application/json"}

    def secrets(self) -> list[str | None]:
        """The key, and its secret half on its own."""
        key = str(self.config.get("api_key") or "")
        return [*super().secrets(), key.partition(":")[2] or None]

    @cached_property
    def imports(self) -> ImportRunner:
        """The Import API of this account."""
        config = self.config
        options = ImportOptions(
            override_existing=bool(config.get("override_existing", True)),
            update_only_empty_fields=bool(config.get("update_only_empty_fields", False)),
            max_bytes=int(config.get("max_import_bytes") or MAX_IMPORT_BYTES),
            poll=PollSchedule.from_config(config),
        )
        return ImportRunner(self.kit, options, self.logger)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._import_records: dict[str, int] = {}
        self._figures_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def note_import_figures(self, entity: str, records: int) -> None:
        """Add to the summary's benchmark line: records imported against the requests they took."""
        with self._figures_lock:
            self._import_records[entity] = self._import_records.get(entity, 0) + records
            total = sum(self._import_records.values())
            figures = self.imports.stats.as_dict(per_record_calls=total)
            figures["records_by_entity"] = dict(self._import_records)
            self.kit.report.add_detail("import_api", figures)


if __name__ == "__main__":
    TargetConnectif.cli()
