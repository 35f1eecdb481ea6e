"""Where viewers fetch the rooms' HLS, where publishers push, how long a lost publisher is
waited for, where replays are kept: read once per process."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from streams.domain import DEFAULT_GRACE, DEFAULT_HLS_BASE


@dataclass(frozen=True, slots=True)
class StreamsConfig:
    # Public base of the HLS files nginx writes (EXPO_HLS_BASE_URL): "/hls" when nginx serves
    # them under the platform's own origin, or "https://live.example.org/hls".
    hls_base: str = DEFAULT_HLS_BASE
    # The RTMP application publishers push to (EXPO_RTMP_URL); None: rtmp://<the host the
    # organiser reached the platform at>:1935/live.
    rtmp_url: str | None = None
    # How long a room whose publisher went away stays `interrupted` (viewers keep the slate)
    # before it is `offline` (EXPO_STREAM_GRACE, seconds).
    grace: timedelta = DEFAULT_GRACE
    # Where this process writes the replays' MP4 files (EXPO_REPLAY_DIR); None: recordings are
    # not made into replays here (a process on another host than nginx cannot read them).
    replay_dir: Path | None = None
    # nginx's recording directory (EXPO_RECORDING_DIR): when set, a recording elsewhere is
    # refused (the platform reads and then removes the file a callback names).
    recording_dir: Path | None = None
    # Public base of the replay files when something else serves EXPO_REPLAY_DIR (a CDN, the
    # ingest's nginx); None: the platform serves each at /api/replays/<id>/media, hidden ones
    # to organisers only.
    replay_base: str | None = None
    ffmpeg: str = "ffmpeg"  # EXPO_FFMPEG: the binary that remuxes recordings

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StreamsConfig:
        env = os.environ if environ is None else environ
        return cls(
            hls_base=(env.get("EXPO_HLS_BASE_URL") or DEFAULT_HLS_BASE).rstrip("/"),
            rtmp_url=(env.get("EXPO_RTMP_URL") or "").rstrip("/") or None,
            grace=_seconds(env.get("EXPO_STREAM_GRACE"), DEFAULT_GRACE),
            replay_dir=_directory(env.get("EXPO_REPLAY_DIR")),
            recording_dir=_directory(env.get("EXPO_RECORDING_DIR")),
            replay_base=(env.get("EXPO_REPLAY_BASE_URL") or "").rstrip("/") or None,
            ffmpeg=env.get("EXPO_FFMPEG") or "ffmpeg",
        )


def _seconds(given: str | None, default: timedelta) -> timedelta:
    if not given:
        return default
    seconds = float(given)
    if not 0 <= seconds <= 24 * 3600:
        raise ValueError(f"EXPO_STREAM_GRACE={given!r}: seconds, from 0 to 86400")
    return timedelta(seconds=seconds)


def _directory(given: str | None) -> Path | None:
    if not given:
        return None
    path = Path(given)
    if not path.is_absolute():
        raise ValueError(f"{given!r}: an absolute directory")
    return path
