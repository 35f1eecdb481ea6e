"""Recordings into replays: every process that can reach nginx's recordings (EXPO_REPLAY_DIR
set) claims them one at a time (streams/replay_store.py `claim`, a compare-and-set) and remuxes
each into an MP4 with its index first (`-c copy -movflags +faststart`: no re-encoding, seconds
for an hour of video, seekable while it downloads), then marks it ready and announces it on the
room's topic. A process that dies mid-way leaves a claim that goes stale and is taken over.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from expo.models import utcnow
from expo.services import Services
from streams import replay_store, store
from streams.config import StreamsConfig
from streams.replay_rules import REPLAY_READY, media_name
from streams.replay_views import replay_topics, replay_view
from streams.routes import config

log = logging.getLogger("expo.streams")
LOOK_EVERY = 5.0  # seconds between looks for recordings (the hook wakes this process at once)
CLAIM_STALE = timedelta(minutes=30)  # a claim this old is a process that died remuxing
REMUX_TIMEOUT = 20 * 60.0  # seconds; a copy remux of a day's recording takes well under this
WAKE = "streams.replay_wake"  # services.cache: the event the hook sets


class RemuxError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Media:
    file: str
    size: int
    duration: float


def _ffprobe(ffmpeg: str) -> str:
    return str(Path(ffmpeg).with_name("ffprobe")) if os.sep in ffmpeg else "ffprobe"


async def _run(*argv: str, timeout: float) -> bytes:
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as error:
        raise RemuxError(f"{argv[0]}: {error.strerror}") from None
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RemuxError(f"{argv[0]} took longer than {timeout:.0f} s") from None
    if process.returncode != 0:
        raise RemuxError(f"{argv[0]} failed: {err.decode(errors='replace')[-200:].strip()}")
    return out


async def remux(cfg: StreamsConfig, source: str, slug: str, started_at: datetime) -> Media:
    """The recording as an MP4 in the replay directory (written aside, then renamed in)."""
    assert cfg.replay_dir is not None
    cfg.replay_dir.mkdir(parents=True, exist_ok=True)
    name = media_name(slug, started_at, secrets.token_hex(6))
    target = cfg.replay_dir / name
    partial = target.with_suffix(".part.mp4")
    try:
        await _run(
            cfg.ffmpeg, "-nostdin", "-v", "error", "-y", "-i", source,
            "-c", "copy", "-movflags", "+faststart", str(partial),
            timeout=REMUX_TIMEOUT,
        )  # fmt: skip
        probed = await _run(
            _ffprobe(cfg.ffmpeg), "-v", "error", "-show_entries", "format=duration",
            "-of", "default=noprint_wrappers=1:nokey=1", str(partial),
            timeout=60.0,
        )  # fmt: skip
        duration = float(probed.decode().strip() or "nan")
        if not duration > 0:
            raise RemuxError("the recording holds no media")
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return Media(file=name, size=target.stat().st_size, duration=duration)


async def process_one(svc: Services) -> bool:
    """Claim one recording and make it a replay; False when there was none."""
    cfg = config(svc)
    async with svc.db() as db:
        claimed = await replay_store.claim(db, utcnow(), CLAIM_STALE)
        forum = None if claimed is None else await store.forum_by_id(db, claimed.forum_id)
    if claimed is None:
        return False
    assert claimed.id is not None and claimed.claimed_at is not None
    if forum is None or claimed.source is None:
        async with svc.db() as db:
            await replay_store.failed(db, claimed.id, claimed.claimed_at, "no room or recording")
        return True
    try:
        media = await remux(cfg, claimed.source, forum.slug, claimed.started_at)
    except (RemuxError, OSError) as error:
        log.warning("replay not made", extra={"replay": claimed.id, "error": str(error)})
        async with svc.db() as db:
            await replay_store.failed(db, claimed.id, claimed.claimed_at, str(error))
        return True
    async with svc.db() as db:
        row = await replay_store.ready(
            db, claimed.id, claimed.claimed_at, media.file, media.size, media.duration
        )
        sessions = await replay_store.sessions_within(
            db, [claimed.forum_id], claimed.started_at, claimed.ended_at
        )
    if row is None:  # another process took it over meanwhile: its file stands
        assert cfg.replay_dir is not None
        (cfg.replay_dir / media.file).unlink(missing_ok=True)
        return True
    await asyncio.to_thread(Path(claimed.source).unlink, missing_ok=True)
    log.info("replay ready", extra={"replay": row.id, "forum": forum.id, "size": media.size})
    view = replay_view(cfg, row, forum, sessions[claimed.forum_id])
    await svc.hub.publish_stored(
        [(topic, REPLAY_READY, view) for topic in replay_topics(claimed.forum_id)]
    )
    return True


def wake(svc: Services) -> None:
    """A recording was just stored: look now rather than at the next round."""
    event = svc.cache.get(WAKE)
    if isinstance(event, asyncio.Event):
        event.set()


async def make_replays(svc: Services) -> None:
    """The task, until shutdown; returns at once where recordings cannot be reached."""
    if config(svc).replay_dir is None:
        return
    woken = svc.cache[WAKE] = asyncio.Event()
    while True:
        try:
            while await process_one(svc):
                pass
        except Exception:
            log.exception("replay processing failed")
        try:
            await asyncio.wait_for(woken.wait(), LOOK_EVERY)
        except TimeoutError:
            pass
        woken.clear()
