"""The organisers' hall pages over a real server, on SQLite and PostgreSQL: exhibitors made one
by one (with their booth) or from a CSV whose preview tells each row's faults, tier and order
in the hall, and the hall report counted from the booths' activity rows."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

from sqlmodel import func, select

from expo.hall.models import Booth, BoothActivity
from expo.models import Account, Exhibitor, utcnow
from tests.integration.test_hall_releases import ATTENDEE, ORGANIZER, STAFF_A, hall, who
from tests.live import LiveServer, Peer

__all__ = ["hall"]  # the fixture, by name


async def exhibitor_count(server: LiveServer) -> int:
    async with server.services.read() as db:
        return int((await db.execute(select(func.count()).select_from(Exhibitor))).scalar() or 0)


async def test_organisers_create_an_exhibitor_with_its_booth(hall: LiveServer):
    server = hall
    organiser = await who(server, ORGANIZER)
    body = {"name_zh": " 新展商\u200b 科技 ", "name_en": "New Exhibitor Tech"}
    status, reply = await organiser.call(
        "POST", "/api/exhibitors", body | {"industry": "ai", "tier": "gold"}
    )
    assert status == 201, reply
    made = reply["exhibitor"]
    assert made["name"] == {"zh": "新展商 科技", "en": "New Exhibitor Tech"}
    assert (made["tier"], made["industry"]["key"], made["staff"]) == ("gold", "ai", 0)
    async with server.services.read() as db:
        booth = await db.get(Booth, made["id"])
    assert booth is not None and (booth.tier, booth.industries) == ("gold", ["ai"])
    count = await exhibitor_count(server)
    for bad, code in [
        (body | {"industry": "ai"}, "exhibitor.exists"),
        (
            {"name_zh": "另一家", "name_en": "Other", "industry": "fishing"},
            "exhibitor.bad_industry",
        ),
        ({"name_zh": "", "name_en": "Other", "industry": "ai"}, "exhibitor.empty_name"),
        ({"name_zh": "长" * 121, "name_en": "Other", "industry": "ai"}, "exhibitor.name_too_long"),
        ({"name_zh": "另一家", "name_en": "O", "industry": "ai", "tier": "diamond"}, "bad_request"),
    ]:
        status, reply = await organiser.call("POST", "/api/exhibitors", bad)
        assert status in (400, 409) and reply["error"]["code"] == code, (bad, reply)
    for email in (ATTENDEE, STAFF_A):
        status, reply = await (await who(server, email)).call(
            "POST", "/api/exhibitors", {"name_zh": "x", "name_en": "y", "industry": "ai"}
        )
        assert (status, reply["error"]["code"]) == (403, "forbidden")
    assert await exhibitor_count(server) == count


CSV = (
    "\ufeffname_zh,name_en,industry,tier,summary_zh,summary_en\n"
    "导入一号,Import One,数据安全,白金,安全,Security\n"
    "导入二号,Import Two,Blockchain,,,\n"
    ",No Chinese,ai,gold,,\n"
    "导入三号,Import Three,fishing,gold,,\n"
    "导入四号,Import Four,ai,diamond,,\n"
    "导入一号,Import One Again,ai,,,\n"
    "黔算云,Qiansuan Again,ai,,,\n"
    "\n"
    "导入五号,Import Five,ai,silver,,,extra\n"
)


async def test_a_csv_import_previews_each_row_then_makes_the_valid_ones(hall: LiveServer):
    server = hall
    organiser = await who(server, ORGANIZER)
    count = await exhibitor_count(server)
    status, preview = await organiser.call(
        "POST", "/api/hall/exhibitors/import/preview", {"csv": CSV}
    )
    assert status == 200, preview
    assert [(r["line"], r["errors"]) for r in preview["rows"]] == [
        (2, []),
        (3, []),
        (4, ["exhibitor.empty_name"]),
        (5, ["exhibitor.bad_industry"]),
        (6, ["exhibitor.bad_tier"]),
        (7, ["exhibitor.duplicate"]),
        (8, ["exhibitor.exists"]),
        (10, ["exhibitor.extra_columns"]),
    ]
    assert (preview["valid"], preview["invalid"]) == (2, 6)
    assert (
        preview["rows"][0]["industry"] == "data-security"
        and preview["rows"][0]["tier"] == "platinum"
    )
    assert await exhibitor_count(server) == count  # the preview writes nothing
    fingerprint = preview["fingerprint"]
    # A file changed since the preview is refused, with the new preview; nothing is made.
    changed = CSV.replace("Import Two", "Import Deux")
    status, stale = await organiser.call(
        "POST",
        "/api/hall/exhibitors/import/confirm",
        {"csv": changed, "fingerprint": fingerprint},
    )
    assert (status, stale["error"]["code"]) == (409, "exhibitors.stale"), stale
    assert stale["error"]["details"]["preview"]["rows"][1]["name"]["en"] == "Import Deux"
    assert await exhibitor_count(server) == count
    status, missing = await organiser.call(
        "POST", "/api/hall/exhibitors/import/confirm", {"csv": CSV}
    )
    assert status == 400 and await exhibitor_count(server) == count
    # Two confirms of one preview at once: exactly one makes the rows, the other is stale.
    body = {"csv": CSV, "fingerprint": fingerprint}
    second = await who(server, ORGANIZER)
    replies = await asyncio.gather(
        organiser.call("POST", "/api/hall/exhibitors/import/confirm", body),
        second.call("POST", "/api/hall/exhibitors/import/confirm", body),
    )
    assert sorted(status for status, _ in replies) == [200, 409], replies
    done = next(reply for status, reply in replies if status == 200)
    refused = next(reply for status, reply in replies if status == 409)
    assert refused["error"]["code"] == "exhibitors.stale"
    assert [c["name"]["en"] for c in done["created"]] == ["Import One", "Import Two"]
    assert await exhibitor_count(server) == count + 2
    status, listing = await organiser.call("GET", "/api/hall/exhibitors")
    made = {e["name"]["en"]: e for e in listing["exhibitors"]}
    assert made["Import One"]["tier"] == "platinum" and made["Import Two"]["tier"] == "standard"
    # The same preview once more: its rows are taken now, so it is stale and nothing is made.
    status, again = await organiser.call("POST", "/api/hall/exhibitors/import/confirm", body)
    assert (status, again["error"]["code"]) == (409, "exhibitors.stale")
    assert again["error"]["details"]["preview"]["valid"] == 0
    assert await exhibitor_count(server) == count + 2
    for bad, code in [("", "exhibitor.no_rows"), ('"unclosed\n' * 2, None)]:
        status, reply = await organiser.call(
            "POST", "/api/hall/exhibitors/import/preview", {"csv": bad}
        )
        if code:
            assert (status, reply["error"]["code"]) == (400, code)
    status, reply = await (await who(server, STAFF_A)).call(
        "POST", "/api/hall/exhibitors/import/confirm", body
    )
    assert status == 403


async def test_tier_and_order_in_the_hall(hall: LiveServer):
    server = hall
    organiser = await who(server, ORGANIZER)
    async with server.connect() as ws:  # an open hall page and booth page follow the change
        page = Peer(ws)
        for topic in ("booth:12", "hall:all"):
            assert (await page.command("subscribe", {"topic": topic}))["type"] == "ok"
        status, reply = await organiser.call(
            "PATCH", "/api/hall/exhibitors/12", {"tier": "platinum", "position": 0}
        )
        assert status == 200, reply
        booth = await page.event("booth.changed")
        card = await page.event("booth.card_changed")
    assert booth["data"]["exhibitor"] == card["data"]["exhibitor"] == 12
    assert card["data"]["card"]["tier"] == "platinum"
    assert booth["data"]["version"] == card["data"]["version"] > 1
    assert (reply["exhibitor"]["tier"], reply["exhibitor"]["position"]) == ("platinum", 0)
    assert reply["exhibitor"]["staff"] == 2  # the demo's two staff accounts
    status, listing = await organiser.call("GET", "/api/hall/exhibitors")
    # Platinum, position 0: at the front of the hall, beside the demo's first (same place).
    assert [e["id"] for e in listing["exhibitors"][:3]] == [1, 12, 2]
    status, reply = await organiser.call("PATCH", "/api/hall/exhibitors/999999", {"tier": "gold"})
    assert (status, reply["error"]["code"]) == (404, "exhibitor.unknown")
    status, reply = await organiser.call("PATCH", "/api/hall/exhibitors/12", {"position": -1})
    assert status == 400
    status, reply = await (await who(server, STAFF_A)).call(
        "PATCH", "/api/hall/exhibitors/1", {"tier": "platinum"}
    )
    assert status == 403


async def test_the_hall_report_counts_the_activity_rows_safely(hall: LiveServer):
    server = hall
    organiser = await who(server, ORGANIZER)
    status, reply = await organiser.call(
        "POST",
        "/api/exhibitors",
        {"name_zh": '=HYPERLINK("http://x")', "name_en": "+Report Co", "industry": "ai"},
    )
    assert status == 201, reply
    eid = reply["exhibitor"]["id"]
    async with server.services.read() as db:
        ids = [a for a in (await db.execute(select(Account.id))).scalars()][:3]
    now = utcnow()
    rows = [
        BoothActivity(exhibitor_id=eid, kind="visit", account_id=ids[0], seconds=60, at=now),
        BoothActivity(exhibitor_id=eid, kind="visit", account_id=ids[0], seconds=30, at=now),
        BoothActivity(exhibitor_id=eid, kind="visit", account_id=ids[1], seconds=None, at=now),
        BoothActivity(exhibitor_id=eid, kind="visit", account_id=None, seconds=15, at=now),
        BoothActivity(exhibitor_id=eid, kind="chat", account_id=ids[1], at=now),
        BoothActivity(exhibitor_id=eid, kind="chat", account_id=ids[1], at=now),
        BoothActivity(exhibitor_id=eid, kind="private_chat", account_id=ids[2], at=now),
        BoothActivity(exhibitor_id=eid, kind="lead", account_id=ids[2], at=now),
        BoothActivity(exhibitor_id=eid, kind="download", account_id=ids[2], at=now),
        BoothActivity(exhibitor_id=eid, kind="download", account_id=None, at=now),
        BoothActivity(
            exhibitor_id=eid, kind="download", account_id=None, at=now - timedelta(days=1)
        ),
    ]
    async with server.services.db() as db:
        db.add_all(rows)
        await db.commit()
    async with server.http() as http:
        response = await http.get("/api/hall/report.csv", headers=organiser.headers)
        refused = await http.get(
            "/api/hall/report.csv", headers={"Cookie": await server.sign_in(STAFF_A)}
        )
    assert refused.status_code == 403
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:5] == ["exhibitor_id", "name_zh", "name_en", "tier", "visits"]
    row = next(r for r in table[1:] if r[0] == str(eid))
    assert row == [
        str(eid),
        '\'=HYPERLINK("http://x")',  # a formula stays text
        "'+Report Co",
        "standard",
        "4",  # visits
        "2",  # unique visitors (signed in)
        "105",  # dwell seconds in all
        "35",  # on average over the visits whose dwell is known
        "2",
        "1",
        "1",
        "3",
    ]
    quiet = next(r for r in table[1:] if r[0] == "2")
    assert quiet[4:] == ["0"] * 8
