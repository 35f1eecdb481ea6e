"""The points of the security review (docs/security.md) that no other test showed, over a real
server and real sockets: cross-site websocket hijacking and request forgery with a victim's
cookie, the cookie behind the TLS proxy, no compression, only RFC 6455, deep JSON nesting, and
failures that tell nothing of their cause."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets
from starlette.requests import Request
from starlette.responses import Response
from websockets.exceptions import ConnectionClosed, InvalidStatus

from expo.features import Feature, load_features
from expo.http import ActionRoute
from expo.permissions import ANYONE
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from tests.live import LiveServer, Peer, live_server, make_settings
from tests.rawws import address, exchange, request_head

ATTENDEE = "attendee@demo.shubo.live"
# What a failure knows and a client must never read: a path, a secret, the exception's type.
CAUSE = "RuntimeError: password hunter2 for /srv/expo/secret.key"


class Nothing(Strict):
    pass


async def fail_command(ctx: CommandContext, data: Nothing) -> dict[str, Any]:
    raise RuntimeError(CAUSE)


async def fail_route(request: Request) -> Response:
    raise RuntimeError(CAUSE)


# A feature whose command and route fail as a bug would: the server must answer without it.
FAULTY = Feature(
    name="faulty",
    commands={"fault.raise": CommandSpec(fail_command, Nothing, action="fault.raise")},
    routes=[ActionRoute("/api/test/fault", fail_route, methods=["GET"], action="fault.raise")],
    permissions={"fault.raise": ANYONE},
)


@pytest.fixture(scope="module")
async def reviewed(demo_sqlite: str) -> AsyncIterator[LiveServer]:
    async with live_server(make_settings(demo_sqlite), [*load_features(), FAULTY]) as live:
        yield live


# --- cross-site websocket hijacking (ASVS 4.4.2, cheat sheet "Origin Header Validation") ------


def foreign_origins(server: LiveServer) -> list[str]:
    host, port = address(server.base)
    return [
        "https://evil.example",
        "null",  # a sandboxed frame, a file:// page
        f"http://{host}.evil.example:{port}",  # our host as a prefix of theirs
    ]


async def test_a_victims_cookie_from_another_sites_page_opens_no_websocket(reviewed: LiveServer):
    cookie = await reviewed.sign_in(ATTENDEE)
    for origin in foreign_origins(reviewed):
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(
                reviewed.ws_url, origin=origin, additional_headers={"Cookie": cookie}
            ):
                pass
        assert refused.value.response.status_code == 403, origin
    # The same cookie from our own page is admitted and signed in.
    async with websockets.connect(
        reviewed.ws_url, origin=reviewed.base, additional_headers={"Cookie": cookie}
    ) as ws:
        reply = await Peer(ws).command("subscribe", {"topic": "forum:2"})
    assert reply["type"] == "ok"


# --- request forgery on the REST API (ASVS 3.5.1-3.5.3) ---------------------------------------


async def test_a_signed_in_cross_site_request_is_refused_and_changes_nothing(
    reviewed: LiveServer,
):
    cookie = await reviewed.sign_in(ATTENDEE)
    async with reviewed.http(headers={"Cookie": cookie}) as http:
        forged = [
            await http.delete("/api/session", headers={"Origin": "https://evil.example"}),
            await http.delete("/api/session", headers={"Origin": "null"}),
            # A browser that names no Origin still says the request is cross-site.
            await http.delete("/api/session", headers={"Sec-Fetch-Site": "cross-site"}),
            await http.patch(
                "/api/me",
                json={"display_name": "forged"},
                headers={"Origin": "https://evil.example"},
            ),
        ]
        me = await http.get("/api/me")
    assert [(r.status_code, r.json()["error"]["code"]) for r in forged] == [
        (403, "csrf.cross_site")
    ] * 4
    assert me.status_code == 200  # the session was not ended
    assert me.json()["account"]["display_name"] != "forged"


# --- the session cookie (ASVS 3.3.1, 3.3.2, 3.3.4) ---------------------------------------------


async def test_the_session_cookie_is_secure_behind_the_tls_proxy_httponly_and_lax(
    reviewed: LiveServer,
):
    body = {"email": ATTENDEE, "password": "shubo-demo-2026"}
    async with reviewed.http() as http:
        # The proxy in front (127.0.0.1 here, uvicorn's FORWARDED_ALLOW_IPS) terminated TLS.
        behind_tls = await http.post(
            "/api/session", json=body, headers={"X-Forwarded-Proto": "https"}
        )
        plain = await http.post("/api/session", json=body)  # `expo demo` on http://127.0.0.1
    attributes = [part.strip().lower() for part in behind_tls.headers["set-cookie"].split(";")]
    assert attributes[0].startswith("expo_session=")
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(attributes)
    assert "secure" not in plain.headers["set-cookie"].lower()
    assert len(behind_tls.headers["set-cookie"]) < 4096  # browsers keep it (ASVS 3.3.5)
    # The token travels in Set-Cookie only, never in a body a script could read.
    token = attributes[0].split("=", 1)[1]
    assert token not in behind_tls.text


async def test_no_other_origin_is_granted_cross_origin_reads(reviewed: LiveServer):
    """ASVS 3.4.2: the API is same-origin; no response grants another origin anything."""
    cookie = await reviewed.sign_in(ATTENDEE)
    foreign = {"Origin": "https://evil.example", "Cookie": cookie}
    async with reviewed.http() as http:
        answers = [
            await http.options(
                "/api/me",
                headers={
                    **foreign,
                    "Access-Control-Request-Method": "PATCH",
                    "Access-Control-Request-Headers": "content-type",
                },
            ),
            await http.get("/api/me", headers=foreign),
            await http.get("/api/forums", headers=foreign),
        ]
    granted = [k for a in answers for k in a.headers if k.lower().startswith("access-control-")]
    assert granted == []


# --- the protocol (cheat sheet "WebSocket Protocol Configuration") ------------------------------


async def test_compression_is_never_negotiated(reviewed: LiveServer):
    async with websockets.connect(reviewed.ws_url, compression="deflate") as ws:
        assert ws.response is not None
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
        assert (await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"


@pytest.mark.parametrize("version", ["8", "0"])  # hybi drafts; Hixie-76 sends none: a 400
async def test_only_rfc_6455_is_spoken(reviewed: LiveServer, version: str):
    host, port = address(reviewed.base)
    head = request_head(
        f"{host}:{port}", f"Sec-WebSocket-Version: {version}", drop="Sec-WebSocket-Version"
    )
    answer, body = await exchange(host, port, head)
    # websockets answers 400 where RFC 6455 4.4 suggests 426: refused either way, never a 101.
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert f"invalid Sec-WebSocket-Version header: {version}".encode() in body


# --- input validation: nesting (cheat sheet "Input Validation") --------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


async def test_deep_nesting_is_refused_with_a_code_and_the_socket_goes_on(reviewed: LiveServer):
    async with reviewed.connect() as ws:
        peer = Peer(ws)
        await ws.send(nested(6000))  # 12 KB, within the size limit: deeper than JSON is read
        too_deep = json.loads(await ws.recv())
        await ws.send(f'{{"type": "subscribe", "id": "deep", "data": {{"topic": {nested(900)}}}}}')
        refused = await peer.reply("deep")
        still = await peer.command("subscribe", {"topic": "forum:2"})
    assert too_deep == {
        "type": "error",
        "id": None,
        "error": {"code": "bad_request", "message": "The frame is not valid JSON."},
    }
    assert refused["error"]["code"] == "bad_request"
    assert "[[" not in json.dumps(refused)  # the input is named, never echoed
    assert still["type"] == "ok"


async def test_a_deeply_nested_body_is_a_bad_request(reviewed: LiveServer):
    async with reviewed.http() as http:
        response = await http.post(
            "/api/session",
            content=f'{{"email": {nested(6000)}}}',
            headers={"Content-Type": "application/json"},
        )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_request")


# --- errors tell nothing of their cause (ASVS 16.5.1; cheat sheet "Monitoring and Logging") -----


async def test_a_failing_command_and_route_tell_nothing_of_the_cause(reviewed: LiveServer):
    async with reviewed.connect() as ws:
        peer = Peer(ws)
        reply = await peer.command("fault.raise")
        after = await peer.command("subscribe", {"topic": "forum:2"})
    async with reviewed.http() as http:
        response = await http.get("/api/test/fault")
    assert reply == {
        "type": "error",
        "id": "t1",
        "error": {"code": "internal", "message": "The server failed; the command had no effect."},
    }
    assert after["type"] == "ok"  # the socket survives its command's failure
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal", "message": "The server failed; nothing was changed."}
    }
    assert "hunter2" not in response.text and "Traceback" not in response.text


async def test_the_logs_name_ids_never_cookies_tokens_or_what_people_wrote(
    reviewed: LiveServer, caplog: pytest.LogCaptureFixture
):
    """Cheat sheet: log connections, refusals and failures, never message contents, tokens or
    session ids. Every record the server wrote meanwhile, formatted as production writes it."""
    import logging

    from expo.logs import JsonFormatter

    caplog.set_level(logging.DEBUG)
    said = "我的手机号 13800138000 private words"
    bearer = "not-a-real-token-" + "7" * 24
    cookie = await reviewed.sign_in(ATTENDEE)
    async with reviewed.connect(cookie) as ws:
        peer = Peer(ws)
        assert (await peer.command("chat.send", {"forum": 2, "text": said}))["type"] == "ok"
        assert (await peer.command("fault.raise"))["error"]["code"] == "internal"
    with pytest.raises(InvalidStatus):
        async with websockets.connect(
            reviewed.ws_url, additional_headers={"Authorization": f"Bearer {bearer}"}
        ):
            pass
    # What `expo serve` writes (INFO and up, from every library), and every line of ours even at
    # DEBUG. Below INFO, aiosqlite logs SQL parameters and the test's own clients their headers.
    written = [r for r in caplog.records if r.levelno >= logging.INFO or r.name.startswith("expo")]
    lines = [JsonFormatter().format(record) for record in written]
    failed = [json.loads(line) for line in lines if '"command failed"' in line]
    assert failed and failed[0]["command"] == "fault.raise" and "conn" in failed[0]
    secrets = [cookie.split("=", 1)[1], bearer, "13800138000", "private words"]
    assert [s for s in secrets if any(s in line for line in lines)] == []


# --- HTTP hygiene (ASVS 4.1.1, 4.1.4) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/js/app.js", "text/javascript; charset=utf-8"),
        ("/api/forums", "application/json"),  # JSON is UTF-8 by definition (RFC 8259 8.1)
    ],
)
async def test_responses_name_their_type_and_charset(
    reviewed: LiveServer, path: str, media_type: str
):
    async with reviewed.http() as http:
        response = await http.get(path)
    assert response.headers["content-type"] == media_type


@pytest.mark.parametrize("path", ["/api/forums", "/", "/index.html", "/ws"])
@pytest.mark.parametrize("method", ["TRACE", "PUT", "DELETE"])
async def test_methods_nothing_serves_are_refused(reviewed: LiveServer, path: str, method: str):
    async with reviewed.http() as http:
        response = await http.request(method, path)
    assert (response.status_code, response.json()["error"]["code"]) == (405, "method_not_allowed")


# --- authorisation of what a socket reads (ASVS 8.2.2; cheat sheet "Message-Level Authorization")


async def private_topics(server: LiveServer) -> tuple[list[str], int]:
    """Topics only some may follow (all of them the organiser's to follow), and the booth of
    the demo exhibitor's own staff."""
    from sqlmodel import select

    from expo.models import Account

    async with server.services.read() as db:
        accounts = {a.email: a for a in (await db.execute(select(Account))).scalars()}
    organiser = accounts["organizer@demo.shubo.live"].id
    own = accounts["exhibitor@demo.shubo.live"].exhibitor_id
    other = accounts["staff1.2@demo.shubo.live"].exhibitor_id
    assert own is not None and other is not None and own != other
    topics = [
        f"account:{organiser}",
        f"booth-staff:{other}",
        f"booth-queue-staff:{other}",
        "hall-organisers:all",
        "match-organisers:all",
        "control:all",
        "backstage:2",
    ]
    return topics, own


async def test_private_topics_are_refused_to_those_they_are_not_for(reviewed: LiveServer):
    topics, own = await private_topics(reviewed)
    codes: dict[str | None, list[str]] = {}
    for email in (None, ATTENDEE, "exhibitor@demo.shubo.live", "organizer@demo.shubo.live"):
        cookie = await reviewed.sign_in(email) if email else None
        async with reviewed.connect(cookie) as ws:
            peer = Peer(ws)
            for topic in topics:
                reply = await peer.command("subscribe", {"topic": topic})
                codes.setdefault(email, []).append(
                    reply["error"]["code"] if reply["type"] == "error" else "ok"
                )
            if email == "exhibitor@demo.shubo.live":  # the exhibitor's own booth: theirs
                mine = await peer.command("subscribe", {"topic": f"booth-staff:{own}"})
                assert mine["type"] == "ok"
    refused = ["account.not_yours", *["forbidden"] * 6]
    assert codes == {
        None: ["unauthorized"] * 7,
        ATTENDEE: refused,
        "exhibitor@demo.shubo.live": refused,
        "organizer@demo.shubo.live": ["ok"] * 7,
    }


async def test_a_session_that_expires_while_its_socket_is_open_is_closed_with_4001(
    reviewed: LiveServer,
):
    from datetime import timedelta

    from expo.models import AccountSession, utcnow

    cookie = await reviewed.sign_in(ATTENDEE)
    async with reviewed.connect(cookie) as ws:
        await Peer(ws).command("subscribe", {"topic": "forum:2"})
        gateway = reviewed.services.gateway
        (session_id,) = {
            c.principal.session_id
            for c in gateway.clients
            if c.principal is not None and c.principal.session_id is not None
        }
        async with reviewed.services.db() as db:
            row = await db.get(AccountSession, session_id)
            row.expires_at = utcnow() - timedelta(seconds=1)  # its fortnight is over
            await db.commit()
        gateway.wake_audit()  # the audit that runs every 30 s, now
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(5):
                while True:
                    await ws.recv()
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "Signed out.")


# --- links in mail come from the configuration, never from the request (password reset poisoning)


async def test_a_reset_link_never_points_at_the_host_the_asker_named(demo_sqlite: str):
    """Whoever asks for someone's reset mail chooses the request's Host header: a link built
    from it would send the victim's one-time token to the asker's site."""
    from tests.mail import link_in, smtp_server
    from tests.waiting import eventually

    victim = "attendee@demo.shubo.live"
    async with smtp_server() as mailbox:
        async with live_server(make_settings(demo_sqlite, smtp_url=mailbox.url)) as live:
            async with live.http() as http:
                asked = await http.post(
                    "/api/password/forgot",
                    json={"email": victim},
                    headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
                )
            assert asked.status_code == 202
            [message] = await eventually(lambda: mailbox.to(victim))
            link = link_in(message, "reset")
        async with live_server(
            make_settings(demo_sqlite, smtp_url=mailbox.url, public_url="https://expo.example.cn")
        ) as configured:
            async with configured.http() as http:
                await http.post(
                    "/api/password/forgot",
                    json={"email": victim},
                    headers={"Host": "evil.example"},
                )
            [_, configured_message] = await eventually(
                lambda: mailbox.to(victim) if len(mailbox.to(victim)) == 2 else []
            )
    assert "evil.example" not in link
    assert link.startswith(f"{live.base}/#/reset/")  # the server's own address
    assert link_in(configured_message, "reset").startswith("https://expo.example.cn/#/reset/")
