"""The hall's HTTP routes: the hall (search, filters, sorts, pages) and the public booth."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from expo.bilingual import Names
from expo.errors import BadRequest
from expo.hall import live_counts, search_store
from expo.hall.access import unknown_exhibitor
from expo.hall.booth_view import booth_detail, card_view
from expo.hall.models import Tier
from expo.hall.search_rules import MAX_QUERY_CHARS, query_terms
from expo.http import ErrorBody, JSONResponse, path_int, route, services
from expo.industries import INDUSTRIES, IndustryLabel, industry_label
from expo.models import Exhibitor
from expo.permissions import ANYONE

SORTS = ("tier", "name", "busy")
MAX_PER_PAGE = 48
MAX_PAGE = 10_000


class HallQuery(BaseModel):
    """`GET /api/exhibitors`: every parameter optional."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(
        default="",
        max_length=MAX_QUERY_CHARS,
        description="Words of a name, product or description, in either language (算力, cloud).",
    )
    industry: str | None = Field(default=None, description="An industry key (expo/industries).")
    tier: Literal["platinum", "gold", "silver", "standard"] | None = None
    sort: Literal["tier", "name", "busy"] = "tier"
    lang: Literal["zh", "en"] = Field(default="zh", description="The names `sort=name` sorts.")
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    per_page: int = Field(default=24, ge=1, le=MAX_PER_PAGE)


class ExhibitorPath(BaseModel):
    exhibitor_id: int = Field(ge=1, le=2**31 - 1, examples=[4])


class Card(BaseModel):
    id: int
    name: Names
    summary: Names
    logo: str | None
    industries: list[IndustryLabel]
    tier: str
    visitors_now: int
    staff_online: int


class HallPage(BaseModel):
    exhibitors: list[Card]
    industries: list[IndustryLabel]  # the expo's vocabulary, for the industry filter
    total: int
    page: int
    per_page: int
    sort: str


class Titled(BaseModel):
    title: Names
    url: str


class ProductOut(BaseModel):
    id: int
    name: Names
    description: Names
    image: str | None


class DocumentOut(BaseModel):
    id: int
    title: Names
    filename: str
    content_type: str
    size: int
    url: str


class BoothOut(BaseModel):
    id: int
    name: Names
    summary: Names
    description: Names
    industries: list[IndustryLabel]
    tier: str
    logo: str | None
    products: list[ProductOut]
    documents: list[DocumentOut]
    videos: list[Titled]
    links: list[Titled]
    on_duty: list[dict[str, Any]]
    visitors_now: int
    staff_online: int
    version: int


def _one(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise BadRequest("hall.bad_query", f"`{name}` is given once.")
    return values[0] if values else None


def hall_query(request: Request) -> HallQuery:
    """The query string, each bad parameter refused with a code of its own."""
    unknown = set(request.query_params) - set(HallQuery.model_fields)
    if unknown:
        raise BadRequest("hall.bad_query", f"Unknown parameter `{sorted(unknown)[0]}`.")
    raw = {k: v for k in HallQuery.model_fields if (v := _one(request, k)) is not None}
    if "industry" in raw and raw["industry"] not in INDUSTRIES:
        raise BadRequest("hall.bad_industry", "`industry` is one of the expo's industry keys.")
    if "tier" in raw and raw["tier"] not in {t.value for t in Tier}:
        raise BadRequest("hall.bad_tier", "`tier` is platinum, gold, silver or standard.")
    if "sort" in raw and raw["sort"] not in SORTS:
        raise BadRequest("hall.bad_sort", "`sort` is tier, name or busy.")
    if "lang" in raw and raw["lang"] not in ("zh", "en"):
        raise BadRequest("hall.bad_lang", "`lang` is zh or en.")
    if len(raw.get("q", "")) > MAX_QUERY_CHARS:
        raise BadRequest("hall.query_too_long", f"`q` is at most {MAX_QUERY_CHARS} characters.")
    for name, high in (("page", MAX_PAGE), ("per_page", MAX_PER_PAGE)):
        if name in raw:
            value = raw[name]
            if not value.isdigit() or not 1 <= int(value) <= high:
                raise BadRequest(f"hall.bad_{name}", f"`{name}` is a number from 1 to {high}.")
    return HallQuery.model_validate(raw)


async def list_exhibitors(request: Request) -> JSONResponse:
    query = hall_query(request)
    svc = services(request)
    filters = search_store.Filters(query_terms(query.q), query.industry, query.tier)
    offset = (query.page - 1) * query.per_page
    async with svc.read() as db:
        if query.sort == "busy":
            ids = await search_store.all_ids(db, filters)
            total = len(ids)
            audience = await live_counts.visitors(svc, ids)
            # Most visitors first; equal ones in the hall's order (tier, position): a stable
            # sort of the ids as the database ordered them.
            ids.sort(key=lambda i: -audience[i])
            rows = await search_store.cards(db, ids[offset : offset + query.per_page])
            live = await live_counts.counts(svc, [r.id for r in rows])
        else:
            total, rows = await search_store.page(
                db, filters, query.sort, query.lang, offset, query.per_page
            )
            live = await live_counts.counts(svc, [r.id for r in rows])
    return JSONResponse(
        {
            "exhibitors": [card_view(r, *live.get(r.id, (0, 0))) for r in rows],
            "total": total,
            "page": query.page,
            "per_page": query.per_page,
            "sort": query.sort,
            "industries": [industry_label(k) for k in INDUSTRIES],
        }
    )


async def show_booth(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    svc = services(request)
    async with svc.read() as db:
        exhibitor = await db.get(Exhibitor, exhibitor_id)
        if exhibitor is None:
            raise unknown_exhibitor(exhibitor_id)
        visitors, staff = (await live_counts.counts(svc, [exhibitor_id]))[exhibitor_id]
        return JSONResponse(await booth_detail(db, exhibitor, visitors, staff))


routes = [
    route(
        "/api/exhibitors",
        list_exhibitors,
        methods=["GET"],
        action="hall.read",
        query=HallQuery,
        responses={200: HallPage, 400: ErrorBody},
        summary="The expo hall: exhibitors found by words in either language, a page at a time",
    ),
    route(
        "/api/exhibitors/{exhibitor_id}",
        show_booth,
        methods=["GET"],
        action="hall.read",
        path_params=ExhibitorPath,
        responses={200: BoothOut, 404: ErrorBody},
        summary="An exhibitor's booth: description, products, documents, videos, links",
    ),
]

permissions = {"hall.read": ANYONE}
