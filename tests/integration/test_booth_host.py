"""The booth host over a real server on the demo database: a visitor's question answered with
its citation and announced on the booth's topic as the host's, an unanswerable one declined
with the queue offered, a host that is off, the booth's staff switching it and correcting it
(the correction becomes the FAQ entry the next identical question is answered from), and staff
of another booth refused on every one of those."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from expo.hall.demo_content import minimal_pdf
from expo.models import Account, Role
from host.models import HostDocument
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.waiting import eventually

PASSWORD = "云上贵州-数据之都-2026"
STAFF_A = "exhibitor@demo.shubo.live"  # staff of exhibitor 1, Qiansuan Cloud
BOOTH = 1
OFF_BOOTH = 3  # nobody switched its host on
QUESTIONS = json.loads(
    (Path(__file__).parent.parent / "host_questions" / "qiansuancloud.json").read_text("utf-8")
)
ANSWERABLE = QUESTIONS[0]  # 你们的算力调度平台能做什么？
UNANSWERABLE = next(q for q in QUESTIONS if q.get("unanswerable"))


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('booth_host') / 'expo.db'}"
    await prepare_demo_database(url)
    async with live_server(make_settings(url)) as live:
        yield live


async def person(server: LiveServer, *, staff_of: int | None = None) -> tuple[int, str]:
    email = f"host-{secrets.token_hex(5)}@example.com"
    async with server.http() as http:
        response = await http.post(
            "/api/accounts", json={"email": email, "password": PASSWORD, "display_name": "访客"}
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


async def switch(server: LiveServer, cookie: str, enabled: bool, booth: int = BOOTH) -> Any:
    async with server.http(headers={"Cookie": cookie}) as http:
        return await http.put(f"/api/exhibitors/{booth}/host", json={"enabled": enabled})


async def ask(cookie: str, server: LiveServer, text: str, booth: int = BOOTH) -> dict[str, Any]:
    async with server.connect(cookie) as ws:
        return await Peer(ws).command("host.ask", {"booth": booth, "text": text, "lang": "zh"})


@pytest.fixture(scope="module")
async def staff(server: LiveServer) -> str:
    cookie = await server.sign_in(STAFF_A)
    response = await switch(server, cookie, True)
    assert response.status_code == 200, response.text
    assert response.json()["host"]["enabled"] is True
    return cookie


async def test_a_question_is_answered_with_its_citation_and_announced(
    server: LiveServer, staff: str
):
    _, visitor = await person(server)
    async with server.connect(visitor) as ws:
        me = Peer(ws)
        assert (await me.command("subscribe", {"topic": f"booth:{BOOTH}"}))["type"] == "ok"
        reply = await me.command(
            "host.ask", {"booth": BOOTH, "text": ANSWERABLE["q"], "lang": "zh"}
        )
        assert reply["type"] == "ok", reply
        said = reply["data"]["answer"]
        assert said["declined"] is False and said["offer_queue"] is False
        assert ANSWERABLE["expect"]["contains"] in said["sentences"][0]["text"]
        assert all(s["citation"]["label"] for s in said["sentences"])
        assert said["author"]["kind"] == "host" and "account" not in said
        announced = await me.event("host.answered")
        assert announced == {
            "type": "host.answered",
            "topic": f"booth:{BOOTH}",
            "seq": reply["data"]["seq"],
            "data": {"answer": said},
        }
    # The listed PDF was read at the first index build and its pages kept.
    async with server.services.read() as db:
        kept = await db.execute(select(HostDocument).where(HostDocument.exhibitor_id == BOOTH))
        documents = list(kept.scalars())
    assert len(documents) == 1 and "Product sheet" in documents[0].pages[0]


async def test_an_unanswerable_question_is_declined_with_the_queue_offered(
    server: LiveServer, staff: str
):
    _, visitor = await person(server)
    reply = await ask(visitor, server, UNANSWERABLE["q"])
    said = reply["data"]["answer"]
    assert said["declined"] is True and said["offer_queue"] is True
    assert said["sentences"] == [] and said["message"]


async def test_a_booth_whose_host_is_off_refuses(server: LiveServer):
    _, visitor = await person(server)
    reply = await ask(visitor, server, "你们做什么？", booth=OFF_BOOTH)
    assert reply["error"]["code"] == "host.off"
    unknown = await ask(visitor, server, "你们做什么？", booth=999_999)
    assert unknown["error"]["code"] == "exhibitor.unknown"
    async with server.connect() as ws:
        anonymous = await Peer(ws).command("host.ask", {"booth": BOOTH, "text": "hi"})
    assert anonymous["error"]["code"] == "unauthorized"


async def test_staff_of_another_booth_may_not_switch_read_or_correct(
    server: LiveServer, staff: str
):
    _, visitor = await person(server)
    await ask(visitor, server, UNANSWERABLE["q"])
    async with server.http(headers={"Cookie": staff}) as http:
        answers = (await http.get(f"/api/exhibitors/{BOOTH}/host/answers")).json()["answers"]
    _, other = await person(server, staff_of=2)
    assert (await switch(server, other, False)).status_code == 403
    async with server.http(headers={"Cookie": other}) as http:
        listed = await http.get(f"/api/exhibitors/{BOOTH}/host/answers")
        corrected = await http.post(
            f"/api/exhibitors/{BOOTH}/host/answers/{answers[0]['id']}/correction",
            json={"answer": "我们的总部在贵阳。"},
        )
        # Their own booth's route with this booth's answer: not theirs to find.
        elsewhere = await http.post(
            f"/api/exhibitors/2/host/answers/{answers[0]['id']}/correction",
            json={"answer": "我们的总部在贵阳。"},
        )
    assert listed.status_code == 403 and corrected.status_code == 403
    assert elsewhere.status_code == 404
    assert elsewhere.json()["error"]["code"] == "host.answer_unknown"
    _, visitor_cookie = await person(server)
    assert (await switch(server, visitor_cookie, False)).status_code == 403
    still = await ask(visitor, server, ANSWERABLE["q"])
    assert still["data"]["answer"]["declined"] is False


async def test_a_correction_becomes_the_faq_entry_the_next_question_is_answered_from(
    server: LiveServer, staff: str
):
    question = "你们公司的总部在哪里？"
    _, visitor = await person(server)
    first = await ask(visitor, server, question)
    assert first["data"]["answer"]["declined"] is True
    answer_id = first["data"]["answer"]["id"]
    async with server.http(headers={"Cookie": staff}) as http:
        listed = (await http.get(f"/api/exhibitors/{BOOTH}/host/answers")).json()["answers"]
        assert listed[0]["id"] == answer_id and listed[0]["reason"] == "no_match"
        response = await http.post(
            f"/api/exhibitors/{BOOTH}/host/answers/{answer_id}/correction",
            json={"answer": "黔算云的总部在贵阳市贵安新区。"},
        )
        assert response.status_code == 201, response.text
        faq = response.json()["faq"]
        assert faq["question"] == question and faq["language"] == "zh"
        relisted = (await http.get(f"/api/exhibitors/{BOOTH}/host/answers")).json()["answers"]
    assert relisted[0]["faq_id"] == faq["id"] and relisted[0]["corrected_by"] is not None
    again = await ask(visitor, server, question)
    said = again["data"]["answer"]
    assert said["declined"] is False
    assert [s["text"] for s in said["sentences"]] == ["黔算云的总部在贵阳市贵安新区。"]
    assert said["sentences"][0]["citation"]["kind"] == "faq"


async def test_switching_off_stops_the_host(server: LiveServer, staff: str):
    _, visitor = await person(server)
    assert (await switch(server, staff, False)).status_code == 200
    refused = await ask(visitor, server, ANSWERABLE["q"])
    assert refused["error"]["code"] == "host.off"
    assert (await switch(server, staff, True)).json()["host"]["enabled"] is True
    async with server.services.read() as db:
        assert (await db.execute(select(func.count()).select_from(HostDocument))).scalar_one() >= 1


async def test_anyone_may_ask_whether_a_booth_has_its_host_on(server: LiveServer):
    """The booth page asks before it shows the host's box; the demo switches every booth's
    host on but the third's."""
    async with server.http() as http:
        on = await http.get(f"/api/exhibitors/{BOOTH}/host/status")
        off = await http.get(f"/api/exhibitors/{OFF_BOOTH}/host/status")
        staff_only = await http.get(f"/api/exhibitors/{BOOTH}/host")
    assert (on.status_code, on.json()) == (200, {"enabled": True})
    assert (off.status_code, off.json()) == (200, {"enabled": False})
    assert staff_only.status_code == 401


async def test_an_uploaded_pdf_is_read_at_upload_before_anyone_asks(server: LiveServer):
    """The hall's hook: the PDF's pages are kept (host_document) as it is stored, by a process
    of its own, so no visitor's question waits on reading it."""
    cookie = await server.sign_in(STAFF_A)
    sheet = minimal_pdf(["Liquid cooling racks", "PUE 1.08 at the Gui'an campus"])
    async with server.http(headers={"Cookie": cookie}) as http:
        response = await http.post(
            f"/api/exhibitors/{BOOTH}/uploads",
            params={"filename": "cooling.pdf"},
            content=sheet,
            headers={"Content-Type": "application/octet-stream"},
        )
    assert response.status_code == 201, response.text
    upload_id = response.json()["upload"]["id"]

    async def kept() -> HostDocument | None:
        async with server.services.read() as db:
            return await db.get(HostDocument, upload_id)

    document = await eventually(kept, timeout=20)
    assert document.exhibitor_id == BOOTH and document.sha256 == hashlib.sha256(sheet).hexdigest()
    assert "PUE 1.08" in document.pages[0]
