"""One contract, two brokers: the in-process one and Redis (the machine's real server)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from expo.realtime.broker import Broker, Event, Presence
from expo.realtime.memory_broker import MemoryBroker
from expo.realtime.redis_broker import PROCESS_TTL_MS, RedisBroker
from tests.services import REDIS_URL, check_redis

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


async def make_memory() -> Broker:
    return MemoryBroker(replay_window=WINDOW)


async def make_redis() -> Broker:
    await check_redis()
    return RedisBroker(REDIS_URL, replay_window=WINDOW)


@pytest.fixture(params=[make_memory, make_redis], ids=["memory", "redis"])
async def factory(request: pytest.FixtureRequest) -> Callable[[], object]:
    return request.param


@pytest.fixture
async def broker(factory) -> AsyncIterator[tuple[Broker, Collector]]:
    broker = await factory()
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
    await b.publish(heard, "x.happened", {})
    events = await sink.wait_for(1)
    await asyncio.sleep(0.1)
    assert [e.topic for e in events] == [heard]


async def test_unlisten_stops_delivery(broker):
    b, sink = broker
    t = topic()
    await b.listen(t)
    await b.publish(t, "x.happened", {})
    await sink.wait_for(1)
    await b.unlisten(t)
    await b.publish(t, "x.happened", {})
    await asyncio.sleep(0.2)
    assert [e.seq for e in sink.events] == [1]


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
async def two_redis_brokers() -> AsyncIterator[list[tuple[RedisBroker, Collector]]]:
    await check_redis()
    pairs = []
    for _ in range(2):
        broker, sink = RedisBroker(REDIS_URL, replay_window=WINDOW), Collector()
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
    await a._redis.zadd("expo:processes", {b._process: stale})
    assert await a.presence([t]) == {t: 2}
    # Its counts are not left in Redis for ever either.
    assert 0 < await a._redis.pttl(f"expo:presence:{b._process}") <= 6 * PROCESS_TTL_MS


async def test_redis_a_process_that_closes_takes_its_presence_with_it():
    await check_redis()
    broker = RedisBroker(REDIS_URL, replay_window=WINDOW)
    await broker.start(Collector())
    t = topic()
    await broker.exchange_presence(Presence({t: 4}, {t: [{"account_id": 1}]}), [], [])
    keys = [f"expo:presence:{broker._process}", f"expo:roster:{broker._process}"]
    admin = aioredis.from_url(REDIS_URL)
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
    async with asyncio.timeout(10):
        while sink_a.resyncs == 0:
            await asyncio.sleep(0.05)
    await b.publish(t, "x.happened", {})
    events = await sink_a.wait_for(2)
    assert [e.seq for e in events] == [1, 2]


async def test_an_unreachable_redis_is_reported_as_unavailable_not_as_a_crash():
    from expo.errors import Unavailable
    from expo.realtime.broker import BrokerUnavailable
    from expo.realtime.hub import Hub

    dead = RedisBroker("redis://127.0.0.1:1/0", replay_window=WINDOW)  # nothing listens there
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
    await asyncio.sleep(0.3)  # fifteen windows: nobody came back for it
    assert await b.gather(key, {"heart": 1}, 20) == {"heart": 1}
