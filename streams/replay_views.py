"""A replay as pages see it (also the data of `replay.ready` / `replay.changed`)."""

from __future__ import annotations

from typing import Any

from forums.domain import forum_topic
from forums.models import Forum
from forums.programme import LOBBY_TOPIC
from streams.config import StreamsConfig
from streams.models import StreamReplay
from streams.replay_rules import Session, chapters


def media_url(cfg: StreamsConfig, replay: StreamReplay) -> str:
    """Where the player fetches it: the demo's own media, the configured public base (a CDN,
    nginx), or the platform, which checks that a hidden replay is seen by organisers only."""
    if replay.url:
        return replay.url
    if cfg.replay_base and replay.file:
        return f"{cfg.replay_base}/{replay.file}"
    return f"/api/replays/{replay.id}/media"


def replay_view(
    cfg: StreamsConfig, replay: StreamReplay, forum: Forum, sessions: list[Session]
) -> dict[str, Any]:
    return {
        "id": replay.id,
        "forum": {
            "id": forum.id,
            "slug": forum.slug,
            "title": {"zh": forum.title_zh, "en": forum.title_en},
        },
        "publisher": replay.publisher,
        "started_at": replay.started_at.isoformat(),
        "ended_at": replay.ended_at.isoformat(),
        "duration": replay.duration,
        "url": media_url(cfg, replay),
        "kind": "hls" if media_url(cfg, replay).endswith(".m3u8") else "mp4",
        "hidden": replay.hidden,
        "version": replay.version,
        "chapters": [
            {
                "session": c.session,
                "title": {"zh": c.title_zh, "en": c.title_en},
                "at": c.at,
                "length": c.length,
            }
            for c in chapters(sessions, replay.started_at, replay.ended_at)
        ],
    }


def replay_topics(forum_id: int) -> list[str]:
    """Where a replay's news goes: its room's page, and the lobby's shelf."""
    return [forum_topic(forum_id), LOBBY_TOPIC]
