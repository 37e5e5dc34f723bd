"""Reading py-spy speedscope profiles: where the CPU goes, by function and by phase of a record's trip.

py-spy samples every thread; in this container it cannot always tell a thread blocked in a
system call from a running one, so samples whose innermost frame is a known wait (epoll,
sleep, a lock, a socket read) are dropped: they are wall time, not CPU.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

#: Innermost frames that mean "waiting", not computing.
IDLE_LEAVES = frozenset(
    {
        "EpollSelector.select",
        "select",
        "sleep",
        "wait",
        "Condition.wait",
        "Event.wait",
        "Thread.join",
        "Thread._wait_for_tstate_lock",
        "SocketIO.readinto",
        "_SSLSocket.recv_into",
        "socket.accept",
        "BaseSelector.select",
        "poll",
    }
)

#: Phases of a record's trip, matched outermost first: (label, frame names).
PHASES: tuple[tuple[str, frozenset[str]], ...] = (
    ("drain: process_batch (payloads, HTTP, confirmation)", frozenset({"Target.drain_one", "Target.drain_all"})),
    (
        "read: parsing each input line (kit: orjson in SingerInputReader._message; SDK: deserialize_json)",
        frozenset({"SingerInputReader._message", "deserialize_json"}),
    ),
    ("read: line checks of the kit's reader", frozenset({"message_problem", "schema_problem"})),
    (
        "validate: the sink's validator (SDK _validate_and_parse -> validator.validate)",
        frozenset({"EntityValidator.validate", "JSONSchemaValidator.validate"}),
    ),
    (
        "parse: date-time parsing (_parse_timestamps_in_record)",
        frozenset({"Sink._parse_timestamps_in_record", "EntitySink._parse_timestamps_in_record"}),
    ),
    ("metadata: SDK _add_sdc_metadata_to_record", frozenset({"Sink._add_sdc_metadata_to_record"})),
    ("metadata: SDK _remove_sdc_metadata_from_record", frozenset({"Sink._remove_sdc_metadata_from_record"})),
    ("stream maps: SDK copy + transform", frozenset({"StreamMap.transform", "SameRecordTransform.transform", "copy"})),
    ("preprocess_record (kit: count, reject check)", frozenset({"EntitySink.preprocess_record"})),
    (
        "process_record (stage; Rfmcube builds and encodes the payload here)",
        frozenset(
            {
                "RfmcubeSink.process_record",
                "EntitySink.process_record",
                "CatalogSink.process_record",
                "NullBatchSink.process_record",
            }
        ),
    ),
    ("SDK per-record bookkeeping (key check, tally, metrics, max age)", frozenset({"Sink._singer_validate_message"})),
    ("start-up: imports", frozenset({"_find_and_load"})),
)
OTHER_RECORD = "SDK per-record dispatch (_process_record_message itself, sink lookup, counters)"
OTHER_READ = "SDK reader loop (line iteration, dispatch)"
OTHER = "other (start-up, config, shutdown)"


def _where(frame: dict[str, Any]) -> str:
    path = str(frame.get("file", ""))
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{frame.get('name')} ({path})"


def analyse(path: Path, *, top: int = 15) -> dict[str, Any]:
    """Self and inclusive shares of the top functions, and the share of each phase (all % of CPU samples)."""
    data = json.loads(path.read_text())
    frames = data["shared"]["frames"]
    names = [str(f.get("name")) for f in frames]
    own: Counter[int] = Counter()
    inclusive: Counter[int] = Counter()
    phases: Counter[str] = Counter()
    total = 0.0
    idle = 0.0
    for profile in data["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not stack or names[stack[-1]] in IDLE_LEAVES:
                idle += weight
                continue
            total += weight
            own[stack[-1]] += weight
            for index in set(stack):
                inclusive[index] += weight
            phases[_phase(stack, names)] += weight

    def share(value: float) -> float:
        return round(100 * value / total, 1) if total else 0.0

    def listing(counter: Counter[int]) -> list[dict[str, Any]]:
        merged: Counter[str] = Counter()
        for index, weight in counter.items():
            merged[_where(frames[index])] += weight
        return [{"function": name, "percent": share(weight)} for name, weight in merged.most_common(top)]

    generic = {"<module>", "_run_code", "_run_module_as_main"}
    deep = Counter({i: w for i, w in inclusive.items() if share(w) < 60 and names[i] not in generic})
    return {
        "profile": str(path),
        "cpu_samples_seconds": round(total, 2),
        "idle_samples_dropped_seconds": round(idle, 2),
        "phases": [{"phase": label, "percent": share(w)} for label, w in phases.most_common()],
        "top_self": listing(own),
        "top_inclusive_below_60_percent": listing(deep),
    }


def _phase(stack: list[int], names: list[str]) -> str:
    in_record = in_reader = False
    for index in stack:
        name = names[index]
        for label, members in PHASES:
            if name in members:
                return label
        in_record = in_record or name in ("Target._process_record_message", "ApiTarget._process_record_message")
        in_reader = in_reader or name.endswith("process_lines")
    if in_record:
        return OTHER_RECORD
    return OTHER_READ if in_reader else OTHER


def share_of(analysis: dict[str, Any], *fragments: str) -> float:
    """Total percent of the phases whose label contains any of `fragments`."""
    return round(sum(float(p["percent"]) for p in analysis["phases"] if any(f in p["phase"] for f in fragments)), 1)
