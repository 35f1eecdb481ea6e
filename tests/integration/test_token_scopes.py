"""API tokens with a scope and an expiry, for oneself or a service account, over a real server:
a read token is refused every write with `token.read_only` (HTTP and websocket); an expired
token is refused at its next request and its open sockets close at the session audit; a token
for another person (another organiser) is refused with `token.not_yours`."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from expo.models import Account, ApiToken, Role, utcnow
from expo.service_accounts import ServiceAccountEnvelope, ServiceAccountList
from expo.tokens import IssuedToken, TokenList
from tests.live import LiveServer, Peer

ORGANIZER = "organizer@demo.shubo.live"


async def as_organiser(server: LiveServer) -> Any:
    return server.http(headers={"Cookie": await server.sign_in(ORGANIZER)})


async def issue(server: LiveServer, **body: Any) -> dict[str, Any]:
    async with await as_organiser(server) as http:
        response = await http.post("/api/tokens", json={"name": "测试 test", **body})
    assert response.status_code == 201, response.text
    IssuedToken.model_validate(response.json())
    return response.json()  # type: ignore[no-any-return]


async def service_account(server: LiveServer, name: str, role: str = "attendee") -> dict[str, Any]:
    async with await as_organiser(server) as http:
        response = await http.post(
            "/api/service-accounts", json={"display_name": name, "role": role}
        )
    assert response.status_code == 201, response.text
    ServiceAccountEnvelope.model_validate(response.json())
    return response.json()["account"]  # type: ignore[no-any-return]


def bearer(server: LiveServer, secret: str) -> Any:
    return server.http(headers={"Authorization": f"Bearer {secret}"})


async def test_a_service_account_cannot_sign_in_and_acts_through_its_token(server: LiveServer):
    made = await service_account(server, " 数据大屏\u202e Wall ", "moderator")
    assert (made["display_name"], made["role"], made["service"]) == (
        "数据大屏 Wall",
        "moderator",
        True,
    )
    async with server.services.read() as db:
        account = await db.get(Account, made["id"])
    assert account.service and account.email.endswith("@service.shubo.invalid")
    async with server.http() as http:
        refused = await http.post(
            "/api/session", json={"email": account.email, "password": account.password_hash}
        )
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        401,
        "account.bad_credentials",
    )
    issued = await issue(server, account_id=made["id"], expires_in_days=7)
    token = issued["api_token"]
    assert token["account"] == {"id": made["id"], "name": "数据大屏 Wall", "service": True}
    assert (token["scope"], token["expired"]) == ("full", False)
    assert (
        timedelta(days=6, hours=23)
        < (
            datetime.fromisoformat(token["expires_at"])
            - datetime.fromisoformat(token["created_at"])
        )
        <= timedelta(days=7)
    )
    async with bearer(server, issued["token"]) as api:
        me = (await api.get("/api/me")).json()["account"]
    assert me["id"] == made["id"]
    async with await as_organiser(server) as http:
        listed = (await http.get("/api/service-accounts")).json()
        tokens = (await http.get("/api/tokens")).json()
    ServiceAccountList.model_validate(listed)
    TokenList.model_validate(tokens)
    assert made in listed["accounts"]
    assert issued["token"] not in str(tokens)  # shown once, at issue
    assert [t for t in tokens["api_tokens"] if t["id"] == token["id"]] == [token]


async def test_a_token_for_another_organiser_or_any_other_person_is_refused(server: LiveServer):
    async with server.services.db() as db:
        other = Account(
            email="second-organiser@example.org",
            password_hash="x",
            display_name="另一位组织者",
            role=Role.ORGANIZER,
        )
        db.add(other)
        await db.commit()
        await db.refresh(other)
    async with await as_organiser(server) as http:
        for account_id in (other.id, 1):  # another organiser; the demo's attendee
            response = await http.post(
                "/api/tokens", json={"name": "冒充 impersonate", "account_id": account_id}
            )
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "token.not_yours"
        before = (await http.get("/api/tokens")).json()["api_tokens"]
    assert all(t["account_id"] not in (other.id, 1) for t in before)


async def test_a_read_token_reads_and_is_refused_every_write_with_a_clear_code(server: LiveServer):
    issued = await issue(server, scope="read")
    assert issued["api_token"]["scope"] == "read"
    secret = issued["token"]
    async with bearer(server, secret) as api:
        assert (await api.get("/api/forums")).status_code == 200
        assert (await api.get("/api/tokens")).status_code == 200  # the organiser's reads
        assert (await api.get("/api/moderation/log")).status_code == 200
        writes = [
            await api.post("/api/announcements", json={"text_zh": "只读", "text_en": "ro"}),
            await api.patch("/api/forums/3", json={"title_en": "Read-only"}),
            await api.post("/api/tokens", json={"name": "more"}),
            await api.delete(f"/api/tokens/{issued['api_token']['id']}"),
            await api.patch("/api/me", json={"organisation": "x"}),
        ]
    for response in writes:
        assert (response.status_code, response.json()["error"]["code"]) == (
            403,
            "token.read_only",
        ), response.text
    async with websockets.connect(
        server.ws_url, additional_headers={"Authorization": f"Bearer {secret}"}
    ) as ws:
        peer = Peer(ws)
        assert (await peer.command("subscribe", {"topic": "forum:2"}))["type"] == "ok"
        sent = await peer.command("chat.send", {"forum": 2, "text": "只读 read-only"})
    assert sent["error"]["code"] == "token.read_only"
    async with await as_organiser(server) as http:  # nothing of it happened
        tokens = (await http.get("/api/tokens")).json()["api_tokens"]
    assert [t["revoked"] for t in tokens if t["id"] == issued["api_token"]["id"]] == [False]


async def test_a_full_token_may_write(server: LiveServer):
    issued = await issue(server, scope="full")
    async with bearer(server, issued["token"]) as api:
        response = await api.patch("/api/me", json={"organisation": "数博会组委会"})
    assert response.status_code == 200, response.text


async def test_an_expired_token_is_refused_and_its_socket_closes_at_the_audit(
    server: LiveServer,
):
    issued = await issue(server, expires_in_days=1)
    secret, token_id = issued["token"], issued["api_token"]["id"]
    async with websockets.connect(
        server.ws_url, additional_headers={"Authorization": f"Bearer {secret}"}
    ) as ws:
        assert (await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"
        async with server.services.db() as db:  # a day passes
            row = await db.get(ApiToken, token_id)
            row.expires_at = utcnow() - timedelta(seconds=1)
            await db.commit()
        server.services.gateway.wake_audit()  # as the periodic audit would, within 30 s
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                while True:
                    await ws.recv()
    assert closed.value.rcvd.code == 4001
    async with bearer(server, secret) as api:
        refused = await api.get("/api/forums")
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "auth.token_expired")
    async with await as_organiser(server) as http:
        tokens = (await http.get("/api/tokens")).json()["api_tokens"]
    assert [(t["expired"], t["revoked"]) for t in tokens if t["id"] == token_id] == [(True, False)]


@pytest.mark.parametrize(
    "body",
    [
        {"expires_in_days": 0},
        {"expires_in_days": 366},
        {"scope": "admin"},
        {"name": " \u200b "},
    ],
)
async def test_bad_token_requests_are_refused(server: LiveServer, body: dict[str, Any]):
    async with await as_organiser(server) as http:
        response = await http.post("/api/tokens", json={"name": "x", **body})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] in ("bad_request", "token.bad_name")


async def test_a_read_token_socket_stays_read_only_when_its_account_changes(server: LiveServer):
    """An account's change (here a rename) reloads the principals of its open sockets: a read
    token's socket keeps its scope, it does not become a full one."""
    issued = await issue(server, scope="read")
    async with websockets.connect(
        server.ws_url, additional_headers={"Authorization": f"Bearer {issued['token']}"}
    ) as ws:
        peer = Peer(ws)
        assert (await peer.command("subscribe", {"topic": "forum:2"}))["type"] == "ok"
        async with await as_organiser(server) as http:
            renamed = await http.patch("/api/me", json={"display_name": "改名的组织者 Renamed"})
        assert renamed.status_code == 200, renamed.text
        told = await peer.event("account.changed")
        assert told["data"]["account"]["display_name"] == "改名的组织者 Renamed"
        sent = await peer.command("chat.send", {"forum": 2, "text": "只读 still read-only"})
    assert sent["error"]["code"] == "token.read_only", sent
