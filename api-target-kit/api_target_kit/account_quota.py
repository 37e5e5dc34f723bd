"""One request budget per vendor account, shared by every process (and host) loading into it.

Several `meltano run` jobs often load the same account at once (a customers and an orders
pipeline, a backfill beside the nightly run). Each pacing itself to the full limit would
together exceed it. So every call also takes a slot from a bucket shared by all of them,
built on pyrate-limiter (a library made for this):

- by default an embedded SQLite bucket in the user's state directory, shared by all
  processes of the machine (`$XDG_STATE_HOME/api-target-kit/quota.sqlite`, else
  `~/.local/state/api-target-kit/quota.sqlite`), with a file lock between processes;
- `quota_backend_url: redis://host:6379/0` shares it across hosts;
- `quota_backend_url: sqlite:////abs/path/quota.sqlite` names the file; `none` keeps the
  budget to this process.

The bucket is keyed by the vendor and a hash of the API key (never the key itself) and holds
two rates: at most as many calls in any minute as the pace puts there, one under the vendor's
limit at least (what keeps the processes together under it), and turns: at most one call per
`turn_ms` (so processes take turns evenly instead of bursting). A turn is a little shorter than the process's own pace
(`rate_limit.RateLimiter`, 2% under the limit): pyrate-limiter dates a call it delayed at the
end of its wait, not when its turn came, so a turn as long as the pace (or longer) would make
every call of a lone process wait for the one before it and each interval start that much later
(≈ 6 ms per call at 1,000/min: 67 ms instead of 61).
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pyrate_limiter import AbstractBucket, Duration, Limiter, Rate
from pyrate_limiter.buckets.in_memory_bucket import InMemoryBucket
from pyrate_limiter.buckets.redis_bucket import LuaScript, RedisBucket
from pyrate_limiter.buckets.sqlite_bucket import SQLiteBucket

from api_target_kit.errors import ConfigurationError
from api_target_kit.rate_limit import HEADROOM
from api_target_kit.state_dir import account_key, default_state_dir

#: How long a caller may wait for a slot before the run fails (a stuck shared bucket).
MAX_WAIT = Duration.HOUR
#: Extra milliseconds pyrate-limiter waits after the computed delay: a call dated exactly one turn
#: after the last still counts it (the SQLite bucket's window includes its bound), so one is needed.
BUFFER_MS = 1
DISABLED = "none"


def turn_ms(max_requests_per_minute: float) -> int:
    """The shared bucket's turn: a whole number of ms that, with `BUFFER_MS`, stays under this process's pace.

    A call the bucket delayed is dated `turn + BUFFER_MS` after the one before it; that must be
    shorter than `RateLimiter`'s interval, or a lone process would drift behind its own pace.
    """
    pace_ms = 60_000 / (max_requests_per_minute * (1.0 - HEADROOM))
    return max(1, math.ceil(pace_ms) - 1 - BUFFER_MS)


def quota_rates(max_requests_per_minute: float) -> list[Rate]:
    """Turns (even turns between processes) and the per-minute total, under the limit.

    The total is what the pace (2% under the limit) puts in a minute at most: 58.8 calls a minute,
    evenly spaced, put 59 in some 60-second windows, so the cap is 59 at 60/min (at 58, the
    59th call of every such window waited 1.8 s, and a lone process ran at 58/min, 96.7% of the
    limit). Never the vendor's whole limit: at least one call under it.
    """
    paced = math.ceil(max_requests_per_minute * (1.0 - HEADROOM) - 1e-9)  # 1e-9: float error, not a call
    in_a_minute = max(1, min(paced, math.ceil(max_requests_per_minute) - 1))
    return [Rate(1, turn_ms(max_requests_per_minute)), Rate(in_a_minute, Duration.MINUTE)]


class AccountQuota:
    """The account's shared bucket; `acquire` blocks until this process may send one call."""

    def __init__(
        self, *, vendor: str, api_key: str, max_requests_per_minute: float, backend_url: str | None = None
    ) -> None:
        self.key = account_key(vendor, api_key)  # one bucket per account, without the key
        self.backend = _backend_name(backend_url)
        bucket = _bucket(backend_url, self.key, quota_rates(max_requests_per_minute))
        self._limiter = Limiter(
            bucket, raise_when_fail=False, max_delay=MAX_WAIT, retry_until_max_delay=True, buffer_ms=BUFFER_MS
        )
        self._waiting = WallClockWaits()
        #: Wall time during which at least one thread waited for a slot (not the sum over threads).
        self.waited_seconds = 0.0

    def acquire(self) -> float:
        """Take one slot of the shared budget; return the seconds this caller waited."""
        started = time.monotonic()
        with self._waiting:
            if not self._limiter.try_acquire(self.key):
                raise ConfigurationError(f"the shared request budget ({self.backend}) gave no slot within an hour")
        self.waited_seconds = self._waiting.seconds
        return time.monotonic() - started

    def describe(self) -> dict[str, str]:
        """For the run summary: where the budget lives and its key (a hash, never the API key)."""
        return {"backend": self.backend, "bucket": self.key}


class WallClockWaits:
    """Wall time during which at least one thread is inside (`with waits: ...`), overlaps counted once.

    Eight threads each waiting the same 10 s are 10 s of the run, not 80.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._since = 0.0
        self._total = 0.0

    def __enter__(self) -> None:
        with self._lock:
            if self._inside == 0:
                self._since = time.monotonic()
            self._inside += 1

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._inside -= 1
            if self._inside == 0:
                self._total += time.monotonic() - self._since

    @property
    def seconds(self) -> float:
        """Seconds so far (a wait under way counts up to now)."""
        with self._lock:
            ongoing = time.monotonic() - self._since if self._inside else 0.0
            return self._total + ongoing


def _backend_name(url: str | None) -> str:
    if not url:
        return f"sqlite:{default_state_dir() / 'quota.sqlite'}"
    parts = urlsplit(url)
    if parts.scheme == "redis":
        return f"redis://{parts.hostname}:{parts.port or 6379}{parts.path}"  # never the password
    return url


def _bucket(url: str | None, key: str, rates: list[Rate]) -> AbstractBucket:
    if url == DISABLED:
        return InMemoryBucket(rates)
    if not url or url.startswith("sqlite:"):
        # sqlite:///relative/path.sqlite or sqlite:////absolute/path.sqlite (SQLAlchemy's form)
        path = Path(url.removeprefix("sqlite:///")) if url else default_state_dir() / "quota.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        bucket: AbstractBucket = SQLiteBucket.init_from_file(rates, table=key, db_path=str(path), use_file_lock=True)
        return bucket
    if url.startswith(("redis://", "rediss://")):
        import redis  # imported here: only this backend needs it

        try:
            shared: AbstractBucket = _RedisTurns.init(rates, redis.Redis.from_url(url), key)
            return shared
        except redis.RedisError as exc:
            raise ConfigurationError(
                f"cannot reach the shared request budget at {_backend_name(url)} ({type(exc).__name__}): "
                "check quota_backend_url, or set it to 'none' to pace this process alone"
            ) from None
    raise ConfigurationError(
        f"quota_backend_url must be empty, 'none', sqlite:///<path>.sqlite or redis://host:port/db; got {url!r}"
    )


class _RedisTurns(RedisBucket):
    """pyrate-limiter's Redis bucket, counting the calls dated after this one's `now` too.

    A process reads its clock before its check reaches Redis; another process's call that got
    there first may be dated a ms later, and pyrate-limiter's script counts only the calls up to
    `now`, so both went out at once (two calls 1 ms apart where a turn is 60 ms; seen here as 51
    calls in a 50-call window). Counting up to `+inf` makes the later one wait its turn.
    """

    @classmethod
    def init(cls, rates: list[Rate], redis: Any, bucket_key: str) -> _RedisTurns:
        """Load the script that counts every call from `now - interval` on."""
        script = LuaScript.PUT_ITEM.replace(
            "ZCOUNT', bucket, now - interval, now)", "ZCOUNT', bucket, now - interval, '+inf')"
        )
        if script == LuaScript.PUT_ITEM:
            raise RuntimeError("pyrate-limiter's Redis script changed: review _RedisTurns")
        return cls(rates, redis, bucket_key, redis.script_load(script))
