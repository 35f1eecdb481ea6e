"""Loading the room a command acts in, for the permission table's room rules
(forums/room_rules.py): the `target` of each room-scoped command."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.errors import NotFound
from expo.realtime.gateway import CommandContext
from forums import moderation_store, qa_store, store
from forums.models import ForumSession, SessionPerson
from forums.qa_rules import backstage_topic
from forums.room_rules import Post, Room

if TYPE_CHECKING:
    from expo.services import Services


async def load_room(db: AsyncSession, forum_id: int) -> Room:
    """The room with who is on its programme and who is banned from it (`forum.unknown` if
    there is no such room)."""
    if await store.get_forum(db, forum_id) is None:
        raise NotFound("forum.unknown", f"There is no forum {forum_id}.")
    on_programme = (
        select(SessionPerson.account_id)
        .join(ForumSession, col(ForumSession.id) == col(SessionPerson.session_id))
        .where(ForumSession.forum_id == forum_id, col(SessionPerson.account_id).is_not(None))
        .distinct()
    )
    speakers = frozenset((await db.execute(on_programme)).scalars())
    banned = await moderation_store.banned_from(db, forum_id)
    return Room(forum_id, speakers, banned)


class NamesForum(Protocol):
    @property
    def forum(self) -> int: ...


class NamesQuestion(Protocol):
    @property
    def question(self) -> int: ...


class NamesPoll(Protocol):
    @property
    def poll(self) -> int: ...


async def programme_changed(svc: Services, forum_ids: Iterable[int]) -> None:
    """The programme of these rooms changed: whoever follows their backstage is asked again,
    so a speaker taken off a room's programme leaves its backstage on every process."""
    for forum_id in sorted(set(forum_ids)):
        await svc.gateway.recheck(backstage_topic(forum_id))


async def named_room(ctx: CommandContext, data: NamesForum) -> Room:
    """The room a command names (`{"forum": 3, ...}`)."""
    async with ctx.services.read() as db:
        return await load_room(db, data.forum)


async def room_of_question(ctx: CommandContext, data: NamesQuestion) -> Room:
    """The room a question was asked in (`qa.unknown` if there is no such question)."""
    async with ctx.services.read() as db:
        question = await qa_store.get_question(db, data.question)
        return await load_room(db, question.forum_id)


async def room_of_poll(ctx: CommandContext, data: NamesPoll) -> Room:
    """The room a poll is in (`poll.unknown` if there is no such poll)."""
    async with ctx.services.read() as db:
        poll = await qa_store.get_poll(db, data.poll)
        return await load_room(db, poll.forum_id)


class NamesMessage(Protocol):
    @property
    def forum(self) -> int: ...

    @property
    def message(self) -> int: ...


async def post_of_message(ctx: CommandContext, data: NamesMessage) -> Post:
    """A chat message of the room the command names (`chat.unknown_message` if it is not
    there), with its author and room."""
    async with ctx.services.read() as db:
        message = await moderation_store.get_message(db, data.message)
        if message is None or message.forum_id != data.forum:
            raise NotFound("chat.unknown_message", f"There is no message {data.message} here.")
        return Post(message.account_id, await load_room(db, message.forum_id))
