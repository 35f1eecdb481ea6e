"""Private 1:1 chats between a visitor and a booth's staff, with the staff's inbox.

A visitor opens a conversation with a booth (the same one while it is open) and writes; the
booth's staff see it waiting in their inbox (`booth-staff:<id>`), one of them claims it (only
one can: expo/hall/private_chat_store.py), and only the claimer answers until they release it.
Either side marks it read and may close it. The visitor hears everything on their own
`account:<id>` topic. Events: `booth.private_posted` {conversation, message} and
`booth.conversation_changed` {conversation}, each conversation carrying its `version`; every
change is committed before it is announced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from expo.chat_rules import CHAT_RATE, banned_error, clean_chat_text
from expo.errors import BadRequest, Conflict, Forbidden, NotFound
from expo.hall import private_chat_store as store
from expo.hall.access import STAFF_OF_BOOTH, booth_of_path, is_staff_of, load_booth
from expo.hall.booth_chat_rules import (
    BOOTH_BANNED,
    ConversationFacts,
    check_claim,
    check_release,
    check_staff_answer,
    claimed_by_another,
)
from expo.hall.booth_standing import refuse_banned, standing_of
from expo.hall.chat_views import (
    ConversationPage,
    Inbox,
    MyConversations,
    conversation_view,
    private_message_view,
)
from expo.hall.models import Conversation, PrivateMessage
from expo.hall.topics import staff_topic
from expo.http import ErrorBody, JSONResponse, path_int, principal, query_int, route, services
from expo.models import Exhibitor, utcnow
from expo.permissions import SIGNED_IN, OfExhibitor, exhibitor_staff
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from expo.security import Principal
from expo.services import Services

Id = Annotated[int, Field(gt=0, lt=2**31)]


def account_topic(account_id: int) -> str:
    return f"account:{account_id}"


# --- payloads --------------------------------------------------------------------------------


class BoothRef(Strict):
    exhibitor: Id


class ConversationRef(Strict):
    exhibitor: Id
    conversation: Id


class PrivateSend(Strict):
    exhibitor: Id
    conversation: Id
    text: str = Field(max_length=4000)


# --- the object the permission table sees ------------------------------------------------------


@dataclass(frozen=True)
class ConversationObject(OfExhibitor):
    """A conversation of the booth the command or path names."""

    conversation_id: int
    visitor_id: int


def visitor_or_booth_staff(who: Principal, obj: ConversationObject) -> bool:
    return who.account_id == obj.visitor_id or exhibitor_staff(who, obj)


def unknown_conversation(conversation_id: int) -> NotFound:
    return NotFound("private.unknown", f"There is no conversation {conversation_id} here.")


async def load_conversation(
    svc: Services, exhibitor_id: int, conversation_id: int
) -> ConversationObject:
    """A conversation of that exhibitor, or `private.unknown` (one of another exhibitor too)."""
    async with svc.read() as db:
        found = await store.get(db, conversation_id)
    if found is None or found.exhibitor_id != exhibitor_id:
        raise unknown_conversation(conversation_id)
    return ConversationObject(exhibitor_id, conversation_id, found.visitor_id)


async def conversation_of_command(ctx: CommandContext, data: ConversationRef) -> ConversationObject:
    return await load_conversation(ctx.services, data.exhibitor, data.conversation)


async def conversation_of_path(request: Request) -> ConversationObject:
    return await load_conversation(
        services(request), path_int(request, "exhibitor_id"), path_int(request, "conversation_id")
    )


# --- announcing ----------------------------------------------------------------------------------


async def _fresh(svc: Services, conversation_id: int) -> Conversation:
    async with svc.read() as db:
        found = await store.get(db, conversation_id)
    assert found is not None
    return found


async def announce(
    svc: Services, conversation: Conversation, kind: str, message: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Tell the booth's staff and the visitor (each their side's view); returns the staff's."""
    staff = conversation_view(conversation, "staff")
    visitor = conversation_view(conversation, "visitor")
    extra = {"message": message} if message is not None else {}
    await svc.hub.publish_stored(
        [
            (staff_topic(conversation.exhibitor_id), kind, {"conversation": staff, **extra}),
            (account_topic(conversation.visitor_id), kind, {"conversation": visitor, **extra}),
        ]
    )
    return staff


def side_of(who: Principal, conversation: Conversation) -> Literal["staff", "visitor"]:
    return "visitor" if who.account_id == conversation.visitor_id else "staff"


def facts(conversation: Conversation) -> ConversationFacts:
    return ConversationFacts(conversation.claimed_by, conversation.closed_at)


# --- handlers --------------------------------------------------------------------------------


async def private_open(ctx: CommandContext, data: BoothRef) -> dict[str, Any]:
    """The visitor's open conversation with the booth (a new one if none is open)."""
    who = ctx.require_principal()
    svc = ctx.services
    await load_booth(svc, data.exhibitor)
    if is_staff_of(who, data.exhibitor):
        raise Forbidden("private.own_booth", "Staff answer their booth's visitors, not themselves.")
    found = await standing_of(svc, who, data.exhibitor)
    if found.banned:
        raise banned_error(found, BOOTH_BANNED, "booth")
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        conversation, new = await store.open_conversation(
            db, data.exhibitor, who.account_id, who.display_name, utcnow()
        )
        messages = await store.messages(db, conversation.id, before_id=None, limit=100)  # type: ignore[arg-type]
        booth = await db.get(Exhibitor, data.exhibitor)
    if new:
        await announce(svc, conversation, "booth.conversation_changed")
    return {
        "conversation": conversation_view(conversation, "visitor", booth),
        "messages": [private_message_view(m) for m in messages],
        "opened": new,
    }


async def private_send(ctx: CommandContext, data: PrivateSend) -> dict[str, Any]:
    """The visitor writes, or the staff member holding the claim answers."""
    who = ctx.require_principal()
    text = clean_chat_text(data.text)
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        conversation = await store.get(db, data.conversation)
        assert conversation is not None  # conversation_of_command found it
        visitor = side_of(who, conversation) == "visitor"
        if visitor and conversation.closed_at is not None:
            raise Conflict("private.closed", "This conversation is closed.")
        if visitor:  # a ban from the booth stops a conversation opened before it too
            await refuse_banned(svc, who, conversation.exhibitor_id)
        if not visitor:
            check_staff_answer(facts(conversation), who.account_id)
        message = PrivateMessage(
            conversation_id=data.conversation,
            account_id=who.account_id,
            author_name=who.display_name,
            from_staff=not visitor,
            text=text,
        )
        stored = await store.post(
            db, conversation, message, claimer=None if visitor else who.account_id
        )
    if not stored:  # closed, or the claim went elsewhere, between the check and the write
        now = await _fresh(svc, data.conversation)
        if now.closed_at is not None:
            raise Conflict("private.closed", "This conversation is closed.")
        raise claimed_by_another()
    conversation = await _fresh(svc, data.conversation)
    view = private_message_view(message)
    await announce(svc, conversation, "booth.private_posted", view)
    return {
        "message": view,
        "conversation": conversation_view(conversation, side_of(who, conversation)),
    }


async def private_claim(ctx: CommandContext, data: ConversationRef) -> dict[str, Any]:
    """Take a waiting conversation: of two staff members claiming at once (on any processes),
    exactly one gets it; the other is told `private.claimed`."""
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        conversation = await store.get(db, data.conversation)
        assert conversation is not None
        if not check_claim(facts(conversation), who.account_id):
            return {"conversation": conversation_view(conversation, "staff")}
        won = await store.claim(db, data.conversation, who.account_id, who.display_name, utcnow())
    conversation = await _fresh(svc, data.conversation)
    if not won:
        check_claim(facts(conversation), who.account_id)  # says why: claimed, or closed
        raise claimed_by_another()
    return {"conversation": await announce(svc, conversation, "booth.conversation_changed")}


async def private_release(ctx: CommandContext, data: ConversationRef) -> dict[str, Any]:
    """The claimer lets the conversation go back to waiting, for a colleague to claim."""
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        conversation = await store.get(db, data.conversation)
        assert conversation is not None
        check_release(facts(conversation), who.account_id, who.role)
        won = await store.release(db, data.conversation, conversation.claimed_by)  # type: ignore[arg-type]
    if not won:
        raise Conflict("private.changed", "The conversation changed meanwhile; look again.")
    conversation = await _fresh(svc, data.conversation)
    return {"conversation": await announce(svc, conversation, "booth.conversation_changed")}


async def private_read(ctx: CommandContext, data: ConversationRef) -> dict[str, Any]:
    """Mark one's side read: the visitor the staff's answers, the staff the visitor's words."""
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        conversation = await store.get(db, data.conversation)
        assert conversation is not None
        side = side_of(who, conversation)
        changed = await store.mark_read(db, data.conversation, staff=side == "staff")
    conversation = await _fresh(svc, data.conversation)
    if changed:
        await announce(svc, conversation, "booth.conversation_changed")
    return {"conversation": conversation_view(conversation, side)}


async def private_close(ctx: CommandContext, data: ConversationRef) -> dict[str, Any]:
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        conversation = await store.get(db, data.conversation)
        assert conversation is not None
        side = side_of(who, conversation)
        if side == "staff" and conversation.claimed_by not in (None, who.account_id):
            if who.role != "organizer":
                raise claimed_by_another()
        closed = await store.close(db, data.conversation, who.account_id, utcnow())
    conversation = await _fresh(svc, data.conversation)
    if closed:
        await announce(svc, conversation, "booth.conversation_changed")
    return {"conversation": conversation_view(conversation, side)}


# --- the inbox and the visitor's list over HTTP ---------------------------------------------------


class BoothPath(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exhibitor_id: int = Field(gt=0, lt=2**31)


class ConversationPath(BoothPath):
    conversation_id: int = Field(gt=0, lt=2**31)


class InboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["open", "closed"] = "open"


class MessagesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before: int | None = Field(default=None, gt=0, lt=2**31)
    limit: int = Field(default=100, ge=1, le=200)


async def inbox(request: Request) -> JSONResponse:
    """The booth's conversations for its staff: waiting first (longest waiting first)."""
    exhibitor_id = path_int(request, "exhibitor_id")
    state = request.query_params.get("state", "open")
    if state not in ("open", "closed"):
        raise BadRequest(message="`state` is open or closed.")
    svc = services(request)
    async with svc.read() as db:
        found = await store.of_booth(db, exhibitor_id, closed=state == "closed")
    views = [conversation_view(c, "staff") for c in found]
    return JSONResponse(
        {
            "conversations": views,
            "waiting": sum(1 for v in views if v["state"] == "waiting"),
            "unread": sum(v["unread"] for v in views),
            "topic": staff_topic(exhibitor_id),
        }
    )


async def conversation_messages(request: Request) -> JSONResponse:
    """One conversation and its messages, for its visitor or the booth's staff."""
    who = principal(request)
    assert who is not None
    conversation_id = path_int(request, "conversation_id")
    before = query_int(request, "before", None, low=1, high=2**31 - 1)
    limit = query_int(request, "limit", 100, low=1, high=200) or 100
    async with services(request).read() as db:
        conversation = await store.get(db, conversation_id)
        assert conversation is not None
        found = await store.messages(db, conversation_id, before_id=before, limit=limit)
        booth = await db.get(Exhibitor, conversation.exhibitor_id)
    return JSONResponse(
        {
            "conversation": conversation_view(conversation, side_of(who, conversation), booth),
            "messages": [private_message_view(m) for m in found],
        }
    )


async def my_conversations(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    async with services(request).read() as db:
        found = await store.of_visitor(db, who.account_id)
    return JSONResponse(
        {
            "conversations": [conversation_view(c, "visitor", e) for c, e in found],
            "topic": account_topic(who.account_id),
        }
    )


routes = [
    route(
        "/api/exhibitors/{exhibitor_id}/conversations",
        inbox,
        methods=["GET"],
        action="booth.private.inbox",
        path_params=BoothPath,
        query=InboxQuery,
        target=booth_of_path,
        responses={200: Inbox, 404: ErrorBody},
        summary="The booth's private conversations, for its staff (waiting ones first)",
    ),
    route(
        "/api/exhibitors/{exhibitor_id}/conversations/{conversation_id}/messages",
        conversation_messages,
        methods=["GET"],
        action="booth.private.messages",
        path_params=ConversationPath,
        query=MessagesQuery,
        target=conversation_of_path,
        responses={200: ConversationPage, 404: ErrorBody},
        summary="A private conversation's messages, for its visitor or the booth's staff",
    ),
    route(
        "/api/me/conversations",
        my_conversations,
        methods=["GET"],
        action="booth.private.mine",
        responses={200: MyConversations},
        summary="The private conversations the signed-in visitor has had with booths",
    ),
]


def _scoped(command: Any, model: type[Strict], action: str, rate: str = "moderate") -> CommandSpec:
    return CommandSpec(command, model, action=action, rate=rate, target=conversation_of_command)


commands = {
    "booth.private.open": CommandSpec(
        private_open, BoothRef, action="booth.private.open", rate=CHAT_RATE
    ),
    "booth.private.send": _scoped(private_send, PrivateSend, "booth.private.send", CHAT_RATE),
    "booth.private.claim": _scoped(private_claim, ConversationRef, "booth.private.claim"),
    "booth.private.release": _scoped(private_release, ConversationRef, "booth.private.release"),
    "booth.private.read": _scoped(private_read, ConversationRef, "booth.private.read"),
    "booth.private.close": _scoped(private_close, ConversationRef, "booth.private.close"),
}

VISITOR_OR_STAFF = SIGNED_IN.given(
    ConversationObject,
    visitor_or_booth_staff,
    "Only the visitor and the booth's staff take part in this conversation.",
)
permissions = {
    "booth.private.open": SIGNED_IN,
    "booth.private.send": VISITOR_OR_STAFF,
    "booth.private.claim": STAFF_OF_BOOTH,
    "booth.private.release": STAFF_OF_BOOTH,
    "booth.private.read": VISITOR_OR_STAFF,
    "booth.private.close": VISITOR_OR_STAFF,
    "booth.private.inbox": STAFF_OF_BOOTH,
    "booth.private.messages": VISITOR_OR_STAFF,
    "booth.private.mine": SIGNED_IN,
}
