"""The hall's HTTP routes: the exhibitors of the hall."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlmodel import col, select
from starlette.requests import Request

from expo.bilingual import Names
from expo.http import JSONResponse, route, services
from expo.industries import industry_label
from expo.models import Exhibitor
from expo.permissions import ANYONE


class Industry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    zh: str
    en: str


class ExhibitorOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: Names
    industry: Industry
    summary: Names


class ExhibitorList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exhibitors: list[ExhibitorOut]


def exhibitor_view(row: Exhibitor) -> dict[str, object]:
    return {
        "id": row.id,
        "name": {"zh": row.name_zh, "en": row.name_en},
        "industry": industry_label(row.industry),
        "summary": {"zh": row.summary_zh, "en": row.summary_en},
    }


async def list_exhibitors(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        rows = (await db.execute(select(Exhibitor).order_by(col(Exhibitor.id)))).scalars().all()
    return JSONResponse({"exhibitors": [exhibitor_view(r) for r in rows]})


routes = [
    route(
        "/api/exhibitors",
        list_exhibitors,
        methods=["GET"],
        action="hall.read",
        responses={200: ExhibitorList},
        summary="The exhibitors of the expo hall",
    ),
]

permissions = {"hall.read": ANYONE}
