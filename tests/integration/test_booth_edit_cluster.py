"""Booth editing across two `expo serve` processes on Redis and PostgreSQL: a change made on one
process reaches a visitor of the booth on the other, and a file uploaded on one is served by the
other (they share the uploads folder as they share the database)."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
from PIL import Image

from tests.cluster import Process, sign_in

STAFF = "exhibitor@demo.shubo.live"


async def command(ws: Any, kind: str, data: dict[str, Any], command_id: str) -> dict[str, Any]:
    await ws.send(json.dumps({"type": kind, "id": command_id, "data": data}))
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("id") == command_id:
            return frame  # type: ignore[no-any-return]


async def event(ws: Any, kind: str) -> dict[str, Any]:
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("type") == kind:
            return frame  # type: ignore[no-any-return]


async def test_a_change_on_one_process_reaches_the_booths_visitors_on_the_other(
    two_processes: tuple[Process, Process],
):
    a, b = two_processes
    staff = await sign_in(a, STAFF)
    async with httpx.AsyncClient(base_url=a.base, headers={"Cookie": staff}) as on_a:
        before = (await on_a.get("/api/exhibitors/1/booth")).json()["booth"]
        async with b.connect() as visitor:
            subscribed = await command(visitor, "subscribe", {"topic": "booth:1"}, "s1")
            assert subscribed["type"] == "ok", subscribed
            response = await on_a.patch(
                "/api/exhibitors/1/booth",
                json={"version": before["version"], "description_en": "Across processes"},
            )
            assert response.status_code == 200, response.text
            changed = await event(visitor, "booth.changed")
            async with a.connect(staff) as staff_ws:
                reply = await command(staff_ws, "booth.duty", {"exhibitor": 1, "on": False}, "d1")
                assert reply["type"] == "ok", reply
            duty = await event(visitor, "booth.duty_changed")
    assert changed["data"]["version"] == before["version"] + 1
    assert changed["data"]["booth"]["description"]["en"] == "Across processes"
    assert duty["data"] == reply["data"]["duty"]
    assert "刘洋 Liu Yang" not in [p["name"] for p in duty["data"]["on_duty"]]


async def test_a_file_uploaded_on_one_process_is_served_by_the_other(
    two_processes: tuple[Process, Process],
):
    a, b = two_processes
    staff = await sign_in(a, STAFF)
    image = Image.new("RGB", (64, 40), (0, 120, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")
    async with httpx.AsyncClient(base_url=a.base, headers={"Cookie": staff}) as on_a:
        response = await on_a.post(
            "/api/exhibitors/1/uploads", params={"filename": "跨进程.png"}, content=out.getvalue()
        )
    assert response.status_code == 201, response.text
    made = response.json()["upload"]
    async with httpx.AsyncClient(base_url=b.base) as on_b:
        served = await on_b.get(made["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"  # opaque pixels: stored as JPEG
    assert served.headers["x-content-type-options"] == "nosniff"
    assert Image.open(io.BytesIO(served.content)).size == (64, 40)
