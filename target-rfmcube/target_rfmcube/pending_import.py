"""The batch both Rfmcube sinks fill: customers with their orders nested, and deletes.

Rfmcube's bulk call carries customers with their orders nested inside, so customers and
orders of one drain travel together, whichever sink the SDK drains first. Both sinks add
to one `PendingImport`; whichever drains sends all of it (one flush at a time), and
returns only once Rfmcube confirmed it, so STATE never covers an unfinished import.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from api_target_kit.batching import OversizedItem, chunk_by_size
from api_target_kit.delivery_kit import DeliveryKit
from api_target_kit.errors import VendorError
from api_target_kit.json_payload import dumps_bytes
from api_target_kit.polling import PollSchedule
from target_rfmcube.customer_index import CustomerIndex
from target_rfmcube.import_process import await_process, start_import
from target_rfmcube.payloads import (
    customer_payload,
    customer_stub,
    delete_body,
    email_key,
    order_payload,
    order_warnings,
)

#: Added per customer to the request when its orders are spliced in: `,"orders":[]`.
_ORDERS_OVERHEAD = 12
ORPHAN_WARNING = "customer unknown to Rfmcube: sent alone with /merge_order"


@dataclass
class StreamRecord:
    """A record as received, with the stream it came from (for counts and rejects)."""

    stream: str
    record: dict[str, Any]
    reject: Any  # callable(record, reason) of the sink that received it


@dataclass
class PendingOrder:
    """An order waiting for the next flush."""

    source: StreamRecord
    key: str
    payload: dict[str, Any]
    encoded: bytes


@dataclass
class PendingCustomer:
    """A customer waiting for the next flush (source None: a stub of a loaded customer)."""

    source: StreamRecord | None
    key: str
    payload: dict[str, Any]
    encoded: bytes
    orders: list[PendingOrder] = field(default_factory=list)

    def request_bytes(self) -> bytes:
        """The customer object with its orders spliced in, as sent."""
        if not self.orders:
            return self.encoded
        joiner = b"," if len(self.encoded) > 2 else b""
        nested = b",".join(order.encoded for order in self.orders)
        return self.encoded[:-1] + joiner + b'"orders":[' + nested + b"]}"

    def sources(self) -> Iterator[StreamRecord]:
        """Every received record this unit carries."""
        if self.source is not None:
            yield self.source
        for order in self.orders:
            yield order.source


@dataclass
class ImportOptions:
    """Settings that shape an import."""

    overwrite_descriptors: bool = False
    trigger_integrations: bool = False
    recalculate_stats: bool = False
    max_request_bytes: int = 50_000_000
    max_records: int = 100_000
    poll: PollSchedule = field(default_factory=PollSchedule)

    def envelope(self, *, overwrite: bool) -> tuple[bytes, bytes]:
        """The request around the customers array: (prefix, suffix)."""
        head = dumps_bytes(
            {
                "overwriteDescriptors": overwrite,
                "triggerIntegrations": self.trigger_integrations,
                "recalculateStats": self.recalculate_stats,
            }
        )
        return head[:-1] + b',"customers":[', b"]}"


class PendingImport:
    """Customers, orders and customer deletes of both streams, until the next flush."""

    def __init__(self, kit: DeliveryKit, index: CustomerIndex, options: ImportOptions, logger: logging.Logger) -> None:
        self.kit = kit
        self.index = index
        self.options = options
        self.logger = logger
        self._customers: dict[str, PendingCustomer] = {}
        self._orders: dict[str, PendingOrder] = {}
        self._deletes: list[StreamRecord] = []
        self._bytes = 0
        self._stage_lock = threading.Lock()  # staging vs. the swap at the start of a flush
        self._flush_lock = threading.Lock()  # one flush at a time

    # Filling (main thread) -----------------------------------------------------------

    def add_customer(self, source: StreamRecord) -> None:
        """Stage a customer upsert (a later one with the same email replaces it)."""
        with self._stage_lock:
            self._add_customer(source)

    def add_order(self, source: StreamRecord) -> None:
        """Stage an order (a later one with the same id replaces it)."""
        with self._stage_lock:
            self._add_order(source)

    def add_customer_delete(self, source: StreamRecord) -> None:
        """Stage a customer delete; an upsert of the same customer staged before it is dropped."""
        with self._stage_lock:
            self._add_customer_delete(source)

    def _add_customer(self, source: StreamRecord) -> None:
        payload = customer_payload(source.record)
        if "orders" in source.record:
            self.kit.report.warn(source.stream, "customer field 'orders' ignored (send orders on their stream)")
        key = email_key(payload.get("email"))
        encoded = dumps_bytes(payload)
        previous = self._customers.get(key)
        if previous is not None and previous.source is not None:
            self.kit.report.skipped(previous.source.stream, "replaced by a later record with the same email")
            self._bytes -= len(previous.encoded)
        self._customers[key] = PendingCustomer(source, key, payload, encoded)
        self._bytes += len(encoded) + _ORDERS_OVERHEAD

    def _add_order(self, source: StreamRecord) -> None:
        payload = order_payload(source.record)
        for warning in order_warnings(payload):
            self.kit.report.warn(source.stream, warning)
        encoded = dumps_bytes(payload)
        order_id = str(payload["id"])
        previous = self._orders.get(order_id)
        if previous is not None:
            self.kit.report.skipped(previous.source.stream, "replaced by a later record with the same id")
            self._bytes -= len(previous.encoded)
        self._orders[order_id] = PendingOrder(source, email_key(payload.get("customerEmail")), payload, encoded)
        self._bytes += len(encoded) + 1

    def _add_customer_delete(self, source: StreamRecord) -> None:
        key = email_key(source.record.get("email"))
        staged = self._customers.get(key) if key else None
        if staged is not None and staged.source is not None:
            self.kit.report.skipped(staged.source.stream, "superseded by a later delete of the same customer")
            self._bytes -= len(staged.encoded)
            del self._customers[key]
        # Deletes go first at the flush, and Rfmcube deletes a customer's orders with it: orders of
        # this customer staged before the delete would otherwise come back through /merge_order.
        for order_id, order in list(self._orders.items()) if key else []:
            if order.key == key:
                self.kit.report.skipped(order.source.stream, "superseded by a later delete of its customer")
                self._bytes -= len(order.encoded)
                del self._orders[order_id]
        self._deletes.append(source)

    @property
    def size(self) -> int:
        """Records staged."""
        return len(self._customers) + len(self._orders) + len(self._deletes)

    @property
    def is_full(self) -> bool:
        """Enough staged to fill one request (or the record cap reached)."""
        return self._bytes >= self.options.max_request_bytes or self.size >= self.options.max_records

    # Flushing (any sink thread, one at a time) --------------------------------------

    def flush(self) -> None:
        """Send everything staged; return once Rfmcube confirmed it (or it was rejected)."""
        with self._flush_lock:
            with self._stage_lock:
                customers, orders, deletes = self._customers, self._orders, self._deletes
                self._customers, self._orders, self._deletes, self._bytes = {}, {}, [], 0
            for source in deletes:
                self._delete_customer(source)
            units, orphans = self._assemble(customers, orders)
            self._send_units(units)
            for order in orphans:
                self._merge_order(order)

    def _assemble(
        self, customers: dict[str, PendingCustomer], orders: dict[str, PendingOrder]
    ) -> tuple[list[PendingCustomer], list[PendingOrder]]:
        """Nest each order under its customer: staged, or known from the index."""
        homeless = {order.key for order in orders.values() if order.key not in customers}
        known = self.index.lookup(homeless) if homeless else {}
        stubs: dict[str, PendingCustomer] = {}
        orphans: list[PendingOrder] = []
        for order in orders.values():
            unit = customers.get(order.key) or stubs.get(order.key)
            if unit is None and order.key in known:
                stub = known[order.key]
                unit = stubs[order.key] = PendingCustomer(None, order.key, stub, dumps_bytes(stub))
            if unit is None:
                self.kit.report.warn(order.source.stream, ORPHAN_WARNING)
                orphans.append(order)
            else:
                unit.orders.append(order)
        return [*customers.values(), *stubs.values()], orphans

    def _send_units(self, units: list[PendingCustomer]) -> None:
        prefix, suffix = self.options.envelope(overwrite=False)
        chunks = chunk_by_size(
            ((unit, unit.request_bytes()) for unit in units),
            max_bytes=self.options.max_request_bytes,
            envelope_bytes=len(prefix) + len(suffix) + 1,
        )
        for chunk in chunks:
            if isinstance(chunk, OversizedItem):
                self._reject_unit(chunk.item, chunk.reason)
            else:
                self._import([unit for unit, _ in chunk])

    def _import(self, units: list[PendingCustomer]) -> None:
        """One `/import` of `units`; on 416 split in halves and try again."""
        has_orders = any(unit.orders for unit in units)
        prefix, suffix = self.options.envelope(overwrite=self.options.overwrite_descriptors and has_orders)
        body = prefix + b",".join(unit.request_bytes() for unit in units) + suffix
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", "/import", {"bytes": len(body), "customers": len(units)})
            self._confirm(units)
            return
        try:
            process_id = start_import(self.kit.client, body)
        except VendorError as exc:
            if exc.status != 416:
                raise
            if len(units) == 1:
                self._reject_unit(units[0], f"Rfmcube refused the request as too large (416): {exc.body}")
                return
            self.logger.info("Rfmcube answered 416 to an import of %d customers; splitting it", len(units))
            middle = len(units) // 2
            self._import(units[:middle])
            self._import(units[middle:])
            return
        result = await_process(self.kit.client, process_id, self.options.poll, self.logger)
        shortfall = result.shortfall
        if any(shortfall.values()):
            self.logger.warning(
                "Rfmcube import %s processed %d/%d customers and %d/%d orders",
                process_id,
                result.processed_customers,
                result.total_customers,
                result.processed_orders,
                result.total_orders,
            )
            self._add_shortfall(process_id, shortfall)
        self._confirm(units)

    def _confirm(self, units: list[PendingCustomer]) -> None:
        confirmed: dict[str, dict[str, Any]] = {}
        for unit in units:
            if unit.source is not None:
                confirmed[unit.key] = customer_stub(unit.payload)
            for source in unit.sources():
                self.kit.report.sent(source.stream)
        if confirmed and not self.kit.dry_run:
            self.index.remember(confirmed)

    def _reject_unit(self, unit: PendingCustomer, reason: str) -> None:
        for source in unit.sources():
            source.reject(source.record, reason)

    def _merge_order(self, order: PendingOrder) -> None:
        body = (
            b'{"triggerIntegrations":'
            + (b"true" if self.options.trigger_integrations else b"false")
            + b',"order":'
            + order.encoded
            + b"}"
        )
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", "/merge_order", order.payload)
            self.kit.report.sent(order.source.stream)
            return
        try:
            self.kit.client.request("POST", "/merge_order", data=body, endpoint="/merge_order")
        except VendorError as exc:
            if exc.status not in (400, 416, 422):
                raise
            order.source.reject(order.source.record, f"Rfmcube refused the order ({exc.status}): {exc.body}")
            return
        self.kit.report.sent(order.source.stream)

    def _delete_customer(self, source: StreamRecord) -> None:
        body = delete_body(source.record)
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", "/delete_customer", body)
            self.kit.report.deleted(source.stream)
            return
        response = self.kit.client.request("POST", "/delete_customer", json_body=body, ok_statuses=(404,))
        if response.status_code == 404:
            self.kit.report.warn(source.stream, "delete of a customer Rfmcube does not have (nothing to delete)")
        self.index.forget(email_key=email_key(body.get("email")) or None, customer_id=body.get("id"))
        self.kit.report.deleted(source.stream)

    def _add_shortfall(self, process_id: Any, shortfall: dict[str, int]) -> None:
        previous = self.kit.report.details.get("import_shortfall") or {"customers": 0, "orders": 0, "processes": []}
        previous["customers"] += shortfall["customers"]
        previous["orders"] += shortfall["orders"]
        previous["processes"].append(process_id)
        self.kit.report.add_detail("import_shortfall", previous)
