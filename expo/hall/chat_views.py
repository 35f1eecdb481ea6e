"""How a booth's chat messages, sanctions and private conversations are shown: plain dicts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from expo.accounts import ExhibitorBadge, exhibitor_badge
from expo.bilingual import Names
from expo.hall.booth_chat_rules import ConversationFacts, conversation_state
from expo.hall.models import BoothChatMessage, BoothSanction, Conversation, PrivateMessage
from expo.models import Exhibitor


def booth_message_view(message: BoothChatMessage, exhibitor: Exhibitor | None) -> dict[str, Any]:
    """A public message; a staff member's wears the booth's badge (`exhibitor`), as a forum
    room's chat shows staff, so the same page code draws both."""
    return {
        "id": message.id,
        "exhibitor_id": message.exhibitor_id,
        "author": {"id": message.account_id, "name": message.author_name},
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        "staff": message.staff,
        "exhibitor": exhibitor_badge(exhibitor) if message.staff else None,
    }


def sanction_view(sanction: BoothSanction, name: str) -> dict[str, Any]:
    return {
        "id": sanction.id,
        "exhibitor_id": sanction.exhibitor_id,
        "account": {"id": sanction.account_id, "name": name},
        "kind": sanction.kind,
        "until": sanction.until.isoformat(),
        "reason": sanction.reason,
        "lifted_at": sanction.lifted_at.isoformat() if sanction.lifted_at else None,
        "version": 2 * (sanction.id or 0) + (sanction.lifted_at is not None),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def conversation_view(
    conversation: Conversation, side: Literal["staff", "visitor"], booth: Exhibitor | None = None
) -> dict[str, Any]:
    """A conversation as its staff's inbox (unread: the visitor's messages) or its visitor
    (unread: the staff's answers) sees it."""
    facts = ConversationFacts(conversation.claimed_by, conversation.closed_at)
    view: dict[str, Any] = {
        "id": conversation.id,
        "exhibitor_id": conversation.exhibitor_id,
        "state": conversation_state(facts).value,
        "visitor": {"id": conversation.visitor_id, "name": conversation.visitor_name},
        "claimed_by": (
            {"id": conversation.claimed_by, "name": conversation.claimed_name}
            if conversation.claimed_by is not None
            else None
        ),
        "waiting_since": _iso(conversation.waiting_since),
        "unread": conversation.staff_unread if side == "staff" else conversation.visitor_unread,
        "last": {"text": conversation.last_text, "at": _iso(conversation.last_at)}
        if conversation.last_at is not None
        else None,
        "opened_at": conversation.opened_at.isoformat(),
        "closed_at": _iso(conversation.closed_at),
        "version": conversation.version,
    }
    if booth is not None:
        view["exhibitor"] = {"id": booth.id, "name": {"zh": booth.name_zh, "en": booth.name_en}}
    return view


def private_message_view(message: PrivateMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "author": {"id": message.account_id, "name": message.author_name},
        "from_staff": message.from_staff,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }


# --- what the routes answer, for the OpenAPI document ----------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Person(_Out):
    id: int
    name: str


class BoothMessageOut(_Out):
    id: int
    exhibitor_id: int
    author: Person
    text: str
    created_at: str
    staff: bool
    exhibitor: ExhibitorBadge | None


class BoothChatPage(_Out):
    """Messages, oldest first, and where the booth's topic stood before they were read."""

    messages: list[BoothMessageOut]
    topic: str = Field(pattern=r"^booth:[0-9]+$")
    seq: int = Field(ge=0)
    epoch: str


class Claimer(_Out):
    id: int
    name: str | None


class LastMessage(_Out):
    text: str
    at: str | None


class BoothName(_Out):
    id: int
    name: Names


class ConversationOut(_Out):
    id: int
    exhibitor_id: int
    state: Literal["waiting", "claimed", "closed"]
    visitor: Person
    claimed_by: Claimer | None
    waiting_since: str | None
    unread: int = Field(ge=0)  # the other side's messages this side has not read
    last: LastMessage | None
    opened_at: str
    closed_at: str | None
    version: int
    exhibitor: BoothName | None = None


class PrivateMessageOut(_Out):
    id: int
    conversation_id: int
    author: Person
    from_staff: bool
    text: str
    created_at: str


class Inbox(_Out):
    conversations: list[ConversationOut]
    waiting: int
    unread: int
    topic: str


class ConversationPage(_Out):
    conversation: ConversationOut
    messages: list[PrivateMessageOut]


class MyConversations(_Out):
    conversations: list[ConversationOut]
    topic: str
