"""What nginx-rtmp says of the streams it carries (`rtmp_stat`, served at /stat by the
configuration `expo rtmp-config` prints): each room's bitrate, frame rate and resolution.

Only the `hls` application is read: its streams are named by the rooms' slugs (`<slug>` and
`<slug>-backup`). The `live` application's streams are named by their stream keys, which are
secrets: they are never read out of the document, logged or shown.

The address (EXPO_RTMP_STAT_URL) defaults to /stat beside the HLS when EXPO_HLS_BASE_URL is an
absolute http(s) URL (nginx serves both on one port), else to rtmp-config's default HTTP port on
this host, http://127.0.0.1:8080/stat. nginx answers /stat to the local host only: a platform
on another host needs that location opened to it.
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.etree import ElementTree

__all__ = [
    "DEFAULT_STAT_URL",
    "MAX_BYTES",
    "StatUnavailable",
    "StreamStat",
    "fetch_stat",
    "parse_stat",
    "stat_url",
]

DEFAULT_STAT_URL = "http://127.0.0.1:8080/stat"
HLS_APPLICATION = "hls"
MAX_BYTES = 2 * 1024 * 1024  # nine rooms, two publishers each, fit in a few KiB


class StatUnavailable(Exception):
    """nginx's statistics could not be read (nginx down, the URL wrong, not XML)."""


@dataclass(frozen=True, slots=True)
class StreamStat:
    name: str  # the HLS stream's name: a room's slug, or `<slug>-backup`
    kbps: float  # incoming bitrate, kilobits per second (nginx's bw_in)
    video_kbps: float | None
    audio_kbps: float | None
    fps: float | None
    width: int | None
    height: int | None
    codec: str | None
    seconds: float  # how long it has been published
    publishing: bool


def stat_url(environ: Mapping[str, str]) -> str:
    """EXPO_RTMP_STAT_URL, else derived from EXPO_HLS_BASE_URL (see the module's docstring)."""
    given = (environ.get("EXPO_RTMP_STAT_URL") or "").strip()
    if given:
        return given
    parts = urlsplit((environ.get("EXPO_HLS_BASE_URL") or "").strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}/stat"
    return DEFAULT_STAT_URL


def parse_stat(document: bytes) -> dict[str, StreamStat]:
    """The `hls` application's streams by name. A document with a DTD is refused (entities are
    how XML bombs work; nginx never sends one)."""
    if len(document) > MAX_BYTES:
        raise StatUnavailable("the statistics are too large")
    if b"<!DOCTYPE" in document or b"<!ENTITY" in document:
        raise StatUnavailable("the statistics carry a DTD")
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise StatUnavailable(f"the statistics are not XML: {error}") from None
    found: dict[str, StreamStat] = {}
    for application in root.iter("application"):
        if (application.findtext("name") or "").strip() != HLS_APPLICATION:
            continue
        for stream in application.iterfind("live/stream"):
            name = (stream.findtext("name") or "").strip()
            if not name:
                continue
            found[name] = StreamStat(
                name=name,
                kbps=(_number(stream.findtext("bw_in")) or 0.0) / 1000,
                video_kbps=_kilo(stream.findtext("bw_video")),
                audio_kbps=_kilo(stream.findtext("bw_audio")),
                fps=_number(stream.findtext("meta/video/frame_rate")),
                width=_whole(stream.findtext("meta/video/width")),
                height=_whole(stream.findtext("meta/video/height")),
                codec=(stream.findtext("meta/video/codec") or "").strip()[:16] or None,
                seconds=(_number(stream.findtext("time")) or 0.0) / 1000,
                publishing=stream.find("publishing") is not None,
            )
    return found


async def fetch_stat(url: str, timeout: float = 1.0) -> dict[str, StreamStat]:
    """Read and parse nginx's statistics; StatUnavailable when that fails."""

    def read() -> bytes:
        # Straight to nginx: never through a proxy the environment names (http_proxy).
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=timeout) as response:
            return bytes(response.read(MAX_BYTES + 1))

    try:
        document = await asyncio.to_thread(read)
    except (OSError, ValueError) as error:
        raise StatUnavailable(f"{type(error).__name__}: {error}") from None
    return parse_stat(document)


def _number(text: str | None) -> float | None:
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if value == value and value >= 0 else None  # not NaN, not negative


def _whole(text: str | None) -> int | None:
    value = _number(text)
    return None if value is None else int(value)


def _kilo(text: str | None) -> float | None:
    value = _number(text)
    return None if value is None else value / 1000
