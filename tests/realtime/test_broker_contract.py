"""One contract, two brokers: the in-process one and Redis (the machine's real server).

The Redis tests take the server from the `redis_url` fixture, so that
tests/realtime/test_broker_contract_cluster.py runs them again on a Redis Cluster."""

from __future__ import annotations

import asyncio
import functools
import json
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis.asyncio as aioredis

from expo.realtime.broker import Broker, Event, Presence
from expo.realtime.memory_broker import MemoryBroker
from expo.realtime.redis_broker import PROCESS_TTL_MS, RedisBroker
from expo.redis_pool import pooled_client
from expo.settings import Settings
from tests.services import REDIS_URL, check_redis
from tests.waiting import eventually

WINDOW = 10


class Collector:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.resyncs = 0
        self.arrived = asyncio.Event()

    def deliver(self, event: Event) -> None:
        self.events.append(event)
        self.arrived.set()

    def resync(self) -> None:
        self.resyncs += 1

    async def wait_for(self, count: int, timeout: float = 5) -> list[Event]:
        async with asyncio.timeout(timeout):
            while len(self.events) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.events


SECONDS = 300.0


class Clock:
    """The brokers' clock, moved by the test: five minutes pass without sleeping them."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def make_memory(clock: Clock, window: int = WINDOW) -> Broker:
    return MemoryBroker(replay_window=window, replay_seconds=SECONDS, clock=clock)


async def make_redis(clock: Clock, window: int = WINDOW, *, url: str) -> Broker:
    """Redis keeps time for every process (its scripts read TIME): the test's clock moves only
    the in-process broker."""
    return RedisBroker(url, replay_window=window, replay_seconds=SECONDS)


@pytest.fixture
async def redis_url() -> str:
    """The Redis of the `redis` variants (a cluster's URL in the cluster's module)."""
    await check_redis()
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def factory(request: pytest.FixtureRequest) -> Callable[..., Awaitable[Broker]]:
    if request.param == "memory":
        return make_memory
    return functools.partial(make_redis, url=request.getfixturevalue("redis_url"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def broker(factory, clock) -> AsyncIterator[tuple[Broker, Collector]]:
    broker = await factory(clock)
    sink = Collector()
    await broker.start(sink)
    yield broker, sink
    await broker.close()


def topic() -> str:
    # A topic of its own per test: tests never see each other's events in a shared Redis.
    return f"forum:t{secrets.token_hex(6)}"


async def test_seqs_start_at_one_and_have_no_gaps(broker):
    b, _ = broker
    t = topic()
    events = [await b.publish(t, "chat.message_posted", {"i": i}) for i in range(5)]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert json.loads(events[2].payload) == {
        "type": "chat.message_posted",
        "topic": t,
        "seq": 3,
        "data": {"i": 2},
    }


async def test_listeners_receive_what_is_published_in_order(broker):
    b, sink = broker
    t = topic()
    await b.listen(t)
    for i in range(3):
        await b.publish(t, "chat.message_posted", {"i": i})
    events = await sink.wait_for(3)
    assert [(e.topic, e.seq) for e in events] == [(t, 1), (t, 2), (t, 3)]
    assert [json.loads(e.payload)["data"] for e in events] == [{"i": 0}, {"i": 1}, {"i": 2}]


async def test_topics_not_listened_to_are_not_delivered(broker):
    b, sink = broker
    heard, unheard = topic(), topic()
    await b.listen(heard)
    await b.publish(unheard, "x.happened", {})
    await b.publish(heard, "x.happened", {})  # delivered in publish order: after any unheard
    events = await sink.wait_for(1)
    assert [e.topic for e in events] == [heard]


async def test_unlisten_stops_delivery(broker):
    b, sink = broker
    t, marker = topic(), topic()
    await b.listen(t)
    await b.listen(marker)
    await b.publish(t, "x.happened", {})
    await sink.wait_for(1)
    await b.unlisten(t)
    await b.publish(t, "x.happened", {})
    await b.publish(marker, "x.happened", {})  # delivered in publish order: after any of t's
    await sink.wait_for(2)
    assert [(e.topic, e.seq) for e in sink.events] == [(t, 1), (marker, 1)]


async def test_history_replays_after_since(broker):
    b, _ = broker
    t = topic()
    published = [await b.publish(t, "x.happened", {"i": i}) for i in range(4)]
    history = await b.history(t, since=1)
    assert history.seq == 4
    assert history.events == published[1:]


async def test_history_without_since_tells_the_current_seq_and_no_events(broker):
    b, _ = broker
    t = topic()
    assert (await b.history(t, None)).seq == 0
    await b.publish(t, "x.happened", {})
    history = await b.history(t, None)
    assert (history.seq, history.events) == (1, [])


async def test_history_older_than_the_window_means_reload(broker):
    b, _ = broker
    t = topic()
    for i in range(WINDOW * 3):
        await b.publish(t, "x.happened", {"i": i})
    history = await b.history(t, since=1)
    assert history.events is None
    assert history.seq == WINDOW * 3
    recent = await b.history(t, since=WINDOW * 3 - 2)
    assert [e.seq for e in recent.events or []] == [WINDOW * 3 - 1, WINDOW * 3]


async def test_the_in_process_window_keeps_what_is_younger_than_its_seconds(clock):
    """Redis's counterpart, in Redis's own time: test_redis_the_window_is_measured_in_redis_time."""
    b = await make_memory(clock)
    t = topic()
    for i in range(3):
        await b.publish(t, "x.happened", {"i": i})
    clock.advance(SECONDS - 1)
    await b.publish(t, "x.happened", {"i": 3})
    assert [e.seq for e in (await b.history(t, since=0)).events or []] == [1, 2, 3, 4]
    clock.advance(2)  # the first three are now older than the window
    await b.publish(t, "x.happened", {"i": 4})
    assert (await b.history(t, since=0)).events is None
    assert [e.seq for e in (await b.history(t, since=3)).events or []] == [4, 5]


async def test_five_minutes_away_from_a_busy_room_resume_without_a_gap(factory, clock):
    """A phone loses signal for five minutes in a room at 20 events/s: with the default
    settings, it resumes with every one of the 6,000 events it missed."""
    settings = Settings()
    b = await factory(clock, settings.replay_window)
    await b.start(Collector())
    try:
        t = topic()
        last_seen = (await b.publish(t, "x.happened", {"i": -1})).seq
        for i in range(int(settings.replay_seconds * 20)):
            clock.advance(1 / 20)
            await b.publish(t, "x.happened", {"i": i})
        history = await b.history(t, since=last_seen)
        assert history.events is not None
        assert [e.seq for e in history.events] == list(range(last_seen + 1, history.seq + 1))
        assert len(history.events) == 6000
    finally:
        await b.close()


async def test_events_carry_their_epoch(broker):
    b, sink = broker
    t = topic()
    await b.listen(t)
    published = await b.publish(t, "x.happened", {})
    delivered = (await sink.wait_for(1))[0]
    history = await b.history(t, since=0)
    assert published.epoch == delivered.epoch == history.epoch
    assert [e.epoch for e in history.events or []] == [history.epoch]


async def test_since_from_the_future_means_reload(broker):
    b, _ = broker
    t = topic()
    await b.publish(t, "x.happened", {})
    assert (await b.history(t, since=7)).events is None


async def test_the_epoch_is_stable_while_the_broker_keeps_its_log(broker):
    b, _ = broker
    t = topic()
    first = (await b.history(t, None)).epoch
    await b.publish(t, "x.happened", {})
    assert (await b.history(t, None)).epoch == first and first


async def test_presence_sums_what_this_process_reports(broker):
    b, _ = broker
    a, c = topic(), topic()
    totals = await b.exchange_presence(Presence({a: 3, c: 1}), [a, c], [])
    assert totals == Presence({a: 3, c: 1}, {})
    assert await b.presence([a, c]) == {a: 3, c: 1}


async def test_a_report_replaces_the_last_one_of_this_process(broker):
    """What a process leaves out of its report is withdrawn: no zeros to remember to send."""
    b, _ = broker
    a, c = topic(), topic()
    await b.exchange_presence(Presence({a: 3, c: 1}), [], [])
    assert (await b.exchange_presence(Presence({c: 2}), [a, c], [])).counts == {a: 0, c: 2}
    assert await b.presence([a, c]) == {a: 0, c: 2}


async def test_presence_of_many_topics_is_one_exchange(broker):
    """Thousands of topics in one report and one read (the Lua side slices its arguments)."""
    b, _ = broker
    many = {topic(): i + 1 for i in range(2500)}
    totals = await b.exchange_presence(Presence(many), list(many), [])
    assert totals.counts == many


async def test_ping_answers(broker):
    b, _ = broker
    await b.ping()


# --- what only a shared broker can do ---------------------------------------------------


@pytest.fixture
async def two_redis_brokers(
    redis_url: str,
) -> AsyncIterator[list[tuple[RedisBroker, Collector]]]:
    pairs = []
    for _ in range(2):
        broker, sink = RedisBroker(redis_url, replay_window=WINDOW), Collector()
        await broker.start(sink)
        pairs.append((broker, sink))
    yield pairs
    for broker, _ in pairs:
        await broker.close()


async def test_redis_numbers_one_topic_gap_free_across_brokers(two_redis_brokers):
    (a, sink_a), (b, sink_b) = two_redis_brokers
    t = topic()
    await a.listen(t)
    await b.listen(t)
    results = await asyncio.gather(
        *[(a if i % 2 else b).publish(t, "x.happened", {"i": i}) for i in range(40)]
    )
    assert sorted(e.seq for e in results) == list(range(1, 41))
    got_a, got_b = await sink_a.wait_for(40), await sink_b.wait_for(40)
    assert [e.seq for e in got_a] == [e.seq for e in got_b] == list(range(1, 41))
    assert [e.payload for e in got_a] == [e.payload for e in got_b]


async def test_redis_a_new_epoch_is_started_once_however_many_processes_ask(two_redis_brokers):
    """After a failover lost the newest events (expo/realtime/hub.py `_repair`): the first
    process to ask starts the epoch, the others find it; seqs go on under it."""
    (a, _), (b, _) = two_redis_brokers
    t = topic()
    first = await a.publish(t, "x.happened", {})
    new = await a.new_epoch(t, first.epoch)
    assert new != first.epoch
    assert await b.new_epoch(t, first.epoch) == new  # too late: one epoch per failover
    after = await b.publish(t, "x.happened", {})
    assert (after.epoch, after.seq) == (new, first.seq + 1)
    assert (await a.history(t, None)).epoch == new


async def test_redis_presence_is_summed_over_processes(two_redis_brokers):
    (a, _), (b, _) = two_redis_brokers
    t = topic()
    await a.exchange_presence(Presence({t: 2}), [], [])
    assert (await b.exchange_presence(Presence({t: 5}), [t], [])).counts == {t: 7}
    assert await a.presence([t]) == await b.presence([t]) == {t: 7}


async def test_redis_a_process_that_stops_reporting_drops_out_of_the_sums(two_redis_brokers):
    (a, _), (b, _) = two_redis_brokers
    t = topic()
    await a.exchange_presence(Presence({t: 2}), [], [])
    await b.exchange_presence(Presence({t: 5}), [], [])
    # b's last report is older than a process's lifetime: it died (or hangs).
    stale = int(time.time() * 1000) - PROCESS_TTL_MS - 1000
    await a._redis.zadd("expo:{processes}", {b._process: stale})
    assert await a.presence([t]) == {t: 2}
    # Its counts are not left in Redis for ever either.
    assert (
        0 < await a._redis.pttl(f"expo:{{processes}}:presence:{b._process}") <= 6 * PROCESS_TTL_MS
    )


async def test_redis_a_process_that_closes_takes_its_presence_with_it(redis_url: str):
    broker = RedisBroker(redis_url, replay_window=WINDOW)
    await broker.start(Collector())
    t = topic()
    await broker.exchange_presence(Presence({t: 4}, {t: [{"account_id": 1}]}), [], [])
    keys = [
        f"expo:{{processes}}:presence:{broker._process}",
        f"expo:{{processes}}:roster:{broker._process}",
    ]
    admin = pooled_client(redis_url)
    try:
        assert await admin.exists(*keys) == 2
        await broker.close()
        assert await admin.exists(*keys) == 0
    finally:
        await admin.aclose()


async def test_redis_pubsub_recovers_after_its_connection_is_killed(two_redis_brokers):
    (a, sink_a), (b, _) = two_redis_brokers
    t = topic()
    await a.listen(t)
    await b.publish(t, "x.happened", {})
    await sink_a.wait_for(1)
    admin = aioredis.from_url(REDIS_URL)
    try:
        # Kill every pub/sub connection: the broker must reconnect, resubscribe and resync.
        await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
    finally:
        await admin.aclose()
    await eventually(lambda: sink_a.resyncs, timeout=10)
    await b.publish(t, "x.happened", {})
    events = await sink_a.wait_for(2)
    assert [e.seq for e in events] == [1, 2]


async def test_an_unreachable_redis_is_reported_as_unavailable_not_as_a_crash():
    from expo.errors import Unavailable
    from expo.realtime.broker import BrokerUnavailable
    from expo.realtime.hub import Hub
    from tests.cluster import free_port

    # A port just freed: nothing listens there (a fixed one like 1 may be some test's server).
    dead = RedisBroker(f"redis://127.0.0.1:{free_port()}/0", replay_window=WINDOW)
    hub = Hub(dead, presence_interval=3600)
    await hub.start()
    try:
        with pytest.raises(BrokerUnavailable):
            await dead.ping()
        with pytest.raises(Unavailable) as refused:
            await hub.publish("forum:1", "x.happened", {})
        assert refused.value.code == "unavailable"
    finally:
        await hub.close()


async def test_socket_quota_counts_per_account(broker):
    b, _ = broker
    account = int(secrets.token_hex(3), 16)
    assert [await b.acquire_socket(account, 2) for _ in range(3)] == [True, True, False]
    await b.release_socket(account)
    assert await b.acquire_socket(account, 2) is True


async def test_redis_socket_quota_holds_across_processes(two_redis_brokers):
    (a, _), (b, _) = two_redis_brokers
    account = int(secrets.token_hex(3), 16)
    assert await a.acquire_socket(account, 2) is True
    assert await b.acquire_socket(account, 2) is True
    assert await a.acquire_socket(account, 2) is False
    await b.release_socket(account)
    assert await a.acquire_socket(account, 2) is True


async def test_roster_lists_each_account_once(broker):
    b, _ = broker
    t = topic()
    speaker = {"account_id": 7, "name": "王晓 Wang Xiao", "role": "speaker"}
    moderator = {"account_id": 3, "name": "陈静", "role": "moderator"}
    here = Presence(rosters={t: [speaker, moderator, speaker]})
    assert (await b.exchange_presence(here, [], [t])).rosters == {t: [moderator, speaker]}
    assert (await b.exchange_presence(Presence(), [], [t])).rosters == {t: []}


async def test_gather_takes_the_pile_at_most_once_per_window(broker):
    b, _ = broker
    key = f"t{secrets.token_hex(6)}"
    assert await b.gather(key, {"clap": 2}, 60_000) == {"clap": 2}
    # Within the window the pile grows but is not taken.
    assert await b.gather(key, {"clap": 1, "heart": 1}, 60_000) is None
    assert await b.gather(key, {"heart": 2}, 60_000) is None


async def test_gather_hands_over_what_waited_once_the_window_passed(broker):
    b, _ = broker
    key = f"t{secrets.token_hex(6)}"
    assert await b.gather(key, {"clap": 1}, 50) == {"clap": 1}
    assert await b.gather(key, {"clap": 4}, 50) is None
    # The point is time passing: the 50 ms window, twice over.
    await asyncio.sleep(0.1)
    assert await b.gather(key, {}, 50) == {"clap": 4}
    await asyncio.sleep(0.1)
    assert await b.gather(key, {}, 50) == {}  # taken, and nothing came since


async def test_redis_roster_and_gather_span_processes(two_redis_brokers):
    (a, _), (b, _) = two_redis_brokers
    t = topic()
    speaker = {"account_id": 7, "name": "Wang", "role": "speaker"}
    moderator = {"account_id": 3, "name": "Chen", "role": "moderator"}
    await a.exchange_presence(Presence(rosters={t: [speaker]}), [], [])
    # The speaker has a tab on each process: listed once.
    here = Presence(rosters={t: [speaker, moderator]})
    assert (await b.exchange_presence(here, [], [t])).rosters == {t: [moderator, speaker]}
    key = f"t{secrets.token_hex(6)}"
    assert await a.gather(key, {"clap": 1}, 60_000) == {"clap": 1}
    assert await b.gather(key, {"clap": 2}, 60_000) is None  # a took it a moment ago
    assert await a.gather(key, {"heart": 1}, 60_000) is None
    await a._redis.delete(f"expo:pile:{{{key}}}:taken")  # the window passes
    assert await b.gather(key, {}, 60_000) == {"clap": 2, "heart": 1}


async def test_gather_drops_a_pile_left_untaken_for_ten_windows(broker):
    """Its adder died before taking it: the counts are stale, not a burst to flash now."""
    b, _ = broker
    key = f"t{secrets.token_hex(6)}"
    assert await b.gather(key, {"clap": 1}, 20) == {"clap": 1}
    assert await b.gather(key, {"clap": 4}, 20) is None  # waits in the pile
    await asyncio.sleep(0.3)  # the point is time passing: fifteen windows, nobody came back
    assert await b.gather(key, {"heart": 1}, 20) == {"heart": 1}


# --- Redis keys: TTLs, epochs, one hash slot ----------------------------------------------


def topic_keys(t: str) -> dict[str, str]:
    return {part: f"expo:{{{t}}}:{part}" for part in ("seq", "epoch", "log")}


async def test_redis_topic_keys_carry_a_ttl_refreshed_on_publish(redis_url: str):
    """No topic key lives for ever; seq and epoch outlive a quiet week, the log its window."""
    from expo.realtime.redis_broker import TOPIC_KEEP_MS

    b = RedisBroker(redis_url, replay_window=WINDOW, replay_seconds=SECONDS)
    t = topic()
    keys = topic_keys(t)
    try:
        await b.history(t, None)  # a subscribe before anything was published
        assert {part: await b._redis.pttl(key) > 0 for part, key in keys.items()} == {
            "seq": True,
            "epoch": True,
            "log": False,  # no log yet: nothing was published
        }
        await b.publish(t, "x.happened", {})
        await b._redis.pexpire(keys["seq"], 1000)
        await b._redis.pexpire(keys["epoch"], 1000)
        await b.publish(t, "x.happened", {})  # refreshes them all
        ttls = {part: await b._redis.pttl(key) for part, key in keys.items()}
        assert TOPIC_KEEP_MS - 60_000 < ttls["seq"] <= TOPIC_KEEP_MS
        assert TOPIC_KEEP_MS - 60_000 < ttls["epoch"] <= TOPIC_KEEP_MS
        assert SECONDS * 1000 < ttls["log"] <= 2 * SECONDS * 1000
    finally:
        await b.close()


@pytest.mark.parametrize("expired", ["seq", "epoch"])
async def test_redis_a_topic_whose_keys_expired_begins_a_new_epoch(redis_url: str, expired):
    """A seq that starts again from 1 must never look like the old history going on."""
    b = RedisBroker(redis_url, replay_window=WINDOW, replay_seconds=SECONDS)
    t = topic()
    try:
        old = [await b.publish(t, "x.happened", {"i": i}) for i in range(3)]
        await b._redis.delete(topic_keys(t)[expired])  # as its TTL running out would
        after = await b.publish(t, "x.happened", {"i": 3})
        history = await b.history(t, since=0)
        assert after.seq == 1 and after.epoch != old[0].epoch
        assert history.epoch == after.epoch
        assert [e.payload for e in history.events or []] == [after.payload]
    finally:
        await b.close()


def test_redis_a_topics_keys_share_one_hash_slot():
    """The scripts touch only their KEYS, all under the topic's hash tag: Redis Cluster safe."""
    from redis.crc import key_slot

    t = "forum:3"
    slots = {key_slot(key.encode()) for key in [*topic_keys(t).values(), f"expo:{{{t}}}:events"]}
    assert len(slots) == 1


async def test_redis_a_publisher_whose_clock_is_behind_keeps_the_log_whole(redis_url: str):
    """Log ids are `<ms>-<seq>`: a process whose clock lags another's still appends in order."""
    a = RedisBroker(redis_url, replay_window=WINDOW, replay_seconds=SECONDS)
    b = RedisBroker(redis_url, replay_window=WINDOW, replay_seconds=SECONDS)
    t = topic()
    try:
        await a.publish(t, "x.happened", {"by": "a"})
        with wall_clock_off_by(-60):
            await b.publish(t, "x.happened", {"by": "b"})
        await a.publish(t, "x.happened", {"by": "a"})
        history = await b.history(t, since=0)
        assert [json.loads(e.payload)["data"]["by"] for e in history.events or []] == [
            "a",
            "b",
            "a",
        ]
        assert [e.seq for e in history.events or []] == [1, 2, 3]
    finally:
        await a.close()
        await b.close()


# --- Redis keeps time for all processes ---------------------------------------------------


@contextmanager
def wall_clock_off_by(seconds: float) -> Iterator[None]:
    """This process's wall clock, `seconds` off, as on a host whose time sync failed."""
    with pytest.MonkeyPatch.context() as patch:
        real = time.time
        patch.setattr(time, "time", lambda: real() + seconds)
        yield


async def redis_ms(broker: RedisBroker) -> int:
    seconds, micros = await broker._redis.time()
    return seconds * 1000 + micros // 1000


async def log_entries(broker: RedisBroker, t: str) -> list[tuple[bytes, dict[Any, Any]]]:
    entries: Any = await broker._redis.xrange(topic_keys(t)["log"])
    return [(entry_id, fields) for entry_id, fields in entries]


async def log_stamps(broker: RedisBroker, t: str) -> list[int]:
    """The ms part of the topic's log ids, oldest first."""
    return [int(entry_id.split(b"-")[0]) for entry_id, _ in await log_entries(broker, t)]


async def test_redis_a_publisher_whose_clock_runs_ahead_trims_nothing_early(redis_url: str) -> None:
    """The log is stamped and trimmed in Redis's time: a process whose clock runs ten minutes
    ahead (twice the window) neither drops what the others published nor stamps the future."""
    a = RedisBroker(redis_url, replay_window=WINDOW, replay_seconds=SECONDS)
    b = RedisBroker(redis_url, replay_window=WINDOW, replay_seconds=SECONDS)
    t = topic()
    try:
        before = await redis_ms(a)
        await a.publish(t, "x.happened", {"by": "a"})
        await a.publish(t, "x.happened", {"by": "a"})
        with wall_clock_off_by(2 * SECONDS):
            await b.publish(t, "x.happened", {"by": "b"})
        after = await redis_ms(a)
        history = await a.history(t, since=0)
        assert [e.seq for e in history.events or []] == [1, 2, 3]
        assert all(before <= ms <= after for ms in await log_stamps(a, t))
    finally:
        await a.close()
        await b.close()


async def test_redis_the_window_is_measured_in_redis_time(redis_url: str) -> None:
    b = RedisBroker(redis_url, replay_window=WINDOW, replay_seconds=0.2)
    t = topic()
    try:
        for i in range(3):
            await b.publish(t, "x.happened", {"i": i})
        newest = (await log_stamps(b, t))[-1]

        async def window_passed() -> bool:  # on Redis's clock itself, not this process's
            return await redis_ms(b) > newest + 200

        await eventually(window_passed)  # type: ignore[arg-type]  # T | Awaitable[T]: ambiguous
        await b.publish(t, "x.happened", {"i": 3})
        assert (await b.history(t, since=0)).events is None
        assert [e.seq for e in (await b.history(t, since=3)).events or []] == [4]
    finally:
        await b.close()


async def test_redis_a_log_whose_newest_entry_is_in_the_future_still_appends_in_order(
    redis_url: str,
) -> None:
    """Redis's own clock can step back (time sync, a failover to a replica): the log goes on
    from its newest entry's ms rather than refusing the event."""
    b = RedisBroker(redis_url, replay_window=WINDOW, replay_seconds=SECONDS)
    t = topic()
    log_key = topic_keys(t)["log"]
    try:
        first = await b.publish(t, "x.happened", {"i": 0})
        # Entry 1 as a Redis clock a minute ahead stamped it, before the clock stepped back.
        [(entry_id, fields)] = await log_entries(b, t)
        await b._redis.xdel(log_key, entry_id)
        future = await redis_ms(b) + 60_000
        await b._redis.xadd(log_key, fields, id=f"{future}-1")
        second = await b.publish(t, "x.happened", {"i": 1})
        history = await b.history(t, since=0)
        assert history.events == [first, second]
        assert await log_stamps(b, t) == [future, future]
    finally:
        await b.close()


async def test_redis_a_process_whose_clock_is_behind_still_counts_in_presence(
    two_redis_brokers: list[tuple[RedisBroker, Collector]],
) -> None:
    (a, _), (b, _) = two_redis_brokers
    t = topic()
    with wall_clock_off_by(-60):  # behind by more than a process's lifetime (5 s)
        await b.exchange_presence(Presence({t: 5}), [], [])
    assert (await a.exchange_presence(Presence({t: 2}), [t], [])).counts == {t: 7}


async def test_redis_a_process_whose_clock_is_behind_keeps_its_sockets_counted(
    two_redis_brokers: list[tuple[RedisBroker, Collector]],
) -> None:
    (a, _), (b, _) = two_redis_brokers
    account = int(secrets.token_hex(3), 16)
    with wall_clock_off_by(-60):
        assert await b.acquire_socket(account, 2) is True
    assert await a.acquire_socket(account, 2) is True
    assert await a.acquire_socket(account, 2) is False  # b's socket is still counted
