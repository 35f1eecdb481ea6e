"""The host's tables: each booth's switch, the text of its PDFs page by page, the FAQ entries
its staff wrote, and the log of what the host answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from expo.models import utcnow


class HostSetting(SQLModel, table=True):
    """Whether a booth's host answers (off until its staff switch it on)."""

    __tablename__ = "host_setting"

    exhibitor_id: int = Field(primary_key=True, foreign_key="exhibitor.id", ondelete="CASCADE")
    enabled: bool = Field(default=False)
    version: int = Field(default=1)
    updated_by: int | None = Field(default=None, foreign_key="account.id")
    updated_at: datetime = Field(default_factory=utcnow)


class HostDocument(SQLModel, table=True):
    """The text of one uploaded PDF, page by page (index 0 is page 1), read once from the
    stored file and kept while its bytes (`sha256`) are the same. No hall hook tells us of an
    upload, so it is read when the booth's index is first built after the PDF is listed."""

    __tablename__ = "host_document"

    upload_id: int = Field(primary_key=True)  # the hall's upload (no FK: its row may go first)
    exhibitor_id: int = Field(foreign_key="exhibitor.id", index=True, ondelete="CASCADE")
    sha256: str = Field(max_length=64)
    pages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    extracted_at: datetime = Field(default_factory=utcnow)


class HostFaq(SQLModel, table=True):
    """A question the booth's staff answered themselves: preferred by the host over the
    material when a visitor asks the same (host/answer.py)."""

    __tablename__ = "host_faq"

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id", index=True, ondelete="CASCADE")
    question: str = Field(max_length=500)
    answer: str = Field(max_length=2000)
    language: str = Field(max_length=2)  # zh | en
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


class HostAnswer(SQLModel, table=True):
    """One question asked of a booth's host and what it said: its sentences with their
    citations, or a decline. Staff read these and correct them (`corrected_by`, `faq_id`)."""

    __tablename__ = "host_answer"
    __table_args__ = (Index("ix_host_answer_booth", "exhibitor_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    exhibitor_id: int = Field(foreign_key="exhibitor.id", ondelete="CASCADE")
    account_id: int | None = Field(default=None, foreign_key="account.id")
    question: str = Field(max_length=500)
    language: str = Field(max_length=2)  # the question's: zh | en
    # [{"text", "citation": {"kind", "id", "title", "page", "label"}}, ...]; [] when declined
    sentences: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    declined: bool = Field(default=False)
    reason: str | None = Field(default=None, max_length=20)  # host.answer.Decline
    confidence: float = Field(default=0.0)
    created_at: datetime = Field(default_factory=utcnow)
    corrected_by: int | None = Field(default=None, foreign_key="account.id")
    corrected_at: datetime | None = Field(default=None)
    faq_id: int | None = Field(default=None, foreign_key="host_faq.id")
