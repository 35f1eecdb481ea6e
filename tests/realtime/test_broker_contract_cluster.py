"""The broker contract again, on a Redis Cluster of three masters (tests/redis_cluster.py): every
Redis test of tests/realtime/test_broker_contract.py, with `redis+cluster://` as the URL, and
what only a cluster can get wrong: topics spread over the masters (sharded pub/sub), a lost
master's listener coming back, a slot that moves, a failover, a cluster out of reach, the
client's pool. Then the control room's shared reports (tests/integration/test_control_reports.py)
on the cluster too."""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from redis.asyncio.cluster import RedisCluster as RedisClusterClient
from redis.exceptions import MaxConnectionsError

from control.reports import RedisReports, Reports
from expo.realtime.broker import Broker, BrokerUnavailable
from expo.realtime.redis_broker import RedisBroker
from expo.redis_pool import node_url, pooled_client, reachable
from tests import redis_cluster as own_cluster
from tests.cluster import free_port
from tests.integration import test_control_reports as control_reports
from tests.realtime import test_broker_contract as contract
from tests.realtime.test_broker_contract import Collector, make_redis, topic
from tests.redis_cluster import RedisCluster, running_cluster
from tests.waiting import eventually

# Fixtures, by name: pytest finds them among the module's attributes.
broker, clock, two_redis_brokers = contract.broker, contract.clock, contract.two_redis_brokers
redis_cluster = own_cluster.redis_cluster

# Tests of the contract that are about one Redis server or the in-process broker only; each
# has its cluster counterpart below, or none to have (the in-process window).
NOT_ON_A_CLUSTER = {
    "test_the_in_process_window_keeps_what_is_younger_than_its_seconds",
    # 6,000 publishes to one topic (one master): the window's arithmetic, the same script as on
    # one Redis, at 3-5 s of the suite's budget; the window's edges are tested here as well.
    "test_five_minutes_away_from_a_busy_room_resume_without_a_gap",
    "test_redis_pubsub_recovers_after_its_connection_is_killed",
    "test_an_unreachable_redis_is_reported_as_unavailable_not_as_a_crash",
}
for _name, _test in vars(contract).copy().items():
    if _name.startswith("test_") and _name not in NOT_ON_A_CLUSTER:
        globals()[_name] = _test
for _name, _test in vars(control_reports).copy().items():
    if _name.startswith("test_") and "memory" not in _name:
        globals()[f"test_control_reports_{_name.removeprefix('test_')}"] = _test


@pytest.fixture
def redis_url(redis_cluster: RedisCluster) -> str:
    return redis_cluster.url


@pytest.fixture
def factory(redis_url: str) -> Callable[..., Awaitable[Broker]]:
    return functools.partial(make_redis, url=redis_url)


@pytest.fixture
async def pair(redis_cluster: RedisCluster) -> AsyncIterator[tuple[Reports, Reports]]:
    """Two processes' views of the control room's shared state, its keys emptied first."""
    for port in redis_cluster.ports:
        with redis_cluster.node(port) as node:
            for key in list(node.scan_iter("expo:control:*")):
                node.delete(key)  # one by one: keys of several slots are one DEL each
    a, b = RedisReports(redis_cluster.url), RedisReports(redis_cluster.url)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


def topics_on_every_master(cluster: RedisCluster, count: int = 12) -> list[str]:
    found = [topic() for _ in range(count)]
    masters = {cluster.owner(f"expo:{{{t}}}:events") for t in found}
    assert masters == set(cluster.ports), "twelve random topics all missed a master"
    return found


async def test_topics_spread_over_the_masters_and_each_is_heard_in_order(
    redis_cluster: RedisCluster, two_redis_brokers: list[tuple[RedisBroker, Collector]]
) -> None:
    (a, sink_a), (b, _) = two_redis_brokers
    topics = topics_on_every_master(redis_cluster)
    for t in topics:
        await a.listen(t)
    for i in range(3):
        for t in topics:
            await b.publish(t, "x.happened", {"i": i})
    events = await sink_a.wait_for(3 * len(topics))
    assert {t: [e.seq for e in events if e.topic == t] for t in topics} == {
        t: [1, 2, 3] for t in topics
    }
    # Each topic's keys and channel on one master; the masters differ between topics.
    for t in topics:
        owners = {redis_cluster.owner(f"expo:{{{t}}}:{part}") for part in ("seq", "log", "events")}
        assert len(owners) == 1


async def test_a_control_message_reaches_every_process(
    two_redis_brokers: list[tuple[RedisBroker, Collector]],
) -> None:
    (a, _), (b, _) = two_redis_brokers
    heard: list[tuple[str, bytes]] = []
    for name, broker_ in (("a", a), ("b", b)):
        assert broker_._sink is not None
        broker_._sink.control = functools.partial(
            lambda who, message: heard.append((who, message)), name
        )
    await a.announce(b'{"kind": "evict"}')
    await eventually(lambda: len(heard) == 2)
    assert sorted(heard) == [("a", b'{"kind": "evict"}'), ("b", b'{"kind": "evict"}')]


async def test_every_master_dropping_its_pubsub_connections_is_heard_and_repaired(
    redis_cluster: RedisCluster, two_redis_brokers: list[tuple[RedisBroker, Collector]]
) -> None:
    (a, sink_a), (b, _) = two_redis_brokers
    topics = topics_on_every_master(redis_cluster)
    for t in topics:
        await a.listen(t)
        await b.publish(t, "x.happened", {})
    await sink_a.wait_for(len(topics))
    for port in redis_cluster.ports:
        with redis_cluster.node(port) as node:
            node.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
    # One listener per master: each one back says so (the hub repairs every topic then).
    await eventually(lambda: sink_a.resyncs >= len(redis_cluster.ports), timeout=10)
    for t in topics:
        await b.publish(t, "x.happened", {})
    events = await sink_a.wait_for(2 * len(topics))
    assert {t: [e.seq for e in events if e.topic == t] for t in topics} == {
        t: [1, 2] for t in topics
    }


async def test_a_topic_whose_slot_moves_to_another_master_is_still_heard_without_a_gap(
    redis_cluster: RedisCluster, two_redis_brokers: list[tuple[RedisBroker, Collector]]
) -> None:
    """Resharding: the old master unsubscribes the listener (SUNSUBSCRIBE); the broker reads
    the map of slots again, listens on the new master and repairs."""
    (a, sink_a), (b, _) = two_redis_brokers
    t, still = topic(), topic()
    channel = f"expo:{{{t}}}:events"
    for each in (t, still):
        await a.listen(each)
        await b.publish(each, "x.happened", {})
    await sink_a.wait_for(2)
    before = redis_cluster.owner(channel)
    redis_cluster.move_slot(channel, next(p for p in redis_cluster.ports if p != before))
    await eventually(lambda: sink_a.resyncs, timeout=10)
    for each in (t, still):
        await b.publish(each, "x.happened", {})
    events = await sink_a.wait_for(4)
    assert sorted((e.topic, e.seq) for e in events) == sorted(
        [(t, 1), (t, 2), (still, 1), (still, 2)]
    )
    assert redis_cluster.owner(channel) != before


async def test_a_master_that_dies_is_replaced_by_its_replica_and_its_topics_heard_again(
    tmp_path: Path,
) -> None:
    """A failover: the master of a topic is killed, its replica takes over (one second without
    news of it, here); the listener of the dead master reads the map of slots again and
    listens on the new one. A cluster of its own: six servers, one of them killed."""
    with running_cluster(tmp_path, replicas=1, node_timeout_ms=1000) as cluster:
        t = topic()
        channel = f"expo:{{{t}}}:events"
        (a, sink_a), (b, _) = [(RedisBroker(cluster.url), Collector()) for _ in range(2)]
        await a.start(sink_a)
        await b.start(Collector())
        try:
            await a.listen(t)
            await b.publish(t, "x.happened", {})
            await sink_a.wait_for(1)
            dead = cluster.owner(channel)
            cluster.kill(dead)
            await eventually(lambda: cluster.owner(channel) != dead, timeout=15)
            await eventually(lambda: sink_a.resyncs, timeout=15)
            for _ in range(50):  # the publisher's client learns the new map as it fails
                try:
                    after = await b.publish(t, "x.happened", {"after": "failover"})
                    break
                except BrokerUnavailable:
                    await asyncio.sleep(0.2)
            # The replica had the topic's keys, or it did not (a new epoch): either way heard.
            async with asyncio.timeout(10):
                while after not in sink_a.events:
                    await sink_a.wait_for(len(sink_a.events) + 1)
        finally:
            await a.close()
            await b.close()


async def test_a_process_started_before_its_cluster_is_unavailable_then_hears_once_it_is_up(
    tmp_path: Path,
) -> None:
    """A process that starts while no master answers is unready, not crashed: every call says
    `unavailable`; what it was asked to listen to is heard once the cluster is up (the
    listener kept looking for it) and the hub is told to repair."""
    port = free_port()
    early = RedisBroker(f"redis+cluster://127.0.0.1:{port}", replay_window=5)
    sink = Collector()
    await early.start(sink)
    try:
        with pytest.raises(BrokerUnavailable):
            await early.ping()
        with pytest.raises(BrokerUnavailable):
            await early.publish("forum:1", "x.happened", {})
        with pytest.raises(BrokerUnavailable):
            await early.listen("forum:1")
        with running_cluster(tmp_path, first_port=port):
            await eventually(lambda: sink.resyncs, timeout=15)
            published = await early.publish("forum:1", "x.happened", {})
            assert await sink.wait_for(1) == [published]
    finally:
        await asyncio.wait_for(early.close(), 10)


# --- the cluster client's pool (expo/redis_pool.py) ----------------------------------------


async def test_a_burst_beyond_the_pool_waits_for_a_connection_instead_of_failing(
    redis_cluster: RedisCluster,
) -> None:
    """redis-py's cluster client refuses a command once a node's pool is in use ("Too many
    connections"); ours queues it, as the single Redis's blocking pool does."""
    keys = [f"burst:{{{secrets.token_hex(4)}}}" for _ in range(3)]  # on one master or more
    plain = RedisClusterClient.from_url(node_url(redis_cluster.url), max_connections=2)
    queued = pooled_client(redis_cluster.url, max_connections=2)
    try:
        with pytest.raises(MaxConnectionsError):
            await asyncio.gather(*(plain.incr(f"refused:{i}") for i in range(60)))
        counts = await asyncio.gather(*(queued.incr(keys[i % 3]) for i in range(60)))
        assert sorted(counts)[-3:] == [20, 20, 20]
    finally:
        await plain.aclose()
        await queued.aclose()


async def test_a_connection_not_free_in_time_is_redis_unavailable(
    redis_cluster: RedisCluster,
) -> None:
    client = pooled_client(redis_cluster.url, max_connections=1, timeout=0.2)
    try:
        busy = asyncio.ensure_future(client.blpop(["nothing:{here}"], timeout=1))
        await asyncio.sleep(0.05)  # the only place is taken
        with pytest.raises(BrokerUnavailable), reachable():
            await client.get("anything")
        assert await busy is None
    finally:
        await client.aclose()
