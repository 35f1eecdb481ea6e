"""Organisers edit the programme over HTTP: sessions with times, bilingual titles and
abstracts, speakers and moderators (accounts, or names of people without one).

A change is checked against the whole programme inside the write transaction that stores it
(`programme_store.lock_programme`), so two organisers saving at once cannot both take one room
or one speaker; once stored it is announced on the room's topic and on `lobby:forums`:

    <= {"type": "programme.session_saved", "topic": "forum:2", "data": {"session": {...}}}
    <= {"type": "programme.session_deleted", "topic": "forum:2", "data": {"id": 7, ...}}
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    model_validator,
)
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from expo.errors import NotFound
from expo.http import ErrorBody, JSONResponse, path_int, read_json, route, services
from expo.models import Role, utcnow
from expo.permissions import only
from expo.services import Services
from forums import programme_store, store
from forums.domain import Span, forum_topic, room_status, schedule_conflicts
from forums.models import ForumSession, PersonRole, SessionPerson
from forums.programme_rules import (
    check_person_role,
    check_times,
    clean_line,
    clean_text,
    refusal,
)
from forums.rooms import programme_changed
from forums.views import SessionOut, session_view

ID_MAX = 2**31 - 1
LOBBY_TOPIC = "lobby:forums"
SAVED = "programme.session_saved"
DELETED = "programme.session_deleted"


def _utc(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2100:
        raise ValueError("a time between the years 2000 and 2100")
    return value.astimezone(UTC)


# An ISO 8601 time with its offset ("2026-05-26T09:00:00+08:00"), kept in UTC.
When = Annotated[AwareDatetime, Strict(False), AfterValidator(_utc)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PersonIn(_In):
    """A speaker or moderator: an account (speaker, moderator or organiser) by id, or the
    name of someone without an account."""

    account_id: int | None = Field(default=None, ge=1, le=ID_MAX)
    name: str | None = Field(default=None, max_length=120)

    @model_validator(mode="after")
    def _one_of(self) -> PersonIn:
        if (self.account_id is None) == (self.name is None):
            raise ValueError("give a person's `account_id` or their `name`, not both")
        return self


class TitleIn(_In):
    """A title in Chinese and English; a language left out is empty in a new session and kept
    as it is in an edit."""

    zh: str | None = Field(default=None, max_length=200)
    en: str | None = Field(default=None, max_length=300)


class AbstractIn(_In):
    zh: str | None = Field(default=None, max_length=4000)
    en: str | None = Field(default=None, max_length=4000)


class SessionChanges(_In):
    """What an edit changes; what it leaves out stays as it is. `speakers` and `moderators`
    replace the lists when given."""

    forum_id: int | None = Field(default=None, ge=1, le=ID_MAX)
    starts_at: When | None = None
    ends_at: When | None = None
    title: TitleIn | None = None
    abstract: AbstractIn | None = None
    kind: str | None = Field(default=None, max_length=40)
    track: str | None = Field(default=None, max_length=80)
    language: Literal["zh", "en"] | None = None
    speakers: list[PersonIn] | None = Field(default=None, max_length=20)
    moderators: list[PersonIn] | None = Field(default=None, max_length=10)


class NewSession(_In):
    """A session to add to a forum's programme."""

    starts_at: When
    ends_at: When
    title: TitleIn  # in Chinese, English or both (at least one)
    abstract: AbstractIn = Field(default_factory=AbstractIn)
    kind: str = Field(default="talk", max_length=40)  # talk, keynote, panel, ceremony...
    track: str = Field(default="", max_length=80)
    language: Literal["zh", "en"] = "zh"  # the language it is held in
    speakers: list[PersonIn] = Field(default_factory=list, max_length=20)
    moderators: list[PersonIn] = Field(default_factory=list, max_length=10)


class SessionPath(BaseModel):
    session_id: int = Field(ge=1, le=ID_MAX, examples=[1])


class ForumPath(BaseModel):
    forum_id: int = Field(ge=1, le=ID_MAX, examples=[2])


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionEnvelope(_Out):
    """The session as stored (and as announced)."""

    session: SessionOut


class SessionDeleted(_Out):
    """The session that was taken off the programme."""

    id: int
    forum_id: int
    guid: str


class Candidate(_Out):
    account_id: int
    name: str
    role: Literal["speaker", "moderator", "organizer"]
    organisation: str


class Candidates(_Out):
    """Accounts that may be speakers or moderators of a session."""

    people: list[Candidate]


# --- the rules applied to a stored session ---------------------------------------------------


def _apply_text(session: ForumSession, changes: SessionChanges | NewSession) -> None:
    title, abstract = changes.title, changes.abstract
    if title is not None and title.zh is not None:
        session.title_zh = clean_line(title.zh, field="title", required=False)
    if title is not None and title.en is not None:
        session.title_en = clean_line(title.en, field="title", required=False)
    if not (session.title_zh or session.title_en):
        clean_line("", field="title")  # refuses: a session needs a title in some language
    if abstract is not None and abstract.zh is not None:
        session.abstract_zh = clean_text(abstract.zh)
    if abstract is not None and abstract.en is not None:
        session.abstract_en = clean_text(abstract.en)
    if changes.kind is not None:
        session.kind = clean_line(changes.kind, field="kind", required=False) or "talk"
    if changes.track is not None:
        session.track = clean_line(changes.track, field="track", required=False)
    if changes.language is not None:
        session.language = changes.language


async def _people(
    db: AsyncSession,
    speakers: Sequence[PersonIn] | None,
    moderators: Sequence[PersonIn] | None,
    stored: Sequence[SessionPerson] = (),
) -> list[SessionPerson]:
    """The people as rows to store. Accounts must exist and be speakers, moderators or
    organisers (they carry their display name, so the programme reads the same everywhere). A
    list left out (None) keeps the stored one; a person who was there keeps what an import
    brought along (pretalx code, biography)."""
    given = [*(speakers or ()), *(moderators or ())]
    found = await programme_store.accounts(db, [p.account_id for p in given if p.account_id])
    rows: list[SessionPerson] = []
    for role, people in ((PersonRole.SPEAKER, speakers), (PersonRole.MODERATOR, moderators)):
        before = [p for p in stored if p.role == role]
        if people is None:
            rows += [_copy(p) for p in before]
            continue
        seen: set[int | str] = set()
        for person in people:
            if person.account_id is not None:
                account = found.get(person.account_id)
                check_person_role(person.account_id, account.role if account else None)
                assert account is not None
                key: int | str = person.account_id
                row = SessionPerson(role=role, account_id=account.id, name=account.display_name)
                same = [p for p in before if p.account_id == person.account_id]
            else:
                key = name = clean_line(person.name or "", field="name")
                row = SessionPerson(role=role, name=name)
                same = [p for p in before if p.account_id is None and p.name == name]
            if same:
                row.code, row.biography = same[0].code, same[0].biography
            if key not in seen:  # the same person twice in one list is once
                seen.add(key)
                rows.append(row)
    return rows


def _copy(person: SessionPerson) -> SessionPerson:
    return SessionPerson(
        role=person.role,
        account_id=person.account_id,
        name=person.name,
        code=person.code,
        biography=person.biography,
    )


async def _check_schedule(
    db: AsyncSession, session: ForumSession, people: Sequence[SessionPerson]
) -> None:
    """Refuse the session as it now stands if it collides with the programme (read in the same
    transaction as the write, under the programme lock)."""
    check_times(session.starts_at, session.ends_at)
    slot = programme_store.slot_of(session, [(p.name, p.account_id) for p in people])
    programme = await programme_store.overlapping(db, session.starts_at, session.ends_at)
    conflicts = schedule_conflicts(slot, programme)
    if conflicts:
        others = await programme_store.others(
            db, [c.other_session_id for c in conflicts if c.other_session_id is not None]
        )
        names = {p.account_id: p.name for p in people if p.account_id is not None}
        raise refusal(conflicts, others, names)


async def _announce(svc: Services, events: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Announce stored changes (the one policy: expo/realtime/announce.py)."""
    await svc.hub.publish_stored(events)


def _saved_events(view: dict[str, Any], old_forum: int | None) -> list[tuple[str, str, Any]]:
    forum_id = view["forum_id"]
    events: list[tuple[str, str, Any]] = []
    if old_forum is not None and old_forum != forum_id:  # moved: gone from the old room
        # With the move's version: pages of the old room drop older saves that come late, and
        # still show the session if a later move brings it back (a delete has none: for good).
        gone = {
            "id": view["id"],
            "forum_id": old_forum,
            "guid": view["guid"],
            "version": view["version"],
        }
        events.append((forum_topic(old_forum), DELETED, gone))
    events.append((forum_topic(forum_id), SAVED, {"session": view}))
    events.append((LOBBY_TOPIC, SAVED, {"session": view}))
    return events


# --- routes ------------------------------------------------------------------------------------


async def create_session(request: Request) -> JSONResponse:
    forum_id = path_int(request, "forum_id")
    form = await read_json(request, NewSession)
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        await programme_store.lock_programme(db)
        if not await programme_store.forum_exists(db, forum_id):
            raise NotFound("forum.unknown", f"There is no forum {forum_id}.")
        session = ForumSession(
            forum_id=forum_id,
            starts_at=form.starts_at,
            ends_at=form.ends_at,
            title_zh="",
            title_en="",
            guid=str(uuid.uuid4()),
        )
        _apply_text(session, form)
        people = await _people(db, form.speakers, form.moderators)
        await _check_schedule(db, session, people)
        db.add(session)
        await db.flush()
        await programme_store.replace_people(db, session.id, people)  # type: ignore[arg-type]
        await db.commit()
        view = session_view(session, await _stored_people(db, session.id))  # type: ignore[arg-type]
    assert view is not None
    await _announce(svc, _saved_events(view, None))
    return JSONResponse({"session": view}, status_code=201)


async def edit_session(request: Request) -> JSONResponse:
    session_id = path_int(request, "session_id")
    changes = await read_json(request, SessionChanges)
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        await programme_store.lock_programme(db)
        session = await programme_store.get_session(db, session_id)
        if session is None:
            raise NotFound("session.unknown", f"There is no session {session_id}.")
        old_forum, old_start = session.forum_id, session.starts_at
        if changes.forum_id is not None and changes.forum_id != session.forum_id:
            if not await programme_store.forum_exists(db, changes.forum_id):
                raise NotFound("forum.unknown", f"There is no forum {changes.forum_id}.")
            session.forum_id = changes.forum_id
        session.starts_at = changes.starts_at or session.starts_at
        session.ends_at = changes.ends_at or session.ends_at
        _apply_text(session, changes)
        stored = await _stored_people(db, session_id)
        people = await _people(db, changes.speakers, changes.moderators, stored)
        await _check_schedule(db, session, people)
        if session.starts_at != old_start:
            session.reminded_at = None  # a new start: its reminders are due again
        session.updated_at = utcnow()
        session.version += 1  # under the programme lock: versions follow the commits
        if changes.speakers is not None or changes.moderators is not None:
            await programme_store.replace_people(db, session_id, people)
        await db.commit()
        view = session_view(session, await _stored_people(db, session_id))
    assert view is not None
    await _announce(svc, _saved_events(view, old_forum))
    await programme_changed(svc, [old_forum])  # its people may have left the room's staff
    return JSONResponse({"session": view})


async def _stored_people(db: AsyncSession, session_id: int) -> list[SessionPerson]:
    return (await store.people_of(db, [session_id]))[session_id]


async def delete_session(request: Request) -> JSONResponse:
    session_id = path_int(request, "session_id")
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        await programme_store.lock_programme(db)
        session = await programme_store.get_session(db, session_id)
        if session is None:
            raise NotFound("session.unknown", f"There is no session {session_id}.")
        gone = {"id": session_id, "forum_id": session.forum_id, "guid": session.guid}
        await programme_store.delete_session(db, session)
        await db.commit()
    await _announce(
        svc,
        [(forum_topic(gone["forum_id"]), DELETED, gone), (LOBBY_TOPIC, DELETED, gone)],  # type: ignore[arg-type]
    )
    await programme_changed(svc, [gone["forum_id"]])  # type: ignore[list-item]
    return JSONResponse(gone)


async def list_candidates(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        people = await programme_store.candidates(db)
    return JSONResponse(
        {
            "people": [
                {
                    "account_id": a.id,
                    "name": a.display_name,
                    "role": a.role,
                    "organisation": a.organisation,
                }
                for a in people
            ]
        }
    )


def status_of(sessions: Sequence[ForumSession], at: datetime | None = None) -> str:
    """A room's status (`forums.programme_rules.RoomStatus`) from its sessions, for the views."""
    return room_status([Span(s.starts_at, s.ends_at) for s in sessions], at or utcnow()).value


permissions = {
    "programme.edit": only(Role.ORGANIZER),
    "programme.people": only(Role.ORGANIZER),
}
commands: dict[str, Any] = {}
routes = [
    route(
        "/api/forums/{forum_id}/sessions",
        create_session,
        methods=["POST"],
        action="programme.edit",
        rate="moderate",
        body=NewSession,
        path_params=ForumPath,
        responses={201: SessionEnvelope, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody},
        summary="Add a session to a forum's programme (refused if it collides)",
    ),
    route(
        "/api/sessions/{session_id}",
        edit_session,
        methods=["PATCH"],
        action="programme.edit",
        rate="moderate",
        body=SessionChanges,
        path_params=SessionPath,
        responses={200: SessionEnvelope, 404: ErrorBody, 409: ErrorBody},
        summary="Change a session (refused if it would collide)",
    ),
    route(
        "/api/sessions/{session_id}",
        delete_session,
        methods=["DELETE"],
        action="programme.edit",
        rate="moderate",
        path_params=SessionPath,
        responses={200: SessionDeleted, 404: ErrorBody},
        summary="Take a session off the programme",
    ),
    route(
        "/api/programme/people",
        list_candidates,
        methods=["GET"],
        action="programme.people",
        responses={200: Candidates},
        summary="Accounts that may be speakers or moderators of a session",
    ),
]
