"""People: organisers find accounts, change roles, disable accounts, and handle invitations
(resend, revoke, bulk from a CSV paste) on a real server."""

from __future__ import annotations

import asyncio
import secrets
import socket
import threading
from collections.abc import AsyncIterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import httpx
import pytest
import websockets
from aiosmtpd.controller import Controller
from websockets.exceptions import ConnectionClosed

from expo.invitation_rules import MAX_ROWS
from expo.invitations import INVITATIONS_PAGE, MAIL_AT_ONCE, InvitationList
from expo.models import Account
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

ORGANIZER = "organizer@demo.shubo.live"
STRONG = "黔山秀水-big-data-2026"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def links_to(self, email: str) -> list[str]:
        """The links mailed to `email`, oldest first (each mail names its link in both
        languages)."""
        return list(
            dict.fromkeys(
                line
                for m in self.messages
                if m["To"] == email
                for line in m.get_payload(decode=True).decode().splitlines()
                if "/#/invite/" in line
            )
        )


@pytest.fixture(scope="module")
async def mailed(demo_sqlite) -> AsyncIterator[tuple[Mailbox, LiveServer]]:
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    settings = make_settings(demo_sqlite, smtp_url=f"smtp://127.0.0.1:{port}")
    try:
        async with live_server(settings) as live:
            yield mailbox, live
    finally:
        await asyncio.to_thread(controller.stop)


async def organiser(live: LiveServer) -> httpx.AsyncClient:
    return live.http(headers={"Cookie": await live.sign_in(ORGANIZER)})


async def new_attendee(live: LiveServer, name: str = "新观众") -> tuple[int, str, str]:
    """A fresh attendee: its id, email and session cookie."""
    email = f"person-{secrets.token_hex(4)}@example.cn"
    async with live.http() as http:
        made = await http.post(
            "/api/accounts", json={"email": email, "password": STRONG, "display_name": name}
        )
        assert made.status_code == 201, made.text
        return made.json()["account"]["id"], email, f"expo_session={http.cookies['expo_session']}"


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


# --- finding accounts -----------------------------------------------------------------------


async def test_organisers_find_accounts_by_name_email_organisation_or_exhibitor(server):
    async with await organiser(server) as http:
        by_name = (await http.get("/api/accounts", params={"q": "王晓"})).json()
        by_email = (await http.get("/api/accounts", params={"q": "MODERATOR@demo"})).json()
        by_org = (await http.get("/api/accounts", params={"q": "组委会"})).json()
        staff = (await http.get("/api/accounts", params={"role": "exhibitor"})).json()
        literal = (await http.get("/api/accounts", params={"q": "%"})).json()
    assert [a["email"] for a in by_name["accounts"]] == ["speaker@demo.shubo.live"]
    assert [a["email"] for a in by_email["accounts"]] == ["moderator@demo.shubo.live"]
    assert {a["email"] for a in by_org["accounts"]} >= {
        "moderator@demo.shubo.live",
        "organizer@demo.shubo.live",
    }
    exhibitor = next(a for a in staff["accounts"] if a["email"] == "exhibitor@demo.shubo.live")
    assert exhibitor["role"] == "exhibitor" and exhibitor["exhibitor"]["name"]["zh"]
    assert exhibitor["disabled"] is False and "password_hash" not in exhibitor
    assert literal["accounts"] == []  # % is a character, not a wildcard


async def test_accounts_come_a_page_at_a_time(server):
    async with await organiser(server) as http:
        first = (await http.get("/api/accounts", params={"per_page": 2})).json()
        second = (await http.get("/api/accounts", params={"per_page": 2, "page": 2})).json()
        too_many = await http.get("/api/accounts", params={"per_page": 1000})
    assert first["total"] == second["total"] >= 5
    assert [a["id"] for a in first["accounts"]] == [1, 2]
    assert [a["id"] for a in second["accounts"]] == [3, 4]
    assert too_many.status_code == 400


async def test_only_organisers_see_and_change_accounts(server):
    cookie = await server.sign_in("moderator@demo.shubo.live")
    async with server.http(headers={"Cookie": cookie}) as http:
        listed = await http.get("/api/accounts")
        changed = await http.patch("/api/accounts/1", json={"role": "moderator"})
    async with server.http() as anonymous:
        unsigned = await anonymous.get("/api/accounts")
    assert (listed.status_code, changed.status_code, unsigned.status_code) == (403, 403, 401)


# --- roles ----------------------------------------------------------------------------------


async def test_an_organiser_changes_a_role_with_its_exhibitor(server):
    account, _email, cookie = await new_attendee(server)
    async with await organiser(server) as http:
        missing = await http.patch(f"/api/accounts/{account}", json={"role": "exhibitor"})
        unknown = await http.patch(
            f"/api/accounts/{account}", json={"role": "exhibitor", "exhibitor_id": 999}
        )
        staff = await http.patch(
            f"/api/accounts/{account}", json={"role": "exhibitor", "exhibitor_id": 3}
        )
        speaker = await http.patch(f"/api/accounts/{account}", json={"role": "speaker"})
        nobody = await http.patch("/api/accounts/99999", json={"role": "speaker"})
    async with server.http(headers={"Cookie": cookie}) as http:
        me = (await http.get("/api/me")).json()["account"]
    assert missing.json()["error"]["code"] == "account.exhibitor"
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "exhibitor.unknown")
    assert staff.json()["account"]["exhibitor"]["id"] == 3
    assert (speaker.json()["account"]["role"], speaker.json()["account"]["exhibitor"]) == (
        "speaker",
        None,
    )
    assert (me["role"], me["exhibitor_id"]) == ("speaker", None)
    assert nobody.json()["error"]["code"] == "account.unknown"


async def test_the_last_organiser_cannot_step_down_or_be_disabled(server):
    async with await organiser(server) as http:
        me = (await http.get("/api/me")).json()["account"]
        demoted = await http.patch(f"/api/accounts/{me['id']}", json={"role": "attendee"})
        disabled = await http.patch(f"/api/accounts/{me['id']}", json={"disabled": True})
        # With a second organiser, the first may step down (and the second may not, then).
        other, _email, other_cookie = await new_attendee(server, "第二位主办")
        promoted = await http.patch(f"/api/accounts/{other}", json={"role": "organizer"})
        stepped = await http.patch(f"/api/accounts/{me['id']}", json={"role": "moderator"})
    async with server.http(headers={"Cookie": other_cookie}) as http:
        last = await http.patch(f"/api/accounts/{other}", json={"role": "attendee"})
        restored = await http.patch(f"/api/accounts/{me['id']}", json={"role": "organizer"})
        back = await http.patch(f"/api/accounts/{other}", json={"role": "attendee"})
    assert (demoted.status_code, demoted.json()["error"]["code"]) == (409, "account.last_organiser")
    assert disabled.json()["error"]["code"] == "account.not_self"
    assert promoted.status_code == stepped.status_code == 200
    assert last.json()["error"]["code"] == "account.last_organiser"
    assert restored.status_code == back.status_code == 200


async def test_an_organiser_service_account_does_not_count_as_an_organiser_left(server):
    """A service account cannot sign in: were it the only organiser left, nobody could run the
    expo from the console (it needs no token to exist, and its tokens may be revoked)."""
    async with await organiser(server) as http:
        me = (await http.get("/api/me")).json()["account"]
        made = await http.post(
            "/api/service-accounts", json={"display_name": "导入任务 Importer", "role": "organizer"}
        )
        assert made.status_code == 201, made.text
        demoted = await http.patch(f"/api/accounts/{me['id']}", json={"role": "attendee"})
        # The service account itself is no person: it may always be demoted or disabled.
        service = made.json()["account"]["id"]
        stood_down = await http.patch(f"/api/accounts/{service}", json={"disabled": True})
        still = (await http.get("/api/me")).json()["account"]
    assert (demoted.status_code, demoted.json()["error"]["code"]) == (409, "account.last_organiser")
    assert stood_down.status_code == 200, stood_down.text
    assert still["role"] == "organizer"


async def test_a_service_account_takes_only_a_service_role(server):
    """A service account is made attendee, moderator or organiser (exhibitor staff and speakers
    are people): the People tab cannot make it one either."""
    async with await organiser(server) as http:
        made = await http.post(
            "/api/service-accounts", json={"display_name": "大屏 Wall", "role": "attendee"}
        )
        service = made.json()["account"]["id"]
        exhibitor = (await http.get("/api/exhibitors")).json()["exhibitors"][0]["id"]
        as_staff = await http.patch(
            f"/api/accounts/{service}", json={"role": "exhibitor", "exhibitor_id": exhibitor}
        )
        as_speaker = await http.patch(f"/api/accounts/{service}", json={"role": "speaker"})
        as_moderator = await http.patch(f"/api/accounts/{service}", json={"role": "moderator"})
    for refused in (as_staff, as_speaker):
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            400,
            "account.service_role",
        ), refused.text
    assert as_moderator.json()["account"]["role"] == "moderator"


async def test_the_last_organiser_cannot_step_down_by_accepting_an_invitation(server):
    """An invitation to an existing account gives it the invited role when it accepts signed
    in: an old speaker invitation accepted by the last organiser would leave nobody to run the
    expo, so it is refused as a demotion in the People tab is."""
    async with await organiser(server) as http:
        me = (await http.get("/api/me")).json()
        organisers = (await http.get("/api/accounts", params={"role": "organizer"})).json()
        people = [a for a in organisers["accounts"] if not a["disabled"]]
        made = await http.post("/api/invitations", json={"email": me["email"], "role": "speaker"})
        assert made.status_code == 201, made.text
        accepted = await http.post(
            "/api/invitations/accept", json={"token": token_of(made.json()["link"])}
        )
        after = (await http.get("/api/me")).json()["account"]
    assert [a["id"] for a in people] == [me["account"]["id"]]  # the only organiser (a person)
    assert (accepted.status_code, accepted.json()["error"]["code"]) == (
        409,
        "account.last_organiser",
    ), accepted.text
    assert after["role"] == "organizer"


# --- disabling ------------------------------------------------------------------------------


async def test_a_disabled_account_is_signed_out_everywhere_and_cannot_come_back(server):
    """A person's sessions and a service account's token (tokens are issued only for oneself or
    a service account) both end when their account is disabled."""
    account, email, cookie = await new_attendee(server, "将被停用")
    async with await organiser(server) as http:
        made = await http.post(
            "/api/service-accounts", json={"display_name": "机器", "role": "attendee"}
        )
        machine = made.json()["account"]["id"]
        issued = await http.post("/api/tokens", json={"name": "机器", "account_id": machine})
        secret = issued.json()["token"]
        async with (
            server.connect(cookie) as by_cookie,
            websockets.connect(
                server.ws_url, additional_headers={"Authorization": f"Bearer {secret}"}
            ) as by_token,
        ):
            await Peer(by_cookie).command("subscribe", {"topic": "forum:2"})
            await Peer(by_token).command("subscribe", {"topic": "forum:2"})
            disabled = await http.patch(f"/api/accounts/{account}", json={"disabled": True})
            await http.patch(f"/api/accounts/{machine}", json={"disabled": True})
            codes = []
            for ws in (by_cookie, by_token):
                with pytest.raises(ConnectionClosed) as closed:
                    async with asyncio.timeout(5):
                        while True:
                            await ws.recv()
                codes.append(closed.value.rcvd.code)
        async with server.http(headers={"Cookie": cookie}) as old:
            stale = await old.get("/api/me")
        async with server.http(headers={"Authorization": f"Bearer {secret}"}) as api:
            refused_token = await api.get("/api/me")
        async with server.http() as again:
            refused = await again.post("/api/session", json={"email": email, "password": STRONG})
        enabled = await http.patch(f"/api/accounts/{account}", json={"disabled": False})
        await http.patch(f"/api/accounts/{machine}", json={"disabled": False})
        async with server.http() as again:
            signed_in = await again.post("/api/session", json={"email": email, "password": STRONG})
        async with server.http(headers={"Cookie": cookie}) as old:
            still_stale = await old.get("/api/me")
        async with server.http(headers={"Authorization": f"Bearer {secret}"}) as api:
            token_back = await api.get("/api/me")
    assert disabled.json()["account"]["disabled"] is True
    assert codes == [4001, 4001]
    assert stale.status_code == 401
    assert (refused_token.status_code, refused_token.json()["error"]["code"]) == (
        401,
        "account.disabled",
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "account.disabled")
    assert enabled.json()["account"]["disabled"] is False and signed_in.status_code == 200
    assert still_stale.status_code == 401  # enabling revives no old session
    assert token_back.status_code == 200  # the token was refused, not revoked


async def test_a_wrong_password_for_a_disabled_account_tells_nothing(server):
    account, email, _cookie = await new_attendee(server)
    async with await organiser(server) as http:
        await http.patch(f"/api/accounts/{account}", json={"disabled": True})
    async with server.http() as http:
        wrong = await http.post("/api/session", json={"email": email, "password": "not-it-2026"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "account.bad_credentials")


# --- invitations: state, resend, revoke -----------------------------------------------------


async def invitation(http: httpx.AsyncClient, role: str = "speaker") -> tuple[dict[str, Any], str]:
    email = f"invitee-{secrets.token_hex(4)}@example.cn"
    created = await http.post("/api/invitations", json={"email": email, "role": role})
    assert created.status_code == 201, created.text
    return created.json()["invitation"], created.json()["link"]


async def test_resending_makes_a_new_link_and_kills_the_old_one(mailed):
    mailbox, live = mailed
    async with await organiser(live) as http:
        made, old_link = await invitation(http)
        resent = await http.post(f"/api/invitations/{made['id']}/resend")
    body = resent.json()
    async with live.http() as http:
        old = await http.post("/api/invitations/open", json={"token": token_of(old_link)})
        new = await http.post("/api/invitations/open", json={"token": token_of(body["link"])})
    assert resent.status_code == 200 and body["emailed"] is True
    assert body["link"] != old_link
    assert body["invitation"]["expires_at"] > made["expires_at"]
    assert mailbox.links_to(made["email"]) == [old_link, body["link"]]
    assert (old.status_code, old.json()["error"]["code"]) == (404, "invitation.unknown")
    assert new.json()["invitation"]["state"] == "pending"


async def test_a_revoked_invitation_cannot_be_accepted_or_resent(server):
    async with await organiser(server) as http:
        made, link = await invitation(http, "moderator")
        revoked = await http.delete(f"/api/invitations/{made['id']}")
        twice = await http.delete(f"/api/invitations/{made['id']}")
        resent = await http.post(f"/api/invitations/{made['id']}/resend")
        listed = (await http.get("/api/invitations")).json()["invitations"]
    async with server.http() as http:
        refused = await http.post(
            "/api/invitations/accept",
            json={"token": token_of(link), "display_name": "撤回", "password": STRONG},
        )
    assert revoked.json()["invitation"]["state"] == twice.json()["invitation"]["state"] == "revoked"
    assert (resent.status_code, resent.json()["error"]["code"]) == (409, "invitation.revoked")
    assert next(i for i in listed if i["id"] == made["id"])["state"] == "revoked"
    assert (refused.status_code, refused.json()["error"]["code"]) == (410, "invitation.revoked")


async def test_an_accepted_invitation_is_listed_so_and_cannot_be_revoked(server):
    async with await organiser(server) as http:
        made, link = await invitation(http)
        async with server.http() as invitee:
            await invitee.post(
                "/api/invitations/accept",
                json={"token": token_of(link), "display_name": "已接受", "password": STRONG},
            )
        revoke = await http.delete(f"/api/invitations/{made['id']}")
        listed = (await http.get("/api/invitations")).json()["invitations"]
    assert (revoke.status_code, revoke.json()["error"]["code"]) == (409, "invitation.used")
    assert next(i for i in listed if i["id"] == made["id"])["state"] == "accepted"


async def test_an_invitation_revoked_while_it_is_being_accepted_is_not_accepted(monkeypatch):
    """Accepting reads the invitation, hashes the new password, then writes. A revoke landing
    in between wins: the accept claims the link with a conditional UPDATE, so it is refused
    rather than making an account from a revoked invitation (before: both answered 200).
    PostgreSQL: SQLite's writers BEGIN IMMEDIATE, so there the two never interleave."""
    async with fresh_postgres_database() as url:
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as server:
            # The server runs its own event loop: thread events cross between the two.
            hashing, release = threading.Event(), threading.Event()
            passwords = server.services.passwords
            real_hash = passwords.hash

            async def held_hash(password: str) -> str:
                hashing.set()
                await asyncio.to_thread(release.wait, 10)
                return await real_hash(password)

            monkeypatch.setattr(passwords, "hash", held_hash)
            async with await organiser(server) as http:
                made, link = await invitation(http)
                async with server.http() as invitee:
                    accepting = asyncio.ensure_future(
                        invitee.post(
                            "/api/invitations/accept",
                            json={
                                "token": token_of(link),
                                "display_name": "赛跑",
                                "password": STRONG,
                            },
                        )
                    )
                    # The accept has read the invitation as pending.
                    assert await asyncio.to_thread(hashing.wait, 10)
                    revoked = await http.delete(f"/api/invitations/{made['id']}")
                    release.set()
                    accepted = await accepting
                listed = (await http.get("/api/invitations")).json()["invitations"]
    assert revoked.json()["invitation"]["state"] == "revoked"
    assert (accepted.status_code, accepted.json()["error"]["code"]) == (410, "invitation.revoked")
    assert next(i for i in listed if i["id"] == made["id"])["state"] == "revoked"


# --- bulk invitations -----------------------------------------------------------------------


async def test_invitations_are_listed_a_page_at_a_time_newest_first(server):
    """GET /api/invitations is bounded (bulk pastes of 500 add up): the newest `limit`, oldest
    of them first, and `next_before` to ask for the ones before."""
    async with await organiser(server) as http:
        made = [(await invitation(http))[0]["id"] for _ in range(3)]
        newest = (await http.get("/api/invitations", params={"limit": 2})).json()
        older = (
            await http.get("/api/invitations", params={"limit": 2, "before": newest["next_before"]})
        ).json()
        too_many = await http.get("/api/invitations", params={"limit": 10_000})
        everything = (await http.get("/api/invitations")).json()
    InvitationList.model_validate(newest)
    assert [i["id"] for i in newest["invitations"]] == made[1:]
    assert newest["next_before"] == made[1]
    assert [i["id"] for i in older["invitations"]][-1] == made[0]
    assert too_many.status_code == 400
    assert len(everything["invitations"]) <= INVITATIONS_PAGE


async def test_a_bulk_paste_is_checked_row_by_row_then_only_valid_rows_are_invited(mailed):
    mailbox, live = mailed
    tag = secrets.token_hex(3)
    ok_speaker, ok_staff, ok_staff_by_id = (f"{n}-{tag}@example.cn" for n in ("s", "e", "i"))
    async with await organiser(live) as http:
        _pending, _link = await invitation(http)
        exhibitor = (await http.get("/api/exhibitors")).json()["exhibitors"][1]
        paste = "\n".join(
            [
                "email,role,exhibitor,display name,language",
                f"{ok_speaker},speaker,,周嘉宾,zh",
                f"{ok_staff},参展商工作人员,{exhibitor['name']['en'].upper()},,en",
                f"{ok_staff_by_id},exhibitor,{exhibitor['id']}",
                "not-an-email,speaker,",
                f"{ok_speaker},moderator,",
                f"x-{tag}@example.cn,janitor,",
                f"y-{tag}@example.cn,exhibitor,没有这家",
                f"z-{tag}@example.cn,exhibitor,",
                "attendee@demo.shubo.live,speaker,",
                f"{_pending['email']},speaker,",
                f"w-{tag}@example.cn,speaker,,,klingon",
            ]
        )
        preview = await http.post("/api/invitations/bulk", json={"csv": paste})
        confirmed = await http.post("/api/invitations/bulk", json={"csv": paste, "confirm": True})
        again = await http.post("/api/invitations/bulk", json={"csv": paste})
    rows = preview.json()["rows"]
    assert preview.status_code == 200 and preview.json()["created"] == 0
    assert [(r["line"], r["errors"]) for r in rows] == [
        (2, []),
        (3, []),
        (4, []),
        (5, ["invitation.bad_email"]),
        (6, ["invitation.duplicate"]),
        (7, ["invitation.bad_role"]),
        (8, ["exhibitor.unknown"]),
        (9, ["invitation.exhibitor"]),
        (10, ["invitation.has_account"]),
        (11, ["invitation.already_invited"]),
        (12, ["invitation.bad_language"]),
    ]
    assert (rows[0]["display_name"], rows[0]["language"]) == ("周嘉宾", "zh-CN")
    assert rows[1]["exhibitor_id"] == rows[2]["exhibitor_id"] == exhibitor["id"]
    assert (preview.json()["valid"], preview.json()["invalid"]) == (3, 8)
    created = confirmed.json()
    assert confirmed.status_code == 201 and created["created"] == 3
    made = [r["created"] for r in created["rows"] if r["created"]]
    assert [m["invitation"]["email"] for m in made] == [ok_speaker, ok_staff, ok_staff_by_id]
    assert all(m["emailed"] for m in made)
    assert mailbox.links_to(ok_staff) == [made[1]["link"]]
    async with live.http() as http:  # the suggested name comes with the link's offer
        offer = await http.post("/api/invitations/open", json={"token": token_of(made[0]["link"])})
    assert (offer.json()["invitation"]["display_name"], offer.json()["invitation"]["language"]) == (
        "周嘉宾",
        "zh-CN",
    )
    # Invited now: a second paste finds them so.
    assert [r["errors"] for r in again.json()["rows"][:3]] == [["invitation.already_invited"]] * 3


class SlowMailbox:
    """Holds each mail until a second one is in flight (or a while passes): mails sent one
    after another never overlap, mails sent a few at a time do."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most = 0
        self.overlap = asyncio.Event()
        self.received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        if self.in_flight >= 2:
            self.overlap.set()
        try:
            await asyncio.wait_for(self.overlap.wait(), 2)
        except TimeoutError:
            pass
        finally:
            self.in_flight -= 1
        self.received += 1
        return "250 OK"


async def test_a_bulk_invitations_mails_go_a_few_at_a_time(demo_sqlite):
    """500 invitations mailed one after another could outlast the request: several are in
    flight at once (at most MAIL_AT_ONCE)."""
    mailbox = SlowMailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    try:
        settings = make_settings(demo_sqlite, smtp_url=f"smtp://127.0.0.1:{port}")
        async with live_server(settings) as live, await organiser(live) as http:
            paste = "\n".join(f"many-{secrets.token_hex(4)}@example.cn,speaker," for _ in range(3))
            made = await http.post("/api/invitations/bulk", json={"csv": paste, "confirm": True})
    finally:
        await asyncio.to_thread(controller.stop)
    assert made.status_code == 201, made.text
    assert [r["created"]["emailed"] for r in made.json()["rows"]] == [True, True, True]
    assert mailbox.received == 3
    assert 2 <= mailbox.most <= MAIL_AT_ONCE


async def test_a_bulk_paste_from_a_spreadsheet_uses_tabs(server):
    email = f"tab-{secrets.token_hex(3)}@example.cn"
    async with await organiser(server) as http:
        preview = await http.post("/api/invitations/bulk", json={"csv": f"{email}\tmoderator\t"})
    assert preview.json()["rows"][0]["errors"] == []
    assert preview.json()["rows"][0]["role"] == "moderator"


async def test_a_bulk_paste_is_bounded(server):
    rows = "\n".join(f"p{n}@example.cn,speaker," for n in range(MAX_ROWS + 1))
    async with await organiser(server) as http:
        too_many = await http.post("/api/invitations/bulk", json={"csv": rows})
        empty = await http.post("/api/invitations/bulk", json={"csv": "\n \n"})
    assert (too_many.status_code, too_many.json()["error"]["code"]) == (
        400,
        "invitation.too_many_rows",
    )
    assert empty.json()["error"]["code"] == "invitation.no_rows"


# --- open sockets ---------------------------------------------------------------------------


async def test_a_role_change_missed_during_a_broker_outage_lands_at_the_resync(server):
    """A process that missed `account.changed` (its pub/sub dropped) reloads its sockets'
    accounts when it resyncs: the demoted moderator's open socket is refused from then on."""
    account, _email, cookie = await new_attendee(server, "断线主持")
    async with await organiser(server) as http:
        await http.patch(f"/api/accounts/{account}", json={"role": "moderator"})
    async with server.connect(cookie) as ws:
        moderator = Peer(ws)
        allowed = await moderator.command("forum.list_sanctions", {"forum": 2})
        async with server.services.db() as db:  # stored, but never announced
            row = await db.get(Account, account)
            row.role = "attendee"
            await db.commit()
        still = await moderator.command("forum.list_sanctions", {"forum": 2})
        server.services.gateway.resynced()
        told = await moderator.event("account.changed")
        refused = await moderator.command("forum.list_sanctions", {"forum": 2})
    assert allowed["type"] == still["type"] == "ok"  # nothing told this process yet
    assert told["data"]["account"]["role"] == "attendee"
    assert refused["error"]["code"] == "forbidden"


async def test_a_rename_reaches_the_accounts_sockets_and_only_theirs(server):
    account, _email, cookie = await new_attendee(server, "改名前")
    _other, _other_email, other_cookie = await new_attendee(server, "旁观者")
    async with server.connect(cookie) as mine, server.connect(other_cookie) as theirs:
        me, bystander = Peer(mine), Peer(theirs)
        await bystander.command("subscribe", {"topic": "forum:6"})
        async with server.http(headers={"Cookie": cookie}) as http:
            unchanged = await http.patch("/api/me", json={"language": "en"})
            renamed = await http.patch("/api/me", json={"display_name": "  改名后 "})
        told = await me.event("account.changed")
        posted = await me.command("chat.send", {"forum": 6, "text": "新名字"})
        seen = await bystander.event("chat.message_posted")
    assert unchanged.status_code == renamed.status_code == 200
    assert told["data"]["account"] == renamed.json()["account"]
    assert posted["data"]["message"]["author"]["name"] == "改名后"
    assert seen["data"]["author"] == {"id": account, "name": "改名后"}
    assert not [e for e in bystander.events if e["type"] == "account.changed"]
    assert not [e for e in me.events if e["type"] == "account.changed"]  # one, for the rename


async def test_accepting_an_invitation_signed_in_gives_the_open_sockets_the_new_role(server):
    account, email, cookie = await new_attendee(server, "升级观众")
    async with await organiser(server) as http:
        created = await http.post("/api/invitations", json={"email": email, "role": "moderator"})
    async with server.connect(cookie) as ws:
        peer = Peer(ws)
        before = await peer.command("forum.list_sanctions", {"forum": 2})
        async with server.http(headers={"Cookie": cookie}) as http:
            accepted = await http.post(
                "/api/invitations/accept", json={"token": token_of(created.json()["link"])}
            )
        told = await peer.event("account.changed")
        after = await peer.command("forum.list_sanctions", {"forum": 2})
    assert before["error"]["code"] == "forbidden"
    assert accepted.json()["account"]["role"] == told["data"]["account"]["role"] == "moderator"
    assert told["data"]["account"]["id"] == account
    assert after["type"] == "ok"


# --- a reset link handed over by an organiser -------------------------------------------------


async def test_an_organiser_makes_a_reset_link_for_someone_who_forgot_their_password(server):
    """With no mail server the forgotten-password form says "ask the organisers": the console
    makes the link (shown once, to hand over), and the person sets a new password with it."""
    account, email, _cookie = await new_attendee(server, "忘了密码的人")
    moderator = await server.sign_in("moderator@demo.shubo.live")
    async with server.http(headers={"Cookie": moderator}) as http:
        refused = await http.post(f"/api/accounts/{account}/reset-link")
    assert refused.status_code == 403
    async with await organiser(server) as http:
        made = await http.post(f"/api/accounts/{account}/reset-link")
        unknown = await http.post("/api/accounts/999999/reset-link")
        me = (await http.get("/api/me")).json()["account"]["id"]
        own = await http.post(f"/api/accounts/{me}/reset-link")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["expires_in_minutes"] > 0
    assert body["link"].startswith(f"{server.base}/#/reset/")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "account.unknown")
    # One's own password is changed on one's profile, with the current one.
    assert (own.status_code, own.json()["error"]["code"]) == (400, "account.not_self")
    async with server.http() as http:
        reset = await http.post(
            "/api/password/reset", json={"token": token_of(body["link"]), "password": STRONG + "!"}
        )
        assert reset.status_code == 200, reset.text
        signed_in = await http.post("/api/session", json={"email": email, "password": STRONG + "!"})
    assert signed_in.status_code == 200, signed_in.text


async def test_no_reset_link_for_a_service_account_or_another_organiser(server):
    async with await organiser(server) as http:
        service = await http.post(
            "/api/service-accounts", json={"display_name": "大屏 wall", "role": "attendee"}
        )
        assert service.status_code == 201, service.text
        service_id = service.json()["account"]["id"]
        no_password = await http.post(f"/api/accounts/{service_id}/reset-link")
        # Another organiser's account is handed over by the operator (`expo admin reset-link`):
        # an organiser cannot take over another one's seat from the console.
        other, _email, _cookie = await new_attendee(server, "另一位主办方")
        promoted = await http.patch(f"/api/accounts/{other}", json={"role": "organizer"})
        assert promoted.status_code == 200, promoted.text
        organiser_link = await http.post(f"/api/accounts/{other}/reset-link")
    assert (no_password.status_code, no_password.json()["error"]["code"]) == (
        400,
        "account.service",
    )
    assert (organiser_link.status_code, organiser_link.json()["error"]["code"]) == (
        400,
        "account.organiser",
    )


async def test_an_organiser_changes_someones_email_when_no_mail_can_confirm_it(server):
    """The profile's own email change needs a mail server to confirm the new address; without
    one it says to ask the organisers, who set it here."""
    account, email, _cookie = await new_attendee(server, "换邮箱的人")
    new_email = f"moved-{secrets.token_hex(4)}@example.cn"
    async with await organiser(server) as http:
        changed = await http.patch(
            f"/api/accounts/{account}", json={"email": f" {new_email.upper()} "}
        )
        taken = await http.patch(
            f"/api/accounts/{account}", json={"email": "speaker@demo.shubo.live"}
        )
        bad = await http.patch(f"/api/accounts/{account}", json={"email": "not an email"})
        me = (await http.get("/api/me")).json()["account"]["id"]
        own = await http.patch(f"/api/accounts/{me}", json={"email": "boss@example.cn"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["account"]["email"] == new_email
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "account.email_taken")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "account.bad_email")
    assert (own.status_code, own.json()["error"]["code"]) == (400, "account.organiser")
    async with server.http() as http:
        old = await http.post("/api/session", json={"email": email, "password": STRONG})
        new = await http.post("/api/session", json={"email": new_email, "password": STRONG})
    assert (old.status_code, new.status_code) == (401, 200)
