"""数博发布 over a real server, on SQLite and PostgreSQL: exhibitors' staff write, submit and
withdraw their own releases (and nothing of another exhibitor's), organisers approve or reject
them, a release is invisible until published, and going live (or down) is announced on
`hall:all` after it is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import func, select

from expo.hall.models import Release, Upload
from expo.hall.releases import ReleaseEnvelope, ReleaseFeed
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"
STAFF_A = "staff1.1@demo.shubo.live"  # exhibitor 1 (黔算云)
STAFF_A2 = "staff2.1@demo.shubo.live"
STAFF_B = "staff1.2@demo.shubo.live"  # exhibitor 2


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def hall(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('releases') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url)) as live:
                yield live


class As:
    """HTTP calls as one person (or no one)."""

    def __init__(self, server: LiveServer, cookie: str | None) -> None:
        self.server = server
        self.headers = {"Cookie": cookie} if cookie else {}

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        async with self.server.http() as http:
            response = await http.request(method, path, json=body, headers=self.headers)
        kind = response.headers.get("content-type", "")
        return response.status_code, response.json() if "json" in kind else {}


async def who(server: LiveServer, email: str | None) -> As:
    return As(server, None if email is None else await server.sign_in(email))


async def set_approval(server: LiveServer, required: bool) -> None:
    organiser = await who(server, ORGANIZER)
    status, body = await organiser.call(
        "PUT", "/api/hall/settings", {"require_release_approval": required}
    )
    assert (status, body) == (200, {"require_release_approval": required})


async def stored(server: LiveServer, release_id: int) -> Release:
    async with server.services.read() as db:
        row = await db.get(Release, release_id)
    assert row is not None
    return row


async def release_count(server: LiveServer) -> int:
    async with server.services.read() as db:
        return int((await db.execute(select(func.count()).select_from(Release))).scalar() or 0)


DRAFT = {
    "kind": "product",
    "title_zh": "  算力调度\u200b 新版本 ",
    "title_en": "Scheduler, new version",
    "summary_zh": "一句话",
    "body_zh": "第一段\n\n\n第二段  <b>不是标签</b>\r\n第三段",
    "body_en": "One\nTwo",
}


async def draft_of_a(server: LiveServer) -> dict[str, Any]:
    staff = await who(server, STAFF_A)
    status, body = await staff.call("POST", "/api/exhibitors/1/releases", DRAFT)
    assert status == 201, body
    ReleaseEnvelope.model_validate(body)
    return body["release"]  # type: ignore[no-any-return]


async def test_staff_publish_their_own_directly_when_no_approval_is_required(hall: LiveServer):
    server = hall
    await set_approval(server, False)
    release = await draft_of_a(server)
    assert release["state"] == "draft" and release["version"] == 1
    assert release["title"] == {"zh": "算力调度 新版本", "en": "Scheduler, new version"}
    # Paragraphs one per line, blank lines gone; markup stays text (escaped on display).
    assert release["body"]["zh"] == ["第一段", "第二段 <b>不是标签</b>", "第三段"]
    assert release["exhibitor"]["id"] == 1 and release["industry"]["key"] == "computing-power"
    rid = release["id"]
    # A draft: not there for anyone but its staff and organisers.
    for email in (None, ATTENDEE, STAFF_B):
        status, body = await (await who(server, email)).call("GET", f"/api/releases/{rid}")
        assert (status, body["error"]["code"]) == (404, "release.unknown"), email
    for email in (STAFF_A2, ORGANIZER):
        status, body = await (await who(server, email)).call("GET", f"/api/releases/{rid}")
        assert status == 200 and body["release"]["state"] == "draft", email
    status, feed = await (await who(server, None)).call("GET", "/api/releases?limit=50")
    assert rid not in [r["id"] for r in feed["releases"]]

    async with server.connect() as ws:
        lobby = Peer(ws)
        assert (await lobby.command("subscribe", {"topic": "hall:all"}))["type"] == "ok"
        staff = await who(server, STAFF_A2)  # the exhibitor's other staff member
        status, body = await staff.call("POST", f"/api/releases/{rid}/submit", {"version": 1})
        assert status == 200, body
        seen = await lobby.event("release.published")
    live = body["release"]
    assert live["state"] == "published" and live["version"] == 2
    assert seen["topic"] == "hall:all" and seen["data"] == live
    assert (await stored(server, rid)).published_at is not None  # stored before announced
    status, feed = await (await who(server, None)).call("GET", "/api/releases")
    ReleaseFeed.model_validate(feed)
    assert feed["releases"][0]["id"] == rid  # newest first
    status, one = await (await who(server, ATTENDEE)).call("GET", f"/api/releases/{rid}")
    assert status == 200 and one["release"] == live and "editable" not in one

    # Staff cannot rewrite a live release; they withdraw it, and it is gone at once.
    status, body = await staff.call("PATCH", f"/api/releases/{rid}", {"title_en": "Other"})
    assert (status, body["error"]["code"]) == (409, "release.bad_state")
    async with server.connect() as ws:
        lobby = Peer(ws)
        await lobby.command("subscribe", {"topic": "hall:all"})
        status, body = await staff.call("POST", f"/api/releases/{rid}/withdraw", {})
        gone = await lobby.event("release.withdrawn")
    assert status == 200 and body["release"]["state"] == "withdrawn"
    assert gone["data"] == {"id": rid, "exhibitor_id": 1, "version": 3}
    status, _ = await (await who(server, None)).call("GET", f"/api/releases/{rid}")
    assert status == 404


async def test_with_approval_required_organisers_reject_then_approve(hall: LiveServer):
    server = hall
    await set_approval(server, True)
    rid = (await draft_of_a(server))["id"]
    staff, organiser = await who(server, STAFF_A), await who(server, ORGANIZER)
    # Only organisers follow the organisers' topic (the console's queue).
    for email in (None, ATTENDEE, STAFF_A):
        cookie = None if email is None else await server.sign_in(email)
        async with server.connect(cookie) as ws:
            reply = await Peer(ws).command("subscribe", {"topic": "hall-organisers:all"})
            assert reply["type"] == "error", (email, reply)
            assert reply["error"]["code"] in ("unauthorized", "forbidden"), reply
    async with (
        server.connect() as ws,
        server.connect(organiser.headers["Cookie"]) as console_ws,
    ):
        lobby = Peer(ws)
        await lobby.command("subscribe", {"topic": "hall:all"})
        console = Peer(console_ws)
        reply = await console.command("subscribe", {"topic": "hall-organisers:all"})
        assert reply["type"] == "ok", reply
        status, body = await staff.call("POST", f"/api/releases/{rid}/submit", {})
        assert (status, body["release"]["state"]) == (200, "pending")
        # The organisers' console hears of it at once, as it is stored.
        heard = await console.event("release.changed")
        assert heard["topic"] == "hall-organisers:all"
        assert heard["data"]["id"] == rid and heard["data"]["state"] == "pending"
        assert heard["data"]["version"] == body["release"]["version"]
        # Staff may not approve their own.
        status, body = await staff.call("POST", f"/api/releases/{rid}/approve", {})
        assert (status, body["error"]["code"]) == (403, "forbidden")
        status, queue = await organiser.call("GET", "/api/hall/releases?state=pending")
        assert rid in [r["id"] for r in queue["releases"]]
        assert queue["require_release_approval"] is True
        status, body = await organiser.call(
            "POST", f"/api/releases/{rid}/reject", {"reason": "  请补充英文摘要 "}
        )
        assert status == 200, body
        assert body["release"]["state"] == "rejected"
        assert body["release"]["rejection_reason"] == "请补充英文摘要"
        # The staff's editor sees the reason; an edit makes it a draft, the reason still shown.
        status, mine = await staff.call("GET", "/api/exhibitors/1/releases")
        row = next(r for r in mine["releases"] if r["id"] == rid)
        assert row["state"] == "rejected" and row["rejection_reason"] == "请补充英文摘要"
        assert row["editable"]["body_zh"] == "第一段\n\n第二段 <b>不是标签</b>\n第三段"
        status, body = await staff.call(
            "PATCH", f"/api/releases/{rid}", {"summary_en": "One line.", "version": 3}
        )
        assert (status, body["release"]["state"]) == (200, "draft"), body
        assert body["release"]["rejection_reason"] == "请补充英文摘要"
        status, body = await staff.call("POST", f"/api/releases/{rid}/submit", {"version": 4})
        assert body["release"]["state"] == "pending"
        assert body["release"]["rejection_reason"] is None
        # Nothing went live yet: the hall heard nothing.
        assert [e for e in lobby.events if e["type"].startswith("release.")] == []
        status, body = await organiser.call("POST", f"/api/releases/{rid}/approve", {})
        assert (status, body["release"]["state"]) == (200, "published")
        seen = await lobby.event("release.published")
    assert seen["data"]["id"] == rid and seen["data"]["version"] == body["release"]["version"]
    # Approving twice is refused with the state's code, nothing changed.
    status, again = await organiser.call("POST", f"/api/releases/{rid}/approve", {})
    assert (status, again["error"]["code"]) == (409, "release.bad_state")


async def test_staff_of_another_exhibitor_are_refused_and_nothing_changes(hall: LiveServer):
    server = hall
    release = await draft_of_a(server)
    rid = release["id"]
    before = await stored(server, rid)
    count = await release_count(server)
    other = await who(server, STAFF_B)
    attempts = [
        ("PATCH", f"/api/releases/{rid}", {"title_en": "Taken over"}),
        ("POST", f"/api/releases/{rid}/submit", {}),
        ("POST", f"/api/releases/{rid}/withdraw", {}),
        ("POST", "/api/exhibitors/1/releases", DRAFT),
        ("GET", "/api/exhibitors/1/releases", None),
    ]
    for method, path, body in attempts:
        status, reply = await other.call(method, path, body)
        assert (status, reply["error"]["code"]) == (403, "forbidden"), (method, path)
    # Attendees and organiser-only moves: refused by role.
    attendee = await who(server, ATTENDEE)
    for method, path, body in [*attempts, ("POST", f"/api/releases/{rid}/publish", {})]:
        status, reply = await attendee.call(method, path, body)
        assert status == 403, (method, path)
    status, _ = await other.call("POST", f"/api/releases/{rid}/publish", {})
    assert status == 403
    after = await stored(server, rid)
    assert (after.state, after.version, after.title_en) == (
        before.state,
        before.version,
        before.title_en,
    )
    assert await release_count(server) == count


async def test_bad_input_gets_a_code_and_changes_nothing(hall: LiveServer):
    server = hall
    rid = (await draft_of_a(server))["id"]
    async with server.services.db() as db:
        image_a = Upload(exhibitor_id=1, kind="image", content_type="image/png", filename="a.png")
        pdf_a = Upload(exhibitor_id=1, kind="pdf", content_type="application/pdf", filename="a.pdf")
        image_b = Upload(exhibitor_id=2, kind="image", content_type="image/png", filename="b.png")
        for u in (image_a, pdf_a, image_b):
            u.size, u.sha256 = 10, "0" * 64
        db.add_all([image_a, pdf_a, image_b])
        await db.commit()
        ids = (image_a.id, pdf_a.id, image_b.id)
    before = await stored(server, rid)
    count = await release_count(server)
    staff = await who(server, STAFF_A)
    cases = [
        ({"title_zh": "长" * 61}, 400, "release.too_long"),
        ({"title_zh": "", "title_en": " "}, 400, "release.empty"),
        ({"images": [ids[2]]}, 404, "upload.unknown"),  # exhibitor 2's picture
        ({"images": [ids[1]]}, 400, "release.bad_upload_kind"),  # a PDF as a picture
        ({"documents": [ids[0]]}, 400, "release.bad_upload_kind"),
        ({"kind": "advert"}, 400, "bad_request"),
        ({"industry": "ai"}, 200, None),  # staff's industry is their exhibitor's: ignored
        ({"title_en": "x", "version": 99}, 409, "release.stale"),
        ({"body_zh": 3}, 400, "bad_request"),
        ({"unknown": 1}, 400, "bad_request"),
    ]
    for body, want, code in cases:
        status, reply = await staff.call("PATCH", f"/api/releases/{rid}", body)
        assert status == want, (body, reply)
        if code:
            assert reply["error"]["code"] == code, (body, reply)
    after = await stored(server, rid)
    assert (after.title_zh, after.images, after.version, after.industry) == (
        before.title_zh,
        before.images,
        before.version,
        "computing-power",
    )
    status, reply = await staff.call(
        "PATCH", f"/api/releases/{rid}", {"images": [ids[0]], "documents": [ids[1], ids[1]]}
    )
    assert status == 200, reply
    assert [i["id"] for i in reply["release"]["images"]] == [ids[0]]
    assert [d["id"] for d in reply["release"]["documents"]] == [ids[1]]
    assert reply["release"]["documents"][0]["url"] == f"/api/uploads/{ids[1]}"
    status, reply = await staff.call("POST", "/api/exhibitors/1/releases", {"title_zh": "x" * 999})
    assert (status, reply["error"]["code"]) == (400, "bad_request")
    assert await release_count(server) == count
    # A title in one language is enough (the page falls back to it).
    status, reply = await staff.call("POST", "/api/exhibitors/1/releases", {"title_en": "Only"})
    assert status == 201 and reply["release"]["title"] == {"zh": "", "en": "Only"}
    count += 1
    status, reply = await (await who(server, ORGANIZER)).call(
        "POST", f"/api/releases/{rid}/reject", {"reason": " "}
    )
    assert status in (400, 409)
    status, reply = await staff.call("GET", "/api/releases/2147483648")
    assert status == 400
    status, reply = await staff.call("GET", "/api/releases/999999")
    assert (status, reply["error"]["code"]) == (404, "release.unknown")
    status, reply = await staff.call("GET", "/api/releases?industry=nope")
    assert (status, reply["error"]["code"]) == (400, "release.bad_industry")
    assert await release_count(server) == count


async def test_organisers_publish_expo_wide_releases_and_the_feed_filters(hall: LiveServer):
    server = hall
    organiser = await who(server, ORGANIZER)
    status, body = await organiser.call(
        "POST",
        "/api/releases",
        {"kind": "report", "title_zh": "组委会发布", "title_en": "From the organisers"}
        | {"industry": "data-security"},
    )
    assert status == 201, body
    rid = body["release"]["id"]
    assert body["release"]["exhibitor"] is None
    status, body = await organiser.call("POST", f"/api/releases/{rid}/publish", {})
    assert body["release"]["state"] == "published"
    # Staff can never touch an expo-wide release.
    status, _ = await (await who(server, STAFF_A)).call("POST", f"/api/releases/{rid}/withdraw", {})
    assert status == 403
    anyone = await who(server, None)
    status, feed = await anyone.call("GET", "/api/releases?industry=data-security")
    assert rid in [r["id"] for r in feed["releases"]]
    assert {r["industry"]["key"] for r in feed["releases"]} == {"data-security"}
    status, feed = await anyone.call("GET", "/api/releases?exhibitor=4")
    assert feed["releases"] and {r["exhibitor"]["id"] for r in feed["releases"]} == {4}
    status, page = await anyone.call("GET", "/api/releases?limit=2&offset=1")
    status, whole = await anyone.call("GET", "/api/releases?limit=50")
    assert [r["id"] for r in page["releases"]] == [r["id"] for r in whole["releases"][1:3]]
    assert page["total"] == whole["total"] == len(whole["releases"])
    stamps = [r["published_at"] for r in whole["releases"]]
    assert stamps == sorted(stamps, reverse=True)
