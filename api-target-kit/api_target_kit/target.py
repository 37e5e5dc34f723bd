"""The target base class: routing streams to entity sinks, the run's shared services."""

from __future__ import annotations

import abc
import copy
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import FrameType
from typing import Any, ClassVar

from singer_sdk import Target
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.sinks import Sink

from api_target_kit.delivery_kit import DeliveryKit
from api_target_kit.errors import DeliveryError
from api_target_kit.gc_tuning import tune_for_streaming
from api_target_kit.records import TapRecord
from api_target_kit.reject_ratio import DEFAULT_MAX_REJECTED_RATIO, StreamRejects, check_reject_ratios, source_fields
from api_target_kit.secrets import SecretRedactor
from api_target_kit.sent_ledger import SentLedger
from api_target_kit.singer_input import VALUES_SENDABLE, InvalidInputError, SingerInputReader
from api_target_kit.sink import EntitySink, IgnoredStreamSink
from api_target_kit.state_dir import account_file
from api_target_kit.unchanged import reset_all

#: Records of streams without stream maps between two readings of the clock (the SDK's record
#: counter log and its maximum record age): well under a second of reading.
CLOCK_EVERY = 1000


@dataclass(frozen=True)
class StreamOrigin:
    """The tap's stream behind a sink whose records pass stream maps: its name, SCHEMA and keys."""

    stream: str
    schema: dict[str, Any]
    key_properties: list[str]


class ApiTarget(Target, abc.ABC):
    """A Singer target that loads entities into one vendor account.

    Subclasses set `vendor`, `entity_sinks` (entity name -> sink class), the
    `config_jsonschema` (see `api_target_kit.settings`) and `auth_headers`.
    """

    vendor: ClassVar[str]
    entity_sinks: ClassVar[Mapping[str, type[EntitySink]]]
    #: Text added to the error of a status the vendor documents (e.g. Rfmcube's 406).
    status_explanations: ClassVar[Mapping[int, str]] = {}
    #: Seconds to wait after a 429 that names no `Retry-After` (None: jittered backoff).
    wait_after_bare_429: ClassVar[float | None] = None
    #: A line that is not a valid Singer message stops the run naming it (no traceback).
    message_reader_class = SingerInputReader

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._entity_sinks_created: list[EntitySink] = []
        #: Streams whose records take the short path of `_process_record_message`, with their sink.
        self._lean_sinks: dict[str, EntitySink] = {}
        #: The RECORD message being read on the SDK's path (streams with stream maps), for `source_record`.
        self._source_message: dict[str, Any] | None = None
        self._origins: dict[tuple[EntitySink, str | None], StreamOrigin | None] = {}
        #: Each stream's SCHEMA and key properties as the tap sent them (the SDK's mapper alters its copy).
        self._tap_schemas: dict[str, tuple[dict[str, Any], list[str]]] = {}
        #: True once the input has ended: nothing is held any more (see `must_hold`).
        self._input_ended = False
        self._ratios_checked = False
        #: Records taken on the short path since the clock was last read (see `_process_record_message`).
        self._records_since_clock = 0
        super().__init__(*args, **kwargs)
        if isinstance(self.message_reader, SingerInputReader):
            self.message_reader.on_invalid_input = self._stop_on_invalid_input
        if any(sink.depends_on for sink in self.entity_sinks.values()):
            # A sink drains the sinks it depends on itself (see `drain_prerequisites`);
            # draining sinks in parallel threads as well could send one batch twice.
            self.max_parallelism = 1

    def register_entity_sink(self, sink: EntitySink) -> None:
        """Remember a sink, so that the sinks depending on its entity can drain it first."""
        self._entity_sinks_created.append(sink)

    def drain_prerequisites(self, sink: EntitySink) -> None:
        """Before `sink` sends its batch, drain the sinks of the entities it depends on."""
        if not sink.depends_on:
            return
        for other in list(self._entity_sinks_created):
            if other is not sink and other.entity in sink.depends_on and other.current_size > 0:
                self.logger.info(
                    "Draining %s before %s: its records must reach %s first",
                    other.stream_name,
                    sink.stream_name,
                    self.vendor,
                )
                self.drain_one(other)

    def must_hold(self, sink: EntitySink) -> bool:
        """Whether `sink` must hold its batch: a prerequisite stream has not arrived and the input goes on.

        A prerequisite has arrived once a stream of its entity delivered a record to its sink. A
        prerequisite that never comes (it was loaded by another pipeline) makes the batches wait
        until the input ends; they are delivered then, before the last STATE.
        """
        if not sink.depends_on or not sink.waits_for_prerequisites or self._input_ended:
            return False
        arrived = {other.entity for other in self._entity_sinks_created if other.has_received_records}
        return any(entity not in arrived for entity in sink.depends_on)

    @property
    def input_ended(self) -> bool:
        """True once the whole input was read (held batches are being, or were, delivered)."""
        return self._input_ended

    @property
    def held_records(self) -> int:
        """Records waiting on disk for their prerequisites, over all sinks."""
        return sum(sink.held.records for sink in self._entity_sinks_created)

    def source_of(self, sink: EntitySink, raw_stream: str | None = None) -> StreamOrigin | None:
        """The tap's stream behind `sink` when stream maps change its records (else None).

        `raw_stream`: the tap stream a record came from, when several are mapped to `sink`;
        without it, the last one mapped (for messages about the sink as a whole).
        """
        cached = (sink, raw_stream)
        if cached in self._origins:
            return self._origins[cached]
        origin = None
        for tap_stream, maps in self.mapper.stream_maps.items():
            if raw_stream is not None and tap_stream != raw_stream:
                continue
            for stream_map in maps:
                if stream_map.stream_alias != sink.stream_name:
                    continue
                identity = (
                    type(stream_map) is SameRecordTransform
                    and not stream_map.flattening_enabled
                    and tap_stream == sink.stream_name
                )
                if not identity:
                    schema, keys = self._tap_schemas.get(
                        tap_stream, (stream_map.raw_schema, list(stream_map.raw_key_properties or []))
                    )
                    origin = StreamOrigin(tap_stream, schema, keys)
        self._origins[cached] = origin
        return origin

    def _process_schema_message(self, message_dict: dict[str, Any]) -> None:
        """The SDK's SCHEMA handling; the tap's SCHEMA is kept as it came, for the rejects file."""
        schema = message_dict.get("schema")
        if isinstance(schema, dict) and "stream" in message_dict:
            keys = message_dict.get("key_properties") or []
            self._tap_schemas[message_dict["stream"]] = (copy.deepcopy(schema), list(keys))
            self._origins.clear()
        super()._process_schema_message(message_dict)

    def source_record(self, sink: EntitySink) -> TapRecord | None:
        """The record as the tap sent it, while `sink` preprocesses its mapped form (else None)."""
        message = self._source_message
        if message is None or self.source_of(sink, message["stream"]) is None:
            return None
        return TapRecord(message["record"], message["stream"])

    def _stop_on_invalid_input(self, error: InvalidInputError) -> None:
        """Keep the rejects written so far and write the summary of the failed run."""
        kit: DeliveryKit | None = self.__dict__.get("kit")
        if kit is not None:
            kit.rejects.sync()
            kit.report.finish("failed", error=kit.redact(str(error)))

    @abc.abstractmethod
    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate every request (they are never logged)."""

    def secrets(self) -> list[str | None]:
        """Values that must never appear in any output (the key; a quota URL may hold a password)."""
        return [self.config.get("api_key"), self.config.get("quota_backend_url")]

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """The SDK's check of the config, without secret values in its messages.

        The SDK quotes a setting's value when its type is wrong (`12345678 is not of type
        'string' in config['api_key']`): a key typed as a number would be printed.
        """
        redact = SecretRedactor(str(s) for s in self.secrets() if s is not None)
        try:
            errors = super()._validate_config(raise_errors=raise_errors)
        except ConfigValidationError as exc:
            raise ConfigValidationError(
                redact(str(exc)), errors=[redact(e) for e in exc.errors], schema=exc.schema
            ) from None
        return [redact(e) for e in errors]

    @cached_property
    def ledger(self) -> SentLedger:
        """What the vendor confirmed, per entity key, in this run and earlier ones (`ledger_path`)."""
        ledger = SentLedger(
            self.config.get("ledger_path") or account_file(self.vendor, self.config.get("api_key"), "ledger.sqlite")
        )
        if self.config.get("ledger_reset"):
            cleared = reset_all(ledger)
            self.logger.info("ledger_reset: forgot %d confirmed records; everything is sent again", cleared)
        return ledger

    @cached_property
    def kit(self) -> DeliveryKit:
        """The run's rate limit, HTTP client, rejects file and report."""
        return DeliveryKit(
            target_name=self.name,
            vendor=self.vendor,
            config=self.config,
            entities=list(self.entity_sinks),
            auth_headers=self.auth_headers() if self.config.get("api_key") else {},
            secrets=self.secrets(),
            status_explanations=self.status_explanations,
            wait_after_bare_429=self.wait_after_bare_429,
            logger=self.logger,
        )

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        """Route the stream to its entity's sink (or skip it, or stop naming it)."""
        entity = self.kit.router.entity_for(stream_name)
        if entity is None:
            return IgnoredStreamSink
        return self.entity_sinks[entity]

    def _process_record_message(self, message_dict: dict[str, Any]) -> None:
        """The SDK's RECORD handling, shortened for a stream without stream maps.

        Such a stream's only map is the SDK's `SameRecordTransform`, which returns the record
        as it is, so the copy made for it, the metadata step (see `EntitySink`), the second
        key-property check (`EntitySink.preprocess_record` rejects a record without one) and
        the per-record debug log are skipped, and a record the reader marked `VALUES_SENDABLE`
        skips the check for values JSON cannot carry (see `EntitySink.take_record`). The
        clock is read once per `CLOCK_EVERY` records, not per record: for the record counter's
        log and the SDK's maximum record age. The steps and their order are the SDK's; a stream
        with maps or flattening takes the SDK's own path.
        """
        stream_name = message_dict["stream"]
        sink = self._lean_sinks.get(stream_name)
        if sink is None or self._sinks_active.get(stream_name) is not sink:
            sink = self._lean_sink(stream_name)
            if sink is None:
                self._source_message = message_dict
                try:
                    super()._process_record_message(message_dict)
                finally:
                    self._source_message = None
                return
        sink.take_record(message_dict["record"], sendable=VALUES_SENDABLE in message_dict)
        if sink.is_full:
            self.logger.info(
                "Target sink for '%s' is full. Current size is '%s'. Draining...", stream_name, sink.current_size
            )
            self.drain_one(sink)
        self._records_since_clock += 1
        if self._records_since_clock >= CLOCK_EVERY:
            self._records_since_clock = 0
            sink.count_records()
            self._handle_max_record_age()

    def _lean_sink(self, stream_name: str) -> EntitySink | None:
        """The stream's sink if its records may take the short path (remembered), else None."""
        maps = self.mapper.stream_maps.get(stream_name) or []
        only_map = maps[0] if len(maps) == 1 else None
        sink = self._sinks_active.get(stream_name)
        if (
            isinstance(sink, EntitySink)
            and type(only_map) is SameRecordTransform
            and not only_map.flattening_enabled
            and only_map.stream_alias == stream_name
        ):
            self._lean_sinks[stream_name] = sink
            return sink
        self._lean_sinks.pop(stream_name, None)
        return None

    def process_endofpipe(self) -> None:
        """Deliver the held batches, drain everything, check the reject ratios, then write the summary."""
        self._input_ended = True
        try:
            for sink in list(self._entity_sinks_created):
                sink.release_held()
            super().process_endofpipe()
            self._check_reject_ratios()
        except BaseException as exc:
            self.kit.report.finish("failed", error=self.kit.redact(f"{type(exc).__name__}: {exc}"))
            raise
        if self.kit.dry_run:
            self.kit.report.add_detail("dry_run", self.kit.dry_run_figures())
        # A dry run delivered nothing: its status says so rather than `succeeded`.
        self.kit.report.finish("dry_run" if self.kit.dry_run else "succeeded")
        self.kit.close()

    def _write_state_message(self, state: dict[str, Any]) -> None:
        """Emit STATE, except in a dry run (nothing was sent, so nothing may be skipped later)."""
        if self.config.get("dry_run"):
            self.logger.info("Dry run: STATE is not emitted")
            return
        held = self.held_records
        if held:
            # STATE may not move past records that were not delivered; they go at the end of the input.
            self.logger.info("STATE held back: %d records wait on disk for their prerequisites", held)
            return
        if self._input_ended:
            self._check_reject_ratios()
        super()._write_state_message(state)

    def _check_reject_ratios(self) -> None:
        """At the end of the input: fail the run for a stream with too many rejects (`max_rejected_ratio`)."""
        if self._ratios_checked:
            return
        self._ratios_checked = True
        ratio = self.config.get("max_rejected_ratio")
        streams: dict[str, StreamRejects] = {}
        for sink in self._entity_sinks_created:
            origin = self.source_of(sink)
            tally = self.kit.report.tally(sink.stream_name)
            streams[sink.stream_name] = StreamRejects(
                stream=sink.stream_name,
                received=tally.received,
                rejected=tally.rejected.copy(),
                source_stream=origin.stream if origin else sink.stream_name,
                source_fields=source_fields(origin.schema if origin else sink.original_schema),
                outcome_unknown=self.kit.report.unknown_outcomes[sink.stream_name],
            )
        check_reject_ratios(
            streams.values(),
            DEFAULT_MAX_REJECTED_RATIO if ratio is None else float(ratio),
            str(self.kit.rejects.path),
        )

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """On SIGTERM/SIGINT during a delivery, stop at once and emit no STATE.

        The SDK's handler drains again and emits STATE, even while a drain is being
        interrupted, which can cover a batch that was never confirmed (meltano/sdk#3775).
        Between batches the SDK's graceful drain is safe and is used as it is.
        """
        kit: DeliveryKit | None = self.__dict__.get("kit")
        held = self.held_records
        if kit is not None and (kit.has_batch_in_flight or held):
            doing = f"{held} records waited for their prerequisites" if held else "a batch was being delivered"
            message = (
                f"Received signal {signum} while {doing}: stopping without STATE. "
                "Rerun the pipeline; it resumes from the last STATE (re-sent records are upserted)."
            )
            self.logger.error(message)
            kit.rejects.sync()
            kit.report.finish("failed", error=message)
            sys.stderr.flush()
            os._exit(128 + signum)
        super()._handle_termination(signum, frame)

    @classmethod
    def invoke(cls, **kwargs: Any) -> None:  # type: ignore[override]
        """Run the target; a delivery error ends it with its message and exit code 1."""
        tune_for_streaming()
        try:
            super().invoke(**kwargs)
        except DeliveryError as exc:
            cls.logger.error("%s failed: %s", cls.name, exc)
            sys.exit(1)
