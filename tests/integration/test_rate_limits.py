"""Rate limits on real servers: per account, per address, and shared by processes via Redis."""

from __future__ import annotations

import secrets

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from expo.ratelimit import DEFAULT_RATES, MemoryLimiter, Rate, RedisLimiter, gcra
from tests.live import LiveServer, Peer, live_server, make_settings
from tests.services import REDIS_URL, check_redis

STRICT = {**{name: Rate(100_000, 1) for name in DEFAULT_RATES}}


@pytest.fixture(scope="module")
async def strict(demo_sqlite):
    limits = {**STRICT, "chat": Rate(3, 60), "sign_in": Rate(4, 60), "connect": Rate(8, 60)}
    async with live_server(make_settings(demo_sqlite, rate_limits=limits)) as live:
        yield live


async def test_chat_beyond_the_limit_is_refused_with_retry_after_and_not_stored(strict):
    cookie = await strict.sign_in("speaker@demo.shubo.live")
    async with strict.connect(cookie) as ws:
        me = Peer(ws)
        replies = [
            await me.command("chat.send", {"forum": 5, "text": f"第{i}条"}) for i in range(4)
        ]
    assert [r["type"] for r in replies] == ["ok", "ok", "ok", "error"]
    error = replies[3]["error"]
    assert error["code"] == "rate_limited" and 0 < error["retry_after"] <= 20
    async with strict.http() as http:
        texts = [m["text"] for m in (await http.get("/api/forums/5/chat")).json()["messages"]]
    assert "第3条" not in texts and "第2条" in texts


async def test_sign_in_attempts_are_limited_per_address(strict: LiveServer):
    async with strict.http() as http:
        statuses = []
        for _ in range(6):
            response = await http.post(
                "/api/session", json={"email": "nobody@demo.shubo.live", "password": "guess"}
            )
            statuses.append(response.status_code)
    assert 429 in statuses
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response.headers["retry-after"]) >= 1


async def test_websocket_connection_attempts_are_limited_per_address(strict: LiveServer):
    refused = None
    for _ in range(12):
        try:
            async with websockets.connect(strict.ws_url):
                pass
        except InvalidStatus as error:
            refused = error
            break
    assert refused is not None and refused.response.status_code == 429
    assert int(refused.response.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("make", ["memory", "redis"])
async def test_both_limiters_decide_alike(make):
    if make == "redis":
        await check_redis()
        limiter = RedisLimiter(REDIS_URL)
    else:
        limiter = MemoryLimiter()
    key = f"test:{secrets.token_hex(4)}"
    decisions = [await limiter.hit(key, Rate(3, 60)) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert 0 < decisions[3].retry_after <= 20
    if isinstance(limiter, RedisLimiter):
        await limiter.close()


async def test_two_redis_limiters_share_one_budget():
    await check_redis()
    a, b = RedisLimiter(REDIS_URL), RedisLimiter(REDIS_URL)
    key = f"test:{secrets.token_hex(4)}"
    decisions = [await (a if i % 2 else b).hit(key, Rate(4, 60)) for i in range(6)]
    await a.close()
    await b.close()
    assert [d.allowed for d in decisions] == [True, True, True, True, False, False]


async def test_subscribing_beyond_the_limit_is_refused(demo_sqlite):
    limits = {**STRICT, "subscribe": Rate(3, 60)}
    async with live_server(make_settings(demo_sqlite, rate_limits=limits)) as live:
        async with live.connect() as ws:
            me = Peer(ws)
            replies = [await me.command("subscribe", {"topic": f"forum:{n}"}) for n in (1, 2, 3, 4)]
    assert [r["type"] for r in replies] == ["ok", "ok", "ok", "error"]
    assert replies[3]["id"] == "t4" and replies[3]["error"]["code"] == "rate_limited"
    assert 0 < replies[3]["error"]["retry_after"] <= 20


def test_the_subscribe_rate_lets_a_page_follow_a_dozen_topics_over_a_few_reconnects():
    """A tab following a dozen topics, reconnecting with four more tabs of the same account at
    once (a network blip): sixty subscriptions in a burst are never refused."""
    rate = DEFAULT_RATES["subscribe"]
    tat, now = None, 0.0
    for _ in range(5 * 12):
        decision, tat = gcra(tat, now, rate)
        assert decision.allowed
