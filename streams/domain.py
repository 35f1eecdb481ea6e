"""A room's stream as pages see it: pure rules, no I/O."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# nginx calls `on_update` this often while a stream is published (streams/nginx_conf.py); a live
# state not heard of for STALE_AFTER is a publisher nginx lost without telling us (nginx
# restarted, a callback lost), and a new publisher may take the room over.
UPDATE_INTERVAL = timedelta(seconds=5)
STALE_AFTER = 3 * UPDATE_INTERVAL
STREAM_STATE = "stream.state"  # the event on the room's topic (`forum:<id>`)
DEFAULT_HLS_BASE = "/hls"


def hls_url(base: str, slug: str) -> str:
    """The room's HLS playlist, named by its slug (never by a key)."""
    return f"{base.rstrip('/')}/{slug}.m3u8"


def shown_stream_url(external: str | None, live: bool, ingest_url: str) -> str | None:
    """What the room's player plays: an external URL wins (it is what organisers set), else our
    ingest's playlist while a publisher is live, else nothing."""
    if external:
        return external
    return ingest_url if live else None


def may_publish(
    live: bool, client_id: str | None, seen_at: datetime | None, new_client: str, now: datetime
) -> bool:
    """A publisher may take a room that is offline, that it already holds (nginx asks again),
    or whose live state went stale (nginx lost its publisher without saying so)."""
    if not live or client_id == new_client:
        return True
    return seen_at is None or now - seen_at > STALE_AFTER


def state_view(
    forum_id: int,
    *,
    live: bool,
    since: datetime | None,
    publisher: str | None,
    version: int,
    hls: str,
    external: str | None,
) -> dict[str, Any]:
    """The `stream.state` event's data (and the organisers' view of the live state)."""
    return {
        "forum": forum_id,
        "live": live,
        "since": since.isoformat() if since and live else None,
        "publisher": publisher if live else None,
        "version": version,
        "hls_url": hls if live else None,
        "stream_url": shown_stream_url(external, live, hls),
    }
