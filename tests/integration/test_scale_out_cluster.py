"""Two `expo serve` processes on a Redis Cluster of three masters (tests/redis_cluster.py) and
PostgreSQL behave as one, as they do on one Redis: chat across forums whose topics are on
different masters, scale-out tests of test_scale_out.py again (gap-free seqs, resume on the
other process, presence, a sign-out and reactions told to every process), and what lives
elsewhere in Redis: a booth's queue and a rate limit, each agreed on by both processes."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest

from matchmaking.queue_index import RedisQueueIndex
from matchmaking.queue_line import Entry, Line
from tests import redis_cluster as own_cluster
from tests.cluster import Process, servers_env, sign_in, started_pair
from tests.integration import test_scale_out as scale_out
from tests.live import Peer, prepare_demo_database
from tests.redis_cluster import RedisCluster
from tests.services import fresh_postgres_database

redis_cluster = own_cluster.redis_cluster  # a fixture, by name

# The scale-out tests of each path through Redis (fanout is the test below's, across masters):
# numbering from two processes at once, the replay log, presence on the processes' slot, the
# control channel (a sign-out, a reaction burst) and the reactions' pile.
for _name in (
    "test_seqs_stay_gap_free_when_both_processes_publish_at_once",
    "test_a_client_that_reconnects_to_the_other_process_gets_exactly_what_it_missed",
    "test_presence_counts_every_process",
    "test_signing_out_on_one_process_closes_the_sessions_sockets_on_the_other",
    "test_reactions_from_both_processes_reach_everyone_summed",
):
    globals()[_name] = getattr(scale_out, _name)

# Failed sign-ins per account and address: the one limit left on, shared through the cluster.
FAILED_SIGN_INS = 5


@pytest.fixture(scope="module")
async def cluster_env(redis_cluster: RedisCluster) -> AsyncIterator[dict[str, str]]:
    async with fresh_postgres_database() as database_url:
        await prepare_demo_database(database_url)
        rates = {"sign_in_pair": f"{FAILED_SIGN_INS}/900"}
        env = servers_env(database_url, redis_cluster.url, rates)
        yield env


@pytest.fixture(scope="module")
async def two_processes(
    cluster_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Process, Process]]:
    async with started_pair(cluster_env, tmp_path_factory.mktemp("cluster-logs")) as pair:
        yield pair


async def test_chat_on_forums_of_different_masters_reaches_the_other_process_in_order(
    redis_cluster: RedisCluster, two_processes: tuple[Process, Process]
) -> None:
    a, b = two_processes
    forums = [1, 2, 3, 4, 5, 6]
    masters = {f: redis_cluster.owner(f"expo:{{forum:{f}}}:events") for f in forums}
    assert len(set(masters.values())) >= 2, masters
    cookie = await sign_in(a)
    async with a.connect() as watcher_ws, b.connect(cookie) as author_ws:
        watcher, author = Peer(watcher_ws), Peer(author_ws)
        for f in forums:
            await watcher.command("subscribe", {"topic": f"forum:{f}"})
        sent: dict[int, list[int]] = {f: [] for f in forums}
        for i in range(3):
            for f in forums:
                reply = await author.command("chat.send", {"forum": f, "text": f"分片 {i}"})
                sent[f].append(reply["data"]["seq"])
        heard: dict[int, list[int]] = {f: [] for f in forums}
        for _ in range(3 * len(forums)):
            event = await watcher.event("chat.message_posted")
            heard[int(event["topic"].split(":")[1])].append(event["seq"])
    assert heard == sent
    assert all(seqs == list(range(seqs[0], seqs[0] + 3)) for seqs in sent.values())


async def sign_in_with(process: Process, email: str, password: str) -> int:
    async with httpx.AsyncClient(base_url=process.base) as http:
        response = await http.post("/api/session", json={"email": email, "password": password})
    return response.status_code


async def test_failed_sign_ins_on_both_processes_spend_one_budget(
    two_processes: tuple[Process, Process],
) -> None:
    a, b = two_processes
    email = f"guess-{secrets.token_hex(4)}@demo.shubo.live"
    statuses = [
        await sign_in_with(a if i % 2 else b, email, "wrong-password")
        for i in range(FAILED_SIGN_INS)
    ]
    assert statuses == [401] * FAILED_SIGN_INS
    # Either process refuses the next: the budget is one, on the cluster.
    assert await sign_in_with(a, email, "wrong-password") == 429
    assert await sign_in_with(b, email, "wrong-password") == 429


async def test_a_booth_queue_joined_on_both_processes_has_one_order(
    two_processes: tuple[Process, Process],
) -> None:
    a, b = two_processes
    first = await sign_in(a)
    second = await sign_in(b, "speaker@demo.shubo.live")
    exhibitor = 1

    async def join(process: Process, cookie: str) -> int:
        async with httpx.AsyncClient(base_url=process.base, headers={"Cookie": cookie}) as http:
            response = await http.post(
                f"/api/match/queues/{exhibitor}/tickets", json={"share_card": False}
            )
        assert response.status_code in (200, 201), response.text
        return int(response.json()["ticket"]["id"])

    async def position(process: Process, cookie: str, ticket: int) -> int:
        async with httpx.AsyncClient(base_url=process.base, headers={"Cookie": cookie}) as http:
            response = await http.get(f"/api/match/queue-tickets/{ticket}")
        assert response.status_code == 200, response.text
        return int(response.json()["ticket"]["line"]["position"])

    ticket_1, ticket_2 = await join(a, first), await join(b, second)
    assert await join(b, first) == ticket_1  # joining again, elsewhere: the same ticket
    assert [
        await position(a, first, ticket_1),
        await position(b, first, ticket_1),
        await position(a, second, ticket_2),
        await position(b, second, ticket_2),
    ] == [1, 1, 2, 2]


async def test_queue_lengths_of_booths_on_every_master_are_read_in_one_call(
    redis_cluster: RedisCluster,
) -> None:
    """The control room reads every booth's length at once: a pipeline that a cluster splits
    per master (booths far above the demo's, so no process here touches them)."""
    booths = list(range(90_001, 90_013))
    masters = {redis_cluster.owner(f"expo:q:{{{booth}}}:line") for booth in booths}
    assert masters == set(redis_cluster.ports)
    index = RedisQueueIndex(redis_cluster.url)
    try:
        for n, booth in enumerate(booths):
            entries = [Entry(ticket, float(ticket)) for ticket in range(n)]
            assert await index.rebuild(booth, Line(1, float(n), 1, entries))
        unloaded = 90_999
        assert await index.lengths([*booths, unloaded]) == {b: n for n, b in enumerate(booths)}
        found = await index.position(booths[5], 3)
        assert found is not None and (found.position, found.length) == (4, 5)
    finally:
        await index.close()
