"""A change to an account reaches its open sockets on every process: two real `expo serve`
processes sharing Redis and PostgreSQL, the change made on one, the socket open on the other."""

from __future__ import annotations

import asyncio
import secrets

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.cluster import Process, sign_in
from tests.live import Peer

ORGANIZER = "organizer@demo.shubo.live"
STRONG = "黔山秀水-big-data-2026"


async def new_account(process: Process, name: str) -> tuple[int, str]:
    """A fresh attendee (the demo accounts are the other tests'): its id and cookie."""
    async with httpx.AsyncClient(base_url=process.base) as http:
        made = await http.post(
            "/api/accounts",
            json={
                "email": f"p-{secrets.token_hex(4)}@example.cn",
                "password": STRONG,
                "display_name": name,
            },
        )
    assert made.status_code == 201, made.text
    return made.json()["account"]["id"], f"expo_session={made.cookies['expo_session']}"


async def as_organiser(process: Process, method: str, path: str, body: object) -> httpx.Response:
    cookie = await sign_in(process, ORGANIZER)
    async with httpx.AsyncClient(base_url=process.base, headers={"Cookie": cookie}) as http:
        return await http.request(method, path, json=body)


async def test_a_new_display_name_reaches_open_sockets_on_another_process(two_processes):
    """Renamed on A (PATCH /api/me), the socket already open on B posts under the new name,
    and its page is told its account changed."""
    a, b = two_processes
    _account, cookie = await new_account(a, "旧名字")
    async with b.connect(cookie) as author_ws, a.connect() as watcher_ws:
        author, watcher = Peer(author_ws), Peer(watcher_ws)
        await watcher.command("subscribe", {"topic": "forum:5"})
        before = await author.command("chat.send", {"forum": 5, "text": "改名之前"})
        async with httpx.AsyncClient(base_url=a.base, headers={"Cookie": cookie}) as http:
            renamed = await http.patch("/api/me", json={"display_name": "新名字"})
        told = await author.event("account.changed")
        after = await author.command("chat.send", {"forum": 5, "text": "改名之后"})
        seen = [await watcher.event("chat.message_posted") for _ in range(2)]
    assert renamed.status_code == 200
    assert told["data"]["account"]["display_name"] == "新名字"
    assert before["data"]["message"]["author"]["name"] == "旧名字"
    assert after["data"]["message"]["author"]["name"] == "新名字"
    assert [e["data"]["author"]["name"] for e in seen] == ["旧名字", "新名字"]


async def test_a_demoted_moderator_is_refused_on_an_already_open_socket(two_processes):
    """An organiser on A makes a moderator an attendee: the moderator's socket on B, open all
    along, is refused the moderators' commands from then on and taken off the backstage."""
    a, b = two_processes
    account, cookie = await new_account(b, "临时主持")
    promoted = await as_organiser(a, "PATCH", f"/api/accounts/{account}", {"role": "moderator"})
    assert promoted.status_code == 200, promoted.text
    async with b.connect(cookie) as ws:
        moderator = Peer(ws)
        backstage = await moderator.command("subscribe", {"topic": "backstage:2"})
        allowed = await moderator.command("forum.list_sanctions", {"forum": 2})
        demoted = await as_organiser(a, "PATCH", f"/api/accounts/{account}", {"role": "attendee"})
        told = await moderator.event("account.changed")
        ended = await moderator.event("subscription.ended")
        refused = await moderator.command("forum.list_sanctions", {"forum": 2})
    assert backstage["type"] == allowed["type"] == "ok"
    assert (ended["topic"], ended["data"]["reason"]) == ("backstage:2", "forbidden")
    assert demoted.json()["account"]["role"] == "attendee"
    assert told["data"]["account"]["role"] == "attendee"
    assert (refused["type"], refused["error"]["code"]) == ("error", "forbidden")


async def test_disabling_an_account_closes_its_sockets_on_every_process(two_processes):
    a, b = two_processes
    account, cookie = await new_account(a, "将停用")
    async with a.connect(cookie) as on_a, b.connect(cookie) as on_b:
        await Peer(on_a).command("subscribe", {"topic": "forum:2"})
        await Peer(on_b).command("subscribe", {"topic": "forum:2"})
        disabled = await as_organiser(a, "PATCH", f"/api/accounts/{account}", {"disabled": True})
        codes = []
        for ws in (on_a, on_b):
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(10):
                    while True:
                        await ws.recv()
            codes.append(closed.value.rcvd.code)
    assert disabled.status_code == 200
    assert codes == [4001, 4001]


async def test_two_organisers_stepping_down_at_once_leave_one(two_processes):
    """The last-organiser rule holds when the last two demote each other at the same moment on
    two processes (PostgreSQL): one wins, the other is refused, never both (both won, and left
    no organiser, with the organisers' rows unlocked)."""
    a, b = two_processes
    other, other_cookie = await new_account(b, "第二位主办")
    promoted = await as_organiser(a, "PATCH", f"/api/accounts/{other}", {"role": "organizer"})
    assert promoted.status_code == 200, promoted.text
    organiser_cookie = await sign_in(a, ORGANIZER)
    async with (
        httpx.AsyncClient(base_url=a.base, headers={"Cookie": organiser_cookie}) as first,
        httpx.AsyncClient(base_url=b.base, headers={"Cookie": other_cookie}) as second,
    ):
        me = (await first.get("/api/me")).json()["account"]["id"]
        results = await asyncio.gather(
            first.patch(f"/api/accounts/{other}", json={"role": "attendee"}),
            second.patch(f"/api/accounts/{me}", json={"role": "attendee"}),
        )
        statuses = sorted(r.status_code for r in results)
        # The loser is refused by the rule (409), or, when the winner's change landed before
        # its request was let in, as no organiser any more (403).
        assert statuses in ([200, 403], [200, 409]), "both stepped down: nobody runs the expo"
        # Put the demo organiser back, whoever won.
        if results[1].status_code == 200:
            restored = await second.patch(f"/api/accounts/{me}", json={"role": "organizer"})
            assert restored.status_code == 200, restored.text
            await first.patch(f"/api/accounts/{other}", json={"role": "attendee"})
        organisers = (await first.get("/api/accounts", params={"role": "organizer"})).json()
    refused = next(r for r in results if r.status_code != 200)
    assert refused.json()["error"]["code"] in ("account.last_organiser", "forbidden")
    assert [o["id"] for o in organisers["accounts"]] == [me]
