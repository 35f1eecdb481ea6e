"""The rules of leads, visits and the booth dashboard, with no I/O.

- A lead exists only with consent: the body's `consent` must be the JSON literal `true`.
- What is shared is exactly `SHARED_FIELDS` of the visitor's account, snapshot at consent time,
  with the version of the consent text they were shown (`CONSENT_VERSION`).
- Staff notes (at most 2,000 characters) and tags (at most 10, each at most 30 characters).
- The CSV export's columns, and the dashboard's day (the expo's, Beijing time) and its hours.
- A visit's token: the server signs the visit's id so a reconnecting page resumes its visit
  (no new visit is counted) and nobody can stretch someone else's.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from expo.errors import BadRequest
from expo.text_rules import too_long, without_controls

CONSENT_VERSION = "2026-12-01"
SHARED_FIELDS = ("name", "organisation", "title", "email")
MAX_NOTES = 2000
MAX_TAGS = 10
MAX_TAG = 30
MAX_DWELL = 4 * 3600  # a visit longer than this (a tab left open overnight) counts as this
EXPO_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")  # Guiyang keeps Beijing time


class Source(StrEnum):
    """Where the lead came from: the card button, or consent given in a chat, on a document
    download or at a meeting."""

    CARD = "card"
    CHAT = "chat"
    DOWNLOAD = "download"
    MEETING = "meeting"


def require_consent(consent: object) -> None:
    """Consent is the literal `true`: not "true", not 1, not missing."""
    if consent is not True:
        raise BadRequest(
            "lead.consent_required",
            'Leaving your card needs your explicit consent: send {"consent": true}.',
        )


def source_of(value: object) -> Source:
    if value is None:
        return Source.CARD
    if not isinstance(value, str) or value not in {s.value for s in Source}:
        raise BadRequest(
            "lead.source_unknown",
            f"`source` is one of {', '.join(s.value for s in Source)}.",
        )
    return Source(value)


def card_snapshot(display_name: str, organisation: str, title: str, email: str) -> dict[str, str]:
    """What the visitor shares, as the consent dialog shows it."""
    return {"name": display_name, "organisation": organisation, "title": title, "email": email}


def clean_notes(notes: str) -> str:
    cleaned = without_controls(notes, keep="\n\t").strip()
    if too_long(cleaned, MAX_NOTES, stored=MAX_NOTES):
        raise BadRequest("lead.notes_too_long", f"Notes are at most {MAX_NOTES} characters.")
    return cleaned


def clean_tags(tags: Sequence[str]) -> list[str]:
    """Trimmed, without blanks or duplicates (case-insensitive), in the order given."""
    kept: list[str] = []
    seen: set[str] = set()
    for raw in tags:
        tag = " ".join(without_controls(raw).split())
        if not tag:
            continue
        if too_long(tag, MAX_TAG, stored=MAX_TAG):
            raise BadRequest("lead.tag_too_long", f"A tag is at most {MAX_TAG} characters.")
        if tag.casefold() in seen:
            continue
        seen.add(tag.casefold())
        kept.append(tag)
    if len(kept) > MAX_TAGS:
        raise BadRequest("lead.too_many_tags", f"A lead has at most {MAX_TAGS} tags.")
    return kept


CSV_HEADER = (
    "consented_at",
    "source",
    "name",
    "organisation",
    "title",
    "email",
    "tags",
    "notes",
)


def csv_row(lead: Any) -> list[object]:
    """One lead as the export's row (cells are made formula-safe by expo/spreadsheet.py)."""
    return [
        local_time(lead.consented_at).isoformat(timespec="seconds"),
        lead.source,
        lead.name,
        lead.organisation,
        lead.title,
        lead.email,
        "; ".join(lead.tags),
        lead.notes,
    ]


def local_time(when: datetime) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(EXPO_TIME)


def expo_day(now: datetime) -> tuple[datetime, list[datetime]]:
    """The start of the expo's day around `now` (in UTC) and the 25 edges of its hours."""
    local = local_time(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    edges = [(start + timedelta(hours=h)).astimezone(UTC) for h in range(25)]
    return edges[0], edges


def dwell_seconds(started: datetime, now: datetime) -> int:
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return max(0, min(MAX_DWELL, int((now - started).total_seconds())))


def visit_token(secret: str, visit_id: int, exhibitor_id: int, account_id: int | None) -> str:
    message = f"visit:{visit_id}:{exhibitor_id}:{account_id or 0}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]
    return f"{visit_id}.{digest}"


def visit_of_token(
    secret: str, token: str, exhibitor_id: int, account_id: int | None
) -> int | None:
    """The visit id a token names, if this server signed it for this booth and this person."""
    visit, _, _ = token.partition(".")
    if not visit.isdigit() or not 0 < int(visit) < 2**31:
        return None
    expected = visit_token(secret, int(visit), exhibitor_id, account_id)
    return int(visit) if hmac.compare_digest(expected, token) else None
