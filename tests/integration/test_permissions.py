"""The permission table covers every route and command, and each role gets what it says; on
the object too: a speaker of another room, someone banned from this room, the staff of another
exhibitor."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, Protocol, runtime_checkable

import pytest
from pydantic import Field
from sqlmodel import select
from starlette.requests import Request
from starlette.routing import Route

from certificates.routes import CredentialObject  # --- certificates ---
from expo.app import create_app
from expo.features import Feature, load_features
from expo.hall.access import BoothObject
from expo.hall.models import Conversation
from expo.http import ActionRoute, JSONResponse, path_int
from expo.models import Account, Role, utcnow
from expo.openapi import build_document
from expo.permissions import (
    EXHIBITOR_STAFF_ONLY,
    SIGNED_IN,
    ObjectMissing,
    OfExhibitor,
    PermissionTable,
    exhibitor_staff,
    only,
)
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from expo.security import Principal
from forums.models import RoomSanction, SanctionKind
from forums.room_rules import Post, Room
from matchmaking.access import MeetingObject, RequestObject  # --- meetings ---
from matchmaking.coffee_access import CoffeeObject  # --- coffee ---
from matchmaking.queue_access import TicketObject  # --- queues ---
from tests.integration.test_qa import register
from tests.live import LiveServer, Peer, live_server, make_settings

DEMO = {role: f"{role.value}@demo.shubo.live" for role in Role}
WHO = [None, *Role]
SAMPLE_PATH = {
    "forum_id": "2",
    "token_id": "1",
    "session_id": "999999",
    "account_id": "999999",
    "invitation_id": "999999",
    "announcement_id": "999999",
    # The hall's routes act on the demo exhibitor account's own booth (its staff may).
    "exhibitor_id": "1",
    "conversation_id": "1",  # --- chat: the walk's own (ensure_conversation) ---
    "lead_id": "999999",
    "replay_id": "999999",  # --- replays: none such (404 for whoever may ask) ---
    # --- edit: a product and an upload the booth does not have (nothing is deleted) ---
    "product_id": "999999",
    "upload_id": "999999",
    # --- end edit ---
    # --- releases: the demo's first release, exhibitor 1's, published ---
    "release_id": "1",
    # --- meetings: a request and a meeting that do not exist (404 to whom the role admits) ---
    "request_id": "999999",
    "meeting_id": "999999",
    # --- end meetings ---
    "ticket_id": "999999",  # --- queues: a ticket that does not exist (404 to whom admitted) ---
    "coffee_id": "999999",  # --- coffee: a coffee that does not exist (404 to whom admitted) ---
    # --- certificates: a credential that does not exist (404 to whom admitted) ---
    "credential_id": "00000000-0000-4000-8000-000000000000",
    "answer_id": "999999",  # --- host: an answer that does not exist (404 to whom admitted) ---
}
# The exhibitor the demo's exhibitor account is staff of: the walk's booth.
SAMPLE_EXHIBITOR = 1
# Commands whose effect must not land when denied are sent with data that would succeed.
SAMPLE_COMMAND: dict[str, dict[str, Any]] = {
    "subscribe": {"topic": "forum:2"},
    "host.ask": {"booth": 1, "text": "permission walk"},  # --- host: booth 1's is on ---
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
    # --- chat: the booth's commands, on the walk's own message, visitor and conversation ---
    "booth.chat.send": {"exhibitor": 1, "text": "permission walk"},
    "booth.chat.delete": {"exhibitor": 1, "message": 1},
    "booth.mute": {"exhibitor": 1, "account": 1, "duration": 5},
    "booth.ban": {"exhibitor": 1, "account": 1, "duration": 5},
    "booth.lift": {"exhibitor": 1, "account": 1},
    "booth.private.open": {"exhibitor": 2},
    "booth.private.send": {"exhibitor": 1, "conversation": 1, "text": "permission walk"},
    "booth.private.claim": {"exhibitor": 1, "conversation": 1},
    "booth.private.release": {"exhibitor": 1, "conversation": 1},
    "booth.private.read": {"exhibitor": 1, "conversation": 1},
    "booth.private.close": {"exhibitor": 1, "conversation": 1},
    # --- leads: a booth visit, and leaving it ---
    "booth.visit": {"exhibitor": 1},
    "booth.leave": {"exhibitor": 1, "visit": "1.0"},
    # --- edit ---
    "booth.duty": {"exhibitor": 1, "on": True},
    # --- recommend ---
    "match.recommendations": {"k": 5},
    # --- meetings: to the demo's account 2; on a request and a meeting that do not exist ---
    "match.request": {"recipient": 2, "note": "permission walk"},
    "match.accept": {"request": 999999},
    "match.decline": {"request": 999999},
    "match.withdraw": {"request": 999999},
    "match.cancel": {"meeting": 999999, "reason": "permission walk"},
    "match.reschedule": {"meeting": 999999, "slot": 1},
    # --- end meetings ---
    # --- room: on a meeting that does not exist (nothing can land) ---
    "meeting.say": {"meeting": 999999, "text": "permission walk"},
    "meeting.signal": {"meeting": 999999, "kind": "ready"},
    # --- coffee: the pool (joined, then left), and a pair that does not exist (404 if admitted)
    "coffee.join": {},
    "coffee.leave": {},
    "coffee.accept": {"pair": 999999},
    "coffee.decline": {"pair": 999999},
    "coffee.say": {"pair": 999999, "text": "permission walk"},
    "coffee.signal": {"pair": 999999, "kind": "ready"},
    # --- queues: booth 1's queue (its staff are the demo exhibitor); a ticket that does not exist
    "queue.join": {"exhibitor": 1},
    "queue.call": {"exhibitor": 1},
    "queue.leave": {"ticket": 999999},
    "queue.answer": {"ticket": 999999},
    "queue.serve": {"ticket": 999999},
    "queue.no_show": {"ticket": 999999},
    "queue.say": {"ticket": 999999, "text": "permission walk"},
    "queue.signal": {"ticket": 999999, "kind": "ready"},
}
# --- chat: which of the walk's objects a command's field names (default: the field's name) ---
OBJECT_OF = {
    "booth.chat.delete": {"message": "booth_message"},
    "booth.mute": {"account": "visitor"},
    "booth.ban": {"account": "visitor"},
    "booth.lift": {"account": "visitor"},
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


# The room each sampled command acts in: the forum it names, or (questions, polls) forum 9,
# where the walk's own question and poll are; its message is in the chat samples' forum 2. The
# demo speaker speaks in forum 2 only.
SAMPLE_ROOM = 9
SPEAKERS_ROOM = 2


def room_of(data: dict[str, Any]) -> int:
    return data.get("forum", SAMPLE_ROOM)  # type: ignore[no-any-return]


async def account_ids(server: LiveServer) -> dict[Role, int]:
    async with server.services.read() as db:
        accounts = (await db.execute(select(Account))).scalars().all()
    return {Role(a.role): a.id for a in accounts if a.email in DEMO.values()}  # type: ignore[misc]


def allowed(
    table: PermissionTable,
    action: str,
    role: Role | None,
    *,
    ids: dict[Role, int] | None = None,
    forum: int = SAMPLE_ROOM,
    booth: int = SAMPLE_EXHIBITOR,
) -> bool:
    """What the table says, the room or the booth (if the action is on one) as the demo seeds
    it."""
    ids = ids or {}
    staff_of = SAMPLE_EXHIBITOR if role == Role.EXHIBITOR else None
    who = None if role is None else Principal(ids.get(role, 1), role.value, "x", staff_of)
    if not table.rule(action).scoped:
        return table.allows(action, who)
    if table.rule(action).on is TicketObject:  # --- queues: a missing ticket: 404 if admitted ---
        return table.rule(action).admits(who)
    if table.rule(action).on is CredentialObject:  # --- certificates: missing: 404 ---
        return table.rule(action).admits(who)
    if table.rule(action).on is CoffeeObject:  # --- coffee: a missing pair: 404 if admitted ---
        return table.rule(action).admits(who)
    if issubclass(BoothObject, table.rule(action).on or object):  # the hall: on the booth
        return table.allows(action, who, BoothObject(booth))
    rule_on = table.rule(action).on
    if isinstance(rule_on, type) and issubclass(rule_on, OfExhibitor):  # --- chat: booth 1 ---
        return table.allows(action, who, booth_object(rule_on))
    # --- meetings: the walk's request and meeting are the asker's own (missing ones: a 404) ---
    if rule_on in (RequestObject, MeetingObject):
        if who is None:
            return False
        mine = (999999, who.account_id, who.account_id)
        return table.allows(
            action, who, (RequestObject if rule_on is RequestObject else MeetingObject)(*mine)
        )
    # --- end meetings ---
    speakers = frozenset({ids[Role.SPEAKER]}) if forum == SPEAKERS_ROOM and ids else frozenset()
    room = Room(forum, speakers, frozenset())
    if table.rule(action).on is Post:  # the walk's messages are a newcomer's
        return table.allows(action, who, Post(author_id=0, room=room))
    return table.allows(action, who, room)


def booth_object(kind: type) -> OfExhibitor:
    """--- chat: the walk's booth objects at booth 1, a newcomer's (author, visitor 0) ---"""
    from expo.hall.booth_chat import BoothPost
    from expo.hall.private_chat import ConversationObject

    if kind is BoothPost:
        return BoothPost(SAMPLE_EXHIBITOR, author_id=0)
    if kind is ConversationObject:
        return ConversationObject(SAMPLE_EXHIBITOR, conversation_id=1, visitor_id=0)
    return BoothObject(SAMPLE_EXHIBITOR)


async def ensure_conversation(server: LiveServer) -> None:
    """--- chat: conversation 1, a newcomer's at booth 1, for the routes' walk ---"""
    async with server.services.read() as db:
        if await db.get(Conversation, 1) is not None:
            return
    _, visitor = await register(server, "权限巡检 Booth")
    async with server.connect(visitor) as ws:
        opened = await Peer(ws).command("booth.private.open", {"exhibitor": 1})
    assert opened["data"]["conversation"]["id"] == 1, opened


async def walk_objects(server: LiveServer, forum: int, chat_forum: int) -> dict[str, int]:
    """A question and a poll of `forum`, and a chat message of `chat_forum`, by a newcomer,
    for the walk's commands to act on."""
    _, asker = await register(server, "权限巡检 Walk")
    async with server.connect(asker) as ws:
        asked = await Peer(ws).command("question.ask", {"forum": forum, "text": "walk?"})
        said = await Peer(ws).command("chat.send", {"forum": chat_forum, "text": "walk"})
    async with server.connect(await server.sign_in(DEMO[Role.ORGANIZER])) as ws:
        drafted = await Peer(ws).command(
            "poll.create", {"forum": forum, "question": "walk?", "options": ["a", "b"]}
        )
    # --- chat: a newcomer's booth message and conversation at booth 1 ---
    visitor_id, visitor = await register(server, "权限巡检 Visitor")
    async with server.connect(visitor) as ws:
        booth_said = await Peer(ws).command("booth.chat.send", {"exhibitor": 1, "text": "walk"})
        opened = await Peer(ws).command("booth.private.open", {"exhibitor": 1})
    return {
        "question": asked["data"]["question"]["id"],
        "poll": drafted["data"]["poll"]["id"],
        "message": said["data"]["message"]["id"],
        "booth_message": booth_said["data"]["message"]["id"],
        "visitor": visitor_id,
        "conversation": opened["data"]["conversation"]["id"],
    }


def with_objects(data: dict[str, Any], objects: dict[str, int]) -> dict[str, Any]:
    """The sample with the walk's own question, poll and message (a poll's `question` text
    stays)."""
    return {k: objects[k] if isinstance(v, int) and k in objects else v for k, v in data.items()}


async def cookie_for(server: LiveServer, role: Role | None) -> str | None:
    return None if role is None else await server.sign_in(DEMO[role])


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PATH[m.group(1)], path)


@pytest.mark.parametrize("role", WHO, ids=lambda r: "anonymous" if r is None else r.value)
async def test_each_route_answers_each_role_as_the_table_says(server: LiveServer, role):
    table = table_of(server)
    await ensure_conversation(server)
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
    ids = await account_ids(server)
    objects = await walk_objects(server, SAMPLE_ROOM, SAMPLE_COMMAND["chat.delete"]["forum"])
    cookie = await cookie_for(server, role)
    async with server.connect(cookie) as ws:
        me = Peer(ws)
        for name, sample in SAMPLE_COMMAND.items():
            spec = server.services.gateway.commands[name]
            renamed = {field: objects[key] for field, key in OBJECT_OF.get(name, {}).items()}
            data = with_objects(sample, objects) | renamed
            reply = await me.command(name, data)
            code = reply.get("error", {}).get("code")
            denied = code in ("unauthorized", "forbidden", table.rule(spec.action).code)
            booth = data.get("exhibitor", SAMPLE_EXHIBITOR)
            expected = allowed(table, spec.action, role, ids=ids, forum=room_of(data), booth=booth)
            assert denied is not expected, f"{name} as {role}: {reply}"


def room_commands(server: LiveServer) -> list[str]:
    """The commands that act in a room (their action is scoped to a `Room`, or a `Post`)."""
    table = table_of(server)
    return [
        name
        for name, spec in server.services.gateway.commands.items()
        if table.rule(spec.action).on in (Room, Post)
    ]


async def walk_room(server: LiveServer, cookie: str, forum: int) -> dict[str, dict[str, Any]]:
    """Every room command, sent by `cookie` to `forum` (on a question, a poll and someone
    else's message there, and a fresh attendee as the one to sanction): each one's reply."""
    target, _ = await register(server, "被处理者 Target")
    objects = await walk_objects(server, forum, forum)
    replies = {}
    async with server.connect(cookie) as ws:
        me = Peer(ws)
        for name in room_commands(server):
            data = with_objects(SAMPLE_COMMAND[name], objects)
            data = data | ({"forum": forum} if "forum" in data else {})
            data = data | ({"account": target} if "account" in data else {})
            replies[name] = await me.command(name, data)
    return replies


def refused(reply: dict[str, Any]) -> bool:
    return reply.get("error", {}).get("code") in ("forbidden", "forum.banned", "chat.not_author")


def test_room_commands_are_walked():
    """Sanity of the walk below: the moderators' and speakers' room commands are all scoped."""
    table = PermissionTable({a: r for f in load_features() for a, r in f.permissions.items()})
    scoped = {a for a in table.actions if table.rule(a).on is Room}
    assert {"question.answer", "question.moderate", "poll.manage", "forum.ban"} <= scoped
    assert "room.backstage" in scoped


async def test_a_speaker_acts_in_their_room_as_the_table_says(server: LiveServer):
    replies = await walk_room(server, await server.sign_in(DEMO[Role.SPEAKER]), SPEAKERS_ROOM)
    assert {name for name, reply in replies.items() if not refused(reply)} == {"question.answer"}
    assert replies["question.answer"]["data"]["question"]["state"] == "answered"


async def test_a_speaker_of_another_room_does_nothing_there(server: LiveServer):
    replies = await walk_room(server, await server.sign_in(DEMO[Role.SPEAKER]), SAMPLE_ROOM)
    assert {name for name, reply in replies.items() if not refused(reply)} == set()
    assert replies["question.answer"]["error"]["code"] == "forbidden"


@pytest.fixture
async def banned_in_speakers_room(server: LiveServer) -> AsyncIterator[dict[Role, int]]:
    """The demo speaker and moderator banned from forum 2 (the moderator's ban written to the
    database: `forum.ban` refuses to ban staff), lifted afterwards."""
    ids = await account_ids(server)
    async with server.services.db() as db:
        bans = [
            RoomSanction(
                forum_id=SPEAKERS_ROOM,
                account_id=ids[role],
                kind=SanctionKind.BAN,
                until=utcnow() + timedelta(minutes=5),
                created_by=ids[Role.ORGANIZER],
            )
            for role in (Role.SPEAKER, Role.MODERATOR)
        ]
        db.add_all(bans)
        await db.commit()
    try:
        yield ids
    finally:
        async with server.services.db() as db:
            for ban in bans:
                stored = await db.get(RoomSanction, ban.id)
                assert stored is not None
                stored.lifted_at = utcnow()
            await db.commit()


@pytest.mark.parametrize("role", [Role.SPEAKER, Role.MODERATOR], ids=lambda r: r.value)
async def test_someone_banned_from_this_room_does_nothing_there(
    server: LiveServer, banned_in_speakers_room: dict[Role, int], role: Role
):
    replies = await walk_room(server, await server.sign_in(DEMO[role]), SPEAKERS_ROOM)
    assert {name: reply for name, reply in replies.items() if not refused(reply)} == {}
    async with server.connect(await server.sign_in(DEMO[role])) as ws:
        backstage = await Peer(ws).command("subscribe", {"topic": f"backstage:{SPEAKERS_ROOM}"})
    assert refused(backstage), backstage


# --- an exhibitor-scoped action, for the booths to come ----------------------------------------


@dataclass(frozen=True)
class Booth(OfExhibitor):
    """A stand-in for the hall's booths, built by its loader like theirs will be."""


class BoothRef(Strict):
    exhibitor: int = Field(gt=0, lt=2**31)


async def booth_named(ctx: CommandContext, data: BoothRef) -> Booth:
    return Booth(data.exhibitor)


async def touch_booth(ctx: CommandContext, data: BoothRef) -> dict[str, Any]:
    return {"touched": data.exhibitor}


async def booth_of_path(request: Request) -> Booth:
    return Booth(path_int(request, "exhibitor_id"))


async def read_booth(request: Request) -> JSONResponse:
    return JSONResponse({"read": path_int(request, "exhibitor_id")})


BOOTH_RULE = only(Role.EXHIBITOR, Role.ORGANIZER).given(
    OfExhibitor, exhibitor_staff, EXHIBITOR_STAFF_ONLY
)
BOOTH_TEST = Feature(
    name="booth-test",
    commands={
        "booth.touch": CommandSpec(touch_booth, BoothRef, action="booth.touch", target=booth_named)
    },
    routes=[
        ActionRoute(
            "/api/test/booths/{exhibitor_id}",
            read_booth,
            methods=["GET"],
            action="booth.touch",
            target=booth_of_path,
        )
    ],
    permissions={"booth.touch": BOOTH_RULE},
)


def test_staff_of_exhibitor_a_pass_on_a_and_are_refused_on_b():
    table = PermissionTable({"booth.touch": BOOTH_RULE})
    staff_of_a = Principal(10, Role.EXHIBITOR, "A", exhibitor_id=1)
    staff_of_b = Principal(11, Role.EXHIBITOR, "B", exhibitor_id=2)
    organiser = Principal(12, Role.ORGANIZER, "O")
    attendee = Principal(13, Role.ATTENDEE, "X")
    a, b = Booth(1), Booth(2)
    assert table.allows("booth.touch", staff_of_a, a) is True
    assert table.allows("booth.touch", staff_of_a, b) is False
    assert table.allows("booth.touch", staff_of_b, b) is True
    assert table.allows("booth.touch", organiser, b) is True
    assert table.allows("booth.touch", attendee, a) is False
    with pytest.raises(ObjectMissing):
        table.check("booth.touch", staff_of_a)  # forgetting the booth is no silent pass
    with pytest.raises(ObjectMissing):
        table.check("booth.touch", None)  # whoever asks first
    with pytest.raises(ObjectMissing):
        table.check("booth.touch", staff_of_a, Room(2, frozenset(), frozenset()))


class BoothPayload(Strict):
    """A command's data that happens to name an exhibitor: not a loaded booth."""

    exhibitor_id: int = Field(gt=0, lt=2**31)
    booth: int = Field(gt=0, lt=2**31)


@pytest.mark.parametrize(
    "stand_in",
    [
        Principal(10, Role.EXHIBITOR, "A", exhibitor_id=1),  # `target=lambda ctx, data: who`
        BoothPayload(exhibitor_id=1, booth=2),  # `target=lambda ctx, data: data`
        SimpleNamespace(exhibitor_id=1),
    ],
    ids=["principal", "payload", "any-object"],
)
def test_only_a_loaded_exhibitor_object_is_a_booth_rules_object(stand_in: object):
    """Staff of A whose command's target hands back their own principal, or the command's data
    naming A while it acts on B, would pass a structural check: they are refused as objects."""
    table = PermissionTable({"booth.touch": BOOTH_RULE})
    staff_of_a = Principal(10, Role.EXHIBITOR, "A", exhibitor_id=1)
    with pytest.raises(ObjectMissing):
        table.check("booth.touch", staff_of_a, stand_in)
    with pytest.raises(ObjectMissing):
        table.allows("booth.touch", staff_of_a, stand_in)


def test_an_object_rule_on_a_structural_type_is_refused_when_it_is_written():
    """A runtime-checkable protocol admits whatever has the attribute: an object rule names a
    class its loaders build."""

    @runtime_checkable
    class HasExhibitor(Protocol):
        exhibitor_id: int

    with pytest.raises(AssertionError, match="nominal"):
        SIGNED_IN.given(HasExhibitor, exhibitor_staff, EXHIBITOR_STAFF_ONLY)


def test_an_app_whose_scoped_command_loads_no_object_does_not_start():
    forgetful = Feature(
        name="forgetful",
        commands={"booth.touch": CommandSpec(touch_booth, BoothRef, action="booth.touch")},
        permissions={"booth.touch": BOOTH_RULE},
    )
    with pytest.raises(AssertionError, match="object-scoped"):
        create_app(make_settings("sqlite+aiosqlite:///:memory:"), [*load_features(), forgetful])


@pytest.fixture(scope="module")
async def booth_server(demo_sqlite: str) -> AsyncIterator[LiveServer]:
    settings = make_settings(demo_sqlite)
    async with live_server(settings, [*load_features(), BOOTH_TEST]) as live:
        yield live


async def test_staff_of_another_exhibitor_are_refused_over_the_socket_and_http(
    booth_server: LiveServer,
):
    server = booth_server
    async with server.services.read() as db:
        found = await db.execute(select(Account).where(Account.email == DEMO[Role.EXHIBITOR]))
        own = found.scalars().one().exhibitor_id
    other = own + 1
    replies: dict[str, Any] = {}
    codes: dict[str, Any] = {}
    for role in (Role.EXHIBITOR, Role.ORGANIZER, Role.ATTENDEE):
        cookie = await server.sign_in(DEMO[role])
        async with server.connect(cookie) as ws:
            me = Peer(ws)
            for booth in (own, other):
                replies[f"{role.value}@{booth}"] = await me.command(
                    "booth.touch", {"exhibitor": booth}
                )
        async with server.http(headers={"Cookie": cookie}) as http:
            for booth in (own, other):
                response = await http.get(f"/api/test/booths/{booth}")
                codes[f"{role.value}@{booth}"] = response.status_code
    assert replies[f"exhibitor@{own}"] == {
        "type": "ok",
        "id": "t1",
        "data": {"touched": own},
    }
    assert replies[f"exhibitor@{other}"] == {
        "type": "error",
        "id": "t2",
        "error": {"code": "forbidden", "message": EXHIBITOR_STAFF_ONLY},
    }
    assert replies[f"organizer@{other}"]["type"] == "ok"
    assert replies[f"attendee@{own}"]["error"]["code"] == "forbidden"
    assert codes == {
        f"exhibitor@{own}": 200,
        f"exhibitor@{other}": 403,
        f"organizer@{own}": 200,
        f"organizer@{other}": 200,
        f"attendee@{own}": 403,
        f"attendee@{other}": 403,
    }


async def test_a_denied_command_changes_nothing(server: LiveServer):
    async with server.http() as http:
        before = (await http.get("/api/forums/2/chat?limit=200")).json()["messages"]
    async with server.connect() as ws:
        reply = await Peer(ws).command("chat.send", {"forum": 2, "text": "anonymous attempt"})
    async with server.http() as http:
        after = (await http.get("/api/forums/2/chat?limit=200")).json()["messages"]
    assert reply["error"]["code"] == "unauthorized"
    assert after == before


def test_the_openapi_document_says_an_object_scoped_route_may_answer_403():
    # Every role signed in may try it: only the object's rule refuses.
    booth_rule = SIGNED_IN.given(OfExhibitor, exhibitor_staff, EXHIBITOR_STAFF_ONLY)
    document = build_document(BOOTH_TEST.routes, PermissionTable({"booth.touch": booth_rule}))
    assert "403" in document["paths"]["/api/test/booths/{exhibitor_id}"]["get"]["responses"]
