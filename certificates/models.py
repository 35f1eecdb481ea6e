"""The certificates' tables: the issuer's keys (the private half sealed, certificates/keys.py)
and the credentials issued, each with its bit in the revocation status list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from expo.models import utcnow


class IssuerKey(SQLModel, table=True):
    """An Ed25519 key of the platform as issuer. One is `active` (signs); retired ones stay in
    the DID document until `deleted_at`, so what they signed keeps verifying. The partial unique
    index keeps two processes from both making the first key."""

    __tablename__ = "issuer_key"
    __table_args__ = (
        Index(
            "uq_issuer_key_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_multibase: str = Field(max_length=64, unique=True)  # Multikey, z6Mk...
    sealed_private: str = Field(max_length=200)  # certificates.keys.seal_key
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    retired_at: datetime | None = Field(default=None)
    deleted_at: datetime | None = Field(default=None)


class IssuedCredential(SQLModel, table=True):
    """One achievement's credential for one account: the signed JSON as issued, never changed;
    revoking sets `revoked_at`, and the served status list sets bit `status_index`."""

    __tablename__ = "issued_credential"
    __table_args__ = (UniqueConstraint("account_id", "kind"),)

    id: str = Field(primary_key=True, max_length=36)  # a UUID, also the credential's urn:uuid
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)  # certificates.domain.ACHIEVEMENTS
    key_id: int = Field(foreign_key="issuer_key.id")
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status_index: int = Field(unique=True)
    issued_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = Field(default=None)
