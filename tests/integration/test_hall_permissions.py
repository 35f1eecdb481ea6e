"""The hall's permission walk: every hall route and command, for every role, on the booth of the
demo exhibitor account's own exhibitor and on another exhibitor's, and a denial changes nothing.

Staff of exhibitor A are the case that matters: their role may act on booths, so only the object
check stands between them and exhibitor B's leads, chats, uploads and dashboard. Each call here
is made with data that names B (`/api/exhibitors/2/...`, `{"exhibitor": 2}`), and the database
is compared before and after every refused call: a refusal that wrote something is a failure.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, select

from expo.features import load_features
from expo.hall.access import BoothObject
from expo.http import ActionRoute
from expo.models import Account, Role
from expo.permissions import OfExhibitor, PermissionTable
from expo.security import Principal
from tests.integration.test_permissions import DEMO, SAMPLE_COMMAND, SAMPLE_PATH, the_app_routes
from tests.integration.test_qa import register
from tests.live import LiveServer, Peer, live_server, make_settings

OWN = 1  # the demo exhibitor account is staff of exhibitor 1
OTHER = 2
# Who walks: nobody, each role, and the exhibitor account as staff of its own exhibitor and of
# another's (the same account; the booth in the path or the command differs).
WALKERS = [
    ("anonymous", None, OTHER),
    ("attendee", Role.ATTENDEE, OTHER),
    ("speaker", Role.SPEAKER, OTHER),
    ("moderator", Role.MODERATOR, OTHER),
    ("organizer", Role.ORGANIZER, OTHER),
    ("staff-own-booth", Role.EXHIBITOR, OWN),
    ("staff-other-booth", Role.EXHIBITOR, OTHER),
]


def hall_actions() -> set[str]:
    [hall] = [f for f in load_features() if f.name == "hall"]
    return set(hall.permissions)


def hall_routes() -> list[ActionRoute]:
    actions = hall_actions()
    return [r for r in the_app_routes() if isinstance(r, ActionRoute) and r.action in actions]


def concrete(path: str, booth: int, objects: dict[int, dict[str, int]]) -> str:
    """The path on `booth`, with that booth's own conversation where one is named."""
    values = SAMPLE_PATH | {
        "exhibitor_id": str(booth),
        "conversation_id": str(objects[booth]["conversation"]),
    }
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "999999"), path)


def on_booth(kind: type, booth: int) -> OfExhibitor:
    """The object an action's rule judges, at `booth`, as the walk's objects are: a message
    or a conversation is a newcomer's (fields other than the exhibitor are 0: nobody here)."""
    if kind in (OfExhibitor, BoothObject):
        return BoothObject(booth)
    assert dataclasses.is_dataclass(kind) and issubclass(kind, OfExhibitor), kind
    others = {f.name: 0 for f in dataclasses.fields(kind) if f.name != "exhibitor_id"}
    return kind(exhibitor_id=booth, **others)  # type: ignore[call-arg]


def object_booth(path: str, booth: int) -> int:
    """The booth a route acts on: the path's, or the walk's release's (exhibitor 1's)."""
    return booth if "{exhibitor_id}" in path or "{conversation_id}" in path else OWN


def expected(table: PermissionTable, action: str, role: Role | None, booth: int) -> bool:
    staff_of = OWN if role == Role.EXHIBITOR else None
    who = None if role is None else Principal(1, role.value, "x", staff_of)
    rule = table.rule(action)
    if not rule.scoped:
        return table.allows(action, who)
    assert rule.on is not None, action
    return table.allows(action, who, on_booth(rule.on, booth))


async def booth_objects(server: LiveServer) -> dict[int, dict[str, int]]:
    """At each of the two booths, a newcomer's public message and private conversation."""
    objects = {}
    for booth in (OWN, OTHER):
        visitor_id, visitor = await register(server, f"展位巡检 Walk {booth}")
        async with server.connect(visitor) as ws:
            said = await Peer(ws).command("booth.chat.send", {"exhibitor": booth, "text": "walk"})
            opened = await Peer(ws).command("booth.private.open", {"exhibitor": booth})
        objects[booth] = {
            "message": said["data"]["message"]["id"],
            "conversation": opened["data"]["conversation"]["id"],
            "visitor": visitor_id,
        }
    return objects


def command_data(name: str, booth: int, objects: dict[int, dict[str, int]]) -> dict[str, Any]:
    """The sample on `booth`, naming that booth's own message, conversation and visitor."""
    mine = objects[booth]
    fields = {"exhibitor": booth, "message": mine["message"], "conversation": mine["conversation"]}
    data = {k: fields.get(k, v) for k, v in SAMPLE_COMMAND[name].items()}
    if "account" in data:
        data["account"] = mine["visitor"]
    return data


async def snapshot(server: LiveServer) -> str:
    """A digest of every row of every table: what a refused call must leave as it was."""
    digest = hashlib.sha256()
    async with server.services.read() as db:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in ("account_session",):  # signing in writes here, not the walk
                continue
            rows = (await db.execute(text(f'SELECT * FROM "{table.name}"'))).all()
            digest.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
async def server(demo_sqlite: str) -> AsyncIterator[LiveServer]:
    async with live_server(make_settings(demo_sqlite)) as live:
        yield live


async def test_the_walk_covers_the_hall():
    assert hall_routes(), "the hall has routes"
    assert any(r.path.startswith("/api/exhibitors") for r in hall_routes())


async def test_the_demo_exhibitor_account_is_staff_of_the_walks_own_booth(server: LiveServer):
    async with server.services.read() as db:
        found = await db.execute(select(Account).where(Account.email == DEMO[Role.EXHIBITOR]))
        assert found.scalars().one().exhibitor_id == OWN


def refused(status: int) -> bool:
    return status in (401, 403)


@pytest.mark.parametrize(("who", "role", "booth"), WALKERS, ids=[w[0] for w in WALKERS])
async def test_each_hall_route_answers_as_the_table_says_and_a_refusal_writes_nothing(
    server: LiveServer, who: str, role: Role | None, booth: int
):
    table = server.services.permissions
    objects = await booth_objects(server)
    cookie = None if role is None else await server.sign_in(DEMO[role])
    headers = {"Cookie": cookie} if cookie else {}
    walked = []
    for route in hall_routes():
        for method in sorted((route.methods or set()) - {"HEAD"}):
            before = await snapshot(server)
            async with server.http() as http:
                response = await http.request(
                    method,
                    concrete(route.path, booth, objects),
                    headers=headers,
                    json={} if method in ("POST", "PUT", "PATCH") else None,
                )
            where = f"{method} {route.path} as {who}: {response.status_code} {response.text[:200]}"
            assert response.status_code < 500, where
            acted_on = object_booth(route.path, booth)
            assert refused(response.status_code) is not expected(
                table, route.action, role, acted_on
            ), where
            if refused(response.status_code):
                assert response.json()["error"]["code"] in ("unauthorized", "forbidden"), where
                assert await snapshot(server) == before, f"{where}: the refusal wrote something"
            walked.append(route.path)
    assert walked


def hall_commands(server: LiveServer) -> dict[str, Any]:
    actions = hall_actions()
    return {n: s for n, s in server.services.gateway.commands.items() if s.action in actions}


@pytest.mark.parametrize(("who", "role", "booth"), WALKERS, ids=[w[0] for w in WALKERS])
async def test_each_hall_command_answers_as_the_table_says_and_a_refusal_writes_nothing(
    server: LiveServer, who: str, role: Role | None, booth: int
):
    table = server.services.permissions
    objects = await booth_objects(server)
    cookie = None if role is None else await server.sign_in(DEMO[role])
    commands = hall_commands(server)
    async with server.connect(cookie) as ws:
        me = Peer(ws)
        for name, spec in commands.items():
            data = command_data(name, booth, objects)
            before = await snapshot(server)
            reply = await me.command(name, data)
            code = reply.get("error", {}).get("code")
            denied = code in ("unauthorized", "forbidden", table.rule(spec.action).code)
            assert denied is not expected(table, spec.action, role, booth), (
                f"{name} as {who}: {reply}"
            )
            if denied:
                assert await snapshot(server) == before, f"{name} as {who}: the refusal wrote"
