"""Forum rooms, their programme, and what attendees post in them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from expo.chat_rules import SanctionKind as SanctionKind
from expo.models import utcnow


class RoomKind(StrEnum):
    STAGE = "stage"  # the opening-ceremony main stage
    FORUM = "forum"  # one of the eight 数谷论坛 forums


class Forum(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True)
    kind: str = Field(default=RoomKind.FORUM, max_length=8)
    position: int = Field(default=0)
    title_zh: str = Field(max_length=120)
    title_en: str = Field(max_length=200)
    stream_url: str | None = Field(default=None, max_length=500)
    # Room moderation, shared by every server process because it lives here.
    pre_moderation: bool = Field(default=False)  # questions wait for a moderator's approval
    slow_mode_seconds: int = Field(default=0)  # 0: off; else one chat message per N s per person
    announcement: str = Field(default="", max_length=500)  # pinned above the chat; "" is none
    announcement_at: datetime | None = Field(default=None)
    # Bumped with every change of the room's settings above (pre-moderation, slow mode, the
    # pinned announcement), in the same transaction: their events carry it.
    version: int = Field(default=1)


class ForumSession(SQLModel, table=True):
    """One scheduled item of a forum's programme."""

    __tablename__ = "forum_session"

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    title_zh: str = Field(max_length=200)
    title_en: str = Field(max_length=300)
    abstract_zh: str = Field(default="", max_length=4000)
    abstract_en: str = Field(default="", max_length=4000)
    # What schedule interchange (frab XML, pretalx JSON, iCal) needs to round-trip a session.
    guid: str = Field(
        max_length=36, unique=True, index=True
    )  # a UUID, stable across exports and imports
    language: str = Field(default="zh", max_length=8)  # the language it is held in: zh | en
    track: str = Field(default="", max_length=80)
    kind: str = Field(default="talk", max_length=40)  # talk, keynote, panel, ceremony...
    do_not_record: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow)
    # Set by the one process that sent the agenda reminders for this start (a claim in SQL).
    reminded_at: datetime | None = Field(default=None)
    # Bumped by every edit, under the programme lock: `programme.session_saved` carries it.
    version: int = Field(default=1)


class PersonRole(StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"


class SessionPerson(SQLModel, table=True):
    """A speaker or moderator of a session: an account, or (imported from another system) a
    name with no account yet."""

    __tablename__ = "session_person"

    id: int | None = Field(default=None, primary_key=True)
    # None until the row is attached to its session (people are read from a form or a document
    # before the session they belong to has an id); the column itself is NOT NULL.
    session_id: int | None = Field(
        default=None,
        foreign_key="forum_session.id",
        index=True,
        ondelete="CASCADE",
        nullable=False,
    )
    role: str = Field(default=PersonRole.SPEAKER, max_length=16)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    name: str = Field(max_length=120)
    code: str = Field(default="", max_length=40)  # pretalx's person code, kept for round trips
    biography: str = Field(default="", max_length=4000)
    position: int = Field(default=0)


class ChatMessage(SQLModel, table=True):
    __tablename__ = "chat_message"
    # A room's history pages back by id: this keeps a quiet room's page cheap behind busy ones.
    __table_args__ = (Index("ix_chat_message_forum_id_id", "forum_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    author_name: str = Field(max_length=80)
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    deleted_at: datetime | None = Field(default=None)
    # Who deleted it (an account id; no foreign key, so SQLite can add the column in place).
    deleted_by: int | None = Field(default=None)


class Question(SQLModel, table=True):
    """A question to the speakers, asked in a room (during whichever session is on)."""

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    # Indexed: deleting a session (and its foreign-key check) looks its questions up.
    session_id: int | None = Field(default=None, foreign_key="forum_session.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    author_name: str = Field(max_length=80)
    text: str = Field(max_length=2000)
    state: str = Field(default="visible", max_length=12)  # forums.domain.QuestionState
    pinned: bool = Field(default=False)
    votes: int = Field(default=0)  # kept equal to its QuestionVote rows, in the same transaction
    created_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = Field(default=None)
    # Bumped by every move, under the row lock: events carry it, pages keep the highest.
    version: int = Field(default=1)


class QuestionVote(SQLModel, table=True):
    """One upvote: the primary key makes it once per person."""

    __tablename__ = "question_vote"

    question_id: int = Field(foreign_key="question.id", primary_key=True, ondelete="CASCADE")
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class Poll(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    question: str = Field(max_length=300)
    options: list[str] = Field(sa_column=Column(JSON, nullable=False))
    multiple: bool = Field(default=False)  # several choices per ballot
    live_results: bool = Field(default=True)  # False: the tally is shown once closed
    state: str = Field(default="draft", max_length=8)  # forums.domain.PollState
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    opened_at: datetime | None = Field(default=None)
    closed_at: datetime | None = Field(default=None)
    # Bumped by every move, under the row lock: events carry it, pages keep the highest.
    version: int = Field(default=1)


class PollBallot(SQLModel, table=True):
    """One person's vote in a poll (replaced when they change it while the poll is open)."""

    __tablename__ = "poll_ballot"

    poll_id: int = Field(foreign_key="poll.id", primary_key=True, ondelete="CASCADE")
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    choices: list[int] = Field(sa_column=Column(JSON, nullable=False))
    cast_at: datetime = Field(default_factory=utcnow)


class RoomSanction(SQLModel, table=True):
    """A moderator muted or banned someone from a room until a time."""

    __tablename__ = "room_sanction"

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    kind: str = Field(max_length=8)
    until: datetime
    reason: str = Field(default="", max_length=300)
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    lifted_at: datetime | None = Field(default=None)


class Announcement(SQLModel, table=True):
    """An organiser's announcement to the whole expo, shown on every open page from `starts_at`
    until `ends_at` (None: until withdrawn or superseded). Withdrawn ones stay, as history."""

    id: int | None = Field(default=None, primary_key=True)
    text_zh: str = Field(default="", max_length=500)
    text_en: str = Field(default="", max_length=500)
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    starts_at: datetime = Field(default_factory=utcnow, index=True)
    ends_at: datetime | None = Field(default=None)
    withdrawn_at: datetime | None = Field(default=None)
    withdrawn_by: int | None = Field(default=None, foreign_key="account.id")
    version: int = Field(default=1)  # bumped by a withdrawal: pages keep the highest seen


class AgendaStar(SQLModel, table=True):
    """A session someone starred for their personal agenda."""

    __tablename__ = "agenda_star"
    __table_args__ = (UniqueConstraint("account_id", "session_id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    session_id: int = Field(foreign_key="forum_session.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)


class ModerationEntry(SQLModel, table=True):
    """One moderation action, written in the same transaction as the action itself: who did
    what to whom (or to which message, question, poll or room), when and why. Organisers read
    the log newest first, a room at a time (hence the index on forum_id, id)."""

    __tablename__ = "moderation_entry"
    __table_args__ = (Index("ix_moderation_entry_forum_id_id", "forum_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id")
    # forums.moderation_log.LogAction: chat.delete, forum.mute, forum.ban, forum.lift, ...
    action: str = Field(max_length=32)
    actor_id: int = Field(foreign_key="account.id", index=True)
    # The person the action concerns (a sanctioned account, a message's or question's author).
    target_account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    # What it was done to, where that is not a person: "message", "question", "poll", "room".
    subject_kind: str = Field(default="", max_length=16)
    subject_id: int | None = Field(default=None)
    reason: str = Field(default="", max_length=300)
    # What else the entry needs to be read (a sanction's end, a slow mode's seconds, the
    # changed room settings): small and flat.
    details: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Attendance(SQLModel, table=True):
    """Someone signed in followed a room during this minute (forums/attendance.py samples each
    process's sockets once a minute): how long a person watched a session is the number of its
    minutes they were seen in, however many tabs or processes saw them."""

    __tablename__ = "forum_attendance"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", primary_key=True, ondelete="CASCADE")
    minute: datetime = Field(primary_key=True)  # UTC, on the minute
