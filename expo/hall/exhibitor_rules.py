"""Rules for the organisers' exhibitor list, with no I/O: a new exhibitor's fields, and the rows
of a CSV import (name_zh, name_en, industry, tier, summary_zh, summary_en), each checked and
told what is wrong with it before anything is made.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass, field

from expo.errors import BadRequest
from expo.hall.models import Tier
from expo.industries import INDUSTRIES
from expo.text_rules import too_long, without_controls

MAX_ROWS = 1000  # rows of one import
MAX_NAME = 120
MAX_SUMMARY = 500
COLUMNS = ("name_zh", "name_en", "industry", "tier", "summary_zh", "summary_en")
HEADER_WORDS = {"name_zh", "中文名", "中文名称", "名称"}

# A tier as organisers write it, in either language.
TIER_WORDS: dict[str, Tier] = {
    "": Tier.STANDARD,
    "platinum": Tier.PLATINUM,
    "白金": Tier.PLATINUM,
    "gold": Tier.GOLD,
    "金": Tier.GOLD,
    "金牌": Tier.GOLD,
    "silver": Tier.SILVER,
    "银": Tier.SILVER,
    "银牌": Tier.SILVER,
    "standard": Tier.STANDARD,
    "标准": Tier.STANDARD,
}


def industry_key(word: str) -> str | None:
    """An industry by its key or its label in either language (case and spaces aside)."""
    wanted = " ".join(word.lower().split())
    if wanted in INDUSTRIES:
        return wanted
    for key, (zh, en) in INDUSTRIES.items():
        if wanted in (zh.lower(), en.lower()):
            return key
    return None


def clean_line(text: str) -> str:
    return " ".join(without_controls(text, blank=" ").split())


def name_error(name: str) -> str | None:
    if not name:
        return "exhibitor.empty_name"
    if too_long(name, MAX_NAME, stored=MAX_NAME):
        return "exhibitor.name_too_long"
    return None


@dataclass(slots=True)
class Row:
    """One line of the import, read and then checked: `errors` holds codes."""

    line: int  # 1-based, as the file numbers it
    name_zh: str
    name_en: str
    industry: str
    tier: str
    summary_zh: str = ""
    summary_en: str = ""
    industry_key: str | None = None
    tier_value: Tier | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "name": {"zh": self.name_zh, "en": self.name_en},
            "industry": self.industry_key or self.industry,
            "tier": self.tier_value or self.tier,
            "summary": {"zh": self.summary_zh, "en": self.summary_en},
            "errors": self.errors,
            "valid": self.valid,
        }


def read_rows(text: str) -> list[Row]:
    """The file's rows (a first line naming the columns is skipped; blank lines too), refused
    whole only when it is not CSV at all, is empty, or has more than MAX_ROWS rows."""
    text = text.removeprefix("\ufeff")
    first = text.lstrip().partition("\n")[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise BadRequest("exhibitor.bad_csv", f"That is not CSV: {error}.") from None
    rows: list[Row] = []
    for number, cells in enumerate(records, start=1):
        cleaned = [clean_line(c) for c in cells]
        if not any(cleaned):
            continue
        if not rows and cleaned[0].lower() in HEADER_WORDS:
            continue
        cleaned += [""] * (len(COLUMNS) - len(cleaned))
        name_zh, name_en, industry, tier, summary_zh, summary_en = cleaned[: len(COLUMNS)]
        row = Row(number, name_zh, name_en, industry, tier, summary_zh, summary_en)
        if len(cleaned) > len(COLUMNS) and any(cleaned[len(COLUMNS) :]):
            row.errors.append("exhibitor.extra_columns")
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise BadRequest(
                "exhibitor.too_many_rows", f"Import at most {MAX_ROWS} exhibitors at a time."
            )
    if not rows:
        raise BadRequest("exhibitor.no_rows", "Give at least one row: name_zh, name_en, industry.")
    return rows


def check_rows(rows: list[Row], *, existing: Collection[str]) -> list[Row]:
    """Each row's errors: a name missing or too long, an unknown industry or tier, a summary too
    long, a name (either language, case aside) already in the hall or earlier in the file.
    `existing` holds the stored exhibitors' names, lower-cased. Rows are checked in place."""
    seen: set[str] = set()
    for row in rows:
        for name in (row.name_zh, row.name_en):
            if (error := name_error(name)) is not None and error not in row.errors:
                row.errors.append(error)
        names = {n.lower() for n in (row.name_zh, row.name_en) if n}
        if names & set(existing):
            row.errors.append("exhibitor.exists")
        elif names & seen:
            row.errors.append("exhibitor.duplicate")
        seen |= names
        row.industry_key = industry_key(row.industry)
        if row.industry_key is None:
            row.errors.append("exhibitor.bad_industry")
        row.tier_value = TIER_WORDS.get(row.tier.lower())
        if row.tier_value is None:
            row.errors.append("exhibitor.bad_tier")
        if any(
            too_long(s, MAX_SUMMARY, stored=MAX_SUMMARY) for s in (row.summary_zh, row.summary_en)
        ):
            row.errors.append("exhibitor.summary_too_long")
    return rows
