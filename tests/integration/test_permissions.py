"""The permission table covers every route and command, and each role gets what it says."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route

from expo.app import create_app
from expo.http import ActionRoute
from expo.models import Role
from expo.permissions import PermissionTable
from expo.security import Principal
from tests.live import LiveServer, Peer, make_settings

DEMO = {role: f"{role.value}@demo.shubo.live" for role in Role}
WHO = [None, *Role]
SAMPLE_PATH = {"forum_id": "2", "token_id": "1", "session_id": "999999"}
# Commands whose effect must not land when denied are sent with data that would succeed.
SAMPLE_COMMAND = {
    "subscribe": {"topic": "forum:2"},
    "unsubscribe": {"topic": "forum:2"},
    "chat.send": {"forum": 2, "text": "permission walk"},
    "agenda.star": {"session": 3},
    "agenda.unstar": {"session": 3},
    "chat.delete": {"forum": 2, "message": 1},
    "forum.mute": {"forum": 9, "account": 2, "duration": 5},
    "forum.ban": {"forum": 9, "account": 2, "duration": 5},
    "forum.lift": {"forum": 9, "account": 2},
    "forum.list_sanctions": {"forum": 9},
    "forum.standing": {"forum": 9},
    "forum.set_slow_mode": {"forum": 9, "seconds": 0},
    "forum.pin": {"forum": 9, "text": "permission walk"},
    "forum.unpin": {"forum": 9},
    "reaction.send": {"forum": 2, "reaction": "clap"},
    "question.ask": {"forum": 9, "text": "permission walk"},
    "question.vote": {"question": 1},
    "question.unvote": {"question": 1},
    "question.approve": {"question": 1},
    "question.answer": {"question": 1},
    "question.pin": {"question": 1},
    "question.hide": {"question": 1},
    "forum.set_pre_moderation": {"forum": 9, "enabled": False},
    "poll.create": {"forum": 9, "question": "permission walk?", "options": ["是 yes", "否 no"]},
    "poll.update": {"poll": 1, "question": "permission walk?", "options": ["是 yes", "否 no"]},
    "poll.open": {"poll": 1},
    "poll.vote": {"poll": 1, "choices": [0]},
    "poll.close": {"poll": 1},
    "poll.reopen": {"poll": 1},
    "poll.delete": {"poll": 1},
}


def the_app_routes() -> list[Route]:
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
    return [r for r in app.routes if isinstance(r, Route)]


def table_of(server: LiveServer) -> PermissionTable:
    return server.services.permissions


def test_every_route_names_an_action_in_the_table():
    routes = the_app_routes()
    assert routes, "the app has routes"
    for route in routes:
        assert isinstance(route, ActionRoute), f"{route.path} names no action"


async def test_every_command_names_an_action_in_the_table(server: LiveServer):
    table = table_of(server)
    commands = server.services.gateway.commands
    assert set(SAMPLE_COMMAND) == set(commands), "every command is walked below"
    for name, spec in commands.items():
        assert spec.action in table, f"command {name} has no rule"


def allowed(table: PermissionTable, action: str, role: Role | None) -> bool:
    who = None if role is None else Principal(1, role.value, "x")
    return table.rule(action).allows(who)


async def cookie_for(server: LiveServer, role: Role | None) -> str | None:
    return None if role is None else await server.sign_in(DEMO[role])


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PATH[m.group(1)], path)


@pytest.mark.parametrize("role", WHO, ids=lambda r: "anonymous" if r is None else r.value)
async def test_each_route_answers_each_role_as_the_table_says(server: LiveServer, role):
    table = table_of(server)
    cookie = await cookie_for(server, role)
    headers = {"Cookie": cookie} if cookie else {}
    checked = 0
    for route in the_app_routes():
        assert isinstance(route, ActionRoute)
        for method in sorted(route.methods or ()):
            if method == "HEAD" or (route.path == "/api/session" and method == "DELETE"):
                continue  # signing out is walked last, below: it ends the session
            async with server.http() as http:
                response = await http.request(
                    method,
                    concrete(route.path),
                    headers=headers,
                    json={} if method in ("POST", "PUT", "PATCH") else None,
                )
            denied = response.status_code in (401, 403)
            assert denied is not allowed(table, route.action, role), (
                f"{method} {route.path} as {role}: {response.status_code} {response.text[:200]}"
            )
            if denied:
                assert response.json()["error"]["code"] in ("unauthorized", "forbidden")
            checked += 1
    assert checked >= 6


@pytest.mark.parametrize("role", WHO, ids=lambda r: "anonymous" if r is None else r.value)
async def test_each_command_answers_each_role_as_the_table_says(server: LiveServer, role):
    table = table_of(server)
    cookie = await cookie_for(server, role)
    async with server.connect(cookie) as ws:
        me = Peer(ws)
        for name, data in SAMPLE_COMMAND.items():
            spec = server.services.gateway.commands[name]
            reply = await me.command(name, data)
            code = reply.get("error", {}).get("code")
            denied = code in ("unauthorized", "forbidden")
            assert denied is not allowed(table, spec.action, role), f"{name} as {role}: {reply}"


async def test_a_denied_command_changes_nothing(server: LiveServer):
    async with server.http() as http:
        before = (await http.get("/api/forums/2/chat?limit=200")).json()["messages"]
    async with server.connect() as ws:
        reply = await Peer(ws).command("chat.send", {"forum": 2, "text": "anonymous attempt"})
    async with server.http() as http:
        after = (await http.get("/api/forums/2/chat?limit=200")).json()["messages"]
    assert reply["error"]["code"] == "unauthorized"
    assert after == before
