"""Failing a run whose rejects say the input does not fit the entity (`max_rejected_ratio`).

A stream whose records are all rejected, or more than `max_rejected_ratio` of them when the
stream has at least `MIN_RECORDS_FOR_RATIO` (rejects of actions whose outcome is unknown left
out: those end the run `needs_attention`), nearly always has a mapping mistake (a field named
`created_at` where the entity needs `createdAt`), not bad data: the run fails, naming the stream,
its most frequent reason and, when the tap's schema has a field of a close name, the stream map
that would fix it.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from api_target_kit.errors import DeliveryError

#: Default of `max_rejected_ratio`: a stream with more than half its records rejected fails the run.
DEFAULT_MAX_REJECTED_RATIO = 0.5
#: Below this many records the ratio is not applied (one bad record of three is data, not a mapping);
#: a stream whose every record was rejected fails whatever its size.
MIN_RECORDS_FOR_RATIO = 10

_FIELD = re.compile(r"field '([^']+)'")


class RejectedStreamError(DeliveryError):
    """A stream had all, or more than `max_rejected_ratio`, of its records rejected."""


@dataclass(frozen=True)
class StreamRejects:
    """What one stream received and rejected, and the tap's SCHEMA of it (before stream maps)."""

    stream: str
    received: int
    rejected: Counter[str]
    #: The tap's stream name and its schema's property names (for the stream-map suggestion).
    source_stream: str
    source_fields: tuple[str, ...]
    #: Rejects whose call may have reached the vendor (an interrupted action): they end the run
    #: `needs_attention`, not failed, since they say nothing about the input's fit.
    outcome_unknown: int = 0


def check_reject_ratios(streams: Iterable[StreamRejects], max_ratio: float, rejects_path: str) -> None:
    """Raise `RejectedStreamError` naming every stream over the limit (see the module's docstring)."""
    problems = [_describe(s, rejects_path) for s in streams if _over_limit(s, max_ratio)]
    if problems:
        raise RejectedStreamError(" ".join(problems))


def _over_limit(stream: StreamRejects, max_ratio: float) -> bool:
    rejected = sum(stream.rejected.values()) - stream.outcome_unknown
    if rejected <= 0 or stream.received == 0 or max_ratio >= 1:
        return False
    if rejected >= stream.received:
        return True
    return stream.received >= MIN_RECORDS_FOR_RATIO and rejected / stream.received > max_ratio


def _describe(stream: StreamRejects, rejects_path: str) -> str:
    rejected = sum(stream.rejected.values())
    reason, count = stream.rejected.most_common(1)[0]
    share = "every record" if rejected >= stream.received else f"{rejected} of {stream.received} records"
    text = (
        f"Stream '{stream.stream}': {share} rejected (max_rejected_ratio); "
        f"most often ({count}): {reason}. See {rejects_path}."
    )
    match = _FIELD.search(reason)
    if match and match.group(1) not in stream.source_fields:
        wanted = match.group(1)
        close = close_field(wanted, stream.source_fields)
        if close is not None:
            maps = {stream.source_stream: {wanted: close, close: "__NULL__"}}
            text += (
                f" The tap's schema has '{close}', which looks like '{wanted}': rename it with stream_maps, "
                f"e.g. stream_maps: {json.dumps(maps)}."
            )
    return text


def close_field(wanted: str, fields: Iterable[str]) -> str | None:
    """A field of `fields` whose name is close to `wanted` (`created_at` for `createdAt`), if any."""
    by_norm: dict[str, str] = {}
    for name in fields:
        if name != wanted:
            by_norm.setdefault(_normalised(name), name)
    target = _normalised(wanted)
    if target in by_norm:
        return by_norm[target]
    close = difflib.get_close_matches(target, list(by_norm), n=1, cutoff=0.8)
    return by_norm[close[0]] if close else None


def _normalised(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def source_fields(schema: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The property names of a SCHEMA."""
    properties = (schema or {}).get("properties") or {}
    return tuple(properties) if isinstance(properties, Mapping) else ()
