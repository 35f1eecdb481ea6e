"""How a booth's chat messages, sanctions and private conversations are shown: plain dicts."""

from __future__ import annotations

from typing import Any, Literal

from expo.accounts import exhibitor_badge
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
