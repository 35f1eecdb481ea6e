"""How forum data looks on the wire (HTTP and websocket alike)."""

from __future__ import annotations

from typing import Any

from forums.models import ChatMessage, Forum, ForumSession


def forum_view(forum: Forum) -> dict[str, Any]:
    return {
        "id": forum.id,
        "slug": forum.slug,
        "kind": forum.kind,
        "position": forum.position,
        "title": {"zh": forum.title_zh, "en": forum.title_en},
        "stream_url": forum.stream_url,
        "topic": f"forum:{forum.id}",
    }


def session_view(session: ForumSession | None) -> dict[str, Any] | None:
    if session is None:
        return None
    return {
        "id": session.id,
        "forum_id": session.forum_id,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "title": {"zh": session.title_zh, "en": session.title_en},
        "speakers": session.speakers,
    }


def chat_view(message: ChatMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "forum_id": message.forum_id,
        "author": {"id": message.account_id, "name": message.author_name},
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }
