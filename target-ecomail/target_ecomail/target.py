"""`target-ecomail`: subscribers, transactions, events, coupons and automation triggers into Ecomail."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from singer_sdk import typing as th

from api_target_kit.late_arrival import late_arrival_setting
from api_target_kit.settings import common_settings, properties_schema
from api_target_kit.target import ApiTarget
from target_ecomail.actions_sink import AutomationTriggersSink, EventsSink
from target_ecomail.coupons_sink import CouponsSink
from target_ecomail.entities import AUTOMATION_TRIGGERS, COUPONS, EVENTS, SUBSCRIBERS, TRANSACTIONS
from target_ecomail.order_lookup import OrderLookup
from target_ecomail.subscribers_sink import SUBSCRIBE_BULK_MAX, SubscribersSink
from target_ecomail.transactions_sink import TransactionsSink

NAME = "target-ecomail"
API_URL = "https://api2.ecomailapp.cz"
#: Documented: 1000 requests per minute per API key (HTTP 429 with Retry-After above it).
REQUESTS_PER_MINUTE = 1000


class TargetEcomail(ApiTarget):
    """Loads subscribers (bulk), transactions (bulk, never twice), events, coupons and triggers into Ecomail."""

    name = NAME
    vendor = "Ecomail"
    entity_sinks: ClassVar[dict[str, Any]] = {
        SUBSCRIBERS: SubscribersSink,
        TRANSACTIONS: TransactionsSink,
        EVENTS: EventsSink,
        COUPONS: CouponsSink,
        AUTOMATION_TRIGGERS: AutomationTriggersSink,
    }
    status_explanations: ClassVar[dict[int, str]] = {
        404: "Ecomail has no such resource: check list_id (setting or the records' list_id) and pipeline ids",
    }

    config_jsonschema = properties_schema(
        *common_settings(
            target_name=NAME, default_api_url=API_URL, default_max_requests_per_minute=REQUESTS_PER_MINUTE
        ),
        th.Property(
            "list_id",
            th.CustomType({"type": ["string", "integer"]}),  # `list_id: 1` in a JSON config, as records may
            description="The Ecomail list subscribers go into, unless a record carries its own list_id (text or number).",
        ),
        th.Property(
            "update_existing",
            th.BooleanType,
            default=True,
            description="Update subscribers already in the list (tags change only when this is true).",
        ),
        th.Property(
            "resubscribe",
            th.BooleanType,
            default=False,
            description="Resubscribe contacts who unsubscribed (only with status 1).",
        ),
        th.Property(
            "trigger_autoresponders",
            th.BooleanType,
            default=False,
            description="Start the list's autoresponders for added subscribers.",
        ),
        th.Property(
            "double_opt_in",
            th.BooleanType,
            default=False,
            description="Send one /subscribe per subscriber with skip_confirmation false (bulk always skips double opt-in).",
        ),
        th.Property(
            "subscribe_bulk_size",
            th.IntegerType,
            default=SUBSCRIBE_BULK_MAX,
            description="Subscribers per subscribe-bulk call, at most 3000 (Ecomail silently drops the rest).",
        ),
        th.Property(
            "delete_mode",
            th.StringType(allowed_values=["unsubscribe", "erase"]),
            default="unsubscribe",
            description="A deleted subscriber: 'unsubscribe' from the list, or 'erase' the contact everywhere (GDPR).",
        ),
        th.Property(
            "shop",
            th.StringType,
            description="Shop name sent with transactions that carry none (case-sensitive; used in segments).",
        ),
        th.Property(
            "trigger_order_automations",
            th.BooleanType,
            default=False,
            description="Send new orders one by one, so that 'makes an order' automations fire (bulk does not fire them).",
        ),
        th.Property(
            "verify_new_transactions",
            th.BooleanType,  # no default: unset is its own behaviour
            description=(
                "Orders missing from the ledger: unset (default), looked up in Ecomail's order listing (500 per "
                "call) when the ledger has no orders yet (a new machine), those found replaced with PUT; true, PUT "
                "each one first (one call per order); false, created unchecked (duplicated if Ecomail has them)."
            ),
        ),
        late_arrival_setting(),
        th.Property(
            "coupon_folder_id",
            th.IntegerType,
            description="Coupon folder for codes that carry no folder_id (Ecomail's default folder otherwise).",
        ),
        th.Property(
            "update_existing_coupons",
            th.BooleanType,
            default=True,
            description="Update codes that already exist (their valid_until).",
        ),
    )

    @cached_property
    def ledger_knew_no_orders(self) -> bool:
        """Whether the ledger had no order when the run began: created by this run, or empty (left by a dry run)."""
        return self.ledger.fresh or self.ledger.count(TRANSACTIONS) == 0

    @cached_property
    def order_lookup(self) -> OrderLookup:
        """Which orders Ecomail has, listed once per run for a new ledger (`verify_new_transactions` unset)."""
        return OrderLookup(self.kit, self.logger)

    def auth_headers(self) -> dict[str, str]:
        """The `key` header (documented) on every request."""
        return {"key": str(self.config["api_key"])}


if __name__ == "__main__":
    TargetEcomail.cli()
