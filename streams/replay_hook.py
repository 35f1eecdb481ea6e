"""nginx-rtmp's `on_record_done`: a recording of a room's stream is finished.

The row is stored (`recorded`) and the reply goes back at once; the remux is the replay
worker's (streams/replay_worker.py), in whichever process reaches the file first. A backup
publisher's recording made while it only stood by is no replay: its file is removed. A
recording overlapping a session marked `do_not_record` is kept hidden until an organiser shows
it. The recording's path is never taken on trust: its name must be the one nginx gives the
stream's recordings, and with EXPO_RECORDING_DIR set it must lie there.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request

from expo.errors import BadRequest
from expo.http import JSONResponse, route, services
from expo.models import utcnow
from streams import replay_store, store
from streams.hooks import FORM, HOOK_ERRORS, HookQuery, hook_form
from streams.replay_rules import RecordingError, held_back, recording_of, worth_keeping
from streams.replay_worker import wake
from streams.routes import config

log = logging.getLogger("expo.streams")


class RecordDone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kept: bool  # whether it will be a replay


def _inside(path: str, directory: Path | None) -> bool:
    return directory is None or Path(path).resolve().is_relative_to(directory.resolve())


async def on_record_done(request: Request) -> JSONResponse:
    form = await hook_form(request, "record_done")
    svc = services(request)
    cfg = config(svc)
    try:
        recording = recording_of(form.path, form.name)
    except RecordingError as error:
        raise BadRequest("stream.bad_recording", f"Not a recording of ours: {error}.") from None
    if not _inside(recording.path, cfg.recording_dir):
        raise BadRequest("stream.bad_recording", "The recording is outside EXPO_RECORDING_DIR.")
    ended_at = utcnow()
    async with svc.db() as db:
        forum = await store.forum_by_slug(db, recording.slug)
        if forum is None or forum.id is None:
            log.warning("recording of no room", extra={"stream": form.name})
            return JSONResponse({"kept": False})
        aired = await replay_store.backup_aired_at(db, forum.id)
        if not worth_keeping(recording.which, recording.started_at, ended_at, aired):
            # A standby's, never on air: nobody will want it.
            await asyncio.to_thread(Path(recording.path).unlink, missing_ok=True)
            return JSONResponse({"kept": False})
        sessions = await replay_store.sessions_within(
            db, [forum.id], recording.started_at, ended_at
        )
        row = await replay_store.recorded(
            db,
            forum.id,
            recording.which,
            recording.path,
            recording.started_at,
            ended_at,
            hidden=held_back(sessions[forum.id], recording.started_at, ended_at),
        )
    log.info("recording stored", extra={"forum": forum.id, "replay": row.id})
    wake(svc)
    return JSONResponse({"kept": True})


routes = [
    route(
        "/api/streams/hooks/record-done",
        on_record_done,
        methods=["POST"],
        action="stream.hook",
        query=HookQuery,
        body=FORM,
        responses={200: RecordDone, **HOOK_ERRORS},
        summary="nginx-rtmp on_record_done: a recording to make into a replay",
        tags=["streams"],
    ),
]
