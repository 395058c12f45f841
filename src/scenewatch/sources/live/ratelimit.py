"""Client-side rate limits: a token bucket per host that never lets more than N calls into any window of P seconds.

A provider documents its limit as "N calls per P seconds" and enforces it on its side (usually with a sliding or a
fixed window). A bucket of capacity B refilled at (N − B) / P tokens a second admits at most B + (N − B) = N calls in
any window of length P, whatever the window's phase, so the provider never sees more than N. A small margin stretches
the refill so jitter on the way to the server cannot push a window over. B is the burst: the first B calls of a
catch-up go out at once, the rest at the refill pace.

Every duration is multiplied by a *time scale* (1.0 in production): tests run a ten-minute outage or an hourly
limit in seconds by scaling the client and the loopback server by the same factor.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``calls`` per ``per`` seconds, sent in bursts of at most ``burst`` (default: a sixth of the calls, ≤ 10)."""

    calls: int
    per: float
    burst: int | None = None

    def __post_init__(self) -> None:
        if self.calls < 1 or self.per <= 0:
            raise ValueError(f"a rate limit needs calls ≥ 1 and per > 0, not {self.calls}/{self.per}")
        if self.burst is not None and not 1 <= self.burst <= self.calls:
            raise ValueError(f"burst must be between 1 and {self.calls}, not {self.burst}")

    @property
    def capacity(self) -> int:
        """The bucket's capacity (the burst)."""
        if self.burst is not None:
            return self.burst
        return max(1, min(10, self.calls // 6))

    def describe(self) -> str:
        """``30 / 60 s``, ``900 / h``."""
        per = f"{self.per:g} s"
        if self.per == 3600:
            per = "h"
        elif self.per == 60:
            per = "min"
        return f"{self.calls:,} / {per}"

    @classmethod
    def from_table(cls, table: dict[str, object], where: str) -> RateLimit:
        """Read ``{calls = 30, per = 60, burst = 5}`` from a config table."""
        unknown = set(table) - {"calls", "per", "burst"}
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (calls, per, burst)")
        try:
            burst = table.get("burst")
            return cls(int(table["calls"]), float(table["per"]), int(burst) if burst is not None else None)  # type: ignore[arg-type]
        except KeyError as exc:
            raise ValueError(f"{where}: a rate limit needs {exc.args[0]}") from None


class TokenBucket:
    """The bucket of one (host, limit); ``acquire`` waits for a token; ``hold`` honours a server's Retry-After."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        scale: float = 1.0,
        margin: float = 0.04,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.scale = scale
        self.capacity = float(limit.capacity)
        refill_calls = max(limit.calls - limit.capacity, 0)
        window = limit.per * scale * (1.0 + margin)
        # With a burst equal to the whole limit, one window's worth must pass before the bucket refills at all.
        self.rate = refill_calls / window if refill_calls else limit.calls / window
        self._clock = clock
        self._tokens = self.capacity
        self._stamp = clock()
        self._hold_until = 0.0
        self._lock = threading.Lock()  # not an asyncio lock: one bucket may serve sources on several event loops
        self.granted = 0
        self.waited = 0.0

    def reserve(self) -> float:
        """Take the next token and return how long to wait for it (0: now); thread-safe, never blocks."""
        with self._lock:
            now = self._clock()
            base = max(now, self._hold_until)
            if base > self._stamp:
                self._tokens = min(self.capacity, self._tokens + (base - self._stamp) * self.rate)
                self._stamp = base
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                at = base
            else:
                at = self._stamp + (1.0 - self._tokens) / self.rate
                self._tokens, self._stamp = 0.0, at
            self.granted += 1
            self.waited += at - now
            return at - now

    async def acquire(self) -> float:
        """Take one token, waiting as long as needed; return the seconds waited."""
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)
        return delay

    def hold(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (already scaled) and start again from an empty bucket (after a 429)."""
        with self._lock:
            now = self._clock()
            self._hold_until = max(self._hold_until, now + max(0.0, seconds))
            self._tokens = 1.0  # one call when the hold ends, then the refill pace
            self._stamp = max(self._stamp, self._hold_until)

    @property
    def held_for(self) -> float:
        """Seconds left of a Retry-After hold (0 when none)."""
        return max(0.0, self._hold_until - self._clock())


_BUCKETS: dict[tuple[str, str, RateLimit, float], TokenBucket] = {}
_BUCKETS_LOCK = threading.Lock()


def bucket_for(host: str, name: str, limit: RateLimit, scale: float = 1.0) -> TokenBucket:
    """The process-wide bucket of ``host`` (``host:port``) for the limit called ``name``: every source of one host
    shares it, so two presets of one provider (or a poller and a catch-up) never add up past the provider's limit."""
    key = (host.lower(), name, limit, scale)
    with _BUCKETS_LOCK:
        bucket = _BUCKETS.get(key)
        if bucket is None:
            bucket = _BUCKETS[key] = TokenBucket(limit, scale=scale)
        return bucket
