"""The batch both Rfmcube sinks fill: customers with their orders nested, and deletes.

Rfmcube's bulk call carries customers with their orders nested inside, so customers and
orders of one drain travel together, whichever sink the SDK drains first. Both sinks add
to one `PendingImport`; whichever drains sends all of it (one flush at a time), and
returns only once Rfmcube confirmed it, so STATE never covers an unfinished import.

An import is filled by bytes: it is full when one more record as large as the largest seen
could pass `max_request_bytes`, so a drain is one nearly full request (Rfmcube documents no
record cap; `batch_size_rows` sets one only when given). The import is staged on disk: each
record's encoded payload is appended to the batch's temporary file (`StagingFile`) as it
arrives, and the request is streamed from that file. What stays in memory per customer is
its offset, length, stub length and stream (13 bytes) and its key in a `KeyIndex` (about 9
bytes); orders are kept as small objects (offset, length, key). A later record of a key makes
the earlier row dead: it stays in the file and is skipped when the request is streamed. A
customer's payload starts with its stub (`payloads.staged_customer`): the customer index is
written at confirmation from those first bytes of each payload, read back from the file. Neither the
source record nor the payload dict stays staged: a customer too large for any request is
rejected when it arrives, and a later reject (a lone 416, a customer grown too large by its
orders) is rebuilt from the encoded payload; a record shaped by stream maps also has the tap's
record staged in the file, and is rejected as the tap sent it.

A 416 teaches the size once for the run (`RequestCap`): the refused requests and every later
one are cut at the learned cap, which drops to 1/64 of the refused size and climbs back while
Rfmcube accepts full requests, so a run spends at most two calls on 416s.
"""

from __future__ import annotations

import json
import logging
import pickle
import threading
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import orjson

from api_target_kit.batching import OversizedItem
from api_target_kit.delivery_kit import DeliveryKit
from api_target_kit.errors import VendorError
from api_target_kit.json_payload import dumps_bytes
from api_target_kit.key_index import KeyIndex
from api_target_kit.polling import PollSchedule
from api_target_kit.records import SourcedRecord, TapRecord, email_key
from api_target_kit.staging_file import StagingFile, StreamedBody, with_offset
from target_rfmcube.customer_index import CustomerIndex
from target_rfmcube.import_process import await_process, start_import
from target_rfmcube.payloads import (
    delete_body,
    order_payload,
    order_warnings,
    staged_customer,
)
from target_rfmcube.request_cap import RequestCap

#: What nesting orders adds to a customer at most: `,"orders":[` and `]`.
_ORDERS_OVERHEAD = 12
#: Confirmed customers' stubs handed to the customer index at a time.
_INDEX_CHUNK_ROWS = 2_000
ORPHAN_WARNING = "customer unknown to Rfmcube: sent alone with /merge_order"

#: A sink's `reject(record, reason)`.
Rejecter = Callable[[dict[str, Any], str], None]


@dataclass(slots=True)
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
    """A customer with orders nested, at the flush (stream None: a stub of a loaded customer).

    Its encoded payload is `length` bytes at `start` of the batch's file.
    """

    stream: str | None
    key: str
    start: int
    length: int
    orders: list[PendingOrder] = field(default_factory=list)
    #: Bytes of its stub at `start` (see `payloads.staged_customer`); 0 for a stub from the index.
    head: int = 0

    def size(self) -> int:
        """Bytes of the customer object with its orders spliced in, as sent."""
        if not self.orders:
            return self.length
        joiner = 1 if self.length > 2 else 0
        nested = sum(order.length for order in self.orders) + len(self.orders) - 1
        return self.length + joiner + 11 + nested

    def parts(self, file: StagingFile) -> Iterator[bytes]:
        """The customer object with its orders spliced in, as pieces of the request."""
        encoded = file.read(self.start, self.length)
        if not self.orders:
            yield encoded
            return
        yield encoded[:-1]
        yield b',"orders":[' if self.length > 2 else b'"orders":['
        for number, order in enumerate(self.orders):
            if number:
                yield b","
            yield file.read(order.start, order.length)
        yield b"]}"


def _row_runs(units: Units, starts: array[int], lengths: array[int]) -> Iterator[tuple[int, int] | int]:
    """`units` in order: adjacent customer rows as file ranges, units with orders as they are.

    Customer rows that lie one after the other in the file (with the comma after each) come as
    one `(start, length)` range; a unit with orders (negative) comes as it is.
    """
    run_start = run_end = -1  # file range of the current run of adjacent customers (-1: none)
    for unit in units:
        if unit >= 0:
            start = starts[unit]
            if run_end >= 0 and start == run_end + 1:
                run_end = start + lengths[unit]
                continue
            if run_end >= 0:
                yield run_start, run_end - run_start
            run_start, run_end = start, start + lengths[unit]
            continue
        if run_end >= 0:
            yield run_start, run_end - run_start
            run_start = run_end = -1
        yield unit
    if run_end >= 0:
        yield run_start, run_end - run_start


class _Batch:
    """What one import stages: the file, and per customer row its offset, length, stream and key.

    Every record's encoded payload is followed by a comma in the file, so that customers staged
    one after the other are streamed as one range.
    """

    def __init__(self) -> None:
        self.file = StagingFile()
        self.starts = array("I")  # customer row -> offset in `file` (see `with_offset`)
        self.lengths = array("I")  # customer row -> bytes of its payload
        self.heads = array("I")  # customer row -> bytes of its stub, the payload's first (`staged_customer`)
        self.streams = bytearray()  # customer row -> its stream's number
        self.customers = KeyIndex(self.key_at)
        self.orders: dict[str, PendingOrder] = {}
        self.deletes: list[StreamRecord] = []
        #: Only for records shaped by stream maps: where a staged payload starts -> where the
        #: record the tap sent (a pickled `TapRecord`) lies in `file`, and its stream, for its reject.
        self.sources: dict[int, tuple[int, int, str]] = {}

    def add(self, encoded: bytes) -> int:
        """Append `encoded` and a comma to the file; return where it starts."""
        return self.file.append(encoded + b",")  # one append: the copy costs less than a second call

    def add_customer(self, key: str, encoded: bytes, head: int, stream: int, record: dict[str, Any]) -> int | None:
        """Stage a customer (`payloads.staged_customer`) as the live row of `key`; return the row it replaced.

        `stream` is its stream's number; `record` is kept only when stream maps shaped it (`keep_source`).
        """
        row = len(self.starts)
        previous = self.customers.pop(key)
        self.customers.put(key, row)
        start = self.file.append(encoded + b",")
        self.starts = with_offset(self.starts, start)
        self.lengths.append(len(encoded))
        self.heads.append(head)
        self.streams.append(stream)
        if type(record) is not dict:  # a plain dict (nearly always) is not shaped by stream maps
            self.keep_source(start, record)
        return previous

    def keep_source(self, start: int, record: dict[str, Any]) -> None:
        """For a record shaped by stream maps (staged at `start`): stage the tap's record too."""
        if isinstance(record, SourcedRecord) and isinstance(record.source, TapRecord):
            pickled = pickle.dumps(record.source)  # exactly as read (Decimal, big integers), from our own file
            self.sources[start] = (self.add(pickled), len(pickled), record.source.stream)

    def as_rejected(self, start: int, length: int) -> dict[str, Any]:
        """The record staged at `start` for its reject: the tap's when maps shaped it, else rebuilt from the payload."""
        record: dict[str, Any] = json.loads(self.file.read(start, length))
        source = self.sources.get(start)
        if source is None:
            return record
        tap_record = pickle.loads(self.file.read(source[0], source[1]))  # noqa: S301 (our own file, written above)
        return SourcedRecord(record, tap_record)

    def payload_at(self, row: int) -> Any:
        """The customer of `row`, decoded."""
        return orjson.loads(self.file.read(self.starts[row], self.lengths[row]))

    def key_at(self, row: int) -> str:
        """The email key of the customer of `row` (read back from the file)."""
        return email_key(self.payload_at(row).get("email"))

    def forget_keys(self) -> None:
        """Let the key index go once the batch's live rows are known (nothing is looked up by key after)."""
        self.customers.detach()
        self.customers = KeyIndex(self.key_at)

    def close(self) -> None:
        """Delete the file (and let the key index go: it refers back to this batch)."""
        self.file.close()
        self.customers.detach()


#: A unit of a request: a customer row (>= 0), or `-1 - n` for the n-th `PendingCustomer`
#: of the flush (a customer or stub with orders nested).
Units: TypeAlias = "array[int]"


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
        self._batch = _Batch()
        #: Staged orders per customer email key.
        self._groups: dict[str, _OrderGroup] = {}
        #: At least the size of the customers array the staged records make (orders nested,
        #: under a stub for customers not staged), with a comma after each customer and order.
        self._bytes = 0
        #: The most one record has added to `_bytes` so far.
        self._largest = 0
        #: The size requests are cut at: `max_request_bytes` until a 416, then learned from what
        #: Rfmcube refuses and accepts.
        self.request_cap = RequestCap(options.max_request_bytes)
        self._rejecters: dict[str, Rejecter] = {}
        self._stream_numbers: dict[str, int] = {}
        self._stream_names: list[str] = []
        self._stage_lock = threading.Lock()  # staging vs. the swap at the start of a flush
        self._flush_lock = threading.Lock()  # one flush at a time

    # Filling (main thread) -----------------------------------------------------------

    def add_customer(self, stream: str, record: dict[str, Any], reject: Rejecter) -> None:
        """Stage a customer upsert of `stream` (a later one with the same email replaces it)."""
        with self._stage_lock:
            self._add_customer(stream, record, reject)

    def add_order(self, source: StreamRecord) -> None:
        """Stage an order (a later one with the same id replaces it)."""
        with self._stage_lock:
            self._add_order(source)

    def add_customer_delete(self, source: StreamRecord) -> None:
        """Stage a customer delete; an upsert of the same customer staged before it is dropped."""
        with self._stage_lock:
            self._add_customer_delete(source)

    def _add_customer(self, stream: str, record: dict[str, Any], reject: Rejecter) -> None:
        if "orders" in record:
            self.kit.report.warn(stream, "customer field 'orders' ignored (send orders on their stream)")
        encoded, head = staged_customer(record)
        size = len(encoded)
        if self._envelope + size > self.options.max_request_bytes:
            reject(record, OversizedItem(None, self._envelope + size, self.options.max_request_bytes).reason)
            return
        key = email_key(record.get("email"))
        batch = self._batch
        added, dropped = size + 1, 0
        previous = batch.add_customer(key, encoded, head, self._stream_number(stream), record)
        if previous is not None:
            self.kit.report.skipped(
                self._stream_names[batch.streams[previous]], "replaced by a later record with the same email"
            )
            dropped = self._drop_customer(key, previous)
        group = self._groups.get(key) if self._groups else None
        if group is not None:
            added -= group.stub_bytes  # its staged orders nest under this customer, not under a stub
        self._bytes += added
        self._staged(stream, reject, added - dropped)

    def _add_order(self, source: StreamRecord) -> None:
        payload = order_payload(source.record)
        for warning in order_warnings(payload):
            self.kit.report.warn(source.stream, warning)
        encoded = dumps_bytes(payload)
        order_id = str(payload["id"])
        key = email_key(payload.get("customerEmail"))
        batch = self._batch
        before = self._bytes
        previous = batch.orders.pop(order_id, None)
        if previous is not None:
            self.kit.report.skipped(previous.stream, "replaced by a later record with the same id")
            self._drop_order(previous)
        start = batch.add(encoded)
        batch.orders[order_id] = PendingOrder(source.stream, key, start, len(encoded))
        batch.keep_source(start, source.record)
        self._bytes += len(encoded) + 1
        group = self._groups.get(key)
        if group is None:
            staged = key in batch.customers
            group = self._groups[key] = _OrderGroup(0, 0 if staged else self._stub_bytes(key))
            self._bytes += _ORDERS_OVERHEAD + group.stub_bytes
        group.orders += 1
        self._staged(source.stream, source.reject, self._bytes - before)

    def _add_customer_delete(self, source: StreamRecord) -> None:
        key = email_key(source.record.get("email"))
        batch = self._batch
        staged = batch.customers.pop(key) if key else None
        if staged is not None:
            self.kit.report.skipped(
                self._stream_names[batch.streams[staged]], "superseded by a later delete of the same customer"
            )
            self._drop_customer(key, staged)
        # Deletes go first at the flush, and Rfmcube deletes a customer's orders with it: orders of
        # this customer staged before the delete would otherwise come back through /merge_order.
        if key and key in self._groups:
            for order_id, order in list(batch.orders.items()):
                if order.key == key:
                    self.kit.report.skipped(order.stream, "superseded by a later delete of its customer")
                    del batch.orders[order_id]
                    self._drop_order(order)
        batch.deletes.append(source)

    def _stream_number(self, stream: str) -> int:
        number = self._stream_numbers.get(stream)
        if number is None:
            number = self._stream_numbers[stream] = len(self._stream_names)
            self._stream_names.append(stream)
        return number

    def _stub_bytes(self, key: str) -> int:
        """Bytes of the stub from the index that orders of customer `key` would nest under (0: none)."""
        stub = self.index.lookup([key]).get(key)
        return 0 if stub is None else len(dumps_bytes(stub)) + 1

    def _drop_customer(self, key: str, row: int) -> int:
        """Account for a staged customer (`row`) replaced or deleted; return the bytes it took from `_bytes`."""
        dropped = self._batch.lengths[row] + 1
        self._batch.sources.pop(self._batch.starts[row], None)
        group = self._groups.get(key)
        if group is not None:
            dropped -= group.stub_bytes  # its staged orders need a stub again
        self._bytes -= dropped
        return dropped

    def _drop_order(self, order: PendingOrder) -> None:
        """Account for a staged order taken out of the batch."""
        self._bytes -= order.length + 1
        self._batch.sources.pop(order.start, None)
        group = self._groups[order.key]
        group.orders -= 1
        if not group.orders:
            del self._groups[order.key]
            self._bytes -= _ORDERS_OVERHEAD + (0 if order.key in self._batch.customers else group.stub_bytes)

    def _staged(self, stream: str, reject: Rejecter, added: int) -> None:
        """After a record of `stream` added `added` bytes to `_bytes`: note its size and its sink's reject."""
        self._largest = max(self._largest, added)
        self._rejecters[stream] = reject

    @property
    def size(self) -> int:
        """Records staged."""
        batch = self._batch
        return len(batch.customers) + len(batch.orders) + len(batch.deletes)

    @property
    def is_full(self) -> bool:
        """One more record as large as the largest seen could pass the request cap (or the record cap is reached)."""
        options = self.options
        if options.max_records is not None and self.size >= options.max_records:
            return True
        return self._bytes + self._largest + self._envelope > self.request_cap.bytes

    # Flushing (any sink thread, one at a time) --------------------------------------

    def flush(self) -> None:
        """Send everything staged; return once Rfmcube confirmed it (or it was rejected)."""
        with self._flush_lock:
            with self._stage_lock:
                batch, self._batch = self._batch, _Batch()
                self._groups, self._bytes = {}, 0
            try:
                for source in batch.deletes:
                    self._delete_customer(source)
                units, nested, orphans = self._assemble(batch)
                self._send_units(batch, units, nested)
                for order in orphans:
                    self._merge_order(order, batch)
            finally:
                batch.close()

    def _assemble(self, batch: _Batch) -> tuple[Units, list[PendingCustomer], list[PendingOrder]]:
        """The request units in row order; customers with orders nested (stubs from the index go in the file).

        Returns the units (see `Units`), the customers and stubs with orders, and the orders
        with no customer to nest under.
        """
        orders = batch.orders
        homeless = {order.key for order in orders.values() if order.key not in batch.customers}
        known = self.index.lookup(homeless) if homeless else {}
        nested: dict[str, PendingCustomer] = {}
        nested_rows: dict[int, int] = {}  # customer row -> its number in `nested`
        orphans: list[PendingOrder] = []
        for order in orders.values():
            unit = nested.get(order.key)
            if unit is None:
                row = batch.customers.get(order.key)
                if row is not None:
                    stream = self._stream_names[batch.streams[row]]
                    unit = PendingCustomer(
                        stream, order.key, batch.starts[row], batch.lengths[row], head=batch.heads[row]
                    )
                    nested_rows[row] = len(nested)
                elif order.key in known:
                    encoded = dumps_bytes(known[order.key])
                    unit = PendingCustomer(None, order.key, batch.add(encoded), len(encoded))
                if unit is not None:
                    nested[order.key] = unit
            if unit is None:
                self.kit.report.warn(order.stream, ORPHAN_WARNING)
                orphans.append(order)
            else:
                unit.orders.append(order)
        batch.orders = {}
        units = array("q", batch.customers.live_rows())  # the customer rows; those with orders replaced below
        if nested_rows:
            for at, row in enumerate(units):
                number = nested_rows.get(row)
                if number is not None:
                    units[at] = -1 - number
        with_orders = list(nested.values())
        units.extend(-1 - number for number, unit in enumerate(with_orders) if unit.stream is None)
        batch.forget_keys()  # the units say what is sent: the request and the index reuse that memory
        return units, with_orders, orphans

    def _unit_size(self, batch: _Batch, unit: int, nested: list[PendingCustomer]) -> int:
        return int(batch.lengths[unit]) if unit >= 0 else nested[-1 - unit].size()

    @staticmethod
    def _units_bytes(batch: _Batch, units: Units, nested: list[PendingCustomer]) -> int:
        """Bytes of `units` as sent, without the commas between them.

        The customer rows are picked and summed in C (`filter`, `map`); only units with orders
        are measured one by one.
        """
        rows = sum(map(batch.lengths.__getitem__, filter((0).__le__, units)))
        return rows + sum(nested[-1 - unit].size() for unit in filter((0).__gt__, units))

    def _send_units(self, batch: _Batch, units: Units, nested: list[PendingCustomer]) -> None:
        """Send `units` in as few requests as the request cap allows (one, when staged as `is_full` says)."""
        if not units:
            return
        if self._envelope + self._units_bytes(batch, units, nested) + len(units) - 1 <= self.request_cap.bytes:
            self._import(batch, units, nested)  # all in one request (the cap is at most `max_request_bytes`)
            return
        most = self.options.max_request_bytes
        first, size = 0, self._envelope
        for at, unit in enumerate(units):
            unit_size = self._unit_size(batch, unit, nested)
            if self._envelope + unit_size > most:
                if at > first:
                    self._import(batch, units[first:at], nested)
                first, size = at + 1, self._envelope
                self._reject_unit(batch, unit, nested, OversizedItem(unit, self._envelope + unit_size, most).reason)
                continue
            added = unit_size + (1 if at > first else 0)
            if at > first and size + added > self.request_cap.bytes:
                self._import(batch, units[first:at], nested)
                first, size, added = at, self._envelope, unit_size
            size += added
        if len(units) > first:
            self._import(batch, units[first:], nested)

    def _body(self, batch: _Batch, units: Units, nested: list[PendingCustomer]) -> StreamedBody:
        """The `/import` request of `units`, streamed from the batch's file.

        Customers without orders that lie one after the other in the file (with their commas)
        are read as one range.
        """
        has_orders = any(unit < 0 for unit in units)
        prefix, suffix = self.options.envelope(overwrite=self.options.overwrite_descriptors and has_orders)
        length = len(prefix) + len(suffix) + len(units) - 1 + self._units_bytes(batch, units, nested)
        file = batch.file

        def pieces() -> Iterator[bytes]:
            yield prefix
            for number, item in enumerate(_row_runs(units, batch.starts, batch.lengths)):
                if number:
                    yield b","
                yield from file.ranges([item]) if isinstance(item, tuple) else nested[-1 - item].parts(file)
            yield suffix

        return StreamedBody(length, pieces)

    def _import(self, batch: _Batch, units: Units, nested: list[PendingCustomer]) -> None:
        """One `/import` of `units`; on 416 lower the request cap (`RequestCap`) and send them again under it."""
        body = self._body(batch, units, nested)
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", "/import", body.read_all())
            self.kit.record_dry_run_polls("/processes/{processId}", self.options.poll)
            self._confirm(batch, units, nested)
            return
        try:
            process_id = start_import(self.kit.client, body)
        except VendorError as exc:
            if exc.status != 416:
                raise
            if len(units) == 1:
                self._reject_unit(
                    batch, units[0], nested, f"Rfmcube refused the request as too large (416): {exc.body}"
                )
                return
            cap = self.request_cap
            cap.refused_at(len(body))
            self.logger.info(
                "Rfmcube answered 416 to an import of %d customers (%d bytes); requests of this run are now cut "
                "at %d bytes%s",
                len(units),
                len(body),
                cap.bytes,
                " (doubled after each full one accepted, up to half the refused size)" if cap.climbing else "",
            )
            self._send_units(batch, units, nested)
            return
        self.request_cap.accepted_at(len(body))
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
        self._confirm(batch, units, nested)

    def _confirm(self, batch: _Batch, units: Units, nested: list[PendingCustomer]) -> None:
        """Count what Rfmcube confirmed (once per stream) and remember its customers in the customer index."""
        per_stream = Counter(map(batch.streams.__getitem__, filter((0).__le__, units)))  # counted in C
        sent: dict[str, int] = {}
        for unit in filter((0).__gt__, units):
            customer = nested[-1 - unit]
            for order in customer.orders:
                sent[order.stream] = sent.get(order.stream, 0) + 1
            if customer.stream is not None:
                sent[customer.stream] = sent.get(customer.stream, 0) + 1
        for number, count in per_stream.items():
            name = self._stream_names[number]
            sent[name] = sent.get(name, 0) + count
        for stream_name, count in sent.items():
            self.kit.report.sent(stream_name, count)
        if not self.kit.dry_run:
            self.index.remember(self._stubs(batch, units, nested))

    def _stubs(self, batch: _Batch, units: Units, nested: list[PendingCustomer]) -> Iterator[list[bytes]]:
        """The stubs of the customers `units` sent, `_INDEX_CHUNK_ROWS` at a time, read back from the file.

        A stub is the first bytes of its customer's payload (`payloads.staged_customer`), without
        its `}`; nothing else of the payload is read or decoded. Stubs that came from the index
        (orders nested under a customer loaded earlier) are not remembered again.
        """
        reader = batch.file.reader()  # the units are in file order
        starts, heads = batch.starts, batch.heads
        chunk: list[bytes] = []
        for unit in units:
            if unit >= 0:
                chunk.append(reader.read(starts[unit], heads[unit]))
            else:
                customer = nested[-1 - unit]
                if customer.stream is None:
                    continue
                chunk.append(reader.read(customer.start, customer.head))
            if len(chunk) >= _INDEX_CHUNK_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _reject(self, item: PendingCustomer | PendingOrder, reason: str, batch: _Batch) -> None:
        """Reject a staged record: as the tap sent it when stream maps shaped it, else rebuilt from its payload."""
        assert item.stream is not None
        self._rejecters[item.stream](batch.as_rejected(item.start, item.length), reason)

    def _reject_unit(self, batch: _Batch, unit: int, nested: list[PendingCustomer], reason: str) -> None:
        if unit >= 0:
            stream = self._stream_names[batch.streams[unit]]
            item = PendingCustomer(stream, "", batch.starts[unit], batch.lengths[unit])
            self._reject(item, reason, batch)
            return
        customer = nested[-1 - unit]
        items: Iterable[PendingCustomer | PendingOrder] = (
            customer.orders if customer.stream is None else [customer, *customer.orders]
        )
        for each in items:
            self._reject(each, reason, batch)

    def _merge_order(self, order: PendingOrder, batch: _Batch) -> None:
        encoded = batch.file.read(order.start, order.length)
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
            self._reject(order, f"Rfmcube refused the order ({exc.status}): {exc.body}", batch)
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
