"""What a matchmaking profile and the organisers' slot list may hold, with no I/O.

A profile's lists are sets written in a stable order (the vocabulary's), so saving the same
choice twice stores the same row; texts are cleaned as every text people type
(expo/text_rules.py) and measured in characters as people see them.
A slot list is what the console sends: each slot starts before it ends, lasts at most
MAX_SLOT, no two overlap (one person can be in one slot at a time, so overlapping slots would
let them be booked twice at once), and there are at most MAX_SLOTS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import regex

from expo.errors import BadRequest
from expo.industries import INDUSTRIES
from expo.text_rules import too_long, without_controls
from matchmaking.models import Intent

TEXT_LIMIT = 300  # characters as people see them, for offer and need
STORED_LIMIT = 500  # the columns' code points (a flag emoji is several)
MAX_LANGUAGES = 8
MAX_SLOTS = 500
MAX_SLOT = timedelta(hours=4)
INTENTS = [i.value for i in Intent]
# A language as a short BCP 47 primary tag, optionally with a region or script ("zh", "en",
# "zh-Hant", "pt-BR"): what the page offers, and what recommendations compare.
_LANGUAGE = regex.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?$")
_SPACES = regex.compile(r"[ \t]+")
_BLANK_LINES = regex.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class CleanProfile:
    intents: list[str]
    industries: list[str]
    offer: str
    need: str
    languages: list[str]


def _ordered(given: Iterable[str], vocabulary: Sequence[str], reason: str, what: str) -> list[str]:
    chosen = set(given)
    unknown = sorted(chosen - set(vocabulary))
    if unknown:
        raise BadRequest(f"match.{reason}", f"Unknown {what}: {', '.join(unknown)[:200]}.")
    return [v for v in vocabulary if v in chosen]


def clean_text(text: str, field: str) -> str:
    """The text without control characters, runs of spaces, or blank lines past one; refused
    when longer than TEXT_LIMIT characters."""
    cleaned = without_controls(text.replace("\r\n", "\n"), keep="\n", blank=" ")
    lines = [_SPACES.sub(" ", line).strip() for line in cleaned.split("\n")]
    cleaned = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    if too_long(cleaned, TEXT_LIMIT, stored=STORED_LIMIT):
        raise BadRequest(
            "match.text_too_long",
            f"`{field}` is at most {TEXT_LIMIT} characters.",
            details={"field": field, "limit": TEXT_LIMIT},
        )
    return cleaned


def clean_languages(given: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for code in given:
        if not _LANGUAGE.match(code):
            raise BadRequest("match.unknown_language", f"`{code[:20]}` is no language code.")
        # zh-hant and zh-Hant are one language: the primary tag is lower case, the rest as is.
        primary, _, rest = code.partition("-")
        normal = primary.lower() + ("-" + rest if rest else "")
        if normal not in seen:
            seen.append(normal)
    if len(seen) > MAX_LANGUAGES:
        raise BadRequest("match.too_many_languages", f"At most {MAX_LANGUAGES} languages.")
    return seen


def clean_profile(
    intents: Iterable[str],
    industries: Iterable[str],
    offer: str,
    need: str,
    languages: Iterable[str],
) -> CleanProfile:
    """The profile as stored, or BadRequest naming what is wrong (`match.unknown_intent`,
    `match.unknown_industry`, `match.unknown_language`, `match.text_too_long`)."""
    return CleanProfile(
        intents=_ordered(intents, INTENTS, "unknown_intent", "intents"),
        industries=_ordered(industries, list(INDUSTRIES), "unknown_industry", "industries"),
        offer=clean_text(offer, "offer"),
        need=clean_text(need, "need"),
        languages=clean_languages(languages),
    )


@dataclass(frozen=True, slots=True)
class SlotSpan:
    starts_at: datetime
    ends_at: datetime


def check_slots(slots: Sequence[SlotSpan]) -> list[SlotSpan]:
    """The slots earliest first, or BadRequest: `match.bad_slot` (ends before it starts, or
    longer than MAX_SLOT), `match.slots_overlap`, `match.too_many_slots`. Times are aware."""
    if len(slots) > MAX_SLOTS:
        raise BadRequest("match.too_many_slots", f"At most {MAX_SLOTS} slots.")
    for index, slot in enumerate(slots):
        if slot.starts_at.tzinfo is None or slot.ends_at.tzinfo is None:
            raise BadRequest("match.bad_slot", "Slot times carry their time zone.")
        if not slot.starts_at < slot.ends_at:
            raise BadRequest(
                "match.bad_slot", "A slot starts before it ends.", details={"index": index}
            )
        if slot.ends_at - slot.starts_at > MAX_SLOT:
            raise BadRequest(
                "match.bad_slot", "A slot lasts at most 4 hours.", details={"index": index}
            )
    ordered = sorted(slots, key=lambda s: (s.starts_at, s.ends_at))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.starts_at < before.ends_at:  # touching (end == start) is fine
            raise BadRequest(
                "match.slots_overlap",
                f"Slots overlap: {before.starts_at.isoformat()} and {after.starts_at.isoformat()}.",
            )
    return ordered


def day_of_slots(start: datetime, end: datetime, minutes: int) -> list[SlotSpan]:
    """Back-to-back slots of `minutes` from `start` until `end` (a last one that would pass
    `end` is left out): what the console's "add a day" makes."""
    if minutes <= 0:
        raise BadRequest("match.bad_slot", "A slot lasts at least a minute.")
    step = timedelta(minutes=minutes)
    out: list[SlotSpan] = []
    at = start
    while at + step <= end and len(out) <= MAX_SLOTS:
        out.append(SlotSpan(at, at + step))
        at += step
    return out
