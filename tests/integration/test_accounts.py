"""Registering, the profile, and refusing cross-site requests."""

from __future__ import annotations

import secrets

import pytest

from tests.live import LiveServer, Peer

STRONG = "黔山秀水-big-data-2026"


def new_email() -> str:
    return f"visitor-{secrets.token_hex(4)}@example.cn"


async def test_registering_signs_in_an_attendee(server: LiveServer):
    email = new_email()
    async with server.http() as http:
        response = await http.post(
            "/api/accounts",
            json={
                "email": f"  {email.upper()} ",
                "password": STRONG,
                "display_name": " 赵 敏 ",
                "organisation": "贵州大学",
                "language": "en",
            },
        )
        me = await http.get("/api/me")
    assert response.status_code == 201
    account = response.json()["account"]
    assert (account["role"], account["display_name"], account["language"]) == (
        "attendee",
        "赵 敏",
        "en",
    )
    assert me.json()["account"]["id"] == account["id"]
    async with server.http() as http:  # the address is stored normalised: sign in with it
        again = await http.post("/api/session", json={"email": email, "password": STRONG})
    assert again.status_code == 200


async def test_a_registered_attendee_can_chat_at_once(server: LiveServer):
    async with server.http() as http:
        await http.post(
            "/api/accounts",
            json={"email": new_email(), "password": STRONG, "display_name": "新观众"},
        )
        cookie = f"expo_session={http.cookies['expo_session']}"
    async with server.connect(cookie) as ws:
        reply = await Peer(ws).command("chat.send", {"forum": 2, "text": "第一次来数博会"})
    assert reply["data"]["message"]["author"]["name"] == "新观众"


async def test_a_taken_email_is_a_conflict_and_changes_nothing(server: LiveServer):
    async with server.http() as http:
        taken = await http.post(
            "/api/accounts",
            json={"email": "Attendee@demo.shubo.live", "password": STRONG, "display_name": "冒名"},
        )
        original = await http.post(
            "/api/session",
            json={"email": "attendee@demo.shubo.live", "password": "shubo-demo-2026"},
        )
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "account.email_taken")
    assert original.json()["account"]["display_name"] == "张伟 Zhang Wei"


@pytest.mark.parametrize(
    ("password", "name", "code"),
    [
        ("short1!", "Li", "account.weak_password"),
        ("password123", "Li", "account.weak_password"),
        ("aaaaaaaaaaaa", "Li", "account.weak_password"),
        ("zhaomin-2026!", "Zhaomin", "account.weak_password"),
    ],
)
async def test_weak_passwords_are_refused(server: LiveServer, password, name, code):
    async with server.http() as http:
        response = await http.post(
            "/api/accounts", json={"email": new_email(), "password": password, "display_name": name}
        )
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email": "not-an-email", "password": STRONG, "display_name": "x"}, "account.bad_email"),
        ({"email": "a@b.cn", "password": STRONG, "display_name": "   "}, "account.bad_name"),
        (
            {"email": "a@b.cn", "password": STRONG, "display_name": "x", "role": "organizer"},
            "bad_request",
        ),
        (
            {"email": "a@b.cn", "password": STRONG, "display_name": "x", "language": "fr"},
            "bad_request",
        ),
    ],
)
async def test_bad_registrations_are_refused(server: LiveServer, body, code):
    async with server.http() as http:
        response = await http.post("/api/accounts", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)


async def test_the_profile_can_be_changed_by_its_owner(server: LiveServer):
    async with server.http() as http:
        await http.post(
            "/api/accounts", json={"email": new_email(), "password": STRONG, "display_name": "王芳"}
        )
        changed = await http.patch("/api/me", json={"title": "数据工程师", "language": "en"})
        refused = await http.patch("/api/me", json={"role": "organizer"})
    assert changed.json()["account"]["title"] == "数据工程师"
    assert changed.json()["account"]["language"] == "en"
    assert (refused.status_code, changed.json()["account"]["role"]) == (400, "attendee")


async def test_a_state_change_from_another_site_is_refused(server: LiveServer):
    cookie = await server.sign_in("attendee@demo.shubo.live")
    async with server.http(headers={"Cookie": cookie}) as http:
        forged = await http.delete("/api/session", headers={"Origin": "https://evil.example"})
        fetch_meta = await http.patch(
            "/api/me", json={"title": "pwned"}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        still_in = await http.get("/api/me")
        own_site = await http.patch(
            "/api/me", json={"title": "研究员"}, headers={"Origin": server.base}
        )
    assert (forged.status_code, forged.json()["error"]["code"]) == (403, "csrf.cross_site")
    assert fetch_meta.status_code == 403
    assert still_in.status_code == 200 and still_in.json()["account"]["title"] == "研究员"
    assert own_site.status_code == 200


async def test_organisation_and_title_lose_bidi_and_invisible_controls_as_names_do(
    server: LiveServer,
):
    """A right-to-left override in an organisation would make the card beside a name read
    backwards; a zero-width space hides words. Both go, at sign-up and on a profile change."""
    async with server.http() as http:
        created = await http.post(
            "/api/accounts",
            json={
                "email": new_email(),
                "password": STRONG,
                "display_name": "李雷",
                "organisation": "\u202egnahgnahS\u202c 数据\u200b 公司",
                "title": "  首席\tdata\u2066 官 ",
            },
        )
        changed = await http.patch(
            "/api/me", json={"organisation": "贵阳\u200f大数据\u0000交易所", "title": "\u200b"}
        )
    assert created.status_code == 201, created.text
    account = created.json()["account"]
    assert (account["organisation"], account["title"]) == ("gnahgnahS 数据 公司", "首席 data 官")
    assert changed.status_code == 200, changed.text
    assert changed.json()["account"]["organisation"] == "贵阳 大数据 交易所"
    assert changed.json()["account"]["title"] == ""
