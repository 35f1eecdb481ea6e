"""Rate limits on real servers: per account, per address, and shared by processes via Redis."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from expo.models import Account
from expo.ratelimit import DEFAULT_RATES, MemoryLimiter, Rate, RedisLimiter, gcra
from expo.security import STANDARD_HASHER
from tests.live import LiveServer, Peer, live_server, make_settings
from tests.services import REDIS_URL, check_redis

STRICT = {**{name: Rate(100_000, 1) for name in DEFAULT_RATES}}


@pytest.fixture(scope="module")
async def strict(demo_sqlite):
    limits = {
        **STRICT,
        "chat": Rate(3, 60),
        "sign_in": Rate(4, 60),
        "connect": Rate(8, 60),
        "refusals": Rate(3, 60),
    }
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


async def test_refused_commands_spend_a_budget_after_which_none_is_worked_on(strict):
    """A script probing other people's ids is refused each time, but each refusal cost the
    server a database read; past the account's budget of refusals its commands are answered
    `rate_limited` before any work, valid ones too, on every socket of that account, while
    another account is served (issue 14's abuse scenario)."""
    cookie = await strict.sign_in("attendee@demo.shubo.live")
    other = await strict.sign_in("speaker@demo.shubo.live")
    async with strict.connect(cookie) as ws, strict.connect(cookie) as second:
        me, again = Peer(ws), Peer(second)
        probes = [await me.command("queue.leave", {"ticket": 10**6 + i}) for i in range(3)] + [
            await me.command("nope.unknown", {})
        ]
        assert [p["error"]["code"] for p in probes[:3]] == ["queue.unknown_ticket"] * 3, probes
        cut = probes[3]["error"]
        assert cut["code"] == "rate_limited" and 0 < cut["retry_after"] <= 20, cut
        valid = await again.command("subscribe", {"topic": "forum:2"})
        assert valid["type"] == "error" and valid["error"]["code"] == "rate_limited", valid
    async with strict.connect(other) as ws:
        served = await Peer(ws).command("subscribe", {"topic": "forum:2"})
        assert served["type"] == "ok", served


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


@pytest.mark.parametrize("make", ["memory", "redis"])
async def test_a_look_at_a_budget_spends_none_of_it_in_both_limiters(make: str) -> None:
    if make == "redis":
        await check_redis()
        limiter = RedisLimiter(REDIS_URL)
    else:
        limiter = MemoryLimiter()
    key, rate = f"test:{secrets.token_hex(4)}", Rate(2, 60)
    looks = [await limiter.hit(key, rate, spend=False) for _ in range(5)]
    spent = [await limiter.hit(key, rate) for _ in range(3)]
    after = await limiter.hit(key, rate, spend=False)
    if isinstance(limiter, RedisLimiter):
        await limiter.close()
    assert [d.allowed for d in looks] == [True] * 5
    assert [d.allowed for d in spent] == [True, True, False]
    assert not after.allowed and 0 < after.retry_after <= 30


@pytest.mark.parametrize("make", ["memory", "redis"])
async def test_a_loosened_rate_applies_at_once_not_after_the_old_budget_refills(make: str) -> None:
    """An operator who raises a limit (EXPO_RATE_LIMITS, restart) after a lock-out expects it to
    hold now: a budget spent under the old rate must not keep refusing under the new one (a
    strict rate's state left in the shared Redis locked the tests' fast-rate sign-ins out)."""
    if make == "redis":
        await check_redis()
        limiter: MemoryLimiter | RedisLimiter = RedisLimiter(REDIS_URL)
    else:
        limiter = MemoryLimiter()
    key = f"test:{secrets.token_hex(4)}"
    strict_spent = [await limiter.hit(key, Rate(2, 900)) for _ in range(3)]
    loose = await limiter.hit(key, Rate(100_000, 1), spend=False)
    if isinstance(limiter, RedisLimiter):
        await limiter.close()
    assert [d.allowed for d in strict_spent] == [True, True, False]
    assert loose.allowed


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


async def test_sign_in_attempts_are_limited_per_account_across_addresses(demo_sqlite):
    """A guesser spreading attempts over many addresses (a botnet) still spends one budget per
    account; the addresses come through X-Forwarded-For from the trusted proxy (127.0.0.1)."""
    limits = {**STRICT, "sign_in": Rate(4, 60), "sign_in_account": Rate(3, 60)}
    async with live_server(make_settings(demo_sqlite, rate_limits=limits)) as live:
        async with live.http() as http:
            responses = [
                await http.post(
                    "/api/session",
                    json={"email": "Moderator@demo.shubo.live", "password": "guess"},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                )
                for n in range(5)
            ]
            other = await http.post(
                "/api/session",
                json={"email": "attendee@demo.shubo.live", "password": "shubo-demo-2026"},
                headers={"X-Forwarded-For": "198.51.100.99"},
            )
    assert [r.status_code for r in responses] == [401, 401, 401, 429, 429]
    assert responses[3].json()["error"]["code"] == "rate_limited"
    assert int(responses[3].headers["retry-after"]) >= 1
    assert other.status_code == 200  # another account's budget is its own


# The per-account sign-in budgets as shipped; the per-address route rate out of the way, so the
# addresses below stand for as many machines as they need.
SHIPPED_SIGN_IN = {
    **STRICT,
    **{name: rate for name, rate in DEFAULT_RATES.items() if name.startswith("sign_in_")},
}


async def attempt(http: httpx.AsyncClient, email: str, password: str, address: str) -> int:
    response = await http.post(
        "/api/session",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )
    return response.status_code


async def test_a_guesser_with_two_addresses_cannot_lock_the_owner_out(demo_sqlite: str) -> None:
    """Someone sending the organiser's email with wrong passwords from two addresses, as fast as
    they are let: each address runs out of its own budget for that account long before the
    account's is spent, and the owner, elsewhere, signs in."""
    owner = "organizer@demo.shubo.live"
    async with live_server(make_settings(demo_sqlite, rate_limits=SHIPPED_SIGN_IN)) as live:
        async with live.http() as http:
            guesses = {
                address: [await attempt(http, owner, f"guess-{n}", address) for n in range(8)]
                for address in ("198.51.100.1", "198.51.100.2")
            }
            own = await attempt(http, owner, "shubo-demo-2026", "203.0.113.50")
    assert own == 200
    for statuses in guesses.values():
        assert statuses[-1] == 429 and set(statuses) == {401, 429}


async def test_signing_in_correctly_spends_no_budget_of_the_account(demo_sqlite: str) -> None:
    """Successes are not attempts to guess: an account signing in from many devices in a row
    (a booth's tablets) is never refused for it."""
    async with live_server(make_settings(demo_sqlite, rate_limits=SHIPPED_SIGN_IN)) as live:
        async with live.http() as http:
            statuses = [
                await attempt(http, "exhibitor@demo.shubo.live", "shubo-demo-2026", f"192.0.2.{n}")
                for n in range(1, 2 + DEFAULT_RATES["sign_in_account"].burst)
            ]
    assert set(statuses) == {200}


async def test_a_guesser_spread_over_many_addresses_still_meets_the_account_budget(
    demo_sqlite: str,
) -> None:
    """The looser per-account budget still bounds guessing from a botnet: one wrong password
    from each of many addresses runs into it."""
    account = DEFAULT_RATES["sign_in_account"]
    async with live_server(make_settings(demo_sqlite, rate_limits=SHIPPED_SIGN_IN)) as live:
        async with live.http() as http:
            statuses = [
                await attempt(
                    http, "moderator@demo.shubo.live", "guess", f"198.18.{n // 250}.{n % 250}"
                )
                for n in range(account.burst + 2)
            ]
    assert statuses == [401] * account.burst + [429, 429]


async def test_an_unknown_email_costs_a_password_verification_like_a_known_one(
    server: LiveServer, monkeypatch
):
    """Answering an unknown email without hashing would tell, by the time taken, which emails
    have accounts: both paths verify one Argon2 hash (counted, not timed)."""
    import argon2

    verified: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def counting_verify(self, hash, password):  # noqa: A002 (argon2's own name)
        verified.append(password)
        return real_verify(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting_verify)
    async with server.http() as http:
        for email in ("attendee@demo.shubo.live", "nobody-at-all@demo.shubo.live"):
            response = await http.post("/api/session", json={"email": email, "password": email})
            assert response.status_code == 401
    assert verified == ["attendee@demo.shubo.live", "nobody-at-all@demo.shubo.live"]


async def test_a_flood_of_sign_ins_is_turned_away_quickly_not_queued_without_end(demo_sqlite):
    """Argon2 takes 64 MiB and tens of milliseconds a hash: a few at once, a few waiting, and
    the rest refused at once with `account.busy` (503, Retry-After) instead of piling up."""
    settings = make_settings(demo_sqlite, password_workers=1, password_queue=1)
    email = f"flood-{secrets.token_hex(4)}@example.org"
    async with live_server(settings) as live:
        async with live.services.db() as db:  # hashed as production hashes (the suite's are light)
            db.add(
                Account(email=email, password_hash=STANDARD_HASHER.hash("x" * 12), display_name="F")
            )
            await db.commit()
        async with live.http() as http:

            async def attempt(n: int) -> int:
                response = await http.post(
                    "/api/session", json={"email": email, "password": f"guess-{n}"}
                )
                if response.status_code == 503:
                    assert response.json()["error"]["code"] == "account.busy"
                    assert int(response.headers["retry-after"]) >= 1
                return response.status_code

            statuses = await asyncio.gather(*(attempt(n) for n in range(16)))
    assert set(statuses) == {401, 503}


# The registration budget as shipped; every other rate out of the way.
SHIPPED_REGISTER = {**STRICT, "register": DEFAULT_RATES["register"]}
NEW_PASSWORD = "黔山秀水-big-data-2026"


@pytest.fixture(params=["memory", "redis"])
async def registering(
    request: pytest.FixtureRequest, demo_sqlite: str
) -> AsyncIterator[LiveServer]:
    """A server with the shipped registration budget, kept in the process or in Redis."""
    redis: dict[str, object] = {}
    if request.param == "redis":
        await check_redis()
        redis = {"redis_url": REDIS_URL}
    settings = make_settings(demo_sqlite, rate_limits=SHIPPED_REGISTER, **redis)
    async with live_server(settings) as live:
        yield live


def new_address() -> str:
    """An address of its own for each run: a budget kept in Redis outlives the test."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


async def register(live: LiveServer, email: str, address: str, **form: str) -> httpx.Response:
    """One registration from `address` (through the trusted proxy), in a client of its own: a
    person trying again from a fresh page, not signed in by an earlier success."""
    body = {"email": email, "password": NEW_PASSWORD, "display_name": "新观众", **form}
    async with live.http() as http:
        return await http.post("/api/accounts", json=body, headers={"X-Forwarded-For": address})


def new_email() -> str:
    return f"visitor-{secrets.token_hex(4)}@example.cn"


async def test_typos_at_registering_spend_no_budget(registering: LiveServer) -> None:
    """A person who mistypes their email, picks a weak password a few times and forgets their
    name is refused each time with what to fix (400), and registers on the next try: refusals
    of the form are typos, not attempts on anyone."""
    address, live = new_address(), registering
    typos = [
        await register(live, "visitor.example.cn", address),
        await register(live, new_email(), address, password="short"),
        await register(live, new_email(), address, password="password123"),
        await register(live, "zhaomin@example.cn", address, password="zhaomin-2026-gz"),
        await register(live, new_email(), address, display_name="  "),
        await register(live, new_email(), address, password="aaaaaaaaaaaaaaaa"),
    ]
    registered = await register(live, new_email(), address)
    assert [r.json()["error"]["code"] for r in typos] == [
        "account.bad_email",
        "account.weak_password",
        "account.weak_password",
        "account.weak_password",
        "account.bad_name",
        "account.weak_password",
    ]
    assert registered.status_code == 201


async def test_registrations_and_taken_emails_spend_the_address_budget(
    registering: LiveServer,
) -> None:
    """What the budget is for: accounts made in a row from one address, and emails tried to
    learn which have accounts (each taken one is told apart by its 409). Both spend; once spent,
    even a typo is told to wait (with Retry-After) before it is checked; another address is
    not concerned."""
    assert DEFAULT_RATES["register"].burst == 3  # the three below, at once
    address, live = new_address(), registering
    spent = [
        await register(live, "attendee@demo.shubo.live", address),
        await register(live, new_email(), address),
        await register(live, "speaker@demo.shubo.live", address),
    ]
    refused = await register(live, new_email(), address)
    typo = await register(live, new_email(), address, password="short")
    elsewhere = await register(live, new_email(), new_address())
    assert [r.status_code for r in spent] == [409, 201, 409]
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")
    assert int(refused.headers["retry-after"]) >= 1
    assert typo.status_code == 429
    assert elsewhere.status_code == 201


# The sign-in budget as shipped, for accepting invitations; every other rate out of the way.
SHIPPED_ACCEPT = {**STRICT, "sign_in": DEFAULT_RATES["sign_in"]}


@pytest.fixture(params=["memory", "redis"])
async def accepting(request: pytest.FixtureRequest, demo_sqlite: str) -> AsyncIterator[LiveServer]:
    """A server with the shipped sign-in budget (which accepting an invitation spends)."""
    redis: dict[str, object] = {}
    if request.param == "redis":
        await check_redis()
        redis = {"redis_url": REDIS_URL}
    settings = make_settings(demo_sqlite, rate_limits=SHIPPED_ACCEPT, **redis)
    async with live_server(settings) as live:
        yield live


async def invite(live: LiveServer) -> str:
    """A fresh speaker invitation's token."""
    cookie = await live.sign_in("organizer@demo.shubo.live")
    async with live.http(headers={"Cookie": cookie}) as http:
        created = await http.post(
            "/api/invitations", json={"email": new_email(), "role": "speaker"}
        )
    assert created.status_code == 201, created.text
    return str(created.json()["link"].rsplit("/", 1)[1])


async def accept(live: LiveServer, address: str, **form: str) -> httpx.Response:
    async with live.http() as http:
        return await http.post(
            "/api/invitations/accept", json=form, headers={"X-Forwarded-For": address}
        )


async def test_typos_at_accepting_an_invitation_spend_no_budget(accepting: LiveServer) -> None:
    """An invitee who picks weak passwords and forgets their name more times than the sign-in
    burst is told what to fix each time, and then accepts: the form's refusals are typos."""
    burst = DEFAULT_RATES["sign_in"].burst
    address, live = new_address(), accepting
    token = await invite(live)
    typos = [
        await accept(live, address, token=token, display_name="新嘉宾", password="short")
        for _ in range(burst)
    ] + [await accept(live, address, token=token, display_name=" ", password=NEW_PASSWORD)]
    accepted = await accept(
        live, address, token=token, display_name="新嘉宾", password=NEW_PASSWORD
    )
    assert [r.status_code for r in typos] == [400] * (burst + 1)
    assert accepted.status_code == 200, accepted.text


async def test_guessed_invitation_links_and_acceptances_spend_the_sign_in_budget(
    accepting: LiveServer,
) -> None:
    """What the budget bounds: links guessed (each unknown one told apart by its 404) and
    acceptances made in a row. Once spent, even a typo waits; another address does not."""
    burst = DEFAULT_RATES["sign_in"].burst
    address, live = new_address(), accepting
    token = await invite(live)
    guesses = [
        await accept(live, address, token=secrets.token_urlsafe(24)) for _ in range(burst - 1)
    ]
    accepted = await accept(
        live, address, token=token, display_name="新嘉宾", password=NEW_PASSWORD
    )
    refused = await accept(live, address, token=secrets.token_urlsafe(24))
    elsewhere = await accept(live, new_address(), token=secrets.token_urlsafe(24))
    assert [r.status_code for r in guesses] == [404] * (burst - 1)
    assert accepted.status_code == 200
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")
    assert elsewhere.status_code == 404


async def test_handshakes_past_the_admission_line_are_refused_503_with_retry_after(demo_sqlite):
    """A reconnect storm: a process admits EXPO_MAX_OPENING handshakes at once and lets the
    others wait; one that has waited EXPO_OPENING_WAIT (here: none at all) is answered 503 with
    Retry-After before its session is read, and the others open."""
    settings = make_settings(demo_sqlite, max_opening=1, opening_wait=0.0)
    async with live_server(settings) as live:
        cookie = await live.sign_in("attendee@demo.shubo.live")
        for _ in range(3):  # one at a time: never refused (and the pace is measured)
            async with live.connect(cookie) as ws:
                assert (await Peer(ws).command("subscribe", {"topic": "forum:1"}))["type"] == "ok"

        async def opening() -> int | InvalidStatus:
            try:
                async with websockets.connect(
                    live.ws_url, additional_headers={"Cookie": cookie}
                ) as ws:
                    reply = await Peer(ws).command("subscribe", {"topic": "forum:1"})
                    return 101 if reply["type"] == "ok" else 0
            except InvalidStatus as refused:
                return refused

        answers = await asyncio.gather(*(opening() for _ in range(15)))
        refused = [a for a in answers if isinstance(a, InvalidStatus)]
        assert 101 in answers, answers  # the first in line is admitted
        assert refused, answers
        for one in refused:
            assert one.response.status_code == 503, one.response.status_code
            assert 1 <= int(one.response.headers["Retry-After"]) <= 60
        async with live.connect(cookie) as ws:  # the storm over: admitted again
            assert (await Peer(ws).command("subscribe", {"topic": "forum:1"}))["type"] == "ok"


async def test_a_flooding_connection_is_slowed_not_refused_and_others_are_served_meanwhile(
    demo_sqlite,
):
    """Rate `commands` (per connection): past it the server stops reading that socket until it
    may send again. The flood's commands past the burst wait their turn and are then answered
    `ok` (none refused), while another connection is answered at once."""
    limits = {**STRICT, "commands": Rate(1, 4, burst=3)}  # 3 at once, then one every 4 s
    async with live_server(make_settings(demo_sqlite, rate_limits=limits)) as live:
        async with live.connect() as flood_ws, live.connect() as other_ws:
            flood, other = Peer(flood_ws), Peer(other_ws)
            for i in range(5):
                kind = "subscribe" if i % 2 == 0 else "unsubscribe"
                await flood_ws.send(
                    json.dumps({"type": kind, "id": f"f{i}", "data": {"topic": "forum:1"}})
                )
            burst = [await flood.reply(f"f{i}") for i in range(3)]
            assert [r["type"] for r in burst] == ["ok"] * 3, burst
            served = await other.command("subscribe", {"topic": "forum:2"})
            assert served["type"] == "ok", served
            with pytest.raises(TimeoutError):  # unpaced, it would have been answered at once
                await flood.reply("f3", timeout=1.5)
            late = await flood.reply("f3", timeout=10)
            assert late["type"] == "ok", late
