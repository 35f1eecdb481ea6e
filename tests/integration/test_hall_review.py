"""Defects found in review of the hall, each proven over a real server on SQLite and PostgreSQL:
a person banned from a booth can do nothing there (write in a private conversation opened
before the ban, leave a card, start visits), and anonymous sockets cannot store visits in bulk."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select, update

from expo.hall.demo_content import minimal_pdf
from expo.hall.models import BoothActivity, Lead, PrivateMessage
from expo.models import Account, Role
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

PASSWORD = "云上贵州-数据之都-2026"
STAFF_A = "exhibitor@demo.shubo.live"  # staff of exhibitor 1
BOOTH = 1


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    uploads = tmp_path_factory.mktemp("review_uploads")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('hall_review') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url, uploads_dir=str(uploads))) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url, uploads_dir=str(uploads))) as live:
                yield live


async def person(server: LiveServer, name: str, *, staff_of: int | None = None) -> tuple[int, str]:
    email = f"review-{secrets.token_hex(5)}@example.com"
    async with server.http() as http:
        response = await http.post(
            "/api/accounts", json={"email": email, "password": PASSWORD, "display_name": name}
        )
    assert response.status_code == 201, response.text
    account_id = response.json()["account"]["id"]
    if staff_of is not None:
        async with server.services.db() as db:
            await db.execute(
                update(Account)
                .where(Account.id == account_id)  # type: ignore[arg-type]
                .values(role=Role.EXHIBITOR, exhibitor_id=staff_of)
            )
            await db.commit()
    return account_id, await server.sign_in(email, PASSWORD)


async def count(server: LiveServer, model: Any, *where: Any) -> int:
    async with server.services.read() as db:
        return int(
            (await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
        )


async def test_a_banned_visitor_can_do_nothing_at_the_booth(server: LiveServer):
    target_id, target = await person(server, "被封的访客")
    staff = await server.sign_in(STAFF_A)
    async with server.connect(staff) as sws, server.connect(target) as tws:
        s, t = Peer(sws), Peer(tws)
        opened = await t.command("booth.private.open", {"exhibitor": BOOTH})
        assert opened["type"] == "ok", opened
        conversation = opened["data"]["conversation"]["id"]
        banned = await s.command(
            "booth.ban", {"exhibitor": BOOTH, "account": target_id, "duration": "day"}
        )
        assert banned["type"] == "ok", banned
        messages = await count(
            server, PrivateMessage, PrivateMessage.conversation_id == conversation
        )
        visits = await count(
            server,
            BoothActivity,
            BoothActivity.account_id == target_id,
            BoothActivity.kind == "visit",
        )
        said = await t.command(
            "booth.private.send",
            {"exhibitor": BOOTH, "conversation": conversation, "text": "封了还能说"},
        )
        visited = await t.command("booth.visit", {"exhibitor": BOOTH})
    assert said.get("error", {}).get("code") == "booth.banned", said
    assert visited.get("error", {}).get("code") == "booth.banned", visited
    async with server.http() as http:
        card = await http.post(
            f"/api/exhibitors/{BOOTH}/card", json={"consent": True}, headers={"Cookie": target}
        )
    assert card.status_code == 403 and card.json()["error"]["code"] == "booth.banned", card.text
    assert (
        await count(server, PrivateMessage, PrivateMessage.conversation_id == conversation)
        == messages
    )
    assert (
        await count(
            server,
            BoothActivity,
            BoothActivity.account_id == target_id,
            BoothActivity.kind == "visit",
        )
        == visits
    )
    assert await count(server, Lead, Lead.account_id == target_id) == 0


async def test_two_edits_of_one_lead_version_exactly_one_wins(server: LiveServer):
    """Two staff members save the same lead from the same version at once: one is stored, the
    other is told `lead.version_mismatch` (neither's notes silently lost)."""
    import asyncio

    _, visitor = await person(server, "名片")
    staff = await server.sign_in(STAFF_A)
    async with server.http() as http:
        left = await http.post(
            f"/api/exhibitors/{BOOTH}/card", json={"consent": True}, headers={"Cookie": visitor}
        )
        assert left.status_code in (200, 201), left.text
        lead_id = left.json()["lead_id"]
        async with server.services.read() as db:
            version = (await db.get(Lead, lead_id)).version  # type: ignore[union-attr]
        for _ in range(5):
            replies = await asyncio.gather(
                *(
                    http.patch(
                        f"/api/exhibitors/{BOOTH}/leads/{lead_id}",
                        json={"notes": f"note {i}", "version": version},
                        headers={"Cookie": staff},
                    )
                    for i in range(2)
                )
            )
            codes = sorted(r.status_code for r in replies)
            assert codes == [200, 409], [r.text for r in replies]
            version = next(r.json()["lead"]["version"] for r in replies if r.status_code == 200)


async def test_anonymous_sockets_cannot_store_visits_in_bulk(server: LiveServer):
    """Each anonymous socket has its own `booth_visit` budget (20 at once): five sockets would
    store 100 visit rows at once without a booth-wide budget for anonymous visits."""
    booth = 3
    where = (BoothActivity.exhibitor_id == booth, BoothActivity.kind == "visit")
    before = await count(server, BoothActivity, *where)
    codes: list[str] = []
    started = time.monotonic()
    for _ in range(5):
        async with server.connect() as ws:
            peer = Peer(ws)
            for _ in range(20):
                reply = await peer.command("booth.visit", {"exhibitor": booth})
                codes.append("ok" if reply["type"] == "ok" else reply["error"]["code"])
    stored = await count(server, BoothActivity, *where) - before
    elapsed = time.monotonic() - started
    assert stored == codes.count("ok")
    # The booth-wide budget: 60 at once, then 2 a second as time passes (100 without it).
    assert stored <= 61 + 2 * elapsed < 100, (stored, elapsed)
    assert "rate_limited" in codes


async def test_one_visitor_cannot_store_downloads_in_bulk(server: LiveServer):
    """Every GET of a document by a signed-in visitor stored a `download` row, with no budget:
    one account fetching a PDF in a loop filled the activity table and the dashboard's figure.
    The file is still served; only the counting is bounded."""
    staff = await server.sign_in(STAFF_A)
    async with server.http() as http:
        made = await http.post(
            f"/api/exhibitors/{BOOTH}/uploads",
            params={"filename": "spec.pdf"},
            content=minimal_pdf(["Spec"]),
            headers={"Cookie": staff, "Content-Type": "application/octet-stream"},
        )
        assert made.status_code == 201, made.text
        url = made.json()["upload"]["url"]
        visitor_id, visitor = await person(server, "下载")
        where = (BoothActivity.account_id == visitor_id, BoothActivity.kind == "download")
        for _ in range(40):
            served = await http.get(url, headers={"Cookie": visitor})
            assert served.status_code == 200 and served.content.startswith(b"%PDF-")
    assert 1 <= await count(server, BoothActivity, *where) <= 12


async def test_first_edits_of_a_booth_without_a_row_do_not_fail(server: LiveServer):
    """A booth row may be missing (an exhibitor made elsewhere): two first edits at once both
    tried to create it, and the loser's duplicate key was a 500."""
    import asyncio

    from expo.hall.models import Booth

    exhibitor = 6
    organizer = await server.sign_in("organizer@demo.shubo.live")
    for round_ in range(3):
        async with server.services.db() as db:
            found = await db.get(Booth, exhibitor)
            if found is not None:
                await db.delete(found)
                await db.commit()
        async with server.http() as http:
            replies = await asyncio.gather(
                *(
                    http.patch(
                        f"/api/exhibitors/{exhibitor}/booth",
                        json={"version": 1, "description_en": f"first edit {round_}.{i}"},
                        headers={"Cookie": organizer},
                    )
                    for i in range(3)
                )
            )
        codes = sorted(r.status_code for r in replies)
        assert 500 not in codes and codes[0] == 200, [r.text for r in replies]
        assert set(codes) <= {200, 409}, [r.text for r in replies]


async def test_going_on_duty_twice_at_once_is_not_a_500(server: LiveServer):
    """Two tabs (or a double click) putting a staff member on duty for the first time at once:
    both inserted the duty row (and the booth's duty state), the loser's duplicate key a 500."""
    import asyncio

    for exhibitor in (7, 8, 9):
        _, staff = await person(server, "值班", staff_of=exhibitor)
        async with server.http() as http:
            replies = await asyncio.gather(
                *(
                    http.put(
                        f"/api/exhibitors/{exhibitor}/duty",
                        json={"on": True},
                        headers={"Cookie": staff},
                    )
                    for _ in range(3)
                )
            )
        assert [r.status_code for r in replies] == [200, 200, 200], [r.text for r in replies]
