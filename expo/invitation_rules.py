"""Rules for invitations, with no I/O: an invitation's state, and the rows of a bulk invitation
pasted as CSV (email, role, exhibitor by id or name, optionally display name and language),
each checked and told what is wrong with it before anything is made.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from expo.account_rules import EMAIL
from expo.errors import BadRequest
from expo.models import Role
from expo.text_rules import without_controls

MAX_ROWS = 500  # rows of one paste: a large expo invites in several
State = Literal["pending", "accepted", "expired", "revoked"]

# A role as organisers write it, in either language (case and spaces aside).
ROLE_WORDS: dict[str, Role] = {
    "exhibitor": Role.EXHIBITOR,
    "exhibitor staff": Role.EXHIBITOR,
    "exhibitor_staff": Role.EXHIBITOR,
    "参展商": Role.EXHIBITOR,
    "参展商工作人员": Role.EXHIBITOR,
    "speaker": Role.SPEAKER,
    "演讲嘉宾": Role.SPEAKER,
    "嘉宾": Role.SPEAKER,
    "moderator": Role.MODERATOR,
    "主持人": Role.MODERATOR,
    "organizer": Role.ORGANIZER,
    "organiser": Role.ORGANIZER,
    "主办方": Role.ORGANIZER,
    "组委会": Role.ORGANIZER,
}
LANGUAGES = {"": "", "zh": "zh-CN", "zh-cn": "zh-CN", "中文": "zh-CN", "en": "en", "english": "en"}
HEADER_WORDS = {"email", "e-mail", "邮箱", "电子邮箱"}


def state_of(
    *,
    accepted_at: datetime | None,
    revoked_at: datetime | None,
    expires_at: datetime,
    now: datetime,
) -> State:
    if accepted_at is not None:
        return "accepted"
    if revoked_at is not None:
        return "revoked"
    return "expired" if expires_at <= now else "pending"


@dataclass(slots=True)
class Row:
    """One pasted line, read and then checked: `errors` holds codes (`invitation.bad_email`)."""

    line: int  # 1-based, as an editor numbers the paste
    email: str
    role: str
    exhibitor: str
    display_name: str = ""
    language: str = ""
    role_value: Role | None = None
    exhibitor_id: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def read_rows(text: str) -> list[Row]:
    """The paste's rows (a first line naming the columns is skipped; blank lines too), refused
    whole only when it is not CSV at all or has more than MAX_ROWS rows."""
    first = text.lstrip().partition("\n")[0]
    # Pasted from a spreadsheet, cells come between tabs.
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise BadRequest("invitation.bad_csv", f"That is not CSV: {error}.") from None
    rows: list[Row] = []
    for number, cells in enumerate(records, start=1):
        cleaned = [" ".join(without_controls(c, blank=" ").split()) for c in cells]
        if not any(cleaned):
            continue
        if not rows and cleaned[0].lower() in HEADER_WORDS:
            continue
        cleaned += [""] * (5 - len(cleaned))
        row = Row(number, cleaned[0].lower(), cleaned[1], cleaned[2], cleaned[3], cleaned[4])
        if len(cleaned) > 5 and any(cleaned[5:]):
            row.errors.append("invitation.extra_columns")
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise BadRequest(
                "invitation.too_many_rows", f"Invite at most {MAX_ROWS} people at a time."
            )
    if not rows:
        raise BadRequest("invitation.no_rows", "Paste at least one row: email, role, exhibitor.")
    return rows


def check_rows(
    rows: list[Row],
    *,
    exhibitors: Mapping[str, int],
    with_account: Collection[str],
    invited: Collection[str],
) -> list[Row]:
    """Each row's errors: a bad email, an unknown role or exhibitor (`exhibitors` maps ids as
    text and lower-cased names in both languages to ids), an exhibitor missing or where none
    goes, an email twice in the paste, one with an account already or a pending invitation,
    a bad name or language. Rows come back in order, checked in place."""
    seen: set[str] = set()
    for row in rows:
        if len(row.email) > 254 or not EMAIL.match(row.email):
            row.errors.append("invitation.bad_email")
        elif row.email in seen:
            row.errors.append("invitation.duplicate")
        elif row.email in with_account:
            row.errors.append("invitation.has_account")
        elif row.email in invited:
            row.errors.append("invitation.already_invited")
        seen.add(row.email)
        row.role_value = ROLE_WORDS.get(" ".join(row.role.lower().split()))
        if row.role_value is None:
            row.errors.append("invitation.bad_role")
        wanted = row.exhibitor.strip()
        if wanted:
            row.exhibitor_id = exhibitors.get(wanted.lower())
            if row.exhibitor_id is None:
                row.errors.append("exhibitor.unknown")
            elif row.role_value not in (None, Role.EXHIBITOR):
                row.errors.append("invitation.exhibitor")
        elif row.role_value is Role.EXHIBITOR:
            row.errors.append("invitation.exhibitor")
        if len(row.display_name) > 80:
            row.errors.append("account.bad_name")
        language = LANGUAGES.get(row.language.lower())
        if language is None:
            row.errors.append("invitation.bad_language")
        else:
            row.language = language
    return rows
