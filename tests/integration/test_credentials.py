"""Changing a password (knowing it, or by an emailed one-time link) and an email (confirmed by a
link to the new address), over a real server and a local SMTP server."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select
from websockets.exceptions import ConnectionClosed

from expo.account_links import issue_reset_link
from expo.admin import reset_link
from expo.models import AccountLink, utcnow
from expo.ratelimit import DEFAULT_RATES, Rate
from tests.cluster import Process
from tests.live import LiveServer, Peer, live_server, make_settings
from tests.mail import Mailbox, link_in, smtp_server, text_of
from tests.waiting import eventually

STRONG = "黔山秀水-big-data-2026"
NEWER = "云上贵州-数据之都-2027"


@pytest.fixture(scope="module")
async def mail_and_server(demo_sqlite) -> AsyncIterator[tuple[Mailbox, LiveServer]]:
    async with smtp_server() as mailbox:
        async with live_server(make_settings(demo_sqlite, smtp_url=mailbox.url)) as live:
            yield mailbox, live


async def register(live: LiveServer, name: str = "测试 Tester") -> tuple[str, str]:
    """A fresh account: its email and the Cookie header of its session."""
    email = f"cred-{secrets.token_hex(4)}@example.cn"
    async with live.http() as http:
        made = await http.post(
            "/api/accounts", json={"email": email, "password": STRONG, "display_name": name}
        )
    assert made.status_code == 201, made.text
    return email, f"expo_session={made.cookies['expo_session']}"


async def closed_code(ws) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(2.0):
            while True:
                await ws.recv()
    return closed.value.rcvd.code


async def status_of_me(live: LiveServer, cookie: str) -> int:
    async with live.http(headers={"Cookie": cookie}) as http:
        return (await http.get("/api/me")).status_code


# --- changing the password ----------------------------------------------------------------


async def test_changing_the_password_ends_every_other_session_and_keeps_this_one(
    mail_and_server,
):
    _, live = mail_and_server
    email, this = await register(live)
    other = await live.sign_in(email, STRONG)
    async with live.connect(this) as mine, live.connect(other) as theirs:
        for ws in (mine, theirs):
            assert (await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"
        async with live.http(headers={"Cookie": this}) as http:
            wrong = await http.post(
                "/api/me/password", json={"current_password": "nope", "new_password": NEWER}
            )
            weak = await http.post(
                "/api/me/password", json={"current_password": STRONG, "new_password": "short"}
            )
            assert await status_of_me(live, other) == 200  # refusals change nothing
            changed = await http.post(
                "/api/me/password", json={"current_password": STRONG, "new_password": NEWER}
            )
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "account.bad_password")
        assert (weak.status_code, weak.json()["error"]["code"]) == (400, "account.weak_password")
        assert changed.status_code == 200, changed.text
        assert changed.json()["sessions_ended"] == 1
        assert await closed_code(theirs) == 4001
        still = await Peer(mine).command("chat.send", {"forum": 2, "text": "still here"})
    assert still["type"] == "ok"
    assert await status_of_me(live, this) == 200
    assert await status_of_me(live, other) == 401
    async with live.http() as http:
        old = await http.post("/api/session", json={"email": email, "password": STRONG})
        new = await http.post("/api/session", json={"email": email, "password": NEWER})
    assert (old.status_code, new.status_code) == (401, 200)


async def test_a_password_change_closes_sockets_on_every_process(
    two_processes: tuple[Process, Process],
):
    a, b = two_processes
    async with httpx.AsyncClient(base_url=a.base) as http:
        email = f"cred-{secrets.token_hex(4)}@example.cn"
        made = await http.post(
            "/api/accounts", json={"email": email, "password": STRONG, "display_name": "两处"}
        )
        this = f"expo_session={made.cookies['expo_session']}"
    async with httpx.AsyncClient(base_url=b.base) as http:
        signed = await http.post("/api/session", json={"email": email, "password": STRONG})
        other = f"expo_session={signed.cookies['expo_session']}"
    async with b.connect(other) as on_b, a.connect(this) as on_a:
        for ws in (on_a, on_b):
            assert (await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"
        async with httpx.AsyncClient(base_url=a.base, headers={"Cookie": this}) as http:
            changed = await http.post(
                "/api/me/password", json={"current_password": STRONG, "new_password": NEWER}
            )
        assert changed.status_code == 200, changed.text
        assert await closed_code(on_b) == 4001
        assert (await Peer(on_a).command("subscribe", {"topic": "forum:3"}))["type"] == "ok"


async def test_a_reset_on_postgresql_ends_sessions_on_every_process_and_works_once(
    two_processes: tuple[Process, Process], shared_env: dict[str, str]
):
    a, b = two_processes
    email = f"cred-{secrets.token_hex(4)}@example.cn"
    async with httpx.AsyncClient(base_url=b.base) as http:
        made = await http.post(
            "/api/accounts", json={"email": email, "password": STRONG, "display_name": "重设"}
        )
        on_b_cookie = f"expo_session={made.cookies['expo_session']}"
    link = await reset_link(shared_env["EXPO_DATABASE_URL"], email, a.base, 30)
    token = link.rsplit("/", 1)[1]
    async with b.connect(on_b_cookie) as on_b:
        assert (await Peer(on_b).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"
        async with (
            httpx.AsyncClient(base_url=a.base) as first,
            httpx.AsyncClient(base_url=b.base) as second,
        ):
            # Two clicks at once, on two processes: exactly one uses the link.
            answers = await asyncio.gather(
                first.post("/api/password/reset", json={"token": token, "password": NEWER}),
                second.post("/api/password/reset", json={"token": token, "password": NEWER}),
            )
        assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
        assert await closed_code(on_b) == 4001


# --- forgetting it ------------------------------------------------------------------------


async def test_forgot_password_answers_alike_and_mails_a_one_time_link(mail_and_server):
    mailbox, live = mail_and_server
    email, cookie = await register(live)
    unknown = f"nobody-{secrets.token_hex(4)}@example.cn"
    async with live.connect(cookie) as ws:
        assert (await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"
        async with live.http() as http:
            known_answer = await http.post("/api/password/forgot", json={"email": email.upper()})
            unknown_answer = await http.post("/api/password/forgot", json={"email": unknown})
        assert known_answer.status_code == unknown_answer.status_code == 202
        assert known_answer.content == unknown_answer.content
        assert known_answer.json() == {"requested": True, "mail_configured": True}
        [message] = await eventually(lambda: mailbox.to(email))
        assert not mailbox.to(unknown)
        link = link_in(message, "reset")
        assert "30" in text_of(message) and "重设" in text_of(message)
        token = link.rsplit("/", 1)[1]

        # Only the token's hash is kept.
        async with live.services.read() as db:
            row = (
                (
                    await db.execute(
                        select(AccountLink).where(
                            AccountLink.token_hash == hashlib.sha256(token.encode()).hexdigest()
                        )
                    )
                )
                .scalars()
                .one()
            )
            dump = (await db.execute(text("SELECT * FROM account_link"))).all()
        assert row.purpose == "password_reset" and token not in str(dump)

        async with live.http() as browser:
            opened = await browser.post("/api/password/reset/open", json={"token": token})
            weak = await browser.post(
                "/api/password/reset", json={"token": token, "password": "short"}
            )
            reset = await browser.post(
                "/api/password/reset", json={"token": token, "password": NEWER}
            )
            me = await browser.get("/api/me")  # the browser that reset it is signed in
            again = await browser.post(
                "/api/password/reset", json={"token": token, "password": STRONG + "!"}
            )
            reopened = await browser.post("/api/password/reset/open", json={"token": token})
        assert opened.status_code == 200 and "expires_at" in opened.json()
        assert reopened.json()["error"]["code"] == "account_link.used"
        assert weak.json()["error"]["code"] == "account.weak_password"  # the link still works
        assert reset.status_code == 200, reset.text
        assert me.status_code == 200 and me.json()["email"] == email
        assert (again.status_code, again.json()["error"]["code"]) == (409, "account_link.used")
        assert await closed_code(ws) == 4001  # every earlier session ended
    assert await status_of_me(live, cookie) == 401
    async with live.http() as http:
        signed = await http.post("/api/session", json={"email": email, "password": NEWER})
    assert signed.status_code == 200


async def test_reset_links_expire_and_forged_ones_are_unknown(mail_and_server):
    mailbox, live = mail_and_server
    email, _ = await register(live)
    async with live.http() as http:
        await http.post("/api/password/forgot", json={"email": email})
        [message] = await eventually(lambda: mailbox.to(email))
        token = link_in(message, "reset").rsplit("/", 1)[1]
        async with live.services.db() as db:
            row = (
                (
                    await db.execute(
                        select(AccountLink).where(
                            AccountLink.token_hash == hashlib.sha256(token.encode()).hexdigest()
                        )
                    )
                )
                .scalars()
                .one()
            )
            row.expires_at = utcnow() - timedelta(seconds=1)
            await db.commit()
        expired = await http.post("/api/password/reset", json={"token": token, "password": NEWER})
        forged = await http.post("/api/password/reset", json={"token": "x" * 32, "password": NEWER})
    assert (expired.status_code, expired.json()["error"]["code"]) == (410, "account_link.expired")
    assert (forged.status_code, forged.json()["error"]["code"]) == (404, "account_link.unknown")


async def test_a_disabled_account_is_not_signed_in_by_a_reset_link(server: LiveServer):
    """A reset link does not bring back an account the organisers disabled: it is refused as
    signing in is (`account.disabled`), and the link stays unused."""
    email, _cookie = await register(server)
    async with server.http(
        headers={"Cookie": await server.sign_in("organizer@demo.shubo.live")}
    ) as http:
        found = (await http.get("/api/accounts", params={"q": email})).json()["accounts"]
        disabled = await http.patch(f"/api/accounts/{found[0]['id']}", json={"disabled": True})
    assert disabled.status_code == 200, disabled.text
    async with server.services.db() as db:
        token = await issue_reset_link(db, email, 30)
    async with server.http() as http:
        refused = await http.post("/api/password/reset", json={"token": token, "password": NEWER})
        still = await http.post("/api/password/reset/open", json={"token": token})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "account.disabled")
    assert "expo_session" not in refused.cookies
    assert still.status_code == 200, still.text


async def test_reset_requests_are_limited_per_email_and_per_address_but_not_for_typos(
    demo_sqlite,
):
    rates = {name: Rate(100_000, 1) for name in DEFAULT_RATES}
    rates["password_reset_email"] = Rate(2, 3600, burst=2)
    rates["password_reset"] = Rate(4, 3600, burst=4)
    async with live_server(make_settings(demo_sqlite, rate_limits=rates)) as live:
        async with live.http() as http:

            async def forgot(email: str) -> httpx.Response:
                return await http.post("/api/password/forgot", json={"email": email})

            typos = [await forgot("not-an-email") for _ in range(6)]
            first, second, third = [await forgot("someone@example.cn") for _ in range(3)]
            other = await forgot("else@example.cn")
            fourth = await forgot("third@example.cn")
            address_spent = await forgot("fourth@example.cn")
    assert {r.json()["error"]["code"] for r in typos} == {"account.bad_email"}
    assert (first.status_code, second.status_code) == (202, 202)
    assert (third.status_code, third.json()["error"]["code"]) == (429, "rate_limited")
    # Other emails have budgets of their own; the refused third spent none of the address's.
    assert (other.status_code, fourth.status_code) == (202, 202)
    assert address_spent.status_code == 429  # the address's fifth


async def test_without_smtp_the_answer_says_so(server: LiveServer):
    async with server.http() as http:
        answer = await http.post("/api/password/forgot", json={"email": "attendee@demo.shubo.live"})
    assert (answer.status_code, answer.json()) == (
        202,
        {"requested": True, "mail_configured": False},
    )


# --- changing the email -------------------------------------------------------------------


async def test_an_email_change_waits_for_the_new_address_to_confirm(mail_and_server):
    mailbox, live = mail_and_server
    email, cookie = await register(live)
    new = f"moved-{secrets.token_hex(4)}@example.cn"
    async with live.http(headers={"Cookie": cookie}) as http:
        wrong = await http.post("/api/me/email", json={"password": "nope", "email": new})
        taken = await http.post(
            "/api/me/email", json={"password": STRONG, "email": "speaker@demo.shubo.live"}
        )
        asked = await http.post("/api/me/email", json={"password": STRONG, "email": new})
        before = (await http.get("/api/me")).json()["email"]
    assert wrong.json()["error"]["code"] == "account.bad_password"
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "account.email_taken")
    assert asked.status_code == 202 and asked.json()["pending_email"] == new
    assert before == email  # nothing changes until the new address confirms
    [message] = mailbox.to(new)
    token = link_in(message, "confirm-email").rsplit("/", 1)[1]
    async with live.http() as http:  # a reset link mailed to the old address meanwhile
        await http.post("/api/password/forgot", json={"email": email})
    [reset_mail] = await eventually(lambda: mailbox.to(email))
    reset_token = link_in(reset_mail, "reset").rsplit("/", 1)[1]
    async with live.http() as elsewhere:  # the link may be opened in another browser
        confirmed = await elsewhere.post("/api/me/email/confirm", json={"token": token})
        again = await elsewhere.post("/api/me/email/confirm", json={"token": token})
    assert confirmed.status_code == 200 and confirmed.json()["email"] == new
    assert again.json()["error"]["code"] == "account_link.used"
    notice = await eventually(lambda: mailbox.to(email)[1:])
    assert new in text_of(notice[0])
    async with live.http() as http:  # it stopped working with the old address
        stale = await http.post("/api/password/reset/open", json={"token": reset_token})
    assert stale.json()["error"]["code"] == "account_link.used"
    async with live.http() as http:
        by_old = await http.post("/api/session", json={"email": email, "password": STRONG})
        by_new = await http.post("/api/session", json={"email": new, "password": STRONG})
    assert (by_old.status_code, by_new.status_code) == (401, 200)


# --- the profile --------------------------------------------------------------------------


async def test_exhibitor_staff_see_their_exhibitor_in_their_own_account(server: LiveServer):
    staff = await server.sign_in("exhibitor@demo.shubo.live")
    attendee = await server.sign_in("attendee@demo.shubo.live")
    async with server.http(headers={"Cookie": staff}) as http:
        mine = (await http.get("/api/me")).json()
    async with server.http(headers={"Cookie": attendee}) as http:
        theirs = (await http.get("/api/me")).json()
    assert mine["exhibitor"]["id"] == mine["account"]["exhibitor_id"]
    assert mine["exhibitor"]["name_zh"] and mine["exhibitor"]["name_en"]
    assert mine["email"] == "exhibitor@demo.shubo.live"
    assert theirs["exhibitor"] is None
