"""The sink every entity builds on: validation, rejects, deletes, safe batch delivery."""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk.helpers._typing import get_datelike_property_type
from singer_sdk.helpers.conform import DatetimeErrorTreatmentEnum
from singer_sdk.sinks import BatchSink

from api_target_kit.dates import is_canonical_utc
from api_target_kit.errors import VendorError
from api_target_kit.held_records import HeldBatches
from api_target_kit.records import SourcedRecord, TapRecord, as_source_record, is_delete
from api_target_kit.unchanged import SKIPPED as UNCHANGED_SKIPPED
from api_target_kit.unchanged import SkipUnchanged
from api_target_kit.validation import EntityRules, EntityValidator

if TYPE_CHECKING:
    from singer_sdk.sinks.core import BaseJSONSchemaValidator

    from api_target_kit.delivery_kit import DeliveryKit
    from api_target_kit.target import ApiTarget

#: Marks the stand-in the SDK carries on for a record that was already rejected.
REJECTED = "__rejected_by_api_target_kit__"
#: The skip reason of a record a later one of the same `entity_key` replaced in its batch.
SUPERSEDED = "superseded by a later record with the same key in the batch"


class EntitySink(BatchSink):
    """A batch sink for one vendor entity.

    Records are checked against `rules` through the SDK's `get_validator` hook; a record
    that fails goes to the rejects file with a reason naming the field, and the run goes
    on. Source deletes (`_sdc_deleted_at`) reach the sink without `add_record_metadata`.
    `deliver` (the vendor's part) gets `context["records"]` and `context["deletes"]` and
    must return only once every one of them is confirmed by the vendor or rejected;
    anything it raises stops the run without STATE.
    """

    entity: ClassVar[str]
    rules: ClassVar[EntityRules]
    #: Entities whose staged records must be confirmed before this sink's batch is sent
    #: (e.g. events need their contacts). The target drains those sinks first; while a
    #: prerequisite stream has not arrived yet, this sink's batches wait on disk (see
    #: `ApiTarget.must_hold`).
    depends_on: ClassVar[tuple[str, ...]] = ()
    #: False for a sink whose vendor takes its records without their prerequisites (they are only
    #: sent after them within a drain): its batches are never held.
    waits_for_prerequisites: ClassVar[bool] = True
    #: Vendor refusal codes (see `refusal_code`) -> what to do about them, for the message that
    #: stops a run after `max_identical_refusals` refusals in a row.
    refusal_hints: ClassVar[dict[str, str]] = {}
    #: The entity's key at the vendor. When set, a later record of the same key in a batch
    #: replaces an earlier one (counted as skipped), so that only the last is sent.
    entity_key: ClassVar[tuple[str, ...]] = ()
    #: Statuses with which the vendor refuses one record (not the run): see `send_or_reject`.
    refused_statuses: ClassVar[tuple[int, ...]] = (422,)
    #: True for sinks that keep their own sent-ledger entries (actions, orders, purchases) and
    #: so never send an unchanged record anyway; `skip_unchanged` is for the others.
    ledger_managed: ClassVar[bool] = False

    def __init__(
        self,
        target: ApiTarget,
        stream_name: str,
        schema: dict[str, Any],
        key_properties: list[str] | None,
    ) -> None:
        self.kit: DeliveryKit = target.kit
        self.api_target = target
        super().__init__(target, stream_name, schema, key_properties)
        #: The target's settings (the SDK's `config` property builds a new read-only view per call).
        self._settings = self.config
        self.kit.report.tally(stream_name)
        target.register_entity_sink(self)
        skipping = bool(self.config.get("skip_unchanged")) and self.entity_key and not self.ledger_managed
        self.unchanged = SkipUnchanged(target.ledger if skipping and not self.kit.dry_run else None, self.entity)
        self._datelike: tuple[dict[str, Any], tuple[tuple[str, str], ...], frozenset[str]] | None = None
        #: Batches waiting for their prerequisites (see `depends_on`).
        self.held = HeldBatches()
        #: Records taken by `take_record` and not yet added to the SDK's record counter metric.
        self._uncounted = 0
        self._datetime_treatment = self.datetime_error_treatment

    # SDK hooks ----------------------------------------------------------------------

    @property
    def include_sdc_metadata_properties(self) -> bool:
        """Always on, so that `_sdc_deleted_at` survives; other metadata is never sent."""
        return True

    def _add_sdc_metadata_to_record(
        self, record: dict[str, Any], message: dict[str, Any], context: dict[str, Any]
    ) -> None:
        """Add nothing: the tap's own `_sdc_deleted_at` is already in the record.

        The SDK would add six `_sdc_*` fields to every record (two of them timestamps it
        formats), which no vendor receives and `vendor_fields` strips again.
        """

    @property
    def datetime_error_treatment(self) -> DatetimeErrorTreatmentEnum:
        """Unreadable dates were already rejected by the validator; never stop the run."""
        return DatetimeErrorTreatmentEnum.NULL

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        """The entity's compiled rules (always on: they are what the vendor needs)."""
        return EntityValidator(self.rules, self.schema)

    def take_record(self, record: dict[str, Any], *, sendable: bool) -> None:
        """The SDK's steps for one record of a stream without stream maps, as direct calls.

        Context, validation (`sendable`: the reader vouches that every value can be written as
        JSON), date-time parsing, `preprocess_record`, the read tally and `process_record`, in
        the SDK's order (see `ApiTarget._process_record_message`). The SDK's record counter is
        advanced by `count_records`, not once per record.
        """
        context = self._pending_batch or self._get_context(record)
        validator = self._validator
        if isinstance(validator, EntityValidator):
            validator.validate(record, sendable=sendable)
            self._parse_timestamps_in_record(record, self.schema, self._datetime_treatment)
        else:  # a sink with another validator: the SDK's own step
            self._validate_and_parse(record)
        record = self.preprocess_record(record, context)
        self._total_records_read += 1
        self._batch_records_read += 1
        self.process_record(record, context)
        self._uncounted += 1

    def count_records(self) -> None:
        """Add the records `take_record` took since the last call to the SDK's record counter metric."""
        if self._uncounted:
            self.record_counter_metric.increment(self._uncounted)
            self._uncounted = 0

    def clean_up(self) -> None:
        """Count the last records in the record counter metric, then the SDK's clean-up (which logs it)."""
        self.count_records()
        super().clean_up()

    def _parse_timestamps_in_record(
        self, record: dict[str, Any], schema: dict[str, Any], treatment: DatetimeErrorTreatmentEnum
    ) -> None:
        """Parse date-time text as the SDK does, except text already in the vendors' form.

        `2026-01-31T09:05:00Z` stays text: the payloads would only write it back the same way
        (every payload function takes text or `datetime`). Other date-times become `datetime`
        as the SDK makes them. A record that failed validation is rejected as it came; a value
        that is not text (e.g. Unix seconds, which an entity may accept) stays as it is.
        """
        validator = self._validator
        if isinstance(validator, EntityValidator) and validator.failed(record):
            return
        if self._datelike is None or self._datelike[0] is not schema:
            self._datelike = _datelike_fields(schema)
        _, datelike, properties = self._datelike
        if not record.keys() <= properties:
            self._warn_fields_without_schema(record, schema, properties)
        others: dict[str, Any] | None = None
        for name, kind in datelike:
            value = record.get(name)
            if type(value) is not str or (kind == "date-time" and is_canonical_utc(value)):
                continue
            if kind == "date-time":
                try:
                    record[name] = dt.datetime.fromisoformat(value)
                    continue
                except ValueError:
                    pass
            if others is None:
                others = {}
            others[name] = value
        if others:  # dates, times, and what fromisoformat refused: the SDK's own handling
            super()._parse_timestamps_in_record(others, schema, treatment)
            record.update(others)

    def _warn_fields_without_schema(
        self, record: dict[str, Any], schema: dict[str, Any], properties: frozenset[str]
    ) -> None:
        """The SDK's warning, once per field, for a value whose field the SCHEMA does not declare."""
        if schema.get("additionalProperties", False):
            return
        for name in record.keys() - properties:
            if record[name] is not None and name not in self._warned_missing_fields:
                self.logger.warning("No schema for record field '%s'", name)
                self._warned_missing_fields.add(name)

    def preprocess_record(self, record: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
        """Count the record; divert it to the rejects file if it failed validation or lacks a key property."""
        self.kit.report.received(self.stream_name)
        validator = self._validator
        failure = validator.take_failure(record) if isinstance(validator, EntityValidator) else None
        missing = None
        for name in self.key_properties:
            if name not in record:
                missing = name
                break
        source = self.api_target.source_record(self)
        if failure is None and missing is None:
            return record if source is None else SourcedRecord(record, source)
        self._write_reject(
            source if source is not None else (failure.original if failure else record),
            failure.reason if failure else f"missing key property '{missing}' (the stream's key_properties)",
            mapped=source is not None,
        )
        stand_in: dict[str, Any] = {key: record.get(key) for key in self.key_properties}
        stand_in[REJECTED] = True
        return stand_in

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Stage the record as an upsert or a delete for the next batch."""
        if record.get(REJECTED):
            return
        if self.entity_key:
            latest: dict[Any, dict[str, Any]] = context.setdefault("latest", {})
            key = self.key_of(record)
            if latest.pop(key, None) is not None:
                self.kit.report.skipped(self.stream_name, SUPERSEDED)
            latest[key] = record
            return
        context.setdefault("deletes" if is_delete(record) else "records", []).append(record)

    def process_batch(self, context: dict[str, Any]) -> None:
        """Deliver the batch; return only when all of it is confirmed or rejected.

        The batch counts as in flight from the start, prerequisite drains included, so that a
        SIGTERM meanwhile stops without STATE (see `ApiTarget._handle_termination`).
        """
        self.count_records()
        with self.kit.batch_in_flight():
            self._process_batch(context)

    def _process_batch(self, context: dict[str, Any]) -> None:
        latest = context.pop("latest", None)
        if latest is not None:
            for record in latest.values():
                context.setdefault("deletes" if is_delete(record) else "records", []).append(record)
        if self.api_target.must_hold(self):
            self.held.hold(context)
            self.logger.info(
                "Holding %d %s records on disk until %s arrive (or the input ends): %s refuses them before",
                self.held.records,
                self.stream_name,
                " and ".join(self.depends_on),
                self.api_target.vendor,
            )
            return
        self.api_target.drain_prerequisites(self)
        self._release_held()
        self._deliver_batch(context)

    def release_held(self) -> None:
        """Deliver the held batches (prerequisites drained first); the input has ended or they arrived."""
        if self.held:
            with self.kit.batch_in_flight():
                self.api_target.drain_prerequisites(self)
                self._release_held()

    def _release_held(self) -> None:
        if not self.held:
            return
        self.logger.info(
            "Delivering %d %s records that waited for %s",
            self.held.records,
            self.stream_name,
            ", ".join(self.depends_on),
        )
        for batch in self.held.release():
            self._deliver_batch(batch)

    def _deliver_batch(self, context: dict[str, Any]) -> None:
        if self.unchanged.enabled:
            context["records"] = self.unchanged.changed(context.get("records", []), self.record_key, self._skipped)
            self.unchanged.deleted(self.record_key(r) for r in context.get("deletes", []))
        with self.delivering():
            self.deliver(context)
            self.unchanged.settle()

    def _skipped(self, count: int) -> None:
        self.kit.report.skipped(self.stream_name, UNCHANGED_SKIPPED, count)

    @property
    def has_received_records(self) -> bool:
        """True once a record of this sink's stream was read (its entity's stream has arrived)."""
        return self.kit.report.tally(self.stream_name).received > 0

    def key_of(self, record: dict[str, Any]) -> Any:
        """The record's `entity_key` value(s), as the vendor compares them (override to normalise)."""
        return tuple(str(record.get(name)) for name in self.entity_key)

    def record_key(self, record: dict[str, Any]) -> str:
        """`key_of` as text, for the sent ledger."""
        key = self.key_of(record)
        return key if isinstance(key, str) else "|".join(key)

    # For vendor sinks ---------------------------------------------------------------

    @abc.abstractmethod
    def deliver(self, context: dict[str, Any]) -> None:
        """Send `context["records"]` and `context["deletes"]` and wait for confirmation."""

    def setting(self, name: str, default: Any = None) -> Any:
        """A target setting, with `default` when unset."""
        value = self._settings.get(name)
        return default if value is None else value

    def refusal_reason(self, exc: VendorError) -> str:
        """The reject reason for a record the vendor refused (vendors parse their error bodies)."""
        return str(exc)

    def refusal_code(self, exc: VendorError) -> str:
        """What makes two refusals "the same" for `max_identical_refusals` (vendors add their error codes)."""
        return f"HTTP {exc.status}"

    def send_or_reject(self, record: dict[str, Any], send: Callable[[], object]) -> bool:
        """Run `send`; a refusal of this record (`refused_statuses`) becomes a reject. True if sent."""
        try:
            send()
        except VendorError as exc:
            if exc.status not in self.refused_statuses:
                raise
            self.vendor_refused(record, exc)
            return False
        self.kit.refusals.accepted(self.stream_name)
        return True

    def vendor_refused(self, record: dict[str, Any], exc: VendorError) -> None:
        """Reject a record the vendor refused; stop the run after `max_identical_refusals` alike in a row."""
        reason = self.refusal_reason(exc)
        self.reject(record, reason)
        code = self.refusal_code(exc)
        self.kit.refusals.refused(self.stream_name, code, reason, self.refusal_hints.get(code))

    def reject(self, record: dict[str, Any], reason: str, *, outcome_unknown: bool = False) -> None:
        """Write a record of this stream to the rejects file with `reason` (as the tap sent it).

        `outcome_unknown`: it may have reached the vendor and is not sent again (the run ends
        `needs_attention`).
        """
        if self.unchanged.enabled:
            self.unchanged.refused(self.record_key(record))
        source = record.source if isinstance(record, SourcedRecord) else None
        self._write_reject(
            record if source is None else source, reason, mapped=source is not None, outcome_unknown=outcome_unknown
        )

    def _write_reject(
        self, record: dict[str, Any], reason: str, *, mapped: bool, outcome_unknown: bool = False
    ) -> None:
        """Reject `record`: the tap's record, SCHEMA and stream when `mapped`, else this stream's."""
        raw_stream = record.stream if isinstance(record, TapRecord) else None
        origin = self.api_target.source_of(self, raw_stream) if mapped else None
        stream, schema, keys = (
            (self.stream_name, self.original_schema, list(self.key_properties))
            if origin is None
            else (origin.stream, origin.schema, origin.key_properties)
        )
        self.kit.reject(
            stream,
            schema,
            as_source_record(record),
            reason,
            keys,
            outcome_unknown=outcome_unknown,
            counted_as=self.stream_name,
        )

    @contextmanager
    def delivering(self) -> Iterator[None]:
        """Around a delivery: make rejects durable, enforce the reject limit, record failure."""
        try:
            with self.kit.batch_in_flight():
                yield
            self.kit.rejects.sync()
            self.kit.check_reject_limit()
        except BaseException as exc:
            self.kit.rejects.sync()
            self.kit.report.finish("failed", error=self.kit.redact(f"{type(exc).__name__}: {exc}"))
            raise


def _datelike_fields(schema: dict[str, Any]) -> tuple[dict[str, Any], tuple[tuple[str, str], ...], frozenset[str]]:
    """`(schema, ((field, "date-time" | "date" | "time"), ...), every field name)`, worked out once per schema."""
    properties = schema.get("properties") or {}
    datelike = tuple(
        (name, kind)
        for name, prop in properties.items()
        if isinstance(prop, dict) and (kind := get_datelike_property_type(prop))
    )
    return schema, datelike, frozenset(properties)


class IgnoredStreamSink(BatchSink):
    """A stream that maps to no entity under `unknown_streams: ignore`: counted, skipped."""

    REASON = "stream maps to no entity (unknown_streams: ignore)"

    def __init__(
        self,
        target: ApiTarget,
        stream_name: str,
        schema: dict[str, Any],
        key_properties: list[str] | None,
    ) -> None:
        self.kit: DeliveryKit = target.kit
        super().__init__(target, stream_name, schema, key_properties)
        self.logger.warning(
            "Stream %r maps to no entity; its records are skipped (unknown_streams: ignore)", stream_name
        )

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        """No validation for records that are not loaded."""
        return None

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Count and drop."""
        self.kit.report.received(self.stream_name)
        self.kit.report.skipped(self.stream_name, self.REASON)

    def process_batch(self, context: dict[str, Any]) -> None:
        """Nothing to send."""
