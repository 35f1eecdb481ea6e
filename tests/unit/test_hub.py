"""The hub's ordering promises, with the in-process broker and subscribers that record frames."""

import asyncio
import json

import pytest

from expo.realtime.broker import BrokerUnavailable, Event, History
from expo.realtime.hub import Hub
from expo.realtime.memory_broker import MemoryBroker
from tests.waiting import eventually


class Recorder:
    """A subscriber that keeps the envelopes written to it."""

    def __init__(self) -> None:
        self.topics: set[str] = set()
        self.principal = None  # anonymous: on no roster
        self.open = True
        self.frames: list[dict] = []

    def send_frame(self, frame: bytes) -> None:
        # The hub writes whole server frames: unmasked text frames with the JSON envelope.
        assert frame[0] == 0x81
        length = frame[1] & 0x7F
        offset = 2 if length < 126 else 4 if length == 126 else 10
        self.frames.append(json.loads(frame[offset:]))

    def seqs(self, topic: str = "forum:1") -> list[int]:
        return [f["seq"] for f in self.frames if f.get("topic") == topic and "seq" in f]


@pytest.fixture
async def hub():
    hub = Hub(MemoryBroker(replay_window=5), presence_interval=3600)
    await hub.start()
    yield hub
    await hub.close()


async def publish(hub: Hub, n: int, topic: str = "forum:1") -> None:
    for i in range(n):
        await hub.publish(topic, "chat.message_posted", {"n": i})


async def test_every_subscriber_gets_every_event_in_order(hub):
    a, b = Recorder(), Recorder()
    await hub.subscribe(a, "forum:1", None, None)
    await hub.subscribe(b, "forum:1", None, None)
    await publish(hub, 3)
    assert a.seqs() == b.seqs() == [1, 2, 3]
    assert a.frames[0] == {
        "type": "chat.message_posted",
        "topic": "forum:1",
        "seq": 1,
        "data": {"n": 0},
    }


async def test_a_resuming_subscriber_gets_exactly_what_it_missed(hub):
    await publish(hub, 4)
    late = Recorder()
    epoch = (await hub.broker.history("forum:1", None)).epoch
    reply = await hub.subscribe(late, "forum:1", since=2, epoch=epoch)
    assert late.seqs() == [3, 4]
    assert (reply["seq"], reply["replayed"], reply["reload"]) == (4, 2, False)
    await publish(hub, 1)
    assert late.seqs() == [3, 4, 5]


async def test_resuming_from_before_the_window_asks_for_a_reload(hub):
    await publish(hub, 8)  # the window keeps 5: seqs 4..8
    late = Recorder()
    epoch = (await hub.broker.history("forum:1", None)).epoch
    reply = await hub.subscribe(late, "forum:1", since=1, epoch=epoch)
    assert (reply["reload"], reply["seq"], late.frames) == (True, 8, [])
    await publish(hub, 1)
    assert late.seqs() == [9]


async def test_resuming_from_another_epoch_asks_for_a_reload(hub):
    await publish(hub, 2)
    late = Recorder()
    reply = await hub.subscribe(late, "forum:1", since=1, epoch="an-old-epoch")
    assert reply["reload"] is True
    assert late.frames == []


async def test_a_fresh_subscriber_starts_after_the_current_seq(hub):
    await publish(hub, 3)
    fresh = Recorder()
    reply = await hub.subscribe(fresh, "forum:1", None, None)
    assert (reply["seq"], reply["replayed"], reply["reload"], fresh.frames) == (3, 0, False, [])


async def test_a_gap_in_the_live_stream_is_repaired_from_the_log_before_later_events(hub):
    follower = Recorder()
    await hub.subscribe(follower, "forum:1", None, None)
    broker: MemoryBroker = hub.broker  # type: ignore[assignment]
    await broker.unlisten("forum:1")  # the live stream drops seqs 1 and 2 ...
    await publish(hub, 2)
    await broker.listen("forum:1")
    await publish(hub, 1)  # ... and seq 3 arrives: 1 and 2 are fetched first
    await eventually(lambda: len(follower.seqs()) == 3)
    assert follower.seqs() == [1, 2, 3]


async def test_a_loss_during_a_repair_is_repaired_too_without_a_reset(hub):
    follower = Recorder()
    await hub.subscribe(follower, "forum:1", None, None)
    broker: MemoryBroker = hub.broker  # type: ignore[assignment]
    real_history = broker.history
    calls = 0

    async def history_losing_one_more(topic: str, since: int | None) -> History:
        nonlocal calls
        calls += 1
        result = await real_history(topic, since)
        if calls == 1:  # while the first repair reads the log, seq 4 is lost and 5 arrives
            await broker.unlisten(topic)
            await broker.publish(topic, "chat.message_posted", {"n": "lost"})
            await broker.listen(topic)
            await broker.publish(topic, "chat.message_posted", {"n": "live"})
        return result

    broker.history = history_losing_one_more  # type: ignore[method-assign]
    await broker.unlisten("forum:1")
    await publish(hub, 2)  # seqs 1 and 2 are lost live ...
    await broker.listen("forum:1")
    await publish(hub, 1)  # ... 3 arrives and starts the repair
    await eventually(lambda: len(follower.seqs()) == 5)
    assert follower.seqs() == [1, 2, 3, 4, 5]
    assert not [f for f in follower.frames if f["type"] == "subscription.reset"]


async def test_a_reset_during_a_subscribe_makes_it_reload_not_fail(hub):
    watcher = Recorder()
    await hub.subscribe(watcher, "forum:1", None, None)  # the topic is live in this hub
    await publish(hub, 2)
    broker: MemoryBroker = hub.broker  # type: ignore[assignment]
    real_history = broker.history

    async def history_then_a_reset(topic: str, since: int | None) -> History:
        result = await real_history(topic, since)
        # While this subscribe waited, the log was lost and the live stream moved on.
        broker._epoch = "new-epoch"
        hub._reset(topic, hub._topics[topic], History("new-epoch", 2, None))
        await broker.publish(topic, "chat.message_posted", {"n": "after the reset"})
        return result

    broker.history = history_then_a_reset  # type: ignore[method-assign]
    late = Recorder()
    reply = await hub.subscribe(late, "forum:1", since=0, epoch="old-epoch")
    broker.history = real_history  # type: ignore[method-assign]
    assert (reply["reload"], reply["seq"], reply["epoch"]) == (True, 2, "new-epoch")
    await publish(hub, 1)
    assert late.seqs() == [3, 4]  # live from the reset's position on, nothing replayed
    assert [f["type"] for f in late.frames][0] == "subscription.reset"


async def test_events_racing_a_replay_reach_the_resuming_subscriber_once(hub):
    await publish(hub, 2)
    broker: MemoryBroker = hub.broker  # type: ignore[assignment]
    real_history = broker.history

    async def history_with_a_race(topic: str, since: int | None) -> History:
        result = await real_history(topic, since)
        await broker.publish(topic, "chat.message_posted", {"n": "raced"})  # arrives live
        return result

    broker.history = history_with_a_race  # type: ignore[method-assign]
    watcher = Recorder()
    await hub.subscribe(watcher, "forum:1", None, None)  # makes the topic live in this hub
    late = Recorder()
    await hub.subscribe(late, "forum:1", since=0, epoch=(await real_history("forum:1", None)).epoch)
    broker.history = real_history  # type: ignore[method-assign]
    await publish(hub, 1)
    assert late.seqs() == [1, 2, 3, 4, 5]


async def test_a_dropped_subscriber_gets_nothing_more_and_is_not_counted(hub):
    gone, stays = Recorder(), Recorder()
    await hub.subscribe(gone, "forum:1", None, None)
    await hub.subscribe(stays, "forum:1", None, None)
    assert hub.local_count("forum:1") == 2
    hub.drop(gone)
    await publish(hub, 1)
    assert (gone.frames, stays.seqs(), hub.local_count("forum:1")) == ([], [1], 1)
    assert gone.topics == set()


async def test_lost_history_resets_the_topic_for_its_subscribers(hub):
    follower = Recorder()
    await hub.subscribe(follower, "forum:1", None, None)
    epoch = (await hub.broker.history("forum:1", None)).epoch
    hub.deliver(Event("forum:1", 50, b'{"type":"x","topic":"forum:1","seq":50,"data":{}}', epoch))
    await eventually(lambda: follower.frames)
    assert follower.frames[0]["type"] == "subscription.reset"


def test_text_frames_are_what_websockets_would_send():
    from expo.realtime.frames import text_frame

    payload = "数博会".encode() * 100
    frame = text_frame(payload)
    assert (frame[0], frame[1], int.from_bytes(frame[2:4]), frame[4:]) == (0x81, 126, 900, payload)


async def test_a_second_subscriber_waits_until_the_broker_listens():
    class SlowToListen(MemoryBroker):
        def __init__(self) -> None:
            super().__init__(replay_window=5)
            self.release = asyncio.Event()

        async def listen(self, topic: str) -> None:
            await self.release.wait()
            await super().listen(topic)

    broker = SlowToListen()
    hub = Hub(broker, presence_interval=3600)
    await hub.start()
    first, second = Recorder(), Recorder()
    try:
        one = asyncio.ensure_future(hub.subscribe(first, "forum:1", None, None))
        await eventually(lambda: "forum:1" in first.topics)  # waiting for the broker to listen
        two = asyncio.ensure_future(hub.subscribe(second, "forum:1", None, None))
        await eventually(lambda: "forum:1" in second.topics)  # waiting on the same listen
        await broker.publish("forum:1", "chat.message_posted", {"n": 0})  # not listened yet
        broker.release.set()
        replies = await asyncio.gather(one, two)
        await broker.publish("forum:1", "chat.message_posted", {"n": 1})
    finally:
        await hub.close()
    # Both start after what was published before the broker listened, and miss nothing after.
    assert [r["seq"] for r in replies] == [1, 1]
    assert first.seqs() == second.seqs() == [2]


async def test_a_subscriber_taken_off_while_subscribing_stays_off(hub):
    """An eviction (a ban) that lands while the subscription is being set up wins: the
    subscribe is refused with `subscribe.ended`, not finished (nor failed `internal`)."""
    from expo.realtime.hub import SubscriptionEnded

    history = hub.broker.history
    reading, go_on = asyncio.Event(), asyncio.Event()

    async def held_history(topic, since):
        reading.set()
        await go_on.wait()
        return await history(topic, since)

    hub.broker.history = held_history
    banned = Recorder()
    subscribing = asyncio.create_task(hub.subscribe(banned, "forum:1", None, None))
    await asyncio.wait_for(reading.wait(), 5)  # the subscribe is reading the log
    assert hub.leave(banned, "forum:1")  # Gateway.evicted, meanwhile
    go_on.set()
    with pytest.raises(SubscriptionEnded) as refused:
        await subscribing
    await publish(hub, 1)
    assert refused.value.code == "subscribe.ended"
    assert banned.topics == set() and banned.seqs() == []
    assert hub.local_count("forum:1") == 0


def lose_the_log(broker: MemoryBroker, epoch: str) -> None:
    """What Redis restarting empty does to a topic: a new epoch, seqs from 1 again."""
    broker._epoch = epoch
    broker._seq.clear()
    broker._log.clear()


async def until(condition, timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def resets(recorder: Recorder) -> list[dict]:
    return [f["data"] for f in recorder.frames if f["type"] == "subscription.reset"]


async def test_an_event_of_another_epoch_resets_the_topic_whatever_its_seq(hub):
    """The new epoch's seqs start again from 1: they must not be taken for ones already sent
    (dropped until they pass the old seq, then carried on with no reset)."""
    follower = Recorder()
    await hub.subscribe(follower, "forum:1", None, None)
    await publish(hub, 5)
    lose_the_log(hub.broker, "epoch-after-the-restart")
    await publish(hub, 7)
    await until(lambda: resets(follower))
    await publish(hub, 1)
    assert follower.seqs() == [1, 2, 3, 4, 5, 8]
    assert resets(follower) == [{"epoch": "epoch-after-the-restart", "seq": 7}]
    assert [f["type"] for f in follower.frames][5] == "subscription.reset"


async def test_a_repair_whose_log_read_fails_is_tried_again_until_it_succeeds(hub):
    """After Redis restarts, the first command on each pooled connection fails once: the
    repairs of the resync meet it, and must not give up and wait for a resync that never comes."""
    follower = Recorder()
    await hub.subscribe(follower, "forum:1", None, None)
    await publish(hub, 3)
    broker: MemoryBroker = hub.broker  # type: ignore[assignment]
    real_history = broker.history
    failures = 0

    async def history_failing_twice(topic: str, since: int | None) -> History:
        nonlocal failures
        if failures < 2:
            failures += 1
            raise BrokerUnavailable("redis: Connection closed by server.")
        return await real_history(topic, since)

    broker.history = history_failing_twice  # type: ignore[method-assign]
    lose_the_log(broker, "epoch-after-the-restart")
    hub.resync()  # the pub/sub connection came back
    await until(lambda: resets(follower), timeout=10)
    await publish(hub, 1)
    assert failures == 2
    assert resets(follower) == [{"epoch": "epoch-after-the-restart", "seq": 0}]
    assert follower.seqs() == [1, 2, 3, 1]


async def test_a_resync_during_a_repair_makes_it_read_the_log_again(hub):
    """A resync that lands while a repair reads the log is not lost: the repair reads again."""
    follower = Recorder()
    await hub.subscribe(follower, "forum:1", None, None)
    await publish(hub, 2)
    broker: MemoryBroker = hub.broker  # type: ignore[assignment]
    real_history = broker.history
    reads = 0

    async def history_then_lost(topic: str, since: int | None) -> History:
        nonlocal reads
        reads += 1
        result = await real_history(topic, since)
        if reads == 1:  # Redis restarts empty right after this read, and the stream resyncs
            lose_the_log(broker, "epoch-after-the-restart")
            hub.resync()
            await asyncio.sleep(0.01)  # the resync's repair starts while this one still runs
        return result

    broker.history = history_then_lost  # type: ignore[method-assign]
    hub.resync()
    await until(lambda: resets(follower))
    assert resets(follower) == [{"epoch": "epoch-after-the-restart", "seq": 0}]


async def test_a_subscribe_that_finds_a_new_epoch_moves_the_topic_over(hub):
    """No event of the new epoch came through yet, nor a resync: the subscribe that reads the
    new log is what notices, and every subscriber of the topic is reset, not only the new one."""
    follower = Recorder()
    await hub.subscribe(follower, "forum:1", None, None)
    await publish(hub, 4)
    lose_the_log(hub.broker, "epoch-after-the-restart")
    newcomer = Recorder()
    reply = await hub.subscribe(newcomer, "forum:1", None, None)
    assert (reply["epoch"], reply["seq"]) == ("epoch-after-the-restart", 0)
    await until(lambda: resets(follower))
    assert resets(follower) == [{"epoch": "epoch-after-the-restart", "seq": 0}]
    await publish(hub, 1)
    assert follower.seqs() == [1, 2, 3, 4, 1] and newcomer.seqs() == [1]


async def test_presence_is_counted_only_for_kinds_that_show_it():
    """`account:<id>` (one per signed-in page) is never reported nor read: only the kinds a
    feature declared (`show_presence`), each round in one exchange."""
    from expo.realtime.broker import Presence

    class Exchanges(MemoryBroker):
        def __init__(self) -> None:
            super().__init__(replay_window=5)
            self.rounds: list[tuple[Presence, set[str]]] = []
            self.round = asyncio.Event()

        async def exchange_presence(self, here, counts_of, rosters_of):
            self.rounds.append((here, set(counts_of) | set(rosters_of)))
            self.round.set()
            return await super().exchange_presence(here, counts_of, rosters_of)

    broker = Exchanges()
    hub = Hub(broker, presence_interval=0.01)
    hub.show_presence("forum")
    await hub.start()
    viewers = [Recorder() for _ in range(3)]
    try:
        for i, viewer in enumerate(viewers):
            await hub.subscribe(viewer, f"account:{i}", None, None)
            await hub.subscribe(viewer, "forum:1", None, None)
        async with asyncio.timeout(5):
            while viewers[0].frames[-1:] != [
                {"type": "presence.changed", "topic": "forum:1", "data": {"count": 3}}
            ]:
                broker.round.clear()
                await broker.round.wait()
    finally:
        await hub.close()
    here, read = broker.rounds[-1]
    assert (here.counts, read) == ({"forum:1": 3}, {"forum:1"})
    assert [f for v in viewers for f in v.frames if f["topic"].startswith("account:")] == []


async def test_a_kind_counted_by_role_counts_each_account_of_those_roles_once():
    """`show_presence(kind, roles)`: a booth's staff online counts its staff, once per account
    however many tabs, and never the organisers or anonymous sockets following the topic."""
    from expo.security import Principal

    hub = Hub(MemoryBroker(replay_window=5), presence_interval=0.01)
    hub.show_presence("booth-staff", frozenset({"exhibitor"}))
    await hub.start()
    people = [
        Principal(1, "exhibitor", "Staff A", exhibitor_id=7),
        Principal(1, "exhibitor", "Staff A", exhibitor_id=7),  # a second tab
        Principal(2, "exhibitor", "Staff B", exhibitor_id=7),
        Principal(3, "organizer", "Organiser"),
        None,
    ]
    followers = []
    try:
        for principal in people:
            follower = Recorder()
            follower.principal = principal
            followers.append(follower)
            await hub.subscribe(follower, "booth-staff:7", None, None)
        assert hub.local_count("booth-staff:7") == 5  # every socket follows it...
        # ...and two people of the role count, read back from the broker and pushed.
        assert await eventually(lambda: _staff_count(hub)) == 2
        await eventually(
            lambda: (
                {"type": "presence.changed", "topic": "booth-staff:7", "data": {"count": 2}}
                in followers[3].frames
            )
        )
    finally:
        await hub.close()


async def _staff_count(hub: Hub) -> int | None:
    """The count once it is 2 (else None: wait); 3 or 5 would never pass."""
    count = (await hub.presence(["booth-staff:7"])).get("booth-staff:7")
    return count if count == 2 else None


async def test_figures_sent_here_reach_this_process_followers_only_once(hub):
    """`send_here`: the booth dashboard's way of telling its own followers (each process tells
    its own, so nobody gets a figure twice); `local_topics` lists what is followed here."""
    staff, other, visitor = Recorder(), Recorder(), Recorder()
    await hub.subscribe(staff, "booth-staff:1", None, None)
    await hub.subscribe(other, "booth-staff:2", None, None)
    await hub.subscribe(visitor, "booth:1", None, None)
    assert sorted(hub.local_topics("booth-staff")) == ["booth-staff:1", "booth-staff:2"]
    assert hub.send_here("booth-staff:1", "booth.dashboard", {"leads_total": 3}) == 1
    assert staff.frames == [
        {"type": "booth.dashboard", "topic": "booth-staff:1", "data": {"leads_total": 3}}
    ]
    assert other.frames == [] and visitor.frames == []
    assert hub.send_here("booth-staff:9", "booth.dashboard", {}) == 0  # nobody follows it here
    hub.drop(staff)
    assert hub.local_topics("booth-staff") == ["booth-staff:2"]
