"""Configuration dataclasses shared by every sandbox: fault injection and the server settings.

A vendor adds its own settings by subclassing :class:`BaseSandboxConfig` (every field needs a
default) and calling ``super().__post_init__()`` from its own ``__post_init__``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RATE_FIELDS: tuple[str, ...] = (
    "rate_429",
    "rate_5xx",
    "rate_drop",
    "rate_drop_after",
    "rate_stall",
)
"""The per-request random fault shares, in the order they are drawn."""


def is_int(value: object) -> bool:
    """Tell whether ``value`` is an ``int`` (``bool`` is not accepted)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """Tell whether ``value`` is an ``int`` or a ``float`` (``bool`` is not accepted)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_fail_rule(index: int, rule: object) -> dict[str, Any]:
    """Validate one ``fail_next`` rule and return it normalised (path and count filled in)."""
    where = f"fail_next[{index}]"
    if not isinstance(rule, Mapping):
        raise TypeError(f"{where} must be an object")
    unknown = set(rule) - {"status", "path", "count"}
    if unknown:
        raise ValueError(f"{where} has unknown keys: {sorted(unknown)}")
    status: Any = rule.get("status")
    if not is_int(status) or not 100 <= status <= 599:
        raise ValueError(f"{where}.status must be an HTTP status code")
    path = rule.get("path")
    if path is not None and not isinstance(path, str):
        raise ValueError(f"{where}.path must be a string or null")
    count: Any = rule.get("count", 1)
    if not is_int(count) or count < 1:
        raise ValueError(f"{where}.count must be a positive integer")
    return {"status": status, "path": path, "count": count}


@dataclass
class FaultConfig:
    """Fault injection settings. Everything defaults to off; random draws use ``random.Random(seed)``.

    Per API request, at most one random fault is drawn from the ``rate_*`` shares (in the order
    of :data:`RATE_FIELDS`; they must add up to at most 1): ``rate_429`` answers 429 with
    ``Retry-After: retry_after_seconds``, ``rate_5xx`` answers 500/502/503, ``rate_drop`` closes
    the connection before processing, ``rate_drop_after`` processes the request and then closes
    the connection without answering, ``rate_stall`` waits ``stall_seconds`` before processing.

    ``fail_next`` holds rules ``{"status": int, "path": str | None, "count": int}``: the next
    ``count`` API requests whose path matches (``None`` matches any; ``"/import"`` matches
    ``/import`` and ``/import/...``, with or without the sandbox's API prefix) are answered with
    ``status``. They take precedence over the random draw.

    For vendors with asynchronous import jobs (the vendor core reads them through
    :class:`~api_target_kit.sandbox.faults.FaultInjector`): ``fail_imports`` makes the next N
    jobs fail, ``short_imports`` makes the next N jobs skip their first record, and
    ``stall_imports`` keeps jobs running until it is switched off.
    """

    rate_429: float = 0.0
    retry_after_seconds: int = 1
    rate_5xx: float = 0.0
    rate_drop: float = 0.0
    rate_drop_after: float = 0.0
    rate_stall: float = 0.0
    stall_seconds: float = 10.0
    fail_imports: int = 0
    short_imports: int = 0
    stall_imports: bool = False
    fail_next: list[dict[str, Any]] = field(default_factory=list)
    seed: int = 1

    def __post_init__(self) -> None:
        """Validate the settings; raise ``ValueError`` or ``TypeError`` when one is invalid."""
        for name in RATE_FIELDS:
            value = getattr(self, name)
            if not is_number(value) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be a number between 0 and 1")
        if sum(float(getattr(self, name)) for name in RATE_FIELDS) > 1.0 + 1e-9:
            raise ValueError("the rate_* shares must add up to at most 1")
        if not is_int(self.retry_after_seconds) or self.retry_after_seconds < 0:
            raise ValueError("retry_after_seconds must be a non-negative integer")
        if not is_number(self.stall_seconds) or self.stall_seconds < 0:
            raise ValueError("stall_seconds must be a non-negative number")
        for name in ("fail_imports", "short_imports"):
            value = getattr(self, name)
            if not is_int(value) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
        if not isinstance(self.stall_imports, bool):
            raise TypeError("stall_imports must be a boolean")
        if not is_int(self.seed):
            raise ValueError("seed must be an integer")
        if not isinstance(self.fail_next, list):
            raise TypeError("fail_next must be a list")
        self.fail_next = [_check_fail_rule(i, rule) for i, rule in enumerate(self.fail_next)]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultConfig:
        """Build a config from JSON-like data; bad or unknown keys raise ``ValueError``/``TypeError``."""
        if not isinstance(data, Mapping):
            raise TypeError("faults must be a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        return cls(**dict(data))

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclass
class BaseSandboxConfig:
    """Settings every sandbox has. ``api_key`` is left out of ``repr`` so it is never printed.

    ``rate_limit`` requests are allowed per sliding ``window_seconds``; an API request body
    larger than ``max_request_bytes`` is discarded unread (the core sees ``body=None``).
    """

    api_key: str = field(default="sandbox-key", repr=False)
    rate_limit: int = 60
    window_seconds: float = 60.0
    max_request_bytes: int = 50_000_000
    faults: FaultConfig = field(default_factory=FaultConfig)

    def __post_init__(self) -> None:
        """Validate the settings; raise ``ValueError`` or ``TypeError`` when one is invalid."""
        if not isinstance(self.api_key, str) or not self.api_key:
            raise ValueError("api_key must be a non-empty string")
        if not is_int(self.rate_limit) or self.rate_limit < 1:
            raise ValueError("rate_limit must be a positive integer")
        if not is_number(self.window_seconds) or self.window_seconds <= 0:
            raise ValueError("window_seconds must be a positive number")
        if not is_int(self.max_request_bytes) or self.max_request_bytes < 0:
            raise ValueError("max_request_bytes must be a non-negative integer")
        if not isinstance(self.faults, FaultConfig):
            raise TypeError("faults must be a FaultConfig")
