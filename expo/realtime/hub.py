"""The hub: which local connection follows which topic, and getting every event to each of them.

Events reach the hub from the broker already numbered. Each is encoded into one websocket frame
per process and that frame is written to every subscriber. A subscriber that resumes with `since`
is first "catching up": live events are buffered for it while its replay is read, then handed
over in order, so it sees every seq once. A gap in the live stream (a pub/sub message lost while
Redis reconnected) is repaired from the broker's log before later events go out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from expo.errors import BadRequest, Conflict, Unavailable
from expo.realtime import metrics
from expo.realtime.announce import Announcement, Announcer
from expo.realtime.broker import Broker, BrokerTimeout, Event, History, Presence
from expo.realtime.connection import Connection
from expo.realtime.frames import text_frame

log = logging.getLogger("expo.hub")

MAX_TOPICS_PER_CONNECTION = 64
# A repair whose log read failed tries again after this pause, doubled each time up to the most.
REPAIR_FIRST_PAUSE = 0.05
REPAIR_MAX_PAUSE = 2.0


# For a summary topic kind: the key ("forums" of `lobby:forums`) -> the topics it sums up.
SummaryTopics = Callable[[str], Awaitable[list[str]]]
# Control kinds the hub itself handles.
FLASH = "topic.flash"


class SubscriptionEnded(Conflict):
    """The connection was taken off the topic (`leave`, an eviction) while its subscription
    was being set up: it stays off."""

    def __init__(self, topic: str) -> None:
        super().__init__("subscribe.ended", f"The subscription to {topic} was ended meanwhile.")


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """Someone on a topic's roster: shown by name to everyone following it (a room's speakers
    and moderators present)."""

    account_id: int
    name: str
    role: str

    def as_dict(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "name": self.name, "role": self.role}


@dataclass(slots=True)
class CatchUp:
    # Live events that arrived while the replay was read.
    buffer: list[Event] = field(default_factory=list)
    # Once replayed: skip live events up to this seq, then join the live set.
    until: int | None = None


@dataclass(slots=True)
class TopicState:
    live: set[Connection] = field(default_factory=set)
    catching: dict[Connection, CatchUp] = field(default_factory=dict)
    epoch: str | None = None
    last: int | None = None  # last seq fanned out in this process
    repairing: bool = False
    # Set when a repair is asked for while one runs (a resync, an event of another epoch): the
    # running one reads the log once more instead of the request being lost.
    recheck: bool = False
    pending: list[Event] = field(default_factory=list)
    presence: int = 0  # last total pushed to subscribers
    # Resolved once the broker delivers this topic's events here; every subscriber waits on it.
    listening: asyncio.Future[None] | None = None
    summary: dict[str, int] | None = None  # for a summary topic: the counts last pushed
    roster: list[dict[str, Any]] | None = None  # for a roster topic: the people last pushed
    # Subscribers that joined since the last push: they get the current figures even if unchanged.
    fresh: set[Connection] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.live) + len(self.catching)


class Hub:
    def __init__(
        self,
        broker: Broker,
        *,
        presence_interval: float = 1.0,
        replay_budget: int | None = None,
    ) -> None:
        self.broker = broker
        # The most one replay may write (bytes): more than a connection's send budget takes at
        # once would cut it again (4008) for its own catching up, every time it came back.
        self._replay_budget = replay_budget
        self._topics: dict[str, TopicState] = {}
        self._presence_interval = presence_interval
        self._tasks: set[asyncio.Task[None]] = set()
        self._presence_task: asyncio.Task[None] | None = None
        self._control: dict[str, Callable[[dict[str, Any]], None]] = {}
        self._summaries: dict[str, SummaryTopics] = {}
        self._rosters: dict[str, frozenset[str]] = {}  # topic kind -> roles shown on its roster
        # Topic kinds whose audience is counted and shown -> the roles counted (None: every
        # socket; else one per account of those roles).
        self._shown: dict[str, frozenset[str] | None] = {}
        self._resync_callbacks: list[Callable[[], None]] = []
        self._control[FLASH] = self._flash_here
        # Stored writes are announced through it: one policy when the broker fails them.
        # (Looked up at each call, so a broker or publish swapped in later is the one used.)
        self.announcer = Announcer(
            lambda topic, kind, data: self.publish(topic, kind, data),
            lambda: self.broker.ping(),
            control=self._announce_or_unavailable,
        )

    async def start(self) -> None:
        await self.broker.start(self)
        self._presence_task = asyncio.create_task(self._presence_loop(), name="expo-presence")

    async def close(self) -> None:
        for task in [self._presence_task, *self._tasks]:
            if task is not None:
                task.cancel()
        self.announcer.close()
        await self.broker.close()

    # --- what handlers call -------------------------------------------------------------

    async def publish(self, topic: str, event_type: str, data: object) -> Event:
        """Announce an event to everyone following `topic`, in every process."""
        try:
            event = await self.broker.publish(topic, event_type, data)
        except BrokerTimeout as error:
            raise Unavailable(
                "broker.timeout", "The event broker did not answer; the event may be out."
            ) from error
        except (OSError, ConnectionError) as error:
            raise Unavailable(message="The event broker cannot be reached.") from error
        metrics.EVENTS_PUBLISHED.inc()
        return event

    async def publish_stored(self, events: list[Announcement]) -> list[Event | None]:
        """Announce a write that is stored; never `unavailable` (expo/realtime/announce.py)."""
        return await self.announcer.stored(events)

    async def announce_stored(self, kind: str, data: dict[str, Any]) -> None:
        """Tell every process to carry out a change that is stored (an eviction after a ban);
        never `unavailable`: what the broker fails is retried (expo/realtime/announce.py)."""
        await self.announcer.control(kind, data)

    async def _announce_or_unavailable(self, kind: str, data: dict[str, Any]) -> None:
        try:
            await self.announce(kind, data)
        except (OSError, ConnectionError) as error:
            raise Unavailable(message="The event broker cannot be reached.") from error

    async def flash(self, topic: str, event_type: str, data: object) -> None:
        """An un-numbered event to whoever follows `topic` now, on every process; not kept for
        replay (reaction bursts and the like: missing one is harmless)."""
        try:
            await self.announce(FLASH, {"topic": topic, "type": event_type, "data": data})
        except (OSError, ConnectionError) as error:
            raise Unavailable(message="The event broker cannot be reached.") from error

    def _flash_here(self, data: dict[str, Any]) -> None:
        state = self._topics.get(str(data.get("topic")))
        if state is None or not state.live:
            return
        frame = text_frame(
            orjson.dumps({"type": data.get("type"), "topic": data["topic"], "data": data["data"]})
        )
        for client in list(state.live):
            client.send_frame(frame)

    def leave(self, client: Connection, topic: str) -> bool:
        """Take `client` off `topic` (an eviction); False when it was not following it."""
        if topic not in client.topics:
            return False
        self._leave(client, topic)
        return True

    def topic_seq(self, topic: str) -> int | None:
        state = self._topics.get(topic)
        return state.last if state else None

    async def subscribe(
        self, client: Connection, topic: str, since: int | None, epoch: str | None
    ) -> dict[str, object]:
        if topic in client.topics:
            raise Conflict("subscribe.already", f"Already subscribed to {topic}.")
        if len(client.topics) >= MAX_TOPICS_PER_CONNECTION:
            raise BadRequest(
                "subscribe.too_many",
                f"A connection follows at most {MAX_TOPICS_PER_CONNECTION} topics.",
            )
        state = self._topics.get(topic)
        if state is None:
            state = self._topics[topic] = TopicState()
            # Later subscribers wait for this one listen: history read before the broker
            # listens could miss what is published in between.
            state.listening = asyncio.ensure_future(self.broker.listen(topic))
        catch_up = state.catching[client] = CatchUp()
        client.topics.add(topic)
        try:
            assert state.listening is not None
            await asyncio.shield(state.listening)
            history = await self.broker.history(topic, since)
        except (OSError, ConnectionError) as error:
            self._leave(client, topic)
            if (
                state.listening is not None
                and state.listening.done()
                and self._topics.get(topic) is state
            ):
                state.listening = asyncio.ensure_future(self.broker.listen(topic))  # try again
            raise Unavailable(message="The event broker cannot be reached.") from error
        if state.epoch is None:
            state.epoch = history.epoch
        elif history.epoch != state.epoch or went_back(state, history):
            # The log changed epoch and no event of the new one has come through here yet (or
            # its seq went back: see _repair): the repair moves the topic over and resets its
            # subscribers, this one included.
            self._spawn(self._repair(topic))
        if state.last is None:
            state.last = history.seq
        if topic not in client.topics:
            # Evicted (a ban) while this waited for the broker: finishing would put the
            # connection back on the topic behind the eviction's back.
            raise SubscriptionEnded(topic)
        if not client.open:
            self._leave(client, topic)
            return {}
        return self._finish_catch_up(client, state, catch_up, topic, since, epoch, history)

    def _finish_catch_up(
        self,
        client: Connection,
        state: TopicState,
        catch_up: CatchUp,
        topic: str,
        since: int | None,
        epoch: str | None,
        history: History,
    ) -> dict[str, object]:
        if catch_up.until is not None or client not in state.catching:
            # A reset (the broker lost the log) overtook this subscribe: the client has had
            # `subscription.reset` and reloads its snapshot from there. Nothing is replayed
            # from the lost history; it joins (or has joined) the live set past that point.
            state.fresh.add(client)
            return {
                "topic": topic,
                "epoch": state.epoch,
                "seq": catch_up.until,
                "replayed": 0,
                "reload": True,
                "presence": state.presence,
            }
        resumable = since is not None and history.events is not None and epoch == history.epoch
        if resumable and self._replay_budget is not None and history.events:
            # Too much to replay at once: a snapshot (reload) costs the client less.
            resumable = sum(len(e.payload) for e in history.events) <= self._replay_budget
        replayed = history.events if resumable and history.events else []
        sent = since if resumable else history.seq
        for event in replayed:
            client.send_frame(text_frame(event.payload))
            sent = event.seq
        for event in catch_up.buffer:
            if event.epoch == history.epoch and event.seq > sent:  # type: ignore[operator]
                client.send_frame(text_frame(event.payload))
                sent = event.seq
        assert sent is not None
        del state.catching[client]
        if state.last is not None and state.last < sent:
            # The broker already holds events this process has not fanned out yet: wait for them.
            state.catching[client] = CatchUp(until=sent)
        else:
            state.live.add(client)
        state.fresh.add(client)
        return {
            "topic": topic,
            "epoch": history.epoch,
            "seq": sent,
            "replayed": len(replayed),
            "reload": since is not None and not resumable,
            "presence": state.presence,
        }

    async def unsubscribe(self, client: Connection, topic: str) -> None:
        if topic not in client.topics:
            raise BadRequest("subscribe.not_subscribed", f"Not subscribed to {topic}.")
        self._leave(client, topic)

    def drop(self, client: Connection) -> None:
        """A connection closed: forget it everywhere."""
        for topic in list(client.topics):
            self._leave(client, topic)

    def local_count(self, topic: str) -> int:
        state = self._topics.get(topic)
        return len(state) if state else 0

    def local_topics(self, kind: str) -> list[str]:
        """The topics of `kind` (`booth-staff`) that someone follows on this process."""
        return [t for t, state in self._topics.items() if _kind(t) == kind and state]

    def send_here(self, topic: str, event_type: str, data: object) -> int:
        """An un-numbered event to this process's live followers of `topic` only (figures that
        each process works out for its own followers from shared state: the booth dashboard).
        Returns how many it went to."""
        state = self._topics.get(topic)
        if state is None or not state.live:
            return 0
        frame = text_frame(orjson.dumps({"type": event_type, "topic": topic, "data": data}))
        for client in list(state.live):
            client.send_frame(frame)
        return len(state.live)

    async def presence(self, topics: Iterable[str]) -> dict[str, int]:
        """The audience of each topic over all processes, as last reported (0 for a kind that
        does not show one)."""
        return await self.broker.presence(topics)

    # --- what the broker calls ----------------------------------------------------------

    def deliver(self, event: Event) -> None:
        state = self._topics.get(event.topic)
        if state is None:
            return
        if state.repairing:
            state.pending.append(event)
            if event.epoch != state.epoch:
                state.recheck = True  # the log may have changed epoch since it was read
            return
        if state.epoch is not None and event.epoch != state.epoch:
            # A new history (the broker lost its log): its seqs say nothing against ours, so
            # never drop-until-seq-passes. The repair reads the new log and resets subscribers.
            state.pending.append(event)
            self._spawn(self._repair(event.topic))
            return
        if state.last is not None:
            if event.seq <= state.last:
                return  # already fanned out (a replay raced the live stream)
            if event.seq > state.last + 1:
                state.pending.append(event)
                self._spawn(self._repair(event.topic))
                return
        self._fanout(state, event)

    def show_presence(self, kind: str, roles: frozenset[str] | None = None) -> None:
        """Count the audience of `<kind>:<key>` topics over all processes and push it to their
        subscribers (`presence.changed`), at most once per interval. Other kinds (a person's
        `account:<id>`) are never counted: presence costs what the shown rooms cost, not what
        the signed-in users do. With `roles`, only signed-in people of those roles count, once
        per account in each process (a booth's staff online, not every tab of theirs)."""
        assert kind not in self._shown, f"presence of {kind!r} is declared twice"
        self._shown[kind] = roles

    def add_summary(self, kind: str, topics: SummaryTopics) -> None:
        """Subscribers of `<kind>:<key>` get `presence.summary`: the audience of each topic the
        key stands for (a lobby showing every room's count), at most once per interval. Those
        topics must be of kinds that show presence (else they count 0)."""
        assert kind not in self._summaries, f"summary {kind!r} is declared twice"
        self._summaries[kind] = topics

    def add_roster(self, kind: str, roles: frozenset[str]) -> None:
        """Subscribers of `<kind>:<key>` get `presence.roster`: who of `roles` follows the topic,
        over all processes, pushed at most once per interval."""
        assert kind not in self._rosters, f"roster {kind!r} is declared twice"
        self._rosters[kind] = roles

    def on_control(self, kind: str, handler: Callable[[dict[str, Any]], None]) -> None:
        assert kind not in self._control, f"control {kind!r} has a handler already"
        self._control[kind] = handler

    async def announce(self, kind: str, data: dict[str, Any]) -> None:
        """Tell every process (this one included) that something happened to the platform."""
        await self.broker.announce(orjson.dumps({"kind": kind, "data": data}))

    def control(self, message: bytes) -> None:
        try:
            decoded = orjson.loads(message)
            handler = self._control.get(decoded["kind"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("unreadable control message ignored")
            return
        if handler is not None:
            handler(decoded.get("data") or {})

    def on_resync(self, callback: Callable[[], None]) -> None:
        """Also call `callback` when live delivery was interrupted: control messages may be lost."""
        self._resync_callbacks.append(callback)

    def resync(self) -> None:
        for topic in list(self._topics):
            self._spawn(self._repair(topic))
        for callback in self._resync_callbacks:
            callback()

    # --- inside -------------------------------------------------------------------------

    def _fanout(self, state: TopicState, event: Event) -> None:
        state.last = event.seq
        if state.epoch is None:
            state.epoch = event.epoch
        frame = text_frame(event.payload)
        for client in list(state.live):
            client.send_frame(frame)
        delivered = len(state.live)
        if state.catching:
            joined = []
            for client, catch_up in state.catching.items():
                if catch_up.until is None:
                    catch_up.buffer.append(event)
                elif event.seq > catch_up.until:
                    client.send_frame(frame)
                    delivered += 1
                    joined.append(client)
            for client in joined:
                del state.catching[client]
                state.live.add(client)
                state.fresh.add(client)
        metrics.DELIVERIES.inc(delivered)

    async def _repair(self, topic: str) -> None:
        state = self._topics.get(topic)
        if state is None:
            return
        if state.repairing:
            state.recheck = True
            return
        state.repairing = True
        try:
            read_before: int | None = None  # the log's end at the previous read
            while True:
                state.recheck = False
                history = await self._read_log(topic, state)
                if history is None:
                    return  # nobody follows the topic here any more
                if went_back(state, history):
                    # Its seq is below what this process delivered, in the same epoch: a
                    # failover promoted a replica that had not yet received the newest events,
                    # and the next ones would be numbered again with their seqs. A client that
                    # resumes from one of those seqs would be told it missed nothing. A new
                    # epoch (one per failover, whichever process asks first) makes every client
                    # of the old one reload instead.
                    epoch = await self.broker.new_epoch(topic, history.epoch)
                    log.warning(
                        "topic seq went back; new epoch",
                        extra={"topic": topic, "seq": history.seq, "delivered": state.last},
                    )
                    history = History(epoch, history.seq, None)
                if history.epoch != state.epoch or history.events is None:
                    self._reset(topic, state, history)
                else:
                    for event in history.events:
                        self._fanout(state, event)
                self._drain_pending(state)
                if state.recheck:
                    continue  # asked again while the log was read: read it again
                if not state.pending:
                    return
                assert state.last is not None
                if state.last >= history.seq:
                    if read_before is None or history.seq > read_before:
                        # Later events arrived live (one lost in between) after the log was
                        # read: read it again, they are in it.
                        read_before = history.seq
                        continue
                    # The log does not grow to what was delivered live: those events are gone.
                    newest = max(e.seq for e in state.pending)
                    state.pending.clear()
                    self._reset(topic, state, History(history.epoch, newest, None))
                    return
        except Exception:
            log.exception("topic repair failed", extra={"topic": topic})
        finally:
            state.repairing = False

    async def _read_log(self, topic: str, state: TopicState) -> History | None:
        """The topic's log after what this process fanned out. A failed read is tried again,
        with a growing pause, until it succeeds: a repair given up would leave the topic on a
        gap, or on a seq from another epoch, with nobody told (after Redis restarts, the first
        command on each pooled connection opened before the outage fails once). None when the
        topic has nobody here any more."""
        pause = REPAIR_FIRST_PAUSE
        while True:
            try:
                return await self.broker.history(topic, state.last)
            except (OSError, ConnectionError) as error:
                log.warning(
                    "topic repair failed; trying again",
                    extra={"topic": topic, "error": str(error), "retry_in": pause},
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, REPAIR_MAX_PAUSE)
            if self._topics.get(topic) is not state:
                return None

    def _drain_pending(self, state: TopicState) -> None:
        """Fan out the buffered live events that now follow on; keep the ones still after a gap.
        Events of another epoch than the topic's are dropped: they came before a reset that
        covered them (or, if a newer epoch began meanwhile, `recheck` reads the log again)."""
        pending, state.pending = sorted(state.pending, key=lambda e: e.seq), []
        for event in pending:
            assert state.last is not None
            if event.epoch != state.epoch:
                continue
            if event.seq == state.last + 1:
                self._fanout(state, event)
            elif event.seq > state.last + 1:
                state.pending.append(event)

    def _reset(self, topic: str, state: TopicState, history: History) -> None:
        """The log lost what this process missed: everyone on the topic reloads a snapshot."""
        log.warning("topic history lost; subscribers reload", extra={"topic": topic})
        state.epoch, state.last = history.epoch, history.seq
        frame = text_frame(
            orjson.dumps(
                {
                    "type": "subscription.reset",
                    "topic": topic,
                    "data": {"epoch": history.epoch, "seq": history.seq},
                }
            )
        )
        for client in list(state.live) + list(state.catching):
            client.send_frame(frame)
        for catch_up in state.catching.values():
            catch_up.buffer.clear()
            catch_up.until = history.seq

    def _leave(self, client: Connection, topic: str) -> None:
        client.topics.discard(topic)
        state = self._topics.get(topic)
        if state is None:
            return
        state.live.discard(client)
        state.catching.pop(client, None)
        state.fresh.discard(client)
        if not state:
            del self._topics[topic]
            self._spawn(self._unlisten(topic))

    async def _unlisten(self, topic: str) -> None:
        if topic not in self._topics:
            await self.broker.unlisten(topic)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _presence_loop(self) -> None:
        while True:
            await asyncio.sleep(self._presence_interval)
            try:
                await self._push_presence()
            except asyncio.CancelledError:
                raise
            except ConnectionError as error:
                log.warning(
                    "presence update skipped: broker unavailable", extra={"error": str(error)}
                )
            except Exception:
                log.exception("presence update failed")

    async def _push_presence(self) -> None:
        """One exchange with the broker per interval, however many topics and sockets: report
        this process's audience and rosters of the kinds that show them, read the totals back,
        push the figures that changed (and every figure to newcomers)."""
        summaries: dict[str, list[str]] = {}
        for topic in [t for t in self._topics if _kind(t) in self._summaries]:
            kind, _, key = topic.partition(":")
            try:
                summaries[topic] = await self._summaries[kind](key)
            except Exception:
                log.exception("presence summary failed", extra={"topic": topic})
        counted = {
            t: self._audience(s, self._shown[_kind(t)])
            for t, s in self._topics.items()
            if _kind(t) in self._shown
        }
        rostered = {
            topic: self._local_roster(state, roles)
            for topic, state in self._topics.items()
            if (roles := self._rosters.get(_kind(topic))) is not None
        }
        wanted = set(counted).union(*summaries.values())
        totals = await self.broker.exchange_presence(
            Presence(counted, rostered), wanted, list(rostered)
        )
        handled = counted.keys() | rostered.keys() | summaries.keys()
        for topic, state in list(self._topics.items()):
            if topic in counted:
                total = totals.counts.get(topic, 0)
                changed, state.presence = state.presence != total, total
                self._push(
                    state,
                    changed,
                    {"type": "presence.changed", "topic": topic, "data": {"count": total}},
                )
            if topic in rostered:
                people = totals.rosters.get(topic, [])
                changed, state.roster = state.roster != people, people
                self._push(
                    state,
                    changed,
                    {"type": "presence.roster", "topic": topic, "data": {"people": people}},
                )
            if topic in summaries:
                counts = {t: totals.counts.get(t, 0) for t in summaries[topic]}
                changed, state.summary = counts != state.summary, counts
                self._push(
                    state,
                    changed,
                    {"type": "presence.summary", "topic": topic, "data": {"counts": counts}},
                )
            if topic in handled or not self._has_figures(topic):
                # A topic that appeared during the exchange keeps its newcomers for next time.
                state.fresh.clear()

    @staticmethod
    def _audience(state: TopicState, roles: frozenset[str] | None) -> int:
        if roles is None:
            return len(state)
        return len(
            {
                c.principal.account_id
                for c in (*state.live, *state.catching)
                if c.principal is not None and c.principal.role in roles
            }
        )

    def _has_figures(self, topic: str) -> bool:
        kind = _kind(topic)
        return kind in self._shown or kind in self._rosters or kind in self._summaries

    @staticmethod
    def _local_roster(state: TopicState, roles: frozenset[str]) -> list[dict[str, Any]]:
        """Who of `roles` follows the topic on this process: one entry per account."""
        people = {
            entry.account_id: entry
            for client in (*state.live, *state.catching)
            if (entry := _roster_entry(client, roles)) is not None
        }
        return [people[k].as_dict() for k in sorted(people)]

    def _push(self, state: TopicState, changed: bool, event: dict[str, Any]) -> None:
        """An ephemeral event: to everyone when the figure changed, else to newcomers only."""
        receivers = list(state.live) if changed else [c for c in state.fresh if c in state.live]
        if receivers:
            frame = text_frame(orjson.dumps(event))
            for client in receivers:
                client.send_frame(frame)


def _kind(topic: str) -> str:
    return topic.partition(":")[0]


def _roster_entry(client: Connection, roles: frozenset[str]) -> RosterEntry | None:
    principal = client.principal
    if principal is None or principal.role not in roles:
        return None
    return RosterEntry(principal.account_id, principal.display_name, principal.role)


def went_back(state: TopicState, history: History) -> bool:
    """The log's seq is below what was delivered here, under the same epoch."""
    return history.epoch == state.epoch and state.last is not None and history.seq < state.last
