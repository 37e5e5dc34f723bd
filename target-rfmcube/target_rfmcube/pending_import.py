"""The batch both Rfmcube sinks fill: customers with their orders nested, and deletes.

Rfmcube's bulk call carries customers with their orders nested inside, so customers and
orders of one drain travel together, whichever sink the SDK drains first. Both sinks add
to one `PendingImport`; whichever drains sends all of it (one flush at a time), and
returns only once Rfmcube confirmed it, so STATE never covers an unfinished import.

An import is filled by bytes: it is full when one more record as large as the largest seen
could pass `max_request_bytes`, so a drain is one nearly full request (Rfmcube documents no
record cap; `batch_size_rows` sets one only when given). A staged record keeps only what the
request needs: its encoded payload, appended to one buffer per import (offset and length),
its key, and for a customer the identifying fields the customer index keeps. Neither the
source record nor the payload dict stays staged: a customer too large for any request is
rejected when it arrives, and a later reject (a lone 416, a customer grown too large by its
orders) is rebuilt from the encoded payload.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from api_target_kit.batching import OversizedItem
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
    stub_fields,
)

#: What nesting orders adds to a customer at most: `,"orders":[` and `]`.
_ORDERS_OVERHEAD = 12
#: Bytes of replaced or dropped records the buffer may hold before it is compacted (and at
#: most as many as it holds of staged ones).
_COMPACT_AFTER = 1 << 20
ORPHAN_WARNING = "customer unknown to Rfmcube: sent alone with /merge_order"

#: A sink's `reject(record, reason)`.
Rejecter = Callable[[dict[str, Any], str], None]


@dataclass
class StreamRecord:
    """A record as received, with the stream it came from (handed to staging, not kept)."""

    stream: str
    record: dict[str, Any]
    reject: Rejecter


@dataclass(slots=True)
class PendingOrder:
    """An order waiting for the next flush: its encoded payload is `length` bytes at `start`."""

    stream: str
    key: str  # its customer's email key
    start: int
    length: int


@dataclass(slots=True)
class PendingCustomer:
    """A customer waiting for the next flush (stream None: a stub of a loaded customer).

    Its encoded payload is `length` bytes at `start` of the import's buffer; `stub` holds the
    values of `STUB_FIELDS`, which the customer index keeps once Rfmcube confirmed it.
    """

    stream: str | None
    key: str
    start: int
    length: int
    stub: tuple[Any, ...] = ()
    orders: list[PendingOrder] = field(default_factory=list)

    def size(self) -> int:
        """Bytes of the customer object with its orders spliced in, as sent."""
        if not self.orders:
            return self.length
        joiner = 1 if self.length > 2 else 0
        nested = sum(order.length for order in self.orders) + len(self.orders) - 1
        return self.length + joiner + 11 + nested

    def parts(self, view: memoryview) -> list[bytes | memoryview]:
        """The customer object with its orders spliced in, as pieces of the request."""
        encoded = view[self.start : self.start + self.length]
        if not self.orders:
            return [encoded]
        pieces: list[bytes | memoryview] = [encoded[:-1], b',"orders":[' if self.length > 2 else b'"orders":[']
        for order in self.orders:
            pieces += (view[order.start : order.start + order.length], b",")
        pieces[-1] = b"]}"
        return pieces


@dataclass(slots=True)
class _OrderGroup:
    """Staged orders of one customer: how many, and the bytes of the stub they nest under if it is not staged."""

    orders: int
    stub_bytes: int


@dataclass
class ImportOptions:
    """Settings that shape an import."""

    overwrite_descriptors: bool = False
    trigger_integrations: bool = False
    recalculate_stats: bool = False
    max_request_bytes: int = 50_000_000
    #: Most records staged before an import is sent; None (the default): no cap, bytes only.
    max_records: int | None = None
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

    def envelope_bytes(self) -> int:
        """Bytes of the larger envelope (either value of `overwriteDescriptors`)."""
        return max(sum(map(len, self.envelope(overwrite=overwrite))) for overwrite in (False, True))


class PendingImport:
    """Customers, orders and customer deletes of both streams, until the next flush."""

    def __init__(self, kit: DeliveryKit, index: CustomerIndex, options: ImportOptions, logger: logging.Logger) -> None:
        self.kit = kit
        self.index = index
        self.options = options
        self.logger = logger
        self._envelope = options.envelope_bytes()
        self._customers: dict[str, PendingCustomer] = {}
        self._orders: dict[str, PendingOrder] = {}
        self._deletes: list[StreamRecord] = []
        #: Encoded customers and orders, each followed by a comma; `_dead` of its bytes are of
        #: records replaced or dropped since.
        self._buffer = bytearray()
        self._dead = 0
        #: Staged orders per customer email key.
        self._groups: dict[str, _OrderGroup] = {}
        #: At least the size of the customers array the staged records make (orders nested,
        #: under a stub for customers not staged), with a comma after each customer and order.
        self._bytes = 0
        #: The most one record has added to `_bytes` so far.
        self._largest = 0
        self._rejecters: dict[str, Rejecter] = {}
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
        record = source.record
        payload = customer_payload(record)
        if "orders" in record:
            self.kit.report.warn(source.stream, "customer field 'orders' ignored (send orders on their stream)")
        encoded = dumps_bytes(payload)
        if self._envelope + len(encoded) > self.options.max_request_bytes:
            oversized = OversizedItem(None, self._envelope + len(encoded), self.options.max_request_bytes)
            source.reject(record, oversized.reason)
            return
        stub = stub_fields(payload)
        key = email_key(stub[0])
        if key == stub[0]:
            key = stub[0]  # one string for both
        before = self._bytes
        previous = self._customers.pop(key, None)
        if previous is not None:
            if previous.stream is not None:
                self.kit.report.skipped(previous.stream, "replaced by a later record with the same email")
            self._drop_customer(previous)
        group = self._groups.get(key)
        if group is not None:
            self._bytes -= group.stub_bytes  # its staged orders nest under this customer, not under a stub
        self._customers[key] = PendingCustomer(source.stream, key, self._append(encoded), len(encoded), stub)
        self._bytes += len(encoded) + 1
        self._staged(source, before)

    def _add_order(self, source: StreamRecord) -> None:
        payload = order_payload(source.record)
        for warning in order_warnings(payload):
            self.kit.report.warn(source.stream, warning)
        encoded = dumps_bytes(payload)
        order_id = str(payload["id"])
        key = email_key(payload.get("customerEmail"))
        before = self._bytes
        previous = self._orders.pop(order_id, None)
        if previous is not None:
            self.kit.report.skipped(previous.stream, "replaced by a later record with the same id")
            self._drop_order(previous)
        self._orders[order_id] = PendingOrder(source.stream, key, self._append(encoded), len(encoded))
        self._bytes += len(encoded) + 1
        group = self._groups.get(key)
        if group is None:
            staged = key in self._customers
            group = self._groups[key] = _OrderGroup(0, 0 if staged else self._stub_bytes(key))
            self._bytes += _ORDERS_OVERHEAD + group.stub_bytes
        group.orders += 1
        self._staged(source, before)

    def _add_customer_delete(self, source: StreamRecord) -> None:
        key = email_key(source.record.get("email"))
        staged = self._customers.pop(key, None) if key else None
        if staged is not None:
            if staged.stream is not None:
                self.kit.report.skipped(staged.stream, "superseded by a later delete of the same customer")
            self._drop_customer(staged)
        # Deletes go first at the flush, and Rfmcube deletes a customer's orders with it: orders of
        # this customer staged before the delete would otherwise come back through /merge_order.
        if key and key in self._groups:
            for order_id, order in list(self._orders.items()):
                if order.key == key:
                    self.kit.report.skipped(order.stream, "superseded by a later delete of its customer")
                    del self._orders[order_id]
                    self._drop_order(order)
        self._deletes.append(source)
        self._compact_if_sparse()

    def _append(self, encoded: bytes) -> int:
        """Put `encoded` and a comma at the end of the buffer; return where it starts."""
        start = len(self._buffer)
        self._buffer += encoded
        self._buffer += b","
        return start

    def _stub_bytes(self, key: str) -> int:
        """Bytes of the stub from the index that orders of customer `key` would nest under (0: none)."""
        stub = self.index.lookup([key]).get(key)
        return 0 if stub is None else len(dumps_bytes(stub)) + 1

    def _drop_customer(self, customer: PendingCustomer) -> None:
        """Account for a staged customer taken out of `_customers`."""
        self._bytes -= customer.length + 1
        self._dead += customer.length + 1
        group = self._groups.get(customer.key)
        if group is not None:
            self._bytes += group.stub_bytes  # its staged orders need a stub again

    def _drop_order(self, order: PendingOrder) -> None:
        """Account for a staged order taken out of `_orders`."""
        self._bytes -= order.length + 1
        self._dead += order.length + 1
        group = self._groups[order.key]
        group.orders -= 1
        if not group.orders:
            del self._groups[order.key]
            self._bytes -= _ORDERS_OVERHEAD + (0 if order.key in self._customers else group.stub_bytes)

    def _staged(self, source: StreamRecord, before: int) -> None:
        """After a record was staged: note its size, its sink's reject, and compact if needed."""
        self._largest = max(self._largest, self._bytes - before)
        self._rejecters[source.stream] = source.reject
        self._compact_if_sparse()

    def _compact_if_sparse(self) -> None:
        """Copy the staged records to a new buffer when most of the old one is of dropped ones."""
        if self._dead <= _COMPACT_AFTER or self._dead * 2 <= len(self._buffer):
            return
        view = memoryview(self._buffer)
        compact = bytearray()
        items: Iterable[PendingCustomer | PendingOrder] = chain(self._customers.values(), self._orders.values())
        for item in items:
            start = len(compact)
            compact += view[item.start : item.start + item.length + 1]
            item.start = start
        view.release()
        self._buffer, self._dead = compact, 0

    @property
    def size(self) -> int:
        """Records staged."""
        return len(self._customers) + len(self._orders) + len(self._deletes)

    @property
    def is_full(self) -> bool:
        """One more record as large as the largest seen could pass `max_request_bytes` (or the record cap is reached)."""
        options = self.options
        if options.max_records is not None and self.size >= options.max_records:
            return True
        return self._bytes + self._largest + self._envelope > options.max_request_bytes

    # Flushing (any sink thread, one at a time) --------------------------------------

    def flush(self) -> None:
        """Send everything staged; return once Rfmcube confirmed it (or it was rejected)."""
        with self._flush_lock:
            with self._stage_lock:
                customers, orders, deletes, buffer = self._customers, self._orders, self._deletes, self._buffer
                self._customers, self._orders, self._deletes, self._buffer = {}, {}, [], bytearray()
                self._groups, self._bytes, self._dead = {}, 0, 0
            for source in deletes:
                self._delete_customer(source)
            units, orphans = self._assemble(customers, orders, buffer)
            del customers, orders
            view = memoryview(buffer)
            self._send_units(units, view)
            for order in orphans:
                self._merge_order(order, view)

    def _assemble(
        self, customers: dict[str, PendingCustomer], orders: dict[str, PendingOrder], buffer: bytearray
    ) -> tuple[list[PendingCustomer], list[PendingOrder]]:
        """Nest each order under its customer: staged, or known from the index (its stub goes in `buffer`)."""
        homeless = {order.key for order in orders.values() if order.key not in customers}
        known = self.index.lookup(homeless) if homeless else {}
        stubs: dict[str, PendingCustomer] = {}
        orphans: list[PendingOrder] = []
        for order in orders.values():
            unit = customers.get(order.key) or stubs.get(order.key)
            if unit is None and order.key in known:
                encoded = dumps_bytes(known[order.key])
                unit = stubs[order.key] = PendingCustomer(None, order.key, len(buffer), len(encoded))
                buffer += encoded
                buffer += b","
            if unit is None:
                self.kit.report.warn(order.stream, ORPHAN_WARNING)
                orphans.append(order)
            else:
                unit.orders.append(order)
        return [*customers.values(), *stubs.values()], orphans

    def _send_units(self, units: list[PendingCustomer], view: memoryview) -> None:
        """Send `units` in as few requests as `max_request_bytes` allows (one, when staged as `is_full` says)."""
        limit = self.options.max_request_bytes
        chunk: list[PendingCustomer] = []
        size = self._envelope
        for unit in units:
            unit_size = unit.size()
            if self._envelope + unit_size > limit:
                self._reject_unit(unit, OversizedItem(unit, self._envelope + unit_size, limit).reason, view)
                continue
            added = unit_size + (1 if chunk else 0)
            if chunk and size + added > limit:
                self._import(chunk, view)
                chunk, size, added = [], self._envelope, unit_size
            chunk.append(unit)
            size += added
        if chunk:
            self._import(chunk, view)

    def _body(self, units: list[PendingCustomer], view: memoryview) -> bytes:
        """The `/import` request of `units`, copied once from the buffer.

        Customers without orders that lie one after the other in the buffer (with their commas)
        are taken as one piece.
        """
        has_orders = any(unit.orders for unit in units)
        prefix, suffix = self.options.envelope(overwrite=self.options.overwrite_descriptors and has_orders)
        pieces: list[bytes | memoryview] = [prefix]
        run_start = run_end = -1  # buffer range of the current run of adjacent customers, commas included
        for unit in units:
            if not unit.orders and unit.start == run_end:
                run_end += unit.length + 1
                continue
            if run_end > run_start:
                pieces.append(view[run_start:run_end])
            if unit.orders:
                pieces += unit.parts(view)
                pieces.append(b",")
                run_start = run_end = -1
            else:
                run_start, run_end = unit.start, unit.start + unit.length + 1
        if run_end > run_start:
            pieces.append(view[run_start:run_end])
        pieces[-1] = pieces[-1][:-1]  # the comma after the last customer
        pieces.append(suffix)
        return b"".join(pieces)

    def _import(self, units: list[PendingCustomer], view: memoryview) -> None:
        """One `/import` of `units`; on 416 split in halves and try again."""
        body = self._body(units, view)
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", "/import", body)
            self.kit.record_dry_run_polls("/processes/{processId}", self.options.poll)
            self._confirm(units)
            return
        try:
            process_id = start_import(self.kit.client, body)
        except VendorError as exc:
            if exc.status != 416:
                raise
            del body
            if len(units) == 1:
                self._reject_unit(units[0], f"Rfmcube refused the request as too large (416): {exc.body}", view)
                return
            self.logger.info("Rfmcube answered 416 to an import of %d customers; splitting it", len(units))
            middle = len(units) // 2
            self._import(units[:middle], view)
            self._import(units[middle:], view)
            return
        del body
        result = await_process(self.kit.client, process_id, self.options.poll, self.logger)
        shortfall = result.shortfall
        if any(shortfall.values()):
            self.logger.warning(
                "Rfmcube import process %s processed %d/%d customers and %d/%d orders",
                process_id,
                result.processed_customers,
                result.total_customers,
                result.processed_orders,
                result.total_orders,
            )
            self._add_shortfall(process_id, shortfall)
        self._confirm(units)

    def _confirm(self, units: list[PendingCustomer]) -> None:
        """Count what Rfmcube confirmed (once per stream) and remember its customers."""
        confirmed: dict[str, dict[str, Any]] = {}
        sent: dict[str, int] = {}
        for unit in units:
            if unit.stream is not None:
                confirmed[unit.key] = customer_stub(unit.stub)
                sent[unit.stream] = sent.get(unit.stream, 0) + 1
            for order in unit.orders:
                sent[order.stream] = sent.get(order.stream, 0) + 1
        for stream, count in sent.items():
            self.kit.report.sent(stream, count)
        if confirmed and not self.kit.dry_run:
            self.index.remember(confirmed)

    def _reject(self, item: PendingCustomer | PendingOrder, reason: str, view: memoryview) -> None:
        """Reject a staged record: the record is rebuilt from its encoded payload."""
        assert item.stream is not None
        record = json.loads(bytes(view[item.start : item.start + item.length]))
        self._rejecters[item.stream](record, reason)

    def _reject_unit(self, unit: PendingCustomer, reason: str, view: memoryview) -> None:
        items: Iterable[PendingCustomer | PendingOrder] = unit.orders if unit.stream is None else [unit, *unit.orders]
        for item in items:
            self._reject(item, reason, view)

    def _merge_order(self, order: PendingOrder, view: memoryview) -> None:
        encoded = bytes(view[order.start : order.start + order.length])
        body = (
            b'{"triggerIntegrations":'
            + (b"true" if self.options.trigger_integrations else b"false")
            + b',"order":'
            + encoded
            + b"}"
        )
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", "/merge_order", body)
            self.kit.report.sent(order.stream)
            return
        try:
            self.kit.client.request("POST", "/merge_order", data=body, endpoint="/merge_order")
        except VendorError as exc:
            if exc.status not in (400, 416, 422):
                raise
            self._reject(order, f"Rfmcube refused the order ({exc.status}): {exc.body}", view)
            return
        self.kit.report.sent(order.stream)

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
