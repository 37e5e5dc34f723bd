"""Fault injection: decides, per API request, whether to answer with an injected failure."""

from __future__ import annotations

import copy
import enum
import random
from dataclasses import dataclass, field

from .config import FaultConfig

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
    """One decision; ``status``/``headers`` apply to ``RESPOND``, ``stall_seconds`` to ``STALL``."""

    action: FaultAction
    status: int = 0
    message: str = ""
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    stall_seconds: float = 0.0


NO_FAULT = FaultDecision(FaultAction.NONE)


def _normalise_rule_path(path: str) -> str:
    if path == "/v1" or path.startswith("/v1/"):
        path = path[3:]
    return path.rstrip("/") or "/"


def _rule_matches(rule_path: str | None, api_path: str) -> bool:
    if rule_path is None:
        return True
    wanted = _normalise_rule_path(rule_path)
    return api_path == wanted or api_path.startswith(wanted + "/")


class FaultInjector:
    """Holds a :class:`FaultConfig` plus its consumable state (remaining failures, the RNG)."""

    def __init__(self, config: FaultConfig) -> None:
        """Start from ``config``; see :meth:`replace`."""
        self.replace(config)

    def replace(self, config: FaultConfig) -> None:
        """Install a new config: the RNG is reseeded and the counters start over."""
        self._config = config
        self._rng = random.Random(config.seed)
        self._fail_next = copy.deepcopy(config.fail_next)
        self._fail_imports_left = config.fail_imports
        self._short_imports_left = config.short_imports

    def current(self) -> FaultConfig:
        """Return the config as it stands now (``fail_next`` and ``fail_imports`` show what is left)."""
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
        """Tell whether import processes are currently held in ``running``."""
        return self._config.stall_imports

    def take_import_failure(self) -> bool:
        """Consume one of the ``fail_imports`` failures; ``True`` if this import must fail."""
        if self._fail_imports_left > 0:
            self._fail_imports_left -= 1
            return True
        return False

    def take_short_import(self) -> bool:
        """Consume one of the ``short_imports``; ``True`` if this import skips its first customer."""
        if self._short_imports_left > 0:
            self._short_imports_left -= 1
            return True
        return False

    def decide(self, api_path: str) -> FaultDecision:
        """Apply the first matching ``fail_next`` rule, else at most one random fault."""
        for rule in self._fail_next:
            if rule["count"] > 0 and _rule_matches(rule["path"], api_path):
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

    def _respond(self, status: int, message: str) -> FaultDecision:
        headers: tuple[tuple[str, str], ...] = ()
        if status == 429:
            headers = (("Retry-After", str(self._config.retry_after_seconds)),)
        return FaultDecision(FaultAction.RESPOND, status=status, message=message, headers=headers)
