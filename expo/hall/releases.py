"""数博发布, the expo's releases: launches (products, results, reports) that exhibitors' staff
and organisers write, and everyone reads once published.

    GET   /api/releases?exhibitor=&industry=&offset=&limit=   anyone: published, newest first
    GET   /api/releases/{id}                  anyone if published; else its staff and organisers
    POST  /api/exhibitors/{exhibitor_id}/releases    that exhibitor's staff, organisers: a draft
    GET   /api/exhibitors/{exhibitor_id}/releases    the same: every state, for the editor
    POST  /api/releases                       organisers: a draft, expo-wide or for an exhibitor
    PATCH /api/releases/{id}                  its staff, organisers (`version`: 409 if stale)
    POST  /api/releases/{id}/submit|withdraw  its staff, organisers
    POST  /api/releases/{id}/approve|reject|publish   organisers
    GET   /api/hall/releases?state=           organisers: every release (the approval queue)
    GET|PUT /api/hall/settings                organisers: `require_release_approval`

Each change is stored with the release's version bumped, then announced: a release that goes
live (or changes while live) as `release.published` with its public view, one that goes down
as `release.withdrawn`, both on `hall:all` (the hall and the lobby follow it); and every change
as `release.changed` on the exhibitor's `booth-staff:<id>`, for its staff's editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from expo.bilingual import ExhibitorRef, Names
from expo.errors import BadRequest, Conflict
from expo.hall import release_store as store
from expo.hall.access import STAFF_OF_BOOTH, booth_of_path, is_staff_of, load_booth
from expo.hall.models import Release, ReleaseState
from expo.hall.release_rules import (
    MAX_BODY_EN,
    MAX_BODY_ZH,
    MAX_DOCUMENTS,
    MAX_IMAGES,
    MAX_REASON,
    MAX_SUMMARY_EN,
    MAX_SUMMARY_ZH,
    MAX_TITLE_EN,
    MAX_TITLE_ZH,
    REQUIRE_APPROVAL,
    Move,
    clean_ids,
    clean_text,
    decide,
)
from expo.hall.topics import HALL_TOPIC, ORGANISERS_TOPIC, staff_topic
from expo.http import (
    ErrorBody,
    JSONResponse,
    Raw,
    path_int,
    principal,
    query_int,
    read_json,
    route,
    services,
)
from expo.industries import INDUSTRIES, IndustryLabel, industry_label
from expo.models import Exhibitor, Role, utcnow
from expo.permissions import ANYONE, OfExhibitor, only
from expo.security import Principal

Kind = Literal["product", "result", "report"]  # ReleaseKind, as JSON sends it
EXPO_WIDE = 0  # the exhibitor id of an organisers' release, for the object rule: no staff's


@dataclass(frozen=True)
class ReleaseObject(OfExhibitor):
    """A release that exists, as loaded for the permission check: its exhibitor's staff and
    organisers act on it (an expo-wide one: organisers only)."""


async def release_of_path(request: Request) -> ReleaseObject:
    release_id = path_int(request, "release_id")
    async with services(request).read() as db:
        row = await db.get(Release, release_id)
    if row is None:
        raise store.unknown_release(release_id)
    return ReleaseObject(row.exhibitor_id or EXPO_WIDE)


class Texts(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Kind | None = None
    title_zh: str | None = Field(default=None, max_length=4 * MAX_TITLE_ZH)
    title_en: str | None = Field(default=None, max_length=4 * MAX_TITLE_EN)
    summary_zh: str | None = Field(default=None, max_length=4 * MAX_SUMMARY_ZH)
    summary_en: str | None = Field(default=None, max_length=4 * MAX_SUMMARY_EN)
    body_zh: str | None = Field(default=None, max_length=2 * MAX_BODY_ZH)
    body_en: str | None = Field(default=None, max_length=2 * MAX_BODY_EN)
    images: list[int] | None = Field(default=None, max_length=4 * MAX_IMAGES)
    documents: list[int] | None = Field(default=None, max_length=4 * MAX_DOCUMENTS)
    # An industry key (organisers; staff's releases take their exhibitor's).
    industry: str | None = Field(default=None, max_length=60)


class ReleaseDraft(Texts):
    """A new release: a kind and a title in at least one language."""

    kind: Kind = "product"


class OrganiserDraft(ReleaseDraft):
    exhibitor: int | None = Field(default=None, gt=0, lt=2**31)  # None: expo-wide


class ReleaseChanges(Texts):
    """What to change; what is left out stays. `version`: the one the editor saw."""

    version: int | None = Field(default=None, ge=1, lt=2**31)


class MoveForm(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    version: int | None = Field(default=None, ge=1, lt=2**31)


class Rejection(MoveForm):
    reason: str = Field(max_length=4 * MAX_REASON)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    require_release_approval: bool


class StateQuery(BaseModel):
    state: Literal["draft", "pending", "published", "rejected", "withdrawn"] | None = None


class ReleasePath(BaseModel):
    release_id: int = Field(ge=1, lt=2**31, examples=[1])


class ExhibitorPath(BaseModel):
    exhibitor_id: int = Field(ge=1, lt=2**31, examples=[1])


class FeedQuery(BaseModel):
    exhibitor: int | None = Field(default=None, ge=1, lt=2**31)
    industry: str | None = Field(default=None, max_length=60)
    offset: int = Field(default=0, ge=0, le=100_000)
    limit: int = Field(default=20, ge=1, le=50)


class Paragraphs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: list[str]
    en: list[str]


class ImageOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    url: str


class DocumentOut(ImageOut):
    filename: str
    title: Names


class ReleaseOut(BaseModel):
    """A release as pages show it (and as `release.published` carries it)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    exhibitor: ExhibitorRef | None
    industry: IndustryLabel | None
    kind: Kind
    state: Literal["draft", "pending", "published", "rejected", "withdrawn"]
    title: Names
    summary: Names
    body: Paragraphs  # one paragraph per item: plain text, escaped on display
    images: list[ImageOut]
    documents: list[DocumentOut]
    rejection_reason: str | None
    version: int
    created_at: str
    updated_at: str
    published_at: str | None


class Editable(BaseModel):
    """The texts as written, for the editor (its staff and organisers only)."""

    model_config = ConfigDict(extra="forbid")

    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str
    body_zh: str
    body_en: str
    image_ids: list[int]
    document_ids: list[int]


class ReleaseEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    release: ReleaseOut
    editable: Editable | None = None


class ReleaseFeed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    releases: list[ReleaseOut]
    total: int
    offset: int
    limit: int
    industries: list[IndustryLabel]  # the expo's vocabulary, for the feed's filter


class EditableRelease(ReleaseOut):
    editable: Editable


class BoothReleases(BaseModel):
    model_config = ConfigDict(extra="forbid")

    releases: list[EditableRelease]
    require_release_approval: bool


class AllReleases(BaseModel):
    model_config = ConfigDict(extra="forbid")

    releases: list[ReleaseOut]
    counts: dict[str, int]
    require_release_approval: bool


def _cleaned(form: Texts) -> dict[str, Any]:
    """The form's texts as stored (everything checked before anything is)."""
    values: dict[str, Any] = {}
    for field, limit, lines in (
        ("title_zh", MAX_TITLE_ZH, False),
        ("title_en", MAX_TITLE_EN, False),
        ("summary_zh", MAX_SUMMARY_ZH, False),
        ("summary_en", MAX_SUMMARY_EN, False),
        ("body_zh", MAX_BODY_ZH, True),
        ("body_en", MAX_BODY_EN, True),
    ):
        value = getattr(form, field)
        if value is not None:
            values[field] = clean_text(value, limit, field, lines=lines)
    if form.kind is not None:
        values["kind"] = str(form.kind)
    if form.images is not None:
        values["images"] = clean_ids(_ids(form.images, "images"), MAX_IMAGES, "images")
    if form.documents is not None:
        values["documents"] = clean_ids(
            _ids(form.documents, "documents"), MAX_DOCUMENTS, "documents"
        )
    if form.industry is not None:
        if form.industry and form.industry not in INDUSTRIES:
            raise BadRequest(
                "release.bad_industry",
                f"There is no industry {form.industry!r}.",
                details=[{"field": "industry", "reason": "unknown"}],
            )
        values["industry"] = form.industry
    return values


def _ids(ids: list[int], field: str) -> list[int]:
    if any(not 0 < i < 2**31 for i in ids):
        raise BadRequest(message=f"`{field}` holds upload ids.")
    return ids


def _titled(title_zh: str, title_en: str) -> None:
    if not title_zh and not title_en:
        raise BadRequest(
            "release.empty",
            "A release has a title, in Chinese or in English.",
            details=[{"field": "title_zh", "reason": "empty"}],
        )


def _who(request: Request) -> Principal:
    who = principal(request)
    assert who is not None  # the routes below are for signed-in roles
    return who


def _organiser(who: Principal | None) -> bool:
    return who is not None and who.role == Role.ORGANIZER


async def _announce(request: Request, row: Release, announce: str | None) -> dict[str, Any]:
    """After the commit: the hall hears what went live or down; the staff's editor and the
    organisers' queue, every change (drafts and pending ones never reach `hall:all`).
    Returns the release's view."""
    svc = services(request)
    async with svc.read() as db:
        view = (await store.views(db, [row]))[0]
    events: list[tuple[str, str, dict[str, Any]]] = []
    if announce == "release.published":
        events.append((HALL_TOPIC, "release.published", view))
    elif announce == "release.withdrawn":
        gone = {"id": row.id, "exhibitor_id": row.exhibitor_id, "version": row.version}
        events.append((HALL_TOPIC, "release.withdrawn", gone))
    if row.exhibitor_id is not None:
        events.append((staff_topic(row.exhibitor_id), "release.changed", view))
    events.append((ORGANISERS_TOPIC, "release.changed", view))
    await svc.hub.publish_stored(events)
    return view


async def _create(request: Request, exhibitor_id: int | None, form: ReleaseDraft) -> JSONResponse:
    # A new release's texts not given are empty (a title in one language is enough).
    values = {"title_zh": "", "title_en": ""} | _cleaned(form)
    _titled(values["title_zh"], values["title_en"])
    who = _who(request)
    svc = services(request)
    async with svc.db() as db:
        if exhibitor_id is not None:
            exhibitor = await db.get(Exhibitor, exhibitor_id)
            if exhibitor is None:
                raise BadRequest("exhibitor.unknown", f"There is no exhibitor {exhibitor_id}.")
            if not _organiser(who) or "industry" not in values or not values["industry"]:
                values["industry"] = exhibitor.industry
        await store.check_uploads(
            db, exhibitor_id, values.get("images", []), values.get("documents", [])
        )
        row = Release(exhibitor_id=exhibitor_id, created_by=who.account_id, **values)
        db.add(row)
        await db.commit()
        await db.refresh(row)
    view = await _announce(request, row, None)
    return JSONResponse({"release": view, "editable": store.editable_view(row)}, status_code=201)


async def create_for_exhibitor(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    return await _create(request, exhibitor_id, await read_json(request, ReleaseDraft))


async def create_release(request: Request) -> JSONResponse:
    form = await read_json(request, OrganiserDraft)
    draft = ReleaseDraft.model_validate(form.model_dump(exclude={"exhibitor"}))
    if form.exhibitor is not None:
        await load_booth(services(request), form.exhibitor)
    return await _create(request, form.exhibitor, draft)


async def _change(
    request: Request,
    move: Move,
    *,
    values: dict[str, Any] | None = None,
    version: int | None = None,
    reason: str = "",
) -> JSONResponse:
    release_id = path_int(request, "release_id")
    who = _who(request)
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        row = await store.locked(db, release_id)
        if version is not None and version != row.version:
            raise Conflict("release.stale", "This release changed meanwhile; look again.")
        decision = decide(
            row.state,
            move,
            organiser=_organiser(who),
            approval_required=await store.approval_required(db),
        )
        if values:
            if not _organiser(who):
                values.pop("industry", None)  # staff's releases keep their exhibitor's
            title_zh = values.get("title_zh", row.title_zh)
            _titled(title_zh, values.get("title_en", row.title_en))
            await store.check_uploads(
                db,
                row.exhibitor_id,
                values.get("images", []) if "images" in values else [],
                values.get("documents", []) if "documents" in values else [],
            )
            changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        else:
            changed = {}
        if move is Move.EDIT and not changed:
            view = (await store.views(db, [row]))[0]
            return JSONResponse({"release": view, "editable": store.editable_view(row)})
        for key, value in changed.items():
            setattr(row, key, value)
        was = row.state
        row.state = decision.state
        if move is Move.REJECT:
            row.rejection_reason = reason
        elif not decision.keep_reason:
            row.rejection_reason = ""
        now = utcnow()
        if decision.state == ReleaseState.PUBLISHED and was != ReleaseState.PUBLISHED:
            row.published_at = now
        row.updated_at = now
        row.version += 1
        await db.commit()
        await db.refresh(row)
    view = await _announce(request, row, decision.announce)
    return JSONResponse({"release": view, "editable": store.editable_view(row)})


async def edit_release(request: Request) -> JSONResponse:
    form = await read_json(request, ReleaseChanges)
    values = _cleaned(form)
    return await _change(request, Move.EDIT, values=values, version=form.version)


def _mover(move: Move) -> Any:
    async def handler(request: Request) -> JSONResponse:
        form = await read_json(request, MoveForm)
        return await _change(request, move, version=form.version)

    handler.__name__ = f"{move}_release"
    return handler


async def reject_release(request: Request) -> JSONResponse:
    form = await read_json(request, Rejection)
    reason = clean_text(form.reason, MAX_REASON, "reason", required=True)
    return await _change(request, Move.REJECT, version=form.version, reason=reason)


async def list_published(request: Request) -> JSONResponse:
    exhibitor = query_int(request, "exhibitor", None, low=1, high=2**31 - 1)
    industry = request.query_params.get("industry") or None
    if industry is not None and industry not in INDUSTRIES:
        raise BadRequest("release.bad_industry", f"There is no industry {industry[:60]!r}.")
    offset = query_int(request, "offset", 0, low=0, high=100_000) or 0
    limit = query_int(request, "limit", 20, low=1, high=50) or 20
    async with services(request).read() as db:
        rows, total = await store.published(
            db, exhibitor=exhibitor, industry=industry, offset=offset, limit=limit
        )
        out = await store.views(db, rows)
    page = {"releases": out, "total": total, "offset": offset, "limit": limit}
    return JSONResponse(page | {"industries": [industry_label(key) for key in INDUSTRIES]})


async def get_release(request: Request) -> JSONResponse:
    release_id = path_int(request, "release_id")
    who = principal(request)
    async with services(request).read() as db:
        row = await db.get(Release, release_id)
        if row is None:
            raise store.unknown_release(release_id)
        mine = _organiser(who) or (
            row.exhibitor_id is not None and is_staff_of(who, row.exhibitor_id)
        )
        # Not yet (or no longer) published: not there, for anyone but its staff and organisers.
        if row.state != ReleaseState.PUBLISHED and not mine:
            raise store.unknown_release(release_id)
        view = (await store.views(db, [row]))[0]
    body: dict[str, Any] = {"release": view}
    if mine:
        body["editable"] = store.editable_view(row)
    return JSONResponse(body)


async def exhibitor_releases(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    async with services(request).read() as db:
        rows = await store.of_exhibitor(db, exhibitor_id)
        out = await store.views(db, rows)
        required = await store.approval_required(db)
    editable = [store.editable_view(r) for r in rows]
    return JSONResponse(
        {
            "releases": [v | {"editable": e} for v, e in zip(out, editable, strict=True)],
            "require_release_approval": required,
        }
    )


async def all_releases(request: Request) -> JSONResponse:
    state = request.query_params.get("state") or None
    if state is not None and state not in set(ReleaseState):
        raise BadRequest("release.bad_state_filter", f"There is no state {state[:20]!r}.")
    async with services(request).read() as db:
        rows = await store.every(db, state, 500)
        out = await store.views(db, rows)
        counts = await store.counts_by_state(db)
        required = await store.approval_required(db)
    return JSONResponse({"releases": out, "counts": counts, "require_release_approval": required})


async def get_settings(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        required = await store.approval_required(db)
    return JSONResponse({REQUIRE_APPROVAL: required})


async def put_settings(request: Request) -> JSONResponse:
    form = await read_json(request, Settings)
    async with services(request).db() as db:
        await store.set_setting(db, REQUIRE_APPROVAL, form.require_release_approval)
        await db.commit()
    return JSONResponse({REQUIRE_APPROVAL: form.require_release_approval})


RELEASE: dict[int, type[BaseModel] | Raw] = {
    200: ReleaseEnvelope,
    403: ErrorBody,
    404: ErrorBody,
    409: ErrorBody,
}
ORGANISERS = only(Role.ORGANIZER)

routes = [
    route(
        "/api/releases",
        list_published,
        methods=["GET"],
        action="release.read",
        query=FeedQuery,
        responses={200: ReleaseFeed},
        summary="Published releases, newest first",
        tags=["hall"],
    ),
    route(
        "/api/releases",
        create_release,
        methods=["POST"],
        action="release.organise",
        rate="moderate",
        body=OrganiserDraft,
        responses={201: ReleaseEnvelope, 404: ErrorBody},
        summary="Organisers: a new release (a draft), expo-wide or for an exhibitor",
        tags=["hall"],
    ),
    route(
        "/api/releases/{release_id}",
        get_release,
        methods=["GET"],
        action="release.read",
        path_params=ReleasePath,
        responses={200: ReleaseEnvelope, 404: ErrorBody},
        summary="One release (not published: only for its staff and organisers)",
        tags=["hall"],
    ),
    route(
        "/api/releases/{release_id}",
        edit_release,
        methods=["PATCH"],
        action="release.write",
        rate="moderate",
        body=ReleaseChanges,
        path_params=ReleasePath,
        target=release_of_path,
        responses=RELEASE,
        summary="Change a release's texts, kind, images or documents",
        tags=["hall"],
    ),
    *[
        route(
            f"/api/releases/{{release_id}}/{move}",
            _mover(move),
            methods=["POST"],
            action="release.write" if move in (Move.SUBMIT, Move.WITHDRAW) else "release.approve",
            rate="moderate",
            body=MoveForm,
            path_params=ReleasePath,
            # Organisers' moves are on any release: a role rule, the handler finds it (or 404).
            target=release_of_path if move in (Move.SUBMIT, Move.WITHDRAW) else None,
            responses=RELEASE,
            summary=summary,
            tags=["hall"],
        )
        for move, summary in (
            (Move.SUBMIT, "Submit a release: pending approval, or published when none is needed"),
            (Move.WITHDRAW, "Withdraw a release: gone from every feed at once"),
            (Move.APPROVE, "Organisers: approve a pending release (it goes live)"),
            (Move.PUBLISH, "Organisers: publish a release directly"),
        )
    ],
    route(
        "/api/releases/{release_id}/reject",
        reject_release,
        methods=["POST"],
        action="release.approve",
        rate="moderate",
        body=Rejection,
        path_params=ReleasePath,
        responses=RELEASE,
        summary="Organisers: reject a pending release, with the reason its staff will read",
        tags=["hall"],
    ),
    route(
        "/api/exhibitors/{exhibitor_id}/releases",
        create_for_exhibitor,
        methods=["POST"],
        action="release.write_booth",
        rate="moderate",
        body=ReleaseDraft,
        path_params=ExhibitorPath,
        target=booth_of_path,
        responses={201: ReleaseEnvelope, 403: ErrorBody, 404: ErrorBody},
        summary="An exhibitor's new release (a draft)",
        tags=["hall"],
    ),
    route(
        "/api/exhibitors/{exhibitor_id}/releases",
        exhibitor_releases,
        methods=["GET"],
        action="release.write_booth",
        path_params=ExhibitorPath,
        target=booth_of_path,
        responses={200: BoothReleases, 403: ErrorBody, 404: ErrorBody},
        summary="Every release of an exhibitor, in every state (its staff's editor)",
        tags=["hall"],
    ),
    route(
        "/api/hall/releases",
        all_releases,
        methods=["GET"],
        action="release.organise",
        query=StateQuery,
        responses={200: AllReleases},
        summary="Organisers: every release, or those in one state (the approval queue)",
        tags=["hall"],
    ),
    route(
        "/api/hall/settings",
        get_settings,
        methods=["GET"],
        action="hall.settings",
        responses={200: Settings},
        summary="Organisers: the hall's settings",
        tags=["hall"],
    ),
    route(
        "/api/hall/settings",
        put_settings,
        methods=["PUT"],
        action="hall.settings",
        rate="moderate",
        body=Settings,
        responses={200: Settings},
        summary="Organisers: require approval before releases go live, or not",
        tags=["hall"],
    ),
]

# Staff of the release's exhibitor and organisers (an expo-wide release: organisers only).
permissions = {
    "release.read": ANYONE,
    "release.write": STAFF_OF_BOOTH,
    "release.write_booth": STAFF_OF_BOOTH,
    "release.approve": ORGANISERS,
    "release.organise": ORGANISERS,
    "hall.settings": ORGANISERS,
}
