"""The hall's tables: each exhibitor's booth, its products and uploads, and what happens there.

The exhibitor itself (its names, its industry, its staff accounts) is the core's
(`expo.models.Exhibitor`, `Account.exhibitor_id`): accounts need it before any feature loads.
Everything the hall adds hangs off the exhibitor's id.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from expo.models import utcnow


class Tier(StrEnum):
    """Where a booth stands in the hall: organisers set it, the hall sorts by it."""

    PLATINUM = "platinum"
    GOLD = "gold"
    SILVER = "silver"
    STANDARD = "standard"


TIER_ORDER = {Tier.PLATINUM: 0, Tier.GOLD: 1, Tier.SILVER: 2, Tier.STANDARD: 3}


class Booth(SQLModel, table=True):
    """An exhibitor's stand: one per exhibitor, made with it (the seed, the console)."""

    exhibitor_id: int = Field(primary_key=True, foreign_key="exhibitor.id")
    tier: str = Field(default=Tier.STANDARD, max_length=12)
    position: int = Field(default=0)  # the organisers' order within a tier
    # Industry keys of expo/industries.py; the exhibitor's own `industry` is the first.
    industries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description_zh: str = Field(default="", max_length=5000)
    description_en: str = Field(default="", max_length=5000)
    logo_upload_id: int | None = Field(default=None)
    # Videos and links: [{"title_zh", "title_en", "url"}]; videos are HLS (.m3u8) or MP4.
    videos: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    links: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # Bumped with every change of the booth, in the same transaction; its events carry it.
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)


class Upload(SQLModel, table=True):
    """A file an exhibitor's staff uploaded (a logo, a product image, a PDF), kept under the
    uploads folder by its id; the name is only what downloads are called."""

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id", index=True)
    kind: str = Field(max_length=12)  # "image" | "pdf"
    content_type: str = Field(max_length=60)
    filename: str = Field(max_length=200)
    size: int
    sha256: str = Field(max_length=64)
    # A document's title as the booth lists it ("" for images).
    title_zh: str = Field(default="", max_length=200)
    title_en: str = Field(default="", max_length=200)
    # Listed on the booth as a downloadable document (PDFs the staff chose to show).
    listed: bool = Field(default=False)
    position: int = Field(default=0)
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


class Product(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id", index=True)
    position: int = Field(default=0)
    name_zh: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    description_zh: str = Field(default="", max_length=2000)
    description_en: str = Field(default="", max_length=2000)
    image_upload_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)


class ActivityKind(StrEnum):
    """What the booth dashboard and the hall report count."""

    VISIT = "visit"  # a visitor opened the booth (dwell time in `seconds`, once they leave)
    CHAT = "chat"  # a message in the booth's public chat
    PRIVATE_CHAT = "private_chat"  # a visitor opened a private chat with the staff
    LEAD = "lead"  # a visitor left their card
    DOWNLOAD = "download"  # a document was downloaded


class BoothActivity(SQLModel, table=True):
    """One thing that happened at a booth, stored as it happens: the figures of the dashboard
    and the hall report are counted from here, so every process agrees on them."""

    __tablename__ = "booth_activity"
    __table_args__ = (Index("ix_booth_activity_booth_at", "exhibitor_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id")
    kind: str = Field(max_length=16)
    # Who did it; None for someone not signed in (their visits count, not as unique visitors).
    account_id: int | None = Field(default=None)
    seconds: int | None = Field(default=None)  # a visit's dwell time, once known
    at: datetime = Field(default_factory=utcnow)


# --- search ---


class BoothIndustry(SQLModel, table=True):
    """A booth's industries as rows (kept by `search_index.reindex`), so the hall filters by
    industry with an index instead of reading every booth's JSON list."""

    __tablename__ = "booth_industry"
    __table_args__ = (Index("ix_booth_industry_industry", "industry", "exhibitor_id"),)

    exhibitor_id: int = Field(primary_key=True, foreign_key="exhibitor.id")
    industry: str = Field(primary_key=True, max_length=60)


# The search index itself (search_index.py) is a table of each database's own kind (an FTS5
# virtual table on SQLite, a tsvector column with a GIN index on PostgreSQL), made by hand in
# the migration: comparing the models with the database leaves these names alone.
SEARCH_TABLE = "booth_search"
SQLModel.metadata.info.setdefault("unmodelled", set()).add(SEARCH_TABLE)
# --- booth chat: the public chat of a booth, its sanctions, private 1:1 chats ---------------


class BoothChatMessage(SQLModel, table=True):
    """A message in a booth's public chat (expo/chat_rules.py's rules, as a forum room's)."""

    __tablename__ = "booth_chat_message"
    # The history pages back by id within one booth.
    __table_args__ = (Index("ix_booth_chat_message_booth_id", "exhibitor_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id")
    account_id: int = Field(foreign_key="account.id", index=True)
    author_name: str = Field(max_length=80)
    # The author was one of this booth's staff when they wrote it: the message wears a badge.
    staff: bool = Field(default=False)
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = Field(default=None)
    deleted_by: int | None = Field(default=None)


class BoothSanction(SQLModel, table=True):
    """The booth's staff muted or banned someone from its chat until a time."""

    __tablename__ = "booth_sanction"
    __table_args__ = (Index("ix_booth_sanction_booth_account", "exhibitor_id", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id")
    account_id: int = Field(foreign_key="account.id")
    kind: str = Field(max_length=8)  # expo.chat_rules.SanctionKind
    until: datetime
    reason: str = Field(default="", max_length=300)
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    lifted_at: datetime | None = Field(default=None)


class Conversation(SQLModel, table=True):
    """A private 1:1 chat between a visitor and a booth's staff. Waiting while no one has
    claimed it; claimed by one staff member (only they answer, so two never answer the same
    visitor); closed for good once either side closes it."""

    __table_args__ = (
        Index("ix_conversation_booth_state", "exhibitor_id", "closed_at"),
        Index("ix_conversation_open_key", "open_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id")
    visitor_id: int = Field(foreign_key="account.id", index=True)
    visitor_name: str = Field(max_length=80)
    # "<exhibitor>:<visitor>" while open, NULL once closed: unique, so a visitor has at most one
    # open conversation with a booth even when two tabs open one at once.
    open_key: str | None = Field(default=None, max_length=24)
    claimed_by: int | None = Field(default=None, foreign_key="account.id")
    claimed_name: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = Field(default=None)
    # Since when the visitor has been waiting for an answer (None: answered, or nothing asked).
    waiting_since: datetime | None = Field(default=None)
    staff_unread: int = Field(default=0)  # the visitor's messages the staff have not read
    visitor_unread: int = Field(default=0)  # the staff's messages the visitor has not read
    last_text: str = Field(default="", max_length=2000)
    last_at: datetime | None = Field(default=None)
    opened_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = Field(default=None)
    closed_by: int | None = Field(default=None)
    # Bumped with every change, in the same transaction; its events carry it.
    version: int = Field(default=1)


class PrivateMessage(SQLModel, table=True):
    __tablename__ = "private_message"
    __table_args__ = (Index("ix_private_message_conversation_id", "conversation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id")
    account_id: int = Field(foreign_key="account.id")
    author_name: str = Field(max_length=80)
    from_staff: bool = Field(default=False)
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


# --- leads ---


class Lead(SQLModel, table=True):
    """A visitor's card, left with one exhibitor after an explicit consent: what they shared is
    a snapshot taken at consent time (a later profile change is not passed on unasked). A
    withdrawal deletes the row: nothing of the person stays with the exhibitor."""

    __tablename__ = "booth_lead"
    __table_args__ = (
        UniqueConstraint("exhibitor_id", "account_id", name="uq_booth_lead_visitor"),
        Index("ix_booth_lead_booth_consented", "exhibitor_id", "consented_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id")
    account_id: int = Field(foreign_key="account.id", index=True)
    source: str = Field(default="card", max_length=12)  # card | chat | download | meeting
    name: str = Field(max_length=80)
    organisation: str = Field(default="", max_length=120)
    title: str = Field(default="", max_length=80)
    email: str = Field(max_length=254)
    consent_version: str = Field(max_length=20)
    consented_at: datetime = Field(default_factory=utcnow)
    # The staff's own: notes and tags about the lead.
    notes: str = Field(default="", max_length=2000)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)


# --- duty (expo/hall/duty.py) ---


class StaffDuty(SQLModel, table=True):
    """Whether one staff member has put themselves on duty at their booth (explicitly: their
    sockets opening or closing changes nothing)."""

    __tablename__ = "staff_duty"

    account_id: int = Field(primary_key=True, foreign_key="account.id")
    exhibitor_id: int = Field(foreign_key="exhibitor.id", index=True)
    on_duty: bool = Field(default=False)
    changed_at: datetime = Field(default_factory=utcnow)


class DutyShift(SQLModel, table=True):
    """A planned time on duty of one staff member (the roster); someone with shifts is on duty
    only within one of them, and only while they are on duty."""

    __tablename__ = "duty_shift"
    __table_args__ = (Index("ix_duty_shift_booth_starts", "exhibitor_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id")
    account_id: int = Field(foreign_key="account.id")
    starts_at: datetime
    ends_at: datetime


class BoothDuty(SQLModel, table=True):
    """The version of a booth's duty state (who is on duty, the roster): bumped with every
    change of it, carried by `booth.duty_changed`."""

    __tablename__ = "booth_duty"

    exhibitor_id: int = Field(primary_key=True, foreign_key="exhibitor.id")
    version: int = Field(default=0)
    # Up to when the announced state is known true: a shift starting or ending later than this
    # is announced (once, by whichever process claims it) when it comes.
    announced_at: datetime | None = Field(default=None)


# --- releases (数博发布) ---


class ReleaseState(StrEnum):
    """draft → pending (approval required) → published / rejected; published → withdrawn."""

    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ReleaseKind(StrEnum):
    PRODUCT = "product"  # a new product or service
    RESULT = "result"  # a result, a deal, a milestone
    REPORT = "report"  # a report, a white paper, an index


class Release(SQLModel, table=True):
    """A launch at the expo: an exhibitor's (staff write it) or the expo's own (exhibitor None,
    organisers write it). Only a published one is shown to everyone."""

    __table_args__ = (Index("ix_release_state_published", "state", "published_at"),)

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int | None = Field(default=None, foreign_key="exhibitor.id", index=True)
    # An industry key of expo/industries.py (the exhibitor's own by default): the feed filters.
    industry: str = Field(default="", max_length=60)
    kind: str = Field(default=ReleaseKind.PRODUCT, max_length=12)
    state: str = Field(default=ReleaseState.DRAFT, max_length=12)
    title_zh: str = Field(max_length=120)
    title_en: str = Field(max_length=320)
    summary_zh: str = Field(default="", max_length=500)
    summary_en: str = Field(default="", max_length=1000)
    body_zh: str = Field(default="", max_length=20000)
    body_en: str = Field(default="", max_length=40000)
    # Ids of the exhibitor's Upload rows: images ("image") and documents ("pdf"), in order.
    images: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    documents: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rejection_reason: str = Field(default="", max_length=500)
    # Bumped with every change, in the same transaction; the release's events carry it.
    version: int = Field(default=1)
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = Field(default=None)


class HallSetting(SQLModel, table=True):
    """The organisers' settings of the hall, one row per key (`require_release_approval`)."""

    __tablename__ = "hall_setting"

    key: str = Field(primary_key=True, max_length=60)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)
