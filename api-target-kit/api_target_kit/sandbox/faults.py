"""Fault injection: decides, per API request, whether to answer with an injected failure."""

from __future__ import annotations

import copy
import enum
import random
from dataclasses import dataclass

from .fault_config import FaultConfig
from .request import api_path
from .response import Headers

SERVER_ERRORS: tuple[int, ...] = (500, 502, 503)


class FaultAction(enum.Enum):
    """What the server does with a request after the fault draw."""

    NONE = "none"
    RESPOND = "respond"
    DROP = "drop"
    DROP_AFTER = "drop_after"
    STALL = "stall"


@dataclass(frozen=True)
class FaultDecision:
    """One decision; ``status``/``message``/``headers`` apply to ``RESPOND``, ``stall_seconds`` to ``STALL``."""

    action: FaultAction
    status: int = 0
    message: str = ""
    headers: Headers = ()
    stall_seconds: float = 0.0


NO_FAULT = FaultDecision(FaultAction.NONE)


class FaultInjector:
    """Holds a :class:`FaultConfig` plus its consumable state (remaining failures, the RNG).

    Request paths and ``fail_next`` rule paths are compared below ``api_prefix`` (a rule
    ``"/v1/import"`` and a rule ``"/import"`` are the same when the prefix is ``"/v1"``), with
    trailing ``/`` ignored; a rule matches its path and everything under it. An injected 429
    carries ``Retry-After: retry_after_seconds`` unless ``retry_after`` is false.
    """

    def __init__(self, config: FaultConfig, api_prefix: str = "", *, retry_after: bool = True) -> None:
        """Start from ``config``; see :meth:`replace`."""
        self._prefix = api_prefix
        self._retry_after = retry_after
        self.replace(config)

    def replace(self, config: FaultConfig) -> None:
        """Install a new config: the RNG is reseeded and the counters start over."""
        self._config = config
        self._rng = random.Random(config.seed)
        self._fail_next = copy.deepcopy(config.fail_next)
        self._fail_imports_left = config.fail_imports
        self._short_imports_left = config.short_imports

    def current(self) -> FaultConfig:
        """Return the config as it stands now (``fail_next`` and ``*_imports`` show what is left)."""
        return FaultConfig(
            **{
                **self._config.to_dict(),
                "fail_next": copy.deepcopy(self._fail_next),
                "fail_imports": self._fail_imports_left,
                "short_imports": self._short_imports_left,
            }
        )

    @property
    def stall_imports(self) -> bool:
        """Tell whether import jobs are currently held running."""
        return self._config.stall_imports

    def take_import_failure(self) -> bool:
        """Consume one of the ``fail_imports`` failures; ``True`` if this import must fail."""
        if self._fail_imports_left > 0:
            self._fail_imports_left -= 1
            return True
        return False

    def take_short_import(self) -> bool:
        """Consume one of the ``short_imports``; ``True`` if this import skips its first record."""
        if self._short_imports_left > 0:
            self._short_imports_left -= 1
            return True
        return False

    def decide(self, path: str) -> FaultDecision:
        """Apply the first ``fail_next`` rule matching ``path``, else draw at most one random fault."""
        below = self._normalise(path)
        for rule in self._fail_next:
            if rule["count"] > 0 and self._matches(rule["path"], below):
                rule["count"] -= 1
                self._fail_next = [r for r in self._fail_next if r["count"] > 0]
                return self._respond(int(rule["status"]), "injected failure (fail_next)")
        cfg = self._config
        draw = self._rng.random()
        edge = cfg.rate_429
        if draw < edge:
            return self._respond(429, "injected rate limit")
        edge += cfg.rate_5xx
        if draw < edge:
            return self._respond(self._rng.choice(SERVER_ERRORS), "injected server error")
        edge += cfg.rate_drop
        if draw < edge:
            return FaultDecision(FaultAction.DROP)
        edge += cfg.rate_drop_after
        if draw < edge:
            return FaultDecision(FaultAction.DROP_AFTER)
        edge += cfg.rate_stall
        if draw < edge:
            return FaultDecision(FaultAction.STALL, stall_seconds=float(cfg.stall_seconds))
        return NO_FAULT

    def _normalise(self, path: str) -> str:
        """Return ``path`` below the API prefix (as it is, outside it), without trailing ``/``."""
        below = api_path(path, self._prefix)
        return below if below is not None else path.rstrip("/") or "/"

    def _matches(self, rule_path: str | None, path: str) -> bool:
        if rule_path is None:
            return True
        wanted = self._normalise(rule_path)
        return path == wanted or path.startswith(wanted + "/")

    def _respond(self, status: int, message: str) -> FaultDecision:
        headers: Headers = ()
        if status == 429 and self._retry_after:
            headers = (("Retry-After", str(self._config.retry_after_seconds)),)
        return FaultDecision(FaultAction.RESPOND, status=status, message=message, headers=headers)
