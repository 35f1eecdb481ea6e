"""A crowd of model clients (tests/faultlab/client.py) in the rooms, the chat that keeps them
busy, and the checks every scenario makes of them: nothing acknowledged missing, no duplicate
after de-duplication by seq, no silent gap, no 500."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tests.faultlab.client import Client, Offline
from tests.faultlab.outcome import Outcome
from tests.queue_crowd import Http


def address(i: int) -> str:
    """Client i's own address behind the balancer (10.0.0.0/8: one `connect` budget each)."""
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


@dataclass
class Crowd:
    clients: list[Client] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def add(self, client: Client) -> Client:
        self.clients.append(client)
        return client

    async def start(self, at_once: int = 200, timeout: float = 120.0) -> float:
        """Every client connected and following, `at_once` handshakes at a time (a crowd that
        arrives over a few seconds, not a storm); the seconds it took."""
        began = time.monotonic()
        for first in range(0, len(self.clients), at_once):
            batch = self.clients[first : first + at_once]
            self.tasks += [asyncio.ensure_future(c.run(self.stop)) for c in batch]
            remaining = max(1.0, timeout - (time.monotonic() - began))
            results = await asyncio.gather(*(c.wait_following(remaining) for c in batch))
            if not all(results):
                late = [c.name for c, ok in zip(batch, results, strict=True) if not ok]
                raise RuntimeError(f"{len(late)} clients never followed their topics: {late[:5]}")
        return time.monotonic() - began

    def following(self) -> int:
        return sum(c.following for c in self.clients)

    async def close(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)


# What a Chat says where: its topics' kind -> (the command, the field naming the place).
SAYING = {"forum": ("chat.send", "forum"), "meeting": ("meeting.say", "meeting")}


@dataclass
class Chat:
    """`rate` chat messages a second in all, round robin over the rooms (or meeting rooms:
    `kind`), each sent by its room's sender; what was acknowledged, per room, and every answer
    by its code."""

    senders: dict[int, Client]  # forum (meeting) id -> the client that talks there
    kind: str = "forum"  # the topics' kind: "forum" or "meeting"
    acked: dict[int, list[int]] = field(default_factory=dict)  # forum -> message ids
    answers: Counter[str] = field(default_factory=Counter)
    texts: dict[str, str] = field(default_factory=dict)  # text -> its answer ("ok", a code)
    acked_at: dict[int, tuple[float, str]] = field(default_factory=dict)  # id -> (when, by url)
    sent: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def run(self, rate: float, stop: asyncio.Event) -> None:
        forums = list(self.senders)
        began = time.monotonic()
        while not stop.is_set():
            forum = forums[self.sent % len(forums)]
            task = asyncio.ensure_future(self._send(forum, self.sent))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self.sent += 1
            pause = began + self.sent / rate - time.monotonic()
            if pause > 0:
                try:
                    async with asyncio.timeout(pause):
                        await stop.wait()
                except TimeoutError:
                    pass
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _send(self, forum: int, n: int) -> None:
        sender, text = self.senders[forum], f"n={n}"
        url = sender.url or ""
        try:
            command, field_name = SAYING[self.kind]
            reply = await sender.command(command, {field_name: forum, "text": text})
        except Offline:
            self.answers["offline"] += 1  # no answer: its fate is unknown, as for a page
            self.texts[text] = "offline"
            return
        if reply["type"] == "ok":
            data = reply["data"]
            self.answers["ok" if data.get("seq") is not None else "ok, seq null"] += 1
            message_id = int(data["message"]["id"])
            self.acked.setdefault(forum, []).append(message_id)
            self.acked_at[message_id] = (time.monotonic(), url)
            self.texts[text] = "ok"
        else:
            self.answers[reply["error"]["code"]] += 1
            self.texts[text] = reply["error"]["code"]

    @property
    def acknowledged(self) -> int:
        return sum(len(ids) for ids in self.acked.values())


def missing_of(client: Client, chat: Chat) -> int:
    return sum(
        len(set(chat.acked.get(int(name.split(":")[1]), ())) - topic.message_ids)
        for name, topic in client.topics.items()
        if name.startswith(f"{chat.kind}:")
    )


async def settle(clients: list[Client], chat: Chat, timeout: float) -> float:
    """Wait until every client follows its topics again and knows every acknowledged message
    of its rooms (or `timeout`); the seconds it took."""
    began = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            while not all(c.following and missing_of(c, chat) == 0 for c in clients):
                await asyncio.sleep(0.2)
    except TimeoutError:
        pass
    return time.monotonic() - began


def check_deliveries(outcome: Outcome, clients: list[Client], chat: Chat) -> None:
    """The promises of every scenario: nothing acknowledged missing, no duplicates, no silent
    gap, every client following again, no 500 from a snapshot, no `internal` from a send."""
    missing = {c.name: missing_of(c, chat) for c in clients}
    lacking = {n: m for n, m in missing.items() if m}
    outcome.check(
        "zero acknowledged messages missing",
        not lacking,
        f"{sum(lacking.values())} missing at {len(lacking)} clients, e.g. {_some(lacking)}"
        if lacking
        else f"{chat.acknowledged} acknowledged, at each of {len(clients)} clients",
    )
    duplicates = [f"{c.name} {d}" for c in clients for t in c.topics.values() for d in t.duplicates]
    outcome.check(
        "zero duplicates after de-duplication by seq",
        not duplicates,
        f"{len(duplicates)}: {duplicates[:3]}" if duplicates else "",
    )
    gaps = [f"{c.name} {t.name} {g}" for c in clients for t in c.topics.values() for g in t.gaps]
    outcome.check(
        "seqs contiguous or told to reload",
        not gaps,
        f"{len(gaps)} silent gaps: {gaps[:3]}" if gaps else "",
    )
    lost = [c.name for c in clients if not c.following]
    outcome.check(
        "every client follows its topics again",
        not lost,
        f"{len(lost)} not: {lost[:5]}" if lost else "",
    )
    errors = [f"{c.name}: {e}" for c in clients for e in c.other_errors]
    outcome.check("no subscribe refused for good", not errors, "; ".join(errors[:3]))
    statuses: Counter[int] = Counter()
    for c in clients:
        statuses.update(c.statuses)
    server_errors = {s: n for s, n in statuses.items() if s >= 500 and s != 503}
    outcome.check(
        "no 500 (snapshot reads)",
        not server_errors,
        f"statuses {dict(statuses)}",
    )
    outcome.check(
        f"no `internal` from {SAYING[chat.kind][0]}",
        chat.answers["internal"] == 0,
        f"answers {dict(chat.answers)}",
    )


def _some(found: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in list(found.items())[:3])


def percentile(values: Iterable[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(p) - 1]


def resumes(clients: Iterable[Client], after: float) -> list[float]:
    """Seconds from each drop after `after` (monotonic) to following every topic again."""
    return [
        d.resumed - d.at
        for c in clients
        for d in c.drops
        if d.at >= after and d.resumed is not None
    ]


def make_clients(
    crowd: Crowd,
    count: int,
    ws_urls: list[str],
    http: dict[str, Http],
    topics_of: Callable[[int], list[str]],
    *,
    prefix: str,
    first: int = 0,
    cookies: list[str] | None = None,
    watch_every: int = 0,
) -> list[Client]:
    """`count` clients spread round robin over the processes, client i following
    `topics_of(i)` (signed in with `cookies[i]` when given); one in `watch_every` rounds of
    the processes (a client on each) notes when each message arrives. Give a room to clients
    by `i // len(ws_urls)`, so that each room has clients on every process."""
    made = []
    for i in range(count):
        n = first + i
        own = n % len(ws_urls)
        made.append(
            crowd.add(
                Client(
                    f"{prefix}{i}",
                    ws_urls[own:] + ws_urls[:own],
                    http,
                    topics=topics_of(i),
                    cookie=cookies[i] if cookies else None,
                    address=address(n),
                    seed=n,
                    watch=watch_every > 0 and (i // len(ws_urls)) % watch_every == 0,
                )
            )
        )
    return made
