"""The model client of the fault scenarios: what a browser tab running frontend/js/realtime.js
does, without the browser, so that thousands of them fit in one Python process.

It follows its topics over one websocket and keeps what a page would keep:
- it reconnects as realtime.js does: exponential backoff with jitter (50-100 % of 0.5 s doubling
  to 30 s; back to the first step after a connection that lived 5 s; the first step at once
  after 1001/1012/4008), and when the process it asked for refuses the TCP connection, it asks
  the next one at once, as a load balancer retries another upstream;
- it resubscribes every topic with `since` and `epoch`; a reply with `reload: true` or a
  `subscription.reset` re-reads the snapshot over REST (`GET /api/forums/<id>/chat`, paging back
  to what it knew) and counts as told to reload;
- it keeps every sequenced event's (epoch, seq), ignores a seq it has processed (realtime.js's
  de-duplication), and notes a seq that skips ahead without a reset (a silent gap) and a
  message id that comes back under a second seq (a duplicate the page would show twice, were it
  not merged by id);
- refused at the handshake with 429, or a subscribe with `rate_limited`, it waits the
  `Retry-After` / `retry_after` it was given (at least its own backoff) and counts it.

Every client is addressed as a distinct person behind a load balancer (X-Forwarded-For, which
the servers believe from 127.0.0.1), so a crowd is not one address's `connect` budget.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from tests.queue_crowd import Http

BACKOFF_BASE = 0.5  # seconds, as realtime.js
BACKOFF_CAP = 30.0
STABLE_AFTER = 5.0  # a connection that lived this long resets the backoff
RESUBSCRIBE_AFTER = 3.0  # after a transient subscribe failure (broker down)
QUICK_RETRY = {1001, 1012, 4008}
SNAPSHOT_PAGE = 200  # the chat's largest page
SNAPSHOT_PAGES = 50  # pages read back at most, after one reload
SNAPSHOT_TRIES = 40  # a snapshot refused (503: Redis or PostgreSQL away) is asked again
COMMAND_TIMEOUT = 15.0


class Offline(Exception):
    """A command was asked of a client with no open socket, or its socket dropped meanwhile."""


@dataclass
class Topic:
    """One topic as the page holds it, and what the scenario checks of it."""

    name: str
    epoch: str | None = None
    seq: int | None = None
    active: bool = False
    inflight: bool = False
    buffer: list[dict[str, Any]] = field(default_factory=list)
    message_ids: set[int] = field(default_factory=set)  # from events and snapshots
    by_id: dict[tuple[str, int], int] = field(default_factory=dict)  # (epoch, message id) -> seq
    events: int = 0  # sequenced events processed (after de-duplication by seq)
    repeats: int = 0  # events dropped by de-duplication (a seq processed already)
    duplicates: list[str] = field(default_factory=list)  # a message id under a second seq
    gaps: list[str] = field(default_factory=list)  # seqs skipped with no reset or reload
    reloads: int = 0  # told to reload (reply `reload: true` or `subscription.reset`)
    resets: int = 0
    last_reload: float = 0.0  # when it was last told (monotonic)


@dataclass
class Drop:
    """One lost connection: when it went, its close code, when every topic was followed again."""

    at: float
    code: int | None
    resumed: float | None = None
    reloaded: bool = False


class Client:
    def __init__(
        self,
        name: str,
        ws_urls: list[str],
        http: dict[str, Http],
        *,
        topics: list[str],
        cookie: str | None = None,
        address: str | None = None,
        seed: int = 0,
        watch: bool = False,
    ) -> None:
        self.name = name
        self.urls = ws_urls  # the first is this client's own; the others are the balancer's
        self.http = http  # ws url -> an HTTP client of that process, for snapshots
        self.cookie = cookie
        self.address = address
        self.topics = {t: Topic(t) for t in topics}
        self.random = random.Random(seed)
        self.ws: ClientConnection | None = None
        self.url: str | None = None  # where the open socket goes
        self.opened_at = 0.0
        self.attempt = 0
        self.connections = 0
        self.refused: dict[str, int] = {}  # handshake refusals by status ("429", "503", "tcp")
        self.retry_after_honoured = 0  # waits of a Retry-After / retry_after given
        self.rate_limited_subscribes = 0
        self.subscribe_retry_after = 0  # of them, with a retry_after
        self.unavailable_subscribes = 0
        self.other_errors: list[str] = []  # subscribe errors no page expects
        self.drops: list[Drop] = []
        self.statuses: dict[int, int] = {}  # HTTP statuses of snapshot reads
        self.snapshots = 0
        self.first_followed: float | None = None
        # Watched clients note when each chat message first arrived (monotonic), for latencies;
        # the others do not (thousands of clients times thousands of messages).
        self.arrivals: dict[int, float] | None = {} if watch else None
        self._replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._sent = 0
        self._stopping = False
        self._retry_after: float | None = None  # a handshake's Retry-After, waited once
        self._away_until = 0.0  # kept away on purpose until then (monotonic)
        self._reader: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self._following = asyncio.Event()  # every topic active on the open socket

    # --- the page's view ----------------------------------------------------------------

    @property
    def following(self) -> bool:
        return self.ws is not None and all(t.active for t in self.topics.values())

    async def wait_following(self, timeout: float) -> bool:
        try:
            async with asyncio.timeout(timeout):
                await self._following.wait()
            return True
        except TimeoutError:
            return False

    async def command(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        """The reply (`ok` or `error`) to one command; Offline if the socket is not open or
        drops before the reply (the command's fate is then unknown, as for a page)."""
        ws = self.ws
        if ws is None:
            raise Offline(self.name)
        self._sent += 1
        command_id = f"c{self._sent}"
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[command_id] = reply
        try:
            await ws.send(json.dumps({"type": kind, "id": command_id, "data": data}))
            async with asyncio.timeout(COMMAND_TIMEOUT):
                return await reply
        except (ConnectionClosed, TimeoutError) as error:
            raise Offline(self.name) from error
        finally:
            self._replies.pop(command_id, None)

    # --- the connection -----------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Stay connected until `stop` is set, reconnecting as realtime.js does."""
        while not stop.is_set():
            ws = await self._open()
            if ws is None:
                wait = self._backoff(False)
                retry_after, self._retry_after = self._retry_after, None
                if retry_after is not None and retry_after > wait:
                    self.retry_after_honoured += 1
                    wait = retry_after
                await _sleep_or(stop, wait)
                continue
            code = await self._session(ws, stop)
            if stop.is_set() or self._stopping:
                break
            if self.opened_at and time.monotonic() - self.opened_at > STABLE_AFTER:
                self.attempt = 0
            wait = self._backoff(code in QUICK_RETRY)
            await _sleep_or(stop, max(wait, self._away_until - time.monotonic()))

    def _backoff(self, quick: bool) -> float:
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (0 if quick else self.attempt))
        self.attempt += 1
        return ceiling / 2 + self.random.random() * ceiling / 2

    async def _open(self) -> ClientConnection | None:
        """A socket to this client's own process, or (refused at TCP) to the next one."""
        headers = {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.address:
            headers["X-Forwarded-For"] = self.address
        for url in self.urls:
            self.connections += 1
            try:
                ws = await connect(
                    url,
                    additional_headers=headers,
                    open_timeout=20,
                    ping_interval=None,  # the server pings; pongs are answered all the same
                    compression=None,
                    close_timeout=1,
                    max_size=2**22,
                    max_queue=None,
                )
            except InvalidStatus as refused:
                status = refused.response.status_code
                self._count(str(status))
                given = refused.response.headers.get("Retry-After")
                if given is not None and given.isdigit():
                    self._retry_after = float(given)
                elif status in (429, 503):
                    self._count(f"{status} without Retry-After")
                return None  # answered: the process is there and said no
            except TimeoutError:
                self._count("timeout")  # no answer within open_timeout: queued, or lost
                continue
            except OSError:
                self._count("tcp")  # refused: not there, the balancer tries the next process
                continue
            except (InvalidHandshake, EOFError):
                self._count("broken")  # closed or garbled before the 101
                continue
            self.url = url
            return ws
        return None

    def _count(self, refusal: str) -> None:
        self.refused[refusal] = self.refused.get(refusal, 0) + 1

    async def _session(self, ws: ClientConnection, stop: asyncio.Event) -> int | None:
        """One connection's life: subscribe every topic, read until it closes."""
        self.ws, self.opened_at = ws, time.monotonic()
        self._following.clear()
        for topic in self.topics.values():
            self._subscribe(topic)
        reading = asyncio.ensure_future(self._read(ws))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not reading.done():  # stopped: close on purpose, not a drop
            self._stopping = True
            await ws.close()
            await asyncio.gather(reading, return_exceptions=True)
        self.ws = None
        self._following.clear()
        for reply in self._replies.values():
            if not reply.done():
                reply.set_exception(Offline(self.name))
        for topic in self.topics.values():
            topic.active = topic.inflight = False
            topic.buffer = []
        if not self._stopping:
            self.drops.append(Drop(time.monotonic(), ws.close_code))
        return ws.close_code

    def drop(self, away: float = 0.0) -> bool:
        """Lose the connection as a phone going into a tunnel does (no close frame), and stay
        away `away` seconds (a laptop closed) before the backoff's reconnection."""
        ws = self.ws
        if ws is None:
            return False
        self._away_until = time.monotonic() + away
        self._following.clear()
        ws.transport.abort()
        return True

    async def close(self) -> None:
        self._stopping = True
        if self.ws is not None:
            await self.ws.close()
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for message in ws:
                self._frame(json.loads(message))
        except ConnectionClosed:
            pass

    # --- frames -------------------------------------------------------------------------

    def _frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind in ("ok", "error"):
            waiting = self._replies.get(frame.get("id"))  # type: ignore[arg-type]
            if waiting is not None and not waiting.done():
                waiting.set_result(frame)
            return
        topic = self.topics.get(frame.get("topic"))  # type: ignore[arg-type]
        if topic is None:
            return
        if kind == "subscription.reset":
            data = frame.get("data") or {}
            topic.epoch, topic.seq = data.get("epoch", topic.epoch), data.get("seq", topic.seq)
            topic.buffer = []
            topic.resets += 1
            self._told_to_reload(topic)
            return
        if not isinstance(frame.get("seq"), int):
            return  # ephemeral: presence, bursts
        if topic.inflight:
            topic.buffer.append(frame)  # sorted out when the subscribe reply comes
            return
        self._event(topic, frame)

    def _event(self, topic: Topic, frame: dict[str, Any]) -> None:
        seq: int = frame["seq"]
        if topic.seq is not None and seq <= topic.seq:
            topic.repeats += 1  # seen already: realtime.js drops it
            return
        if topic.seq is not None and seq > topic.seq + 1:
            topic.gaps.append(f"{topic.epoch}: {topic.seq} -> {seq}")
        topic.seq = seq
        topic.events += 1
        epoch = topic.epoch or ""
        data = frame.get("data") or {}
        posted = frame.get("type") in ("chat.message_posted", "meeting.message_posted")
        message_id = data.get("id") if posted else None
        if isinstance(message_id, int):
            earlier = topic.by_id.get((epoch, message_id))
            if earlier is not None and earlier != seq:
                topic.duplicates.append(f"message {message_id} at seq {earlier} and {seq}")
            topic.by_id[(epoch, message_id)] = seq
            topic.message_ids.add(message_id)
            if self.arrivals is not None:
                self.arrivals.setdefault(message_id, time.monotonic())

    def _subscribe(self, topic: Topic) -> None:
        topic.inflight, topic.active, topic.buffer = True, False, []
        data: dict[str, Any] = {"topic": topic.name}
        if topic.seq is not None and topic.epoch:
            data["since"], data["epoch"] = topic.seq, topic.epoch
        self._spawn(self._subscribing(topic, data, self.ws))

    async def _subscribing(
        self, topic: Topic, data: dict[str, Any], ws: ClientConnection | None
    ) -> None:
        try:
            reply = await self.command("subscribe", data)
        except Offline:
            return  # resumes on reconnect
        if ws is not self.ws:
            return
        if reply["type"] == "ok":
            self._subscribed(topic, reply["data"])
            return
        topic.inflight, topic.buffer = False, []
        error = reply.get("error") or {}
        code = error.get("code", "")
        wait = RESUBSCRIBE_AFTER
        if code == "rate_limited":
            self.rate_limited_subscribes += 1
            given = error.get("retry_after")
            if isinstance(given, (int, float)):
                self.subscribe_retry_after += 1
                self.retry_after_honoured += 1
                wait = max(float(given), 0.05)
        elif code == "unavailable":
            self.unavailable_subscribes += 1
        else:
            self.other_errors.append(f"{topic.name}: {code}")
            return  # realtime.js gives up on a permanent refusal
        await asyncio.sleep(wait * (1 + self.random.random() * 0.2))
        if ws is self.ws and not topic.active and not topic.inflight:
            self._subscribe(topic)

    def _subscribed(self, topic: Topic, reply: dict[str, Any]) -> None:
        previous = topic.seq
        resumed = previous is not None and not reply.get("reload")
        buffered, topic.buffer = topic.buffer, []
        topic.inflight, topic.active = False, True
        if not resumed and previous is not None:  # reload: a new position, from the reply
            topic.seq = None
        topic.epoch = reply.get("epoch", topic.epoch)
        for frame in buffered:
            if not resumed or frame["seq"] > (previous or 0):
                self._event(topic, frame)
        if isinstance(reply.get("seq"), int):
            if resumed and reply["seq"] > (topic.seq or 0):
                topic.gaps.append(f"{topic.epoch}: {topic.seq} -> {reply['seq']} (resume)")
            topic.seq = max(topic.seq or 0, reply["seq"]) if resumed else reply["seq"]
        # The page's first load is not modelled: the scenarios acknowledge nothing before
        # every client follows its topics.
        if previous is not None and reply.get("reload"):
            self._told_to_reload(topic)
        if all(t.active for t in self.topics.values()):
            now = time.monotonic()
            self.first_followed = self.first_followed or now
            if self.drops and self.drops[-1].resumed is None:
                self.drops[-1].resumed = now
            self._following.set()

    def _told_to_reload(self, topic: Topic) -> None:
        topic.reloads += 1
        topic.last_reload = time.monotonic()
        if self.drops and self.drops[-1].resumed is None:
            self.drops[-1].reloaded = True
        self._spawn(self._snapshot(topic))

    # --- snapshots ----------------------------------------------------------------------

    async def _snapshot(self, topic: Topic) -> None:
        """Re-read what the page shows: a room's chat, paged back to what it knew."""
        kind, _, key = topic.name.partition(":")
        if kind != "forum":
            return  # the other topics' pages re-read state the scenario checks on its own
        known = max(topic.message_ids, default=0)
        before: int | None = None
        for _ in range(SNAPSHOT_PAGES):
            path = f"/api/forums/{key}/chat?limit={SNAPSHOT_PAGE}"
            if before is not None:
                path += f"&before={before}"
            page = await self._get(path)
            if page is None:
                return
            ids = [m["id"] for m in page.get("messages", [])]
            topic.message_ids.update(ids)
            if not ids or min(ids) <= known or len(ids) < SNAPSHOT_PAGE:
                return
            before = min(ids)

    async def _get(self, path: str) -> dict[str, Any] | None:
        for _ in range(SNAPSHOT_TRIES):
            http = self.http[self.url or self.urls[0]]
            try:
                status, body = await http.send("GET", path, self.cookie or "")
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                status, body = 0, {}
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 200:
                self.snapshots += 1
                return body
            await asyncio.sleep(0.25 + self.random.random() * 0.25)
        return None

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)


async def _sleep_or(stop: asyncio.Event, seconds: float) -> None:
    try:
        async with asyncio.timeout(seconds):
            await stop.wait()
    except TimeoutError:
        pass
