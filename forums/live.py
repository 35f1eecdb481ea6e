"""Websocket commands of the forums, and who may follow a forum's topic."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pydantic import Field

from expo.errors import NotFound, Unavailable
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from forums import store
from forums.domain import clean_chat_text, forum_topic
from forums.models import ChatMessage
from forums.views import chat_view

if TYPE_CHECKING:
    from expo.services import Services


class ChatSend(Strict):
    forum: int = Field(gt=0, lt=2**31)
    text: str = Field(max_length=4000)


async def chat_send(ctx: CommandContext, data: ChatSend) -> dict[str, Any]:
    principal = ctx.require_principal()
    text = clean_chat_text(data.text)
    svc = ctx.services
    async with svc.db() as db:
        if await store.get_forum(db, data.forum) is None:
            raise NotFound("forum.unknown", f"There is no forum {data.forum}.")
        # Stored before it is announced: a message that was announced survives a restart.
        message = await store.add_chat_message(
            db,
            ChatMessage(
                forum_id=data.forum,
                account_id=principal.account_id,
                author_name=principal.display_name,
                text=text,
            ),
        )
    view = chat_view(message)
    try:
        event = await svc.hub.publish(forum_topic(data.forum), "chat.message_posted", view)
    except Unavailable as error:
        if error.code == "unavailable":
            # Surely not announced, so not acknowledged: take the message back, so a retry
            # posts it once. (After a timeout it may be out: then it stays, as announced.)
            async with svc.db() as db:
                await store.delete_chat_message(db, message.id)  # type: ignore[arg-type]
        raise
    return {"message": view, "seq": event.seq}


async def forum_guard(ctx: CommandContext, key: str) -> None:
    """Anyone may follow a forum that exists."""
    if not key.isdigit() or not 0 < int(key) < 2**31:
        raise NotFound("forum.unknown", f"There is no forum {key}.")
    async with ctx.services.read() as db:
        if await store.get_forum(db, int(key)) is None:
            raise NotFound("forum.unknown", f"There is no forum {key}.")


commands = {"chat.send": CommandSpec(chat_send, ChatSend, action="chat.send", rate="chat")}
topics = {"forum": forum_guard}


LOBBY_KEY = "forums"
ROOMS_TTL = 30.0  # how long a process trusts its list of rooms (they change rarely)


async def lobby_guard(ctx: CommandContext, key: str) -> None:
    """`lobby:forums`: anyone may watch every room's audience."""
    if key != LOBBY_KEY:
        raise NotFound("lobby.unknown", f"There is no lobby {key!r}.")


async def lobby_topics(services: Services, key: str) -> list[str]:
    """The topics `lobby:forums` sums up: every room's, read again every ROOMS_TTL seconds."""
    cached = services.cache.get("forums.lobby_topics")
    now = time.monotonic()
    if cached is None or now - cached[0] > ROOMS_TTL:
        async with services.read() as db:
            rooms = [forum_topic(f.id) for f in await store.list_forums(db) if f.id is not None]
        cached = services.cache["forums.lobby_topics"] = (now, rooms)
    return cached[1]


topics["lobby"] = lobby_guard
summaries = {"lobby": lobby_topics}
