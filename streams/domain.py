"""A room's stream as pages see it, and how it changes: pure rules, no I/O.

A room is `live` (a publisher is on air), `interrupted` (its publisher went away: viewers stay,
the player shows a slate, for the grace period) or `offline`. It has a main and a backup key.
While main is live, a backup publisher waits as the *standby* (relayed into its own HLS,
`<slug>-backup.m3u8`); when main goes away the standby takes over without an interruption, and
main coming back takes over again. `transition(stream, event)` is the whole rulebook: the
callbacks, the key rotation and the sweeper feed it facts and store what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from streams.keys import Which

# nginx calls `on_update` this often while a stream is published (streams/nginx_conf.py); a
# publisher not heard of for STALE_AFTER is one nginx lost without telling us (nginx restarted,
# a callback lost): it counts as gone.
UPDATE_INTERVAL = timedelta(seconds=5)
# nginx drops a publisher that has sent nothing for this long (and says so: on_publish_done).
IDLE_PUBLISHER = timedelta(seconds=2)
STALE_AFTER = 3 * UPDATE_INTERVAL
DEFAULT_GRACE = timedelta(seconds=60)  # interrupted this long with nobody back: offline
STREAM_STATE = "stream.state"  # the event on the room's topic (`forum:<id>`)
DEFAULT_HLS_BASE = "/hls"
BACKUP_SUFFIX = "-backup"  # the backup publisher's HLS: <slug>-backup.m3u8 (no room slug ends so)


class State(StrEnum):
    LIVE = "live"
    INTERRUPTED = "interrupted"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class Stream:
    """What the room's row holds about its publishers (its version is the store's business)."""

    state: State = State.OFFLINE
    since: datetime | None = None  # the live session's start, kept while interrupted
    interrupted_since: datetime | None = None
    publisher: Which | None = None  # who is on air, while live
    client_id: str | None = None  # nginx's id of that publisher
    seen_at: datetime | None = None  # its publish or last on_update
    standby_client_id: str | None = None  # a backup publisher waiting while main is live
    standby_seen_at: datetime | None = None

    def public(self) -> tuple[Any, ...]:
        """What viewers see of it: a change here is announced."""
        return (self.state, self.since, self.interrupted_since, self.publisher)


@dataclass(frozen=True, slots=True)
class Publish:
    which: Which
    client_id: str
    now: datetime


@dataclass(frozen=True, slots=True)
class Done:
    """The publisher stopped (on_publish_done), or nginx was told to drop it."""

    client_id: str
    now: datetime


@dataclass(frozen=True, slots=True)
class Tick:
    """The sweeper's look: publishers not heard of go, an interruption past the grace ends."""

    now: datetime
    grace: timedelta = DEFAULT_GRACE


@dataclass(frozen=True, slots=True)
class Rotated:
    """An organiser replaced a key: a publisher using the old one is gone from now on."""

    which: Which
    now: datetime


Event = Publish | Done | Tick | Rotated


def _stale(seen_at: datetime | None, now: datetime) -> bool:
    return seen_at is None or now - seen_at > STALE_AFTER


def _no_standby(stream: Stream) -> Stream:
    return replace(stream, standby_client_id=None, standby_seen_at=None)


def _lost(stream: Stream, now: datetime) -> Stream:
    """The one on air is gone: the standby takes over if it is still there, else interrupted."""
    if stream.standby_client_id is not None and not _stale(stream.standby_seen_at, now):
        return _no_standby(
            replace(
                stream,
                publisher=Which.BACKUP,
                client_id=stream.standby_client_id,
                seen_at=stream.standby_seen_at,
            )
        )
    return Stream(state=State.INTERRUPTED, since=stream.since, interrupted_since=now)


def _publish(stream: Stream, event: Publish) -> Stream:
    cid, now = event.client_id, event.now
    if cid in (stream.client_id, stream.standby_client_id):
        return stream  # nginx asks again about a publisher it has
    if stream.state != State.LIVE:
        since = stream.since if stream.state == State.INTERRUPTED and stream.since else now
        return Stream(State.LIVE, since, None, event.which, cid, now)
    if _stale(stream.seen_at, now):
        return _publish(_lost(stream, now), event)
    if event.which == stream.publisher:
        return stream  # the same key twice: refused
    if event.which == Which.MAIN:  # main is back while the backup is on air: main takes over
        return replace(
            stream,
            publisher=Which.MAIN,
            client_id=cid,
            seen_at=now,
            standby_client_id=stream.client_id,
            standby_seen_at=stream.seen_at,
        )
    if stream.standby_client_id is None or _stale(stream.standby_seen_at, now):
        return replace(stream, standby_client_id=cid, standby_seen_at=now)
    return stream  # a second backup while one waits: refused


def _tick(stream: Stream, event: Tick) -> Stream:
    now = event.now
    if stream.standby_client_id is not None and _stale(stream.standby_seen_at, now):
        stream = _no_standby(stream)
    if stream.state == State.LIVE and _stale(stream.seen_at, now):
        stream = _lost(stream, now)
    if (
        stream.state == State.INTERRUPTED
        and stream.interrupted_since is not None
        and now - stream.interrupted_since >= event.grace
    ):
        return Stream()
    return stream


def transition(stream: Stream, event: Event) -> Stream:
    """The room's stream after `event`. A publish that leaves the stream naming neither its
    client nor its standby is refused."""
    if isinstance(event, Publish):
        return _publish(stream, event)
    if isinstance(event, Tick):
        return _tick(stream, event)
    if isinstance(event, Done):
        if event.client_id == stream.standby_client_id:
            return _no_standby(stream)
        if stream.state == State.LIVE and event.client_id == stream.client_id:
            return _lost(stream, event.now)
        return stream  # a publisher already replaced, or refused: nothing changes
    if stream.state == State.LIVE and stream.publisher == event.which:
        return _lost(stream, event.now)
    if event.which == Which.BACKUP and stream.standby_client_id is not None:
        return _no_standby(stream)
    return stream


def role_of(stream: Stream, client_id: str) -> str | None:
    """ "live" or "standby" for a publisher the room holds, else None (refused)."""
    if stream.state == State.LIVE and stream.client_id == client_id:
        return "live"
    if stream.standby_client_id == client_id:
        return "standby"
    return None


def hls_name(slug: str, which: Which) -> str:
    """The stream name nginx relays a publisher into (and names its HLS files by)."""
    return slug if which == Which.MAIN else slug + BACKUP_SUFFIX


def hls_url(base: str, slug: str, which: Which = Which.MAIN) -> str:
    """A publisher's HLS playlist, named by the room's slug (never by a key)."""
    return f"{base.rstrip('/')}/{hls_name(slug, which)}.m3u8"


def shown_stream_url(external: str | None, live: bool, ingest_url: str | None) -> str | None:
    """What the room's player plays: an external URL wins (it is what organisers set), else our
    ingest's playlist while a publisher is live, else nothing."""
    if external:
        return external
    return ingest_url if live else None


def state_view(
    forum_id: int,
    stream: Stream,
    *,
    version: int,
    hls_base: str,
    slug: str,
    external: str | None,
) -> dict[str, Any]:
    """The `stream.state` event's data (and the organisers' view of the live state)."""
    live = stream.state == State.LIVE
    on_air = hls_url(hls_base, slug, stream.publisher) if live and stream.publisher else None
    keeps_since = stream.state != State.OFFLINE
    return {
        "forum": forum_id,
        "state": stream.state.value,
        "live": live,
        "since": stream.since.isoformat() if stream.since and keeps_since else None,
        "interrupted_since": stream.interrupted_since.isoformat()
        if stream.interrupted_since and stream.state == State.INTERRUPTED
        else None,
        "publisher": stream.publisher.value if live and stream.publisher else None,
        "version": version,
        "hls_url": on_air,
        "stream_url": shown_stream_url(external, live, on_air),
    }
