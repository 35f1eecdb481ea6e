"""The booth's staff and their host (organisers too; staff of another booth never, checked on
the booth before the handler runs): switch it on or off, read what it answered, correct an
answer (the correction becomes an FAQ entry the host prefers from then on).

    GET  /api/exhibitors/{id}/host/status   (anyone)      {"enabled"}: the booth page asks
    GET  /api/exhibitors/{id}/host                        {"host": {"enabled", "version"}}
    PUT  /api/exhibitors/{id}/host          {"enabled"}   {"host": {...}}
    GET  /api/exhibitors/{id}/host/answers?limit=50       {"answers": [...]} newest first
    POST /api/exhibitors/{id}/host/answers/{answer_id}/correction
                                            {"answer", "question"?}  201 {"faq": {...}}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from expo.errors import BadRequest, NotFound
from expo.hall.public import STAFF_OF_BOOTH, booth_of_path
from expo.http import ErrorBody, JSONResponse, path_int, principal, query_int, read_json, route
from expo.http import services as services_of
from expo.models import utcnow
from expo.permissions import ANYONE
from host import store
from host.answer import MAX_QUESTION_CHARS
from host.models import HostFaq, HostSetting
from host.passages import language_of
from host.views import faq_view, logged_view

MAX_ANSWER_CHARS = 2000
ID_MAX = 2**31 - 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Switch(_Strict):
    enabled: bool


class Correction(_Strict):
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)
    # The question the entry answers; the visitor's, when not given.
    question: str | None = Field(default=None, min_length=1, max_length=MAX_QUESTION_CHARS)


class BoothPath(BaseModel):
    exhibitor_id: int = Field(ge=1, le=ID_MAX, examples=[1])


class AnswerPath(BoothPath):
    answer_id: int = Field(ge=1, le=ID_MAX, examples=[1])


class AnswersQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=200)


class HostOut(BaseModel):
    host: dict[str, Any]


class AnswersOut(BaseModel):
    answers: list[dict[str, Any]]


class FaqOut(BaseModel):
    faq: dict[str, Any]


def setting_view(exhibitor_id: int, row: HostSetting | None) -> dict[str, Any]:
    return {
        "booth": exhibitor_id,
        "enabled": bool(row and row.enabled),
        "version": row.version if row else 0,
    }


async def read_host(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    async with services_of(request).read() as db:
        row = await store.setting_of(db, exhibitor_id)
    return JSONResponse({"host": setting_view(exhibitor_id, row)})


async def host_status(request: Request) -> JSONResponse:
    """Whether visitors may ask: all a booth page needs to show the host's box."""
    exhibitor_id = path_int(request, "exhibitor_id")
    async with services_of(request).read() as db:
        row = await store.setting_of(db, exhibitor_id)
    return JSONResponse({"enabled": bool(row and row.enabled)})


class StatusOut(BaseModel):
    enabled: bool


async def switch_host(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    form = await read_json(request, Switch)
    who = principal(request)
    assert who is not None  # the rule lets only staff and organisers in
    async with services_of(request).db() as db:
        row = await store.switch(db, exhibitor_id, form.enabled, who.account_id)
    return JSONResponse({"host": setting_view(exhibitor_id, row)})


async def list_answers(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    limit = query_int(request, "limit", 50, low=1, high=200) or 50
    async with services_of(request).read() as db:
        rows = await store.recent_answers(db, exhibitor_id, limit)
    return JSONResponse({"answers": [logged_view(r) for r in rows]})


def _text(raw: str, limit: int, field: str) -> str:
    cleaned = " ".join(raw.split())[:limit]
    if not cleaned:
        raise BadRequest("host.empty", f"The {field} is empty.")
    return cleaned


async def correct_answer(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    answer_id = path_int(request, "answer_id")
    form = await read_json(request, Correction)
    who = principal(request)
    assert who is not None
    text = _text(form.answer, MAX_ANSWER_CHARS, "answer")
    async with services_of(request).db() as db:
        row = await store.answer_of(db, answer_id)
        if row is None or row.exhibitor_id != exhibitor_id:
            raise NotFound("host.answer_unknown", f"There is no answer {answer_id} here.")
        question = _text(form.question or row.question, MAX_QUESTION_CHARS, "question")
        faq = await store.correct(
            db,
            row,
            HostFaq(
                exhibitor_id=exhibitor_id,
                question=question,
                answer=text,
                language=language_of(question),
                created_by=who.account_id,
            ),
            who.account_id,
            utcnow(),
        )
    return JSONResponse({"faq": faq_view(faq)}, status_code=201)


HOST = "/api/exhibitors/{exhibitor_id}/host"
ERRORS = {403: ErrorBody, 404: ErrorBody}

routes = [
    route(
        f"{HOST}/status",
        host_status,
        methods=["GET"],
        action="host.status",
        path_params=BoothPath,
        responses={200: StatusOut},
        summary="Whether the booth's host answers visitors (anyone may ask)",
    ),
    route(
        HOST,
        read_host,
        methods=["GET"],
        action="host.manage",
        target=booth_of_path,
        path_params=BoothPath,
        responses={200: HostOut, **ERRORS},
        summary="Whether the booth's host answers visitors",
    ),
    route(
        HOST,
        switch_host,
        methods=["PUT"],
        action="host.manage",
        rate="moderate",
        target=booth_of_path,
        body=Switch,
        path_params=BoothPath,
        responses={200: HostOut, **ERRORS},
        summary="Switch the booth's host on or off",
    ),
    route(
        f"{HOST}/answers",
        list_answers,
        methods=["GET"],
        action="host.manage",
        target=booth_of_path,
        path_params=BoothPath,
        query=AnswersQuery,
        responses={200: AnswersOut, **ERRORS},
        summary="What the booth's host answered lately, newest first",
    ),
    route(
        f"{HOST}/answers/{{answer_id}}/correction",
        correct_answer,
        methods=["POST"],
        action="host.manage",
        rate="moderate",
        target=booth_of_path,
        body=Correction,
        path_params=AnswerPath,
        responses={201: FaqOut, **ERRORS},
        summary="Correct an answer of the host: the correction becomes an FAQ entry",
    ),
]

permissions = {"host.manage": STAFF_OF_BOOTH, "host.status": ANYONE}
