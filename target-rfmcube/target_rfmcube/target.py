"""`target-rfmcube`: customers and orders into Rfmcube through its async `/import`."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from singer_sdk import typing as th

from api_target_kit.polling import PollSchedule
from api_target_kit.settings import common_settings, poll_settings, properties_schema
from api_target_kit.state_dir import account_file
from api_target_kit.target import ApiTarget
from target_rfmcube.customer_index import CustomerIndex
from target_rfmcube.entities import CUSTOMERS, ORDERS
from target_rfmcube.pending_import import ImportOptions, PendingImport
from target_rfmcube.sinks import CustomersSink, OrdersSink

NAME = "target-rfmcube"
API_URL = "https://api.rfmcube.com/v1"
#: Documented: 60 requests per minute (HTTP 429 above it).
REQUESTS_PER_MINUTE = 60
#: 50 MB on the Italian API page, 200 MB in the English article: the stricter one,
#: read as 50,000,000 bytes (vendors/rfmcube.md, Limits).
MAX_REQUEST_BYTES = 50_000_000


class TargetRfmcube(ApiTarget):
    """Loads `customers` (with their orders nested) and `orders` into Rfmcube."""

    name = NAME
    vendor = "Rfmcube"
    entity_sinks: ClassVar[dict[str, Any]] = {CUSTOMERS: CustomersSink, ORDERS: OrdersSink}
    #: Rfmcube's limit is per minute and a 429 may carry no `Retry-After`: then wait for the
    #: next minute window (vendors/rfmcube.md §10).
    wait_after_bare_429: ClassVar[float | None] = 60.0
    status_explanations: ClassVar[dict[int, str]] = {
        406: (
            "The Rfmcube connector behind this api_key is not of platform type "
            "'Use Rfmcube's API' (Utilizza le API di Rfmcube): create such a connector in the "
            "Rfmcube app and use its key. Retrying will not help."
        ),
    }

    config_jsonschema = properties_schema(
        *common_settings(
            target_name=NAME, default_api_url=API_URL, default_max_requests_per_minute=REQUESTS_PER_MINUTE
        ),
        th.Property(
            "overwrite_descriptors",
            th.BooleanType,
            default=False,
            description="Send overwriteDescriptors: true on imports that carry orders (replaces the connector's descriptor structure).",
        ),
        th.Property(
            "trigger_integrations",
            th.BooleanType,
            default=False,
            description="Send triggerIntegrations: true (start syncs with the connector's integrations).",
        ),
        th.Property(
            "recalculate_stats", th.BooleanType, default=False, description="Send recalculateStats: true on imports."
        ),
        th.Property(
            "max_request_bytes",
            th.IntegerType,
            default=MAX_REQUEST_BYTES,
            description="Largest request body in bytes (Rfmcube answers 416 above its limit).",
        ),
        th.Property(
            "customer_index_path",
            th.StringType,
            description=(
                "SQLite file of customers Rfmcube confirmed, so later orders nest under them in /import. Unset: "
                "customers.sqlite in the user's state directory, one per account (as ledger_path)."
            ),
        ),
        *poll_settings("import process"),
    )

    def auth_headers(self) -> dict[str, str]:
        """`api-key` and a JSON content type on every request."""
        return {"api-key": str(self.config["api_key"]), "content-type": "application/json"}

    @cached_property
    def customer_index(self) -> CustomerIndex:
        """Customers Rfmcube confirmed (this run and earlier ones)."""
        return CustomerIndex(
            self.config.get("customer_index_path")
            or account_file(self.vendor, self.config.get("api_key"), "customers.sqlite")
        )

    @cached_property
    def pending_import(self) -> PendingImport:
        """The one import both sinks fill."""
        config = self.config
        options = ImportOptions(
            overwrite_descriptors=bool(config.get("overwrite_descriptors")),
            trigger_integrations=bool(config.get("trigger_integrations")),
            recalculate_stats=bool(config.get("recalculate_stats")),
            max_request_bytes=int(config.get("max_request_bytes") or MAX_REQUEST_BYTES),
            # Rfmcube documents no record cap: an import is filled by bytes unless the user sets one.
            max_records=int(config["batch_size_rows"]) if config.get("batch_size_rows") else None,
            poll=PollSchedule.from_config(config),
        )
        return PendingImport(self.kit, self.customer_index, options, self.logger)


if __name__ == "__main__":
    TargetRfmcube.cli()
