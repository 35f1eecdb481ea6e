"""What an organiser may make of a room, with no I/O: its titles, its stream source and its place
in the order of the rooms.

A stream source is an HLS playlist: an external `https://` URL with a host and no credentials
in it, or a path on this server (`/demo/stream/index.m3u8`, as the demo serves), ending in
`.m3u8` (a query string after it is allowed, CDNs sign their links that way). Rooms fed by the
platform's own ingest come with issue 13; until then "" means no stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal
from urllib.parse import urlsplit

from expo.errors import BadRequest
from expo.text_rules import too_long, without_controls

MAX_TITLE_ZH = 120  # Forum.title_zh
MAX_TITLE_EN = 200  # Forum.title_en
MAX_STREAM_URL = 500  # Forum.stream_url

Direction = Literal["up", "down"]


def clean_title(text: str, limit: int, field: str) -> str:
    """A room's title as stored and shown: one line, controls out, spaces collapsed, trimmed;
    `room.bad_title` when nothing is left or too much."""
    title = " ".join(without_controls(text, blank=" ").split())
    if not title:
        raise BadRequest("room.bad_title", f"`{field}` is empty.")
    if too_long(title, limit, stored=limit):
        raise BadRequest("room.bad_title", f"`{field}` has more than {limit} characters.")
    return title


def clean_stream_url(text: str) -> str | None:
    """The room's HLS source, or None for none (""); `room.bad_stream_url` unless it is an
    https URL of an .m3u8 playlist (module docstring)."""
    url = text.strip()
    if not url:
        return None
    refused = BadRequest(
        "room.bad_stream_url",
        "Give an https:// address of an HLS playlist (.m3u8), a /….m3u8 path on this site,"
        " or nothing.",
    )
    if len(url) > MAX_STREAM_URL or any(c.isspace() for c in url) or url != without_controls(url):
        raise refused
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is no number raises here
    except ValueError:
        raise refused from None
    if "\\" in url:
        raise refused  # browsers read a backslash as a slash: "/\\host" would leave the site
    same_site = url.startswith("/") and not url.startswith("//") and not parts.scheme
    if not same_site and (parts.scheme != "https" or not parts.hostname or "@" in parts.netloc):
        raise refused
    if port == 0 or parts.fragment or not parts.path.lower().endswith(".m3u8"):
        raise refused
    return url


def moved(order: Sequence[tuple[int, str]], forum_id: int, direction: Direction) -> list[int]:
    """The rooms' ids in their new order after moving `forum_id` one place up or down among
    the rooms of its own kind (the main stage stays first, above the forums). `order` is every
    room's (id, kind) in the current order; positions are then numbered 0..n-1 afresh, so they
    stay a permutation whatever they were. Moving past either end changes nothing."""
    ids = [room for room, _ in order]
    kinds = dict(order)
    at = ids.index(forum_id)
    step = -1 if direction == "up" else 1
    other = at + step
    while 0 <= other < len(ids) and kinds[ids[other]] != kinds[forum_id]:
        other += step
    if 0 <= other < len(ids):
        ids[at], ids[other] = ids[other], ids[at]
    return ids
