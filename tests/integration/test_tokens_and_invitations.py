"""Bearer tokens for API clients, and invitations by link and by email (a local SMTP server)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.live import LiveServer, Peer, live_server, make_settings
from tests.mail import Mailbox, smtp_server

ORGANIZER = "organizer@demo.shubo.live"
STRONG = "黔山秀水-big-data-2026"


@pytest.fixture(scope="module")
async def mail_and_server(demo_sqlite) -> AsyncIterator[tuple[Mailbox, LiveServer]]:
    async with smtp_server() as mailbox:
        settings = make_settings(demo_sqlite, smtp_url=mailbox.url)
        async with live_server(settings) as live:
            yield mailbox, live


async def organizer_http(live: LiveServer):
    return live.http(headers={"Cookie": await live.sign_in(ORGANIZER)})


# --- bearer tokens ------------------------------------------------------------------------


async def test_an_organiser_issues_a_token_that_acts_as_the_account(server: LiveServer):
    async with await organizer_http(server) as http:
        wall = await http.post("/api/service-accounts", json={"display_name": "数据大屏"})
        account_id = wall.json()["account"]["id"]
        issued = await http.post("/api/tokens", json={"name": "数据大屏", "account_id": account_id})
        listed = (await http.get("/api/tokens")).json()["api_tokens"]
    assert issued.status_code == 201
    secret = issued.json()["token"]
    assert issued.json()["api_token"]["account_id"] == account_id
    assert secret not in str(listed) and listed[-1]["name"] == "数据大屏"
    async with server.http(headers={"Authorization": f"Bearer {secret}"}) as api:
        me = (await api.get("/api/me")).json()["account"]
    assert me["id"] == account_id


async def test_a_revoked_token_is_refused_and_its_sockets_close(server: LiveServer):
    async with await organizer_http(server) as http:
        issued = (await http.post("/api/tokens", json={"name": "ops"})).json()
        secret, token_id = issued["token"], issued["api_token"]["id"]
        import websockets

        async with websockets.connect(
            server.ws_url, additional_headers={"Authorization": f"Bearer {secret}"}
        ) as ws:
            await Peer(ws).command("subscribe", {"topic": "forum:2"})
            revoked = await http.delete(f"/api/tokens/{token_id}")
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(1.0):
                    while True:
                        await ws.recv()
    assert revoked.json()["api_token"]["revoked"] is True
    assert closed.value.rcvd.code == 4001
    async with server.http(headers={"Authorization": f"Bearer {secret}"}) as api:
        refused = await api.get("/api/me")
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "auth.bad_token")


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer  x  y"])
async def test_bad_tokens_get_a_clear_error_over_http_and_websocket(server: LiveServer, header):
    async with server.http(headers={"Authorization": header}) as api:
        response = await api.get("/api/forums")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "auth.bad_token")
    import websockets

    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(server.ws_url, additional_headers={"Authorization": header}):
            pass
    assert refused.value.response.status_code == 401


async def test_only_organisers_handle_tokens(server: LiveServer):
    cookie = await server.sign_in("exhibitor@demo.shubo.live")
    async with server.http(headers={"Cookie": cookie}) as http:
        response = await http.post("/api/tokens", json={"name": "mine"})
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")


# --- invitations --------------------------------------------------------------------------


async def test_an_invitation_is_emailed_and_makes_a_speaker(mail_and_server):
    mailbox, live = mail_and_server
    email = f"speaker-{secrets.token_hex(3)}@example.cn"
    async with await organizer_http(live) as http:
        created = await http.post("/api/invitations", json={"email": email, "role": "speaker"})
    body = created.json()
    assert created.status_code == 201, body
    assert (created.status_code, body["emailed"], body["invitation"]["role"]) == (
        201,
        True,
        "speaker",
    )
    message = next(m for m in mailbox.messages if m["To"] == email)
    text = message.get_payload(decode=True).decode()
    assert body["link"] in text and "演讲嘉宾" in text and "speaker" in text
    token = body["link"].rsplit("/", 1)[1]
    async with live.http() as http:
        offer = (await http.post("/api/invitations/open", json={"token": token})).json()
        accepted = await http.post(
            "/api/invitations/accept",
            json={"token": token, "display_name": "周涛", "password": STRONG},
        )
        me = (await http.get("/api/me")).json()["account"]
        again = await http.post("/api/invitations/accept", json={"token": token})
    assert (offer["invitation"]["email"], offer["invitation"]["has_account"]) == (email, False)
    assert accepted.status_code == 200 and me["role"] == "speaker"
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invitation.used")


async def test_exhibitor_staff_are_bound_to_their_exhibitor(mail_and_server):
    _, live = mail_and_server
    email = f"staff-{secrets.token_hex(3)}@example.cn"
    async with await organizer_http(live) as http:
        missing = await http.post("/api/invitations", json={"email": email, "role": "exhibitor"})
        created = (
            await http.post(
                "/api/invitations", json={"email": email, "role": "exhibitor", "exhibitor_id": 5}
            )
        ).json()
    token = created["link"].rsplit("/", 1)[1]
    async with live.http() as http:
        await http.post(
            "/api/invitations/accept",
            json={"token": token, "display_name": "安全工程师", "password": STRONG},
        )
        me = (await http.get("/api/me")).json()["account"]
    assert missing.json()["error"]["code"] == "invitation.exhibitor"
    assert (me["role"], me["exhibitor_id"]) == ("exhibitor", 5)


async def test_an_existing_account_accepts_only_when_signed_in_as_itself(mail_and_server):
    _, live = mail_and_server
    email = f"upgrade-{secrets.token_hex(3)}@example.cn"
    async with live.http() as http:
        await http.post(
            "/api/accounts", json={"email": email, "password": STRONG, "display_name": "老观众"}
        )
        cookie = f"expo_session={http.cookies['expo_session']}"
    async with await organizer_http(live) as http:
        token = (
            (await http.post("/api/invitations", json={"email": email, "role": "moderator"}))
            .json()["link"]
            .rsplit("/", 1)[1]
        )
    async with live.http() as anonymous:
        unsigned = await anonymous.post("/api/invitations/accept", json={"token": token})
    other = await live.sign_in("attendee@demo.shubo.live")
    async with live.http(headers={"Cookie": other}) as stranger:
        wrong = await stranger.post("/api/invitations/accept", json={"token": token})
    async with live.http(headers={"Cookie": cookie}) as owner:
        ok = await owner.post("/api/invitations/accept", json={"token": token})
    assert unsigned.json()["error"]["code"] == "invitation.sign_in_first"
    assert wrong.json()["error"]["code"] == "invitation.other_account"
    assert ok.json()["account"]["role"] == "moderator"


async def test_a_forged_invitation_link_is_unknown(server: LiveServer):
    async with server.http() as http:
        response = await http.post("/api/invitations/open", json={"token": "x" * 32})
    assert (response.status_code, response.json()["error"]["code"]) == (404, "invitation.unknown")


async def test_without_smtp_the_link_is_shown_but_not_emailed(server: LiveServer):
    async with await organizer_http(server) as http:
        created = (
            await http.post(
                "/api/invitations", json={"email": "mod@example.cn", "role": "moderator"}
            )
        ).json()
    assert created["emailed"] is False and "/#/invite/" in created["link"]


async def test_attendees_cannot_be_invited_and_non_organisers_cannot_invite(server: LiveServer):
    async with await organizer_http(server) as http:
        attendee = await http.post(
            "/api/invitations", json={"email": "a@example.cn", "role": "attendee"}
        )
    cookie = await server.sign_in("moderator@demo.shubo.live")
    async with server.http(headers={"Cookie": cookie}) as http:
        denied = await http.post(
            "/api/invitations", json={"email": "b@example.cn", "role": "speaker"}
        )
    assert attendee.json()["error"]["code"] == "invitation.bad_role"
    assert denied.status_code == 403


async def test_accepting_for_a_new_address_while_signed_in_switches_to_the_new_account(server):
    email = f"switch-{secrets.token_hex(3)}@example.cn"
    async with await organizer_http(server) as http:
        link = (
            await http.post("/api/invitations", json={"email": email, "role": "moderator"})
        ).json()["link"]
    token = link.rsplit("/", 1)[1]
    cookie = await server.sign_in("attendee@demo.shubo.live")
    async with server.http(headers={"Cookie": cookie}) as http:
        accepted = await http.post(
            "/api/invitations/accept",
            json={"token": token, "display_name": "新主持", "password": STRONG, "language": "en"},
        )
        new_cookie = f"expo_session={accepted.cookies['expo_session']}"
    async with server.http(headers={"Cookie": new_cookie}) as http:
        me = (await http.get("/api/me")).json()["account"]
    assert (me["display_name"], me["role"], me["language"]) == ("新主持", "moderator", "en")
