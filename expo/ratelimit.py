"""Rate limits that hold across server processes: GCRA (the generic cell rate algorithm).

A key (an account, an address) gets `count` actions per `period`, at most `burst` at once.
The rule is `gcra`, pure; `MemoryLimiter` applies it in-process (the embedded default) and
`RedisLimiter` applies the same rule atomically in a Lua script, so every process sees one
budget per key.

When Redis cannot be reached, `RedisLimiter` does not let everything through: each process
applies the same budgets on its own (so N processes let in at most N times a budget), counts
every such decision in `expo_rate_limit_local_decisions_total` and says so in the log at most
once a minute. A Redis outage neither locks people out nor opens the door to a flood.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import Counter

from expo.errors import RateLimited
from expo.logs import OutageLog
from expo.realtime.broker import BrokerUnavailable
from expo.redis_pool import FAILURES, pooled_client

log = logging.getLogger("expo.ratelimit")
LOCAL_DECISIONS = Counter(
    "expo_rate_limit_local_decisions",
    "Rate limit decisions taken in this process alone because Redis could not be reached",
    ["rate"],
)


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    period: float  # seconds
    burst: int = 0  # actions allowed at once; 0 means `count`

    @property
    def interval_ms(self) -> float:
        return self.period * 1000 / self.count

    @property
    def tolerance_ms(self) -> float:
        return self.interval_ms * ((self.burst or self.count) - 1)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: float  # seconds until the next action would be allowed (0 when allowed)


def gcra(tat: float | None, now: float, rate: Rate) -> tuple[Decision, float]:
    """One action at `now` (ms) against the theoretical arrival time `tat`: the decision and the
    new tat to keep."""
    tat = now if tat is None or tat < now else tat
    allow_at = tat - rate.tolerance_ms
    if now < allow_at:
        return Decision(False, (allow_at - now) / 1000), tat
    return Decision(True, 0.0), tat + rate.interval_ms


# What is limited, per whom, by default. Settings (EXPO_RATE_LIMITS) may change any of them.
DEFAULT_RATES: dict[str, Rate] = {
    "chat": Rate(5, 10),  # chat messages per account
    "ask": Rate(5, 60, burst=3),  # questions to the speakers per account
    "vote": Rate(60, 60, burst=20),  # upvotes and poll ballots per account
    "react": Rate(10, 10, burst=5),  # emoji reactions per account
    "moderate": Rate(120, 60, burst=30),  # moderators' and organisers' actions per account
    "sign_in": Rate(10, 300, burst=5),  # sign-in attempts per address
    # Failed sign-ins per account (email) from one address: 5 at once, then one every 90 s.
    # Successes spend nothing (expo/accounts.py), so they never lock anyone out.
    "sign_in_pair": Rate(10, 900, burst=5),
    # Failed sign-ins per account from any number of addresses, looser than four addresses'
    # worth of the above: one or two guessing addresses run out of their own budget long before
    # the account's, so they cannot lock its owner out; a botnet still gets 20 guesses at
    # once, then fewer than 3 a minute.
    "sign_in_account": Rate(40, 900, burst=20),
    # Registrations per address that made an account or found the email taken; a form refused
    # for a typo (bad email, weak password) spends nothing (expo/accounts.py).
    "register": Rate(10, 3600, burst=3),
    # Password reset requests per address, and per email from any address (expo/account_links.py):
    # spent by every well-formed request, known email or not, never by a malformed one.
    "password_reset": Rate(10, 3600, burst=5),
    "password_reset_email": Rate(3, 3600, burst=3),
    # Email changes asked for per account (each sends a mail to an address of the asker's choice).
    "email_change": Rate(5, 3600, burst=3),
    # Websocket handshakes per address: 60 at once, then two a second. An expo hall's Wi-Fi
    # leaves through one address: after a blip its hundred people come back within a minute
    # (at 20 at once and one a second, they took 75 s: bench/README.md, reconnect-storm).
    "connect": Rate(120, 60, burst=60),
    # Booth visits started or resumed (a heartbeat a minute per open booth page) per account.
    "booth_visit": Rate(60, 60, burst=20),
    # Subscriptions per account (anonymous: per connection): five tabs of a dozen topics
    # resubscribing at once after a blip pass; a loop subscribing without end does not.
    "subscribe": Rate(300, 60, burst=100),
    # Websocket commands refused (an error reply the client caused: malformed, forbidden, not
    # found...) per account (anonymous: per connection), counted by each process on its own
    # (it guards that process's CPU): once spent, the account's commands there are answered
    # `rate_limited` before any of their work (a command on someone else's object costs a
    # database read before the rule refuses it). A page makes a few mistakes; a script probing
    # other people's ids makes them by the thousand (issue 14's abuse scenario).
    "refusals": Rate(30, 10, burst=30),
    # Commands read from one websocket: past the pace, the connection's socket is not read
    # until it may send again (nothing refused: the sender is slowed by TCP, as a full pipe
    # slows it), so one connection's flood cannot take the process's time from the rooms'
    # events. A page loading subscribes a few dozen topics at once; people send a few a second.
    "commands": Rate(20, 1, burst=60),
    # Websocket protocol violations (a malformed handshake, a binary frame, broken UTF-8, an
    # oversized frame) per address, counted by each process on its own: past them, the
    # address's new handshakes wait EXPO_TARPIT_SECONDS first (expo/realtime/strikes.py).
    # Browsers make none; an attacker reconnecting after each is slowed to the tarpit's pace.
    "strikes": Rate(1, 1, burst=20),
}


def parse_rates(spec: str) -> dict[str, Rate]:
    """`chat=5/10,connect=60/60/20`: name=count/period-seconds[/burst]."""
    rates = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, value = item.partition("=")
        numbers = value.split("/")
        if name not in DEFAULT_RATES or len(numbers) not in (2, 3):
            raise ValueError(f"EXPO_RATE_LIMITS: cannot read {item!r}")
        count, period = int(numbers[0]), float(numbers[1])
        burst = int(numbers[2]) if len(numbers) == 3 else 0
        rates[name] = Rate(count, period, burst)
    return rates


def budget_key(key: str, rate: Rate) -> str:
    """Where `key`'s budget under `rate` is kept. The rate is part of it: a budget spent under
    an old rate would otherwise go on refusing under a loosened one (an operator raising a limit
    after a lock-out) until the old period ran out."""
    return f"{key}@{rate.count}/{rate.period:g}/{rate.burst}"


class Limiter(Protocol):
    async def hit(self, key: str, rate: Rate, *, spend: bool = True) -> Decision:
        """The decision for one action now; `spend=False` only looks (nothing is kept)."""
        ...


async def enforce(limiter: Limiter, key: str, rate: Rate, what: str, *, spend: bool = True) -> None:
    """Spend one action of `key`'s budget or raise `rate_limited` with a `retry_after`; with
    `spend=False`, only whether one would be allowed now (for budgets charged afterwards, on
    failures alone: `charge`).

    `RedisLimiter` decides in the process when Redis cannot be reached; a limiter that raises
    `BrokerUnavailable` anyway lets the action through (and says so), since an outage must not
    lock everyone out.
    """
    try:
        decision = await limiter.hit(key, rate, spend=spend)
    except BrokerUnavailable as error:
        log.warning("rate limit not applied: limiter unavailable", extra={"error": str(error)})
        return
    if not decision.allowed:
        raise RateLimited(
            message=f"Too many {what}; try again in {decision.retry_after:.1f} s.",
            retry_after=round(decision.retry_after, 3),
        )


async def charge(limiter: Limiter, key: str, rate: Rate) -> None:
    """Spend one action of `key`'s budget after the fact (a failure that `enforce(...,
    spend=False)` let through); already spent out, nothing more is kept."""
    try:
        await limiter.hit(key, rate)
    except BrokerUnavailable as error:
        log.warning("rate limit not charged: limiter unavailable", extra={"error": str(error)})


class MemoryLimiter:
    """One process's budgets: correct only when one process serves everyone (the demo)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._tats: dict[str, float] = {}
        self._max_keys = max_keys

    async def hit(self, key: str, rate: Rate, *, spend: bool = True) -> Decision:
        now = time.monotonic() * 1000
        kept = budget_key(key, rate)
        decision, tat = gcra(self._tats.get(kept), now, rate)
        if spend:
            if len(self._tats) >= self._max_keys:
                self._tats = {k: t for k, t in self._tats.items() if t > now}  # forget idle keys
            self._tats[kept] = tat
        return decision


# The same rule as `gcra`, in Redis' clock, atomically per key.
GCRA = """
local t = redis.call('TIME')
local now = t[1] * 1000 + t[2] / 1000
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then return {0, tostring(allow_at - now)} end
if ARGV[3] == '1' then
  local new_tat = tat + interval
  redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 1)
end
return {1, '0'}
"""


class RedisLimiter:
    """Budgets shared by every process through Redis; in this process alone while Redis cannot
    be reached (see the module's docstring)."""

    def __init__(self, url: str, *, pool_size: int | None = None) -> None:
        pool = {"max_connections": pool_size} if pool_size else {}
        self._redis = pooled_client(url, socket_connect_timeout=5, **pool)
        self._script = self._redis.register_script(GCRA)
        self._local = MemoryLimiter()
        self._outage = OutageLog(log, "rate limits applied in this process only: redis unavailable")

    async def hit(self, key: str, rate: Rate, *, spend: bool = True) -> Decision:
        try:
            return await self.shared_hit(key, rate, spend=spend)
        except BrokerUnavailable as error:
            self._outage.happened(error)
            LOCAL_DECISIONS.labels(key.partition(":")[0]).inc()
            return await self._local.hit(key, rate, spend=spend)

    async def shared_hit(self, key: str, rate: Rate, *, spend: bool = True) -> Decision:
        """The decision of the shared budget; BrokerUnavailable when Redis cannot be reached."""
        try:
            allowed, wait_ms = await self._script(
                keys=[f"expo:rate:{budget_key(key, rate)}"],
                args=[rate.interval_ms, rate.tolerance_ms, "1" if spend else "0"],
            )
        except FAILURES as e:
            # An answer such as OOM or READONLY leaves the budget as unshared as a lost link.
            raise BrokerUnavailable(f"redis: {e}") from e
        return Decision(bool(int(allowed)), float(wait_ms) / 1000)

    async def close(self) -> None:
        await self._redis.aclose()
