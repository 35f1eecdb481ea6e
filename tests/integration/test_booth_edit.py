"""Exhibitor staff edit their own booth over a real server, on SQLite and PostgreSQL: changes
are stored with the booth's version bumped and announced on `booth:<id>`; staff of another
exhibitor, attendees and stale editors are refused and change nothing; uploads are judged by
their bytes, capped while they stream, and served with the safe headers; duty is announced."""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlmodel import col, select

from expo.hall.demo_content import minimal_pdf
from expo.hall.duty import shift_boundaries
from expo.hall.models import ActivityKind, Booth, BoothActivity, Product, Upload
from expo.hall.public import on_duty
from expo.models import Account, Role, utcnow
from expo.security import hash_password
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.rawws import address
from tests.services import fresh_postgres_database

STAFF = "exhibitor@demo.shubo.live"
ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"
OTHERS_PASSWORD = "another-booth-2026"
CAP = 2 * 1024 * 1024  # the test servers' upload limit


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def hall(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    folder = tmp_path_factory.mktemp("uploads")
    before = os.environ.get("EXPO_UPLOADS_DIR")
    os.environ["EXPO_UPLOADS_DIR"] = str(folder)  # where the demo seed puts its files
    try:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('booths') / 'expo.db'}"
            await prepare_demo_database(url)
            settings = make_settings(url, uploads_dir=str(folder), max_upload_bytes=CAP)
            async with live_server(settings) as live:
                yield live
        else:
            async with fresh_postgres_database() as url:
                await prepare_demo_database(url)
                settings = make_settings(url, uploads_dir=str(folder), max_upload_bytes=CAP)
                async with live_server(settings) as live:
                    yield live
    finally:
        if before is None:
            os.environ.pop("EXPO_UPLOADS_DIR", None)
        else:
            os.environ["EXPO_UPLOADS_DIR"] = before


async def own_exhibitor(server: LiveServer) -> int:
    async with server.services.read() as db:
        found = await db.execute(select(Account).where(col(Account.email) == STAFF))
        return found.scalars().one().exhibitor_id  # type: ignore[no-any-return]


async def staff_of(server: LiveServer, exhibitor_id: int) -> tuple[int, str]:
    """A new staff account of `exhibitor_id`: (account id, cookie)."""
    email = f"staff-{secrets.token_hex(4)}@example.com"
    async with server.services.db() as db:
        account = Account(
            email=email,
            password_hash=hash_password(OTHERS_PASSWORD),
            display_name="别家员工 Other Staff",
            role=Role.EXHIBITOR,
            exhibitor_id=exhibitor_id,
        )
        db.add(account)
        await db.commit()
        assert account.id is not None
        account_id = account.id
    return account_id, await server.sign_in(email, OTHERS_PASSWORD)


async def call(
    server: LiveServer, method: str, path: str, cookie: str | None, **kwargs: Any
) -> tuple[int, Any]:
    headers = {"Cookie": cookie} if cookie else {}
    async with server.http() as http:
        response = await http.request(method, path, headers=headers, **kwargs)
    body = response.json() if response.headers.get("content-type") == "application/json" else None
    return response.status_code, body


async def booth(server: LiveServer, exhibitor_id: int) -> dict[str, Any]:
    status, body = await call(server, "GET", f"/api/exhibitors/{exhibitor_id}/booth", None)
    assert status == 200, body
    return body["booth"]  # type: ignore[no-any-return]


async def stored(server: LiveServer, exhibitor_id: int) -> tuple[Any, ...]:
    """Everything of the booth in the database, to say that nothing changed."""
    async with server.services.read() as db:
        row = await db.get(Booth, exhibitor_id)
        products = await db.execute(
            select(Product).where(col(Product.exhibitor_id) == exhibitor_id)
        )
        uploads = await db.execute(select(Upload).where(col(Upload.exhibitor_id) == exhibitor_id))
        return (
            row.model_dump() if row else None,
            sorted(str(p.model_dump()) for p in products.scalars()),
            sorted(str(u.model_dump()) for u in uploads.scalars()),
        )


async def kept_files(server: LiveServer) -> list[str]:
    folder = Path(server.services.settings.uploads_dir)
    return sorted(p.name for p in await asyncio.to_thread(lambda: list(folder.iterdir())))


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (120, 80), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


async def post_file(
    server: LiveServer, exhibitor_id: int, cookie: str | None, data: bytes, name: str
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/octet-stream"}
    if cookie:
        headers["Cookie"] = cookie
    async with server.http() as http:
        response = await http.post(
            f"/api/exhibitors/{exhibitor_id}/uploads",
            params={"filename": name},
            content=data,
            headers=headers,
        )
    return response.status_code, response.json()


# --- editing --------------------------------------------------------------------------------


async def test_staff_edit_their_own_booth_and_everyone_there_sees_it(hall: LiveServer):
    server = hall
    own = await own_exhibitor(server)
    cookie = await server.sign_in(STAFF)
    before = await booth(server, own)
    async with server.connect() as booth_ws, server.connect() as hall_ws:
        visitor, lobby = Peer(booth_ws), Peer(hall_ws)
        assert (await visitor.command("subscribe", {"topic": f"booth:{own}"}))["type"] == "ok"
        assert (await lobby.command("subscribe", {"topic": "hall:all"}))["type"] == "ok"
        body = {
            "version": before["version"],
            "description_zh": "  全国一体化算力网络\u202e\r\n第二段 ",
            "description_en": "National computing network",
            "industries": ["computing-power", "cloud", "computing-power"],
            "links": [{"title_zh": "官网", "title_en": "Site", "url": "https://qs.example/"}],
            "videos": [{"title_zh": "", "title_en": "Clip", "url": "/demo/stream/index.m3u8"}],
        }
        status, reply = await call(
            server, "PATCH", f"/api/exhibitors/{own}/booth", cookie, json=body
        )
        assert status == 200, reply
        changed = await visitor.event("booth.changed")
        card = await lobby.event("booth.card_changed")
    view = reply["booth"]
    assert view["version"] == before["version"] + 1
    assert view["description"] == {
        "zh": "全国一体化算力网络\n第二段",
        "en": "National computing network",
    }
    assert view["industry_keys"] == ["computing-power", "cloud"]
    assert [i["en"] for i in view["industries"]] == ["Computing power network", "Cloud services"]
    assert view["links"] == [{"title_zh": "官网", "title_en": "Site", "url": "https://qs.example/"}]
    assert changed["topic"] == f"booth:{own}"
    assert changed["data"] == {"exhibitor": own, "version": view["version"], "booth": view}
    assert card["data"]["card"]["industries"] == view["industries"]
    assert card["data"]["version"] == view["version"]
    assert await booth(server, own) == view
    # The editor's version is now old: a second save from that page is refused, not lost.
    status, stale = await call(
        server,
        "PATCH",
        f"/api/exhibitors/{own}/booth",
        cookie,
        json={"version": before["version"], "description_en": "Overwrite"},
    )
    assert (status, stale["error"]["code"]) == (409, "booth.stale")
    assert (await booth(server, own))["description"]["en"] == "National computing network"


async def test_staff_of_another_exhibitor_and_attendees_are_refused_and_change_nothing(
    hall: LiveServer,
):
    server = hall
    own = await own_exhibitor(server)
    other = own + 1
    _, others = await staff_of(server, other)
    attendee = await server.sign_in(ATTENDEE)
    current = await booth(server, own)
    product_id = current["products"][0]["id"]
    upload_id = current["documents"][0]["id"]
    before = await stored(server, own)
    attempts = [
        ("PATCH", f"/api/exhibitors/{own}/booth", {"json": {"version": current["version"]}}),
        ("GET", f"/api/exhibitors/{own}/booth/editor", {}),
        ("POST", f"/api/exhibitors/{own}/products", {"json": {"name_zh": "x", "name_en": "x"}}),
        ("PATCH", f"/api/exhibitors/{own}/products/{product_id}", {"json": {"name_en": "x"}}),
        ("DELETE", f"/api/exhibitors/{own}/products/{product_id}", {}),
        ("POST", f"/api/exhibitors/{own}/products/order", {"json": {"ids": [product_id]}}),
        ("GET", f"/api/exhibitors/{own}/uploads", {}),
        ("POST", f"/api/exhibitors/{own}/uploads", {"content": minimal_pdf(["x"])}),
        ("PATCH", f"/api/exhibitors/{own}/uploads/{upload_id}", {"json": {"listed": False}}),
        ("DELETE", f"/api/exhibitors/{own}/uploads/{upload_id}", {}),
        ("PUT", f"/api/exhibitors/{own}/duty", {"json": {"on": True}}),
        ("PUT", f"/api/exhibitors/{own}/roster", {"json": {"shifts": []}}),
    ]
    answers = {}
    for who, cookie in (("other-staff", others), ("attendee", attendee), ("anonymous", None)):
        for method, path, kwargs in attempts:
            status, body = await call(server, method, path, cookie, **kwargs)
            answers[f"{who} {method} {path}"] = (status, body["error"]["code"])
    expected = {
        key: (401, "unauthorized") if key.startswith("anonymous") else (403, "forbidden")
        for key in answers
    }
    assert answers == expected
    assert await stored(server, own) == before
    async with server.connect(others) as ws:
        reply = await Peer(ws).command("booth.duty", {"exhibitor": own, "on": True})
    assert reply["error"]["code"] == "forbidden"
    assert await stored(server, own) == before


async def test_things_of_another_exhibitor_are_not_found_from_ones_own_booth(hall: LiveServer):
    server = hall
    own = await own_exhibitor(server)
    cookie = await server.sign_in(STAFF)
    theirs = await booth(server, own + 1)
    their_product = theirs["products"][0]["id"]
    their_logo = theirs["logo_upload_id"]
    mine = await booth(server, own)
    before = (await stored(server, own), await stored(server, own + 1))
    answers = [
        await call(
            server,
            "PATCH",
            f"/api/exhibitors/{own}/booth",
            cookie,
            json={"version": mine["version"], "logo_upload_id": their_logo},
        ),
        await call(
            server,
            "PATCH",
            f"/api/exhibitors/{own}/products/{their_product}",
            cookie,
            json={"name_en": "Mine now"},
        ),
        await call(server, "DELETE", f"/api/exhibitors/{own}/products/{their_product}", cookie),
        await call(server, "DELETE", f"/api/exhibitors/{own}/uploads/{their_logo}", cookie),
        await call(
            server,
            "POST",
            f"/api/exhibitors/{own}/products",
            cookie,
            json={"name_zh": "新", "name_en": "New", "image_upload_id": their_logo},
        ),
    ]
    assert [(s, b["error"]["code"]) for s, b in answers] == [
        (404, "upload.unknown"),
        (404, "product.unknown"),
        (404, "product.unknown"),
        (404, "upload.unknown"),
        (404, "upload.unknown"),
    ]
    assert (await stored(server, own), await stored(server, own + 1)) == before


async def test_a_name_of_ten_thousand_characters_is_refused_and_nothing_changes(
    hall: LiveServer,
):
    server = hall
    own = await own_exhibitor(server)
    cookie = await server.sign_in(STAFF)
    before = await stored(server, own)
    path = f"/api/exhibitors/{own}/products"
    too_long = await call(
        server, "POST", path, cookie, json={"name_zh": "名" * 10_000, "name_en": "x"}
    )
    body = {"name_zh": "名" * 30_000, "name_en": "x"}  # more than a JSON body may be
    huge = await call(server, "POST", path, cookie, json=body)
    bad_link = await call(
        server,
        "PATCH",
        f"/api/exhibitors/{own}/booth",
        cookie,
        json={
            "version": (await booth(server, own))["version"],
            "description_en": "changed?",
            "links": [{"title_en": "x", "url": "javascript:alert(1)"}],
        },
    )
    bad_industry = await call(
        server,
        "PATCH",
        f"/api/exhibitors/{own}/booth",
        cookie,
        json={"version": (await booth(server, own))["version"], "industries": ["nope"]},
    )
    assert (too_long[0], too_long[1]["error"]["code"]) == (400, "booth.too_long")
    assert (huge[0], huge[1]["error"]["code"]) == (413, "too_large")
    assert (bad_link[0], bad_link[1]["error"]["code"]) == (400, "booth.bad_url")
    assert (bad_industry[0], bad_industry[1]["error"]["code"]) == (400, "booth.unknown_industry")
    assert await stored(server, own) == before


async def test_products_are_added_changed_ordered_and_removed(hall: LiveServer):
    server = hall
    own = await own_exhibitor(server)
    cookie = await server.sign_in(ORGANIZER)  # organisers may edit every booth
    path = f"/api/exhibitors/{own}/products"
    status, added = await call(
        server,
        "POST",
        path,
        cookie,
        json={"name_zh": "新品", "name_en": "New thing", "description_en": "Line 1\nLine 2"},
    )
    assert status == 201, added
    product = added["product"]
    assert product["description"] == {"zh": "", "en": "Line 1\nLine 2"}
    assert added["booth"]["products"][-1] == product
    ids = [p["id"] for p in added["booth"]["products"]]
    status, ordered = await call(server, "POST", f"{path}/order", cookie, json={"ids": ids[::-1]})
    assert status == 200, ordered
    assert [p["id"] for p in ordered["booth"]["products"]] == ids[::-1]
    status, bad = await call(server, "POST", f"{path}/order", cookie, json={"ids": ids[1:]})
    assert (status, bad["error"]["code"]) == (400, "product.bad_order")
    status, edited = await call(
        server, "PATCH", f"{path}/{product['id']}", cookie, json={"name_en": "Renamed"}
    )
    assert edited["product"]["name"] == {"zh": "新品", "en": "Renamed"}
    status, removed = await call(server, "DELETE", f"{path}/{product['id']}", cookie)
    assert status == 200
    assert product["id"] not in [p["id"] for p in removed["booth"]["products"]]
    assert removed["booth"]["version"] == edited["booth"]["version"] + 1


# --- uploads ----------------------------------------------------------------------------------


async def test_an_image_is_reencoded_and_served_with_the_safe_headers(hall: LiveServer):
    server = hall
    own = await own_exhibitor(server)
    cookie = await server.sign_in(STAFF)
    original = jpeg_with_exif()
    status, body = await post_file(server, own, cookie, original, "../我的 logo.svg")
    assert status == 201, body
    made = body["upload"]
    assert (made["kind"], made["content_type"], made["filename"]) == (
        "image",
        "image/jpeg",
        "我的 logo.jpg",
    )
    async with server.http() as http:
        served = await http.get(made["url"])
    assert served.status_code == 200
    assert b"SecretCam" not in served.content and b"Exif" not in served.content
    assert Image.open(io.BytesIO(served.content)).size == (120, 80)
    headers = {k: v for k, v in served.headers.items() if k not in ("date", "last-modified")}
    assert headers == {
        "content-type": "image/jpeg",
        "content-length": str(len(served.content)),
        "content-disposition": (
            "inline; filename=\"__ logo.jpg\"; filename*=UTF-8''%E6%88%91%E7%9A%84%20logo.jpg"
        ),
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "cross-origin-resource-policy": "same-origin",
        "cache-control": "public, max-age=31536000, immutable",
        "etag": headers["etag"],
        "accept-ranges": "bytes",
        **({"server": headers["server"]} if "server" in headers else {}),
        **{k: v for k, v in headers.items() if k in SITE_WIDE},
    }
    assert len(headers["etag"]) == 66
    # Used as the logo: only this exhibitor's image uploads may be.
    version = (await booth(server, own))["version"]
    status, reply = await call(
        server,
        "PATCH",
        f"/api/exhibitors/{own}/booth",
        cookie,
        json={"version": version, "logo_upload_id": made["id"]},
    )
    assert status == 200 and reply["booth"]["logo"] == made["url"]


# Headers every response of the app carries (expo/web.py), not the uploads' own.
SITE_WIDE = {
    "referrer-policy",
    "permissions-policy",
    "x-frame-options",
    "strict-transport-security",
}


async def test_a_document_is_an_attachment_and_a_visitors_download_is_counted(
    hall: LiveServer,
):
    server = hall
    own = await own_exhibitor(server)
    cookie = await server.sign_in(STAFF)
    status, body = await post_file(server, own, cookie, minimal_pdf(["Spec"]), "规格 sheet.pdf")
    assert status == 201, body
    made = body["upload"]
    assert (made["kind"], made["listed"], made["title"]) == (
        "pdf",
        True,
        {"zh": "规格 sheet", "en": "规格 sheet"},
    )
    assert made["id"] in [d["id"] for d in (await booth(server, own))["documents"]]
    attendee = await server.sign_in(ATTENDEE)

    async def downloads() -> int:
        async with server.services.read() as db:
            rows = await db.execute(
                select(BoothActivity).where(
                    col(BoothActivity.exhibitor_id) == own,
                    col(BoothActivity.kind) == ActivityKind.DOWNLOAD,
                )
            )
            return len(rows.scalars().all())

    counted = await downloads()
    async with server.http() as http:
        served = await http.get(made["url"], headers={"Cookie": attendee})
        by_staff = await http.get(made["url"], headers={"Cookie": cookie})
    assert served.status_code == 200 and by_staff.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == (
        "attachment; filename=\"__ sheet.pdf\"; filename*=UTF-8''%E8%A7%84%E6%A0%BC%20sheet.pdf"
    )
    assert served.headers["cache-control"] == "private, no-cache"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert served.content.startswith(b"%PDF-")
    assert await downloads() == counted + 1  # the attendee's, not the staff's own
    # Unlisted, it is the staff's only.
    status, _ = await call(
        server,
        "PATCH",
        f"/api/exhibitors/{own}/uploads/{made['id']}",
        cookie,
        json={"listed": False},
    )
    assert status == 200
    async with server.http() as http:
        hidden = await http.get(made["url"], headers={"Cookie": attendee})
        seen = await http.get(made["url"], headers={"Cookie": cookie})
    assert (hidden.status_code, seen.status_code) == (404, 200)
    assert made["id"] not in [d["id"] for d in (await booth(server, own))["documents"]]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "upload.unsupported_type",
        ),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "upload.unsupported_type"),
        (b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n", "upload.bad_pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"broken" * 20, "upload.bad_image"),
        (b"", "upload.empty"),
    ],
    ids=["svg-script", "html", "pdf-really-html", "broken-png", "empty"],
)
async def test_bad_files_are_refused_with_a_code_and_nothing_is_kept(
    hall: LiveServer, data: bytes, code: str
):
    server = hall
    own = await own_exhibitor(server)
    cookie = await server.sign_in(STAFF)
    before = await stored(server, own)
    files_before = await kept_files(server)
    status, body = await post_file(server, own, cookie, data, "innocent.pdf")
    assert (status, body["error"]["code"]) == (400, code)
    assert await stored(server, own) == before
    assert await kept_files(server) == files_before


async def raw_post(server: LiveServer, head: bytes, body: bytes) -> tuple[bytes, float]:
    """Send `head` and `body` on a plain socket; return the status line and the seconds it took
    to come (the server may answer and close before reading it all)."""
    host, port = address(server.base)
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(head)
        try:
            for offset in range(0, len(body), 256 * 1024):
                writer.write(body[offset : offset + 256 * 1024])
                await asyncio.wait_for(writer.drain(), 5)
        except (ConnectionError, TimeoutError):
            pass  # answered and closed before the rest was taken: what the limit is for
        status = await asyncio.wait_for(reader.readline(), 10)
        return status, time.perf_counter() - started
    finally:
        writer.close()


async def test_a_50_mb_upload_is_refused_at_once_by_its_declared_length(hall: LiveServer):
    server = hall
    own = await own_exhibitor(server)
    cookie = await server.sign_in(STAFF)
    before = await stored(server, own)
    files_before = await kept_files(server)
    host, port = address(server.base)
    head = (
        f"POST /api/exhibitors/{own}/uploads?filename=big.pdf HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\nCookie: {cookie}\r\n"
        f"Content-Type: application/pdf\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n"
    ).encode()
    status, took = await raw_post(server, head, b"%PDF-1.4\n" + b"0" * (64 * 1024))
    assert status.startswith(b"HTTP/1.1 413"), status
    assert took < 2
    assert await stored(server, own) == before
    assert await kept_files(server) == files_before


async def test_a_50_mb_upload_without_a_length_is_cut_at_the_limit(hall: LiveServer):
    server = hall
    own = await own_exhibitor(server)
    cookie = await server.sign_in(STAFF)
    before = await stored(server, own)
    files_before = await kept_files(server)
    host, port = address(server.base)
    head = (
        f"POST /api/exhibitors/{own}/uploads?filename=big.pdf HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\nCookie: {cookie}\r\n"
        "Content-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    piece = 256 * 1024
    chunk = b"%x\r\n" % piece + b"0" * piece + b"\r\n"
    body = chunk * 200  # 50 MiB, chunked
    status, took = await raw_post(server, head, body)
    assert status.startswith(b"HTTP/1.1 413"), status
    assert took < 5
    assert await stored(server, own) == before
    assert await kept_files(server) == files_before


# --- duty -----------------------------------------------------------------------------------


async def test_going_on_and_off_duty_is_announced_on_the_booth(hall: LiveServer):
    server = hall
    own = await own_exhibitor(server)
    colleague, colleague_cookie = await staff_of(server, own)
    async with server.connect() as visitor_ws, server.connect(colleague_cookie) as staff_ws:
        visitor, staff = Peer(visitor_ws), Peer(staff_ws)
        assert (await visitor.command("subscribe", {"topic": f"booth:{own}"}))["type"] == "ok"
        reply = await staff.command("booth.duty", {"exhibitor": own, "on": True})
        assert reply["type"] == "ok", reply
        on = await visitor.event("booth.duty_changed")
        assert on["data"] == reply["data"]["duty"]
        assert colleague in [p["id"] for p in on["data"]["on_duty"]]
        reply = await staff.command("booth.duty", {"exhibitor": own, "on": False})
        off = await visitor.event("booth.duty_changed")
    assert off["data"]["version"] == on["data"]["version"] + 1
    assert colleague not in [p["id"] for p in off["data"]["on_duty"]]
    status, body = await call(server, "GET", f"/api/exhibitors/{own}/duty", None)
    assert body["duty"] == off["data"]
    # The demo exhibitor is on duty from the seed.
    assert "刘洋 Liu Yang" in [p["name"] for p in body["duty"]["on_duty"]]


async def test_a_roster_limits_duty_to_its_shifts(hall: LiveServer):
    server = hall
    own = await own_exhibitor(server)
    colleague, colleague_cookie = await staff_of(server, own)
    path = f"/api/exhibitors/{own}/duty"
    status, on = await call(server, "PUT", path, colleague_cookie, json={"on": True})
    assert status == 200 and colleague in [p["id"] for p in on["duty"]["on_duty"]]
    shift = {
        "account": colleague,
        "starts_at": "2099-01-01T08:00:00+08:00",
        "ends_at": "2099-01-01T12:00:00+08:00",
    }
    status, reply = await call(
        server, "PUT", f"/api/exhibitors/{own}/roster", colleague_cookie, json={"shifts": [shift]}
    )
    assert (status, reply["error"]["code"]) == (400, "duty.bad_shift")  # too far ahead
    now = time.time()
    starts = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 3600))
    ends = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now + 3600))
    later = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now + 7200))
    shifts = [{"account": colleague, "starts_at": ends, "ends_at": later}]
    status, planned = await call(
        server, "PUT", f"/api/exhibitors/{own}/roster", colleague_cookie, json={"shifts": shifts}
    )
    assert status == 200, planned
    assert colleague not in [p["id"] for p in planned["duty"]["on_duty"]]  # not their shift yet
    shifts = [{"account": colleague, "starts_at": starts, "ends_at": ends}]
    status, planned = await call(
        server, "PUT", f"/api/exhibitors/{own}/roster", colleague_cookie, json={"shifts": shifts}
    )
    [entry] = [p for p in planned["duty"]["on_duty"] if p["id"] == colleague]
    assert entry["until"] is not None
    async with server.services.read() as db:
        now_on = {d.account_id: d for d in await on_duty(db, own)}
    assert now_on[colleague].name == "别家员工 Other Staff"
    assert now_on[colleague].until is not None


async def test_a_shift_that_ends_is_announced_once_whichever_process_looks(hall: LiveServer):
    server = hall
    own = await own_exhibitor(server)
    colleague, colleague_cookie = await staff_of(server, own)
    await call(server, "PUT", f"/api/exhibitors/{own}/duty", colleague_cookie, json={"on": True})
    now = utcnow()
    shifts = [
        {
            "account": colleague,
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(seconds=1.5)).isoformat(),
        }
    ]
    status, planned = await call(
        server, "PUT", f"/api/exhibitors/{own}/roster", colleague_cookie, json={"shifts": shifts}
    )
    assert status == 200, planned
    assert colleague in [p["id"] for p in planned["duty"]["on_duty"]]
    assert await shift_boundaries(server.services, utcnow()) == []  # nothing began or ended
    async with server.connect() as visitor_ws:
        visitor = Peer(visitor_ws)
        assert (await visitor.command("subscribe", {"topic": f"booth:{own}"}))["type"] == "ok"
        await asyncio.sleep(2)
        at = utcnow()
        # Two processes' rounds at once: one claims the boundary, the other finds it claimed.
        rounds = await asyncio.gather(
            shift_boundaries(server.services, at), shift_boundaries(server.services, at)
        )
        ended = await visitor.event("booth.duty_changed")
        with pytest.raises(TimeoutError):  # announced once, not once per process
            await visitor.event("booth.duty_changed", timeout=0.5)
    # The server's own round (every 15 s) may have claimed it first: then neither of these.
    assert sorted(rounds) in ([[], [own]], [[], []])
    assert ended["data"]["version"] == planned["duty"]["version"] + 1
    assert colleague not in [p["id"] for p in ended["data"]["on_duty"]]
    assert await shift_boundaries(server.services, utcnow()) == []
