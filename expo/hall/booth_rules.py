"""What a booth's staff may write on it, with no I/O: texts, industry tags, links, videos,
products.

- Texts lose control characters (a description keeps its line breaks), and are bounded in
  characters as people see them; too long is refused (`booth.too_long`), never cut.
- Industries are keys of the expo's vocabulary (expo/industries.py), one to five, each once.
- Links and videos are `{title_zh, title_en, url}`: an `http(s)://` address with a host and no
  user name or password in it (`https://user:pw@host` shows one host and opens another); a
  video's address ends in `.m3u8` (HLS) or `.mp4`, or is a `/….m3u8` or `/….mp4` path on this
  site (the demo's own clip).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from expo.errors import BadRequest
from expo.industries import INDUSTRIES
from expo.text_rules import too_long, without_controls

MAX_DESCRIPTION = 5000  # Booth.description_*
MAX_PRODUCT_NAME = 120  # Product.name_*
MAX_PRODUCT_DESCRIPTION = 2000  # Product.description_*
MAX_TITLE = 120  # a link's, a video's or a document's title
MAX_URL = 500
MAX_LINKS = 10
MAX_VIDEOS = 5
MAX_INDUSTRIES = 5
MAX_PRODUCTS = 50
MAX_UPLOADS = 200


def clean_text(text: str, limit: int, field: str, *, lines: bool = False) -> str:
    """One line (or, with `lines`, a text keeping its line breaks), controls out, trimmed;
    `booth.too_long` beyond `limit` characters."""
    if lines:
        kept = without_controls(text.replace("\r\n", "\n"), keep="\n")
        cleaned = "\n".join(line.rstrip() for line in kept.split("\n")).strip()
    else:
        cleaned = " ".join(without_controls(text, blank=" ").split())
    if too_long(cleaned, limit, stored=limit):
        raise BadRequest("booth.too_long", f"`{field}` has more than {limit} characters.")
    return cleaned


def clean_name(text: str, field: str) -> str:
    name = clean_text(text, MAX_PRODUCT_NAME, field)
    if not name:
        raise BadRequest("product.no_name", f"`{field}` is empty.")
    return name


def clean_industries(keys: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(keys))
    unknown = [k for k in unique if k not in INDUSTRIES]
    if unknown:
        raise BadRequest("booth.unknown_industry", f"Unknown industry: {unknown[0][:40]!r}.")
    if not 1 <= len(unique) <= MAX_INDUSTRIES:
        raise BadRequest("booth.industries", f"Choose between 1 and {MAX_INDUSTRIES} industries.")
    return unique


def clean_url(text: str, *, video: bool) -> str:
    """An http(s) address as the module docstring says, or `booth.bad_url`/`booth.bad_video`."""
    url = text.strip()
    what = "booth.bad_video" if video else "booth.bad_url"
    refused = BadRequest(
        what,
        "Give an http(s):// address of an HLS playlist (.m3u8) or an MP4 video."
        if video
        else "Give an http:// or https:// address with no user name or password in it.",
    )
    if not url or len(url) > MAX_URL or url != without_controls(url):
        raise refused
    if any(c.isspace() for c in url) or "\\" in url:
        raise refused  # browsers read a backslash as a slash: "/\\host" would leave the site
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is no number raises here
    except ValueError:
        raise refused from None
    same_site = video and url.startswith("/") and not url.startswith("//") and not parts.scheme
    if not same_site:
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise refused
        if "@" in parts.netloc or port == 0:
            raise refused
    if video and not parts.path.lower().endswith((".m3u8", ".mp4")):
        raise refused
    return url


def clean_items(items: Sequence[Any], *, video: bool) -> list[dict[str, str]]:
    """Links or videos as stored: `[{title_zh, title_en, url}]`, a title in at least one
    language for links."""
    limit = MAX_VIDEOS if video else MAX_LINKS
    if len(items) > limit:
        raise BadRequest(
            "booth.too_many", f"At most {limit} {'videos' if video else 'links'} per booth."
        )
    cleaned = []
    for index, item in enumerate(items):
        where = f"{'videos' if video else 'links'}[{index}]"
        zh = clean_text(item.title_zh, MAX_TITLE, f"{where}.title_zh")
        en = clean_text(item.title_en, MAX_TITLE, f"{where}.title_en")
        if not video and not (zh or en):
            raise BadRequest("booth.untitled_link", f"`{where}` needs a title.")
        cleaned.append({"title_zh": zh, "title_en": en, "url": clean_url(item.url, video=video)})
    return cleaned


def reordered(current: Sequence[int], wanted: Sequence[int], what: str) -> list[int]:
    """`wanted` when it is exactly the ids of `current` in some order; `<what>.bad_order`
    otherwise (an id of something else, one left out or named twice)."""
    if len(wanted) != len(set(wanted)) or set(wanted) != set(current):
        raise BadRequest(
            f"{what}.bad_order", f"Give every {what} of this booth once, in the new order."
        )
    return list(wanted)
