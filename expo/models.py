"""The core's tables: accounts and exhibitors. Features add theirs in their own models.py."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    ATTENDEE = "attendee"
    EXHIBITOR = "exhibitor"  # staff of one exhibitor
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    ORGANIZER = "organizer"


class Exhibitor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name_zh: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    industry: str = Field(max_length=60, index=True)
    summary_zh: str = Field(default="", max_length=500)
    summary_en: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class AccountPublic(SQLModel):
    id: int
    display_name: str
    organisation: str
    title: str
    role: Role
    exhibitor_id: int | None
    language: str


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    display_name: str = Field(max_length=80)
    organisation: str = Field(default="", max_length=120)
    title: str = Field(default="", max_length=80)
    language: str = Field(default="zh-CN", max_length=8)
    role: str = Field(default=Role.ATTENDEE, max_length=16)
    exhibitor_id: int | None = Field(default=None, foreign_key="exhibitor.id")
    created_at: datetime = Field(default_factory=utcnow)
    # A service account acts only through the API tokens organisers issue for it: it has no
    # password (SERVICE_PASSWORD is no hash) and signing in as it is refused.
    service: bool = Field(default=False)
    # Set by an organiser: the account cannot sign in, its sessions are revoked, its API tokens
    # refused while it stays so (and work again when it is enabled).
    disabled_at: datetime | None = Field(default=None)


SERVICE_PASSWORD = "!service"  # never matches: argon2 refuses it as a hash


class TokenScope(StrEnum):
    """What a bearer token may do: everything its account may, or only read (HTTP GET and HEAD,
    and following topics over the websocket; expo/permissions.py)."""

    FULL = "full"
    READ = "read"


class AccountSession(SQLModel, table=True):
    """A signed-in browser or client. The cookie carries a random token; only its hash is kept,
    so a database leak signs nobody in. Signing out revokes the row."""

    __tablename__ = "account_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie's token, hex
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = Field(default=None)


class ApiToken(SQLModel, table=True):
    """A bearer token an organiser issued for an API client; it acts as `account_id`."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=80)
    account_id: int = Field(foreign_key="account.id", index=True)
    issued_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = Field(default=None)
    scope: str = Field(default=TokenScope.FULL, max_length=8)
    # Refused from then on (None: tokens issued before expiries, which never expire).
    expires_at: datetime | None = Field(default=None)


class Invitation(SQLModel, table=True):
    """An organiser's invitation to take a role (exhibitor staff, speaker, moderator, organiser).
    The link carries a random token; only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    email: str = Field(max_length=254, index=True)
    role: str = Field(max_length=16)
    exhibitor_id: int | None = Field(default=None, foreign_key="exhibitor.id")
    invited_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = Field(default=None)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    revoked_at: datetime | None = Field(default=None)  # an organiser took it back
    # What the organiser suggested (bulk invitations): the accepting page may start from them.
    display_name: str = Field(default="", max_length=80)
    language: str = Field(default="", max_length=8)


class LinkPurpose(StrEnum):
    PASSWORD_RESET = "password_reset"  # sent to the account's address: set a new password
    EMAIL_CHANGE = "email_change"  # sent to the new address: confirm it is the owner's


class AccountLink(SQLModel, table=True):
    """A one-time link emailed about an account (a password reset, an email change to confirm).
    The link carries a random token; only its hash is kept. Used once (`used_at`, set by a
    conditional UPDATE so two clicks cannot both use it), and only until `expires_at`."""

    __tablename__ = "account_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    purpose: str = Field(max_length=16)
    account_id: int = Field(foreign_key="account.id", index=True)
    # The address the link was sent to: the account's own (reset) or the new one (email change).
    email: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = Field(default=None)
