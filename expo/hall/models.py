"""The hall's tables: each exhibitor's booth, its products and uploads, and what happens there.

The exhibitor itself (its names, its industry, its staff accounts) is the core's
(`expo.models.Exhibitor`, `Account.exhibitor_id`): accounts need it before any feature loads.
Everything the hall adds hangs off the exhibitor's id.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
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
