"""The two Rfmcube sinks. Both fill the target's one `PendingImport`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_target_kit.records import email_key, is_delete
from api_target_kit.sink import REJECTED, EntitySink
from target_rfmcube.entities import CUSTOMER_RULES, CUSTOMERS, ORDER_RULES, ORDERS
from target_rfmcube.pending_import import PendingImport, StreamRecord

if TYPE_CHECKING:
    from target_rfmcube.target import TargetRfmcube


class RfmcubeSink(EntitySink):
    """Stages records in the shared import; a drain of either sink sends all of it."""

    def __init__(
        self, target: TargetRfmcube, stream_name: str, schema: dict[str, Any], key_properties: list[str] | None
    ) -> None:
        self.pending: PendingImport = target.pending_import
        super().__init__(target, stream_name, schema, key_properties)

    @property
    def is_full(self) -> bool:
        """Full when the shared import would fill a request."""
        return self.pending.is_full

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Stage the record in the shared import (unless `skip_unchanged` finds it unchanged)."""
        if record.get(REJECTED):
            return
        if self.unchanged.enabled:
            if is_delete(record):
                self.unchanged.deleted([self.record_key(record)])
            elif not self.unchanged.changed([record], self.record_key, self._skipped):
                return
        self.stage(record)

    def stage(self, record: dict[str, Any]) -> None:
        """Add one record to the shared import."""
        raise NotImplementedError

    def deliver(self, context: dict[str, Any]) -> None:
        """Send everything staged by both sinks and wait for Rfmcube to confirm it."""
        self.pending.flush()


class CustomersSink(RfmcubeSink):
    """`customers`: upserts through `/import`, deletes through `/delete_customer`."""

    entity = CUSTOMERS
    rules = CUSTOMER_RULES
    entity_key = ("email",)

    def key_of(self, record: dict[str, Any]) -> Any:
        """Rfmcube matches customers by e-mail, trimmed and lower-cased."""
        return email_key(record.get("email"))

    def stage(self, record: dict[str, Any]) -> None:
        """Upsert or delete."""
        if is_delete(record):
            self.pending.add_customer_delete(StreamRecord(self.stream_name, record, self.reject))
        else:
            self.pending.add_customer(self.stream_name, record, self.reject)


class OrdersSink(RfmcubeSink):
    """`orders`: nested under their customer in `/import`, else `/merge_order`."""

    entity = ORDERS
    rules = ORDER_RULES
    entity_key = ("id",)

    def stage(self, record: dict[str, Any]) -> None:
        """Upsert; a source delete is skipped (Rfmcube has no order delete)."""
        if is_delete(record):
            self.kit.report.skipped(self.stream_name, "order delete: Rfmcube has no order delete endpoint")
            self.logger.warning(
                "Order %s was deleted at the source; Rfmcube has no order delete, skipped", record.get("id")
            )
            return
        self.pending.add_order(StreamRecord(self.stream_name, record, self.reject))
