"""The hall's queries: which exhibitors match a search, in which order, a page at a time.

Searching goes through the index of each database (search_index.py): never `LIKE '%…%'` over
every row. Filters by industry go through `booth_industry` (indexed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, literal_column, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from expo.hall.models import SEARCH_TABLE, TIER_ORDER, Booth, BoothIndustry, Product, Tier
from expo.hall.search_index import dialect_of
from expo.hall.search_rules import Term, fts5_match, like_words, tsquery
from expo.models import Exhibitor


@dataclass(frozen=True, slots=True)
class Filters:
    terms: Sequence[Term] = ()
    industry: str | None = None
    tier: str | None = None


@dataclass(frozen=True, slots=True)
class CardRow:
    id: int
    name_zh: str
    name_en: str
    summary_zh: str
    summary_en: str
    industry: str
    tier: str
    position: int
    industries: list[str]
    logo_upload_id: int | None


TIER = func.coalesce(col(Booth.tier), Tier.STANDARD.value)
TIER_RANK = case(
    *((TIER == tier.value, rank) for tier, rank in TIER_ORDER.items()), else_=len(TIER_ORDER)
)
# An exhibitor with no booth row yet stands after those the organisers placed.
POSITION = func.coalesce(col(Booth.position), 2**31 - 1)


def conditions(dialect: str, filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.terms:
        if dialect == "sqlite":
            index = text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :match")
            found.append(
                col(Exhibitor.id).in_(
                    index.bindparams(match=fts5_match(list(filters.terms))).columns(
                        literal_column("rowid")
                    )
                )
            )
        else:
            index = text(
                f"SELECT exhibitor_id FROM {SEARCH_TABLE} WHERE tokens @@ CAST(:query AS tsquery)"
            )
            found.append(
                col(Exhibitor.id).in_(
                    index.bindparams(query=tsquery(list(filters.terms))).columns(
                        literal_column("exhibitor_id")
                    )
                )
            )
    if filters.industry is not None:
        found.append(
            col(Exhibitor.id).in_(
                select(BoothIndustry.exhibitor_id).where(BoothIndustry.industry == filters.industry)
            )
        )
    if filters.tier is not None:
        found.append(TIER == filters.tier)
    return found


def _base(columns: Sequence[Any], where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    query: Select[Any] = select(*columns).select_from(Exhibitor).outerjoin(Booth)
    return query.where(and_(*where)) if where else query


CARD_COLUMNS = (
    col(Exhibitor.id),
    col(Exhibitor.name_zh),
    col(Exhibitor.name_en),
    col(Exhibitor.summary_zh),
    col(Exhibitor.summary_en),
    col(Exhibitor.industry),
    TIER.label("tier"),
    POSITION.label("position"),
    col(Booth.industries),
    col(Booth.logo_upload_id),
)


def _card(row: Any) -> CardRow:
    industries = row.industries if isinstance(row.industries, list) else [row.industry]
    return CardRow(
        row.id,
        row.name_zh,
        row.name_en,
        row.summary_zh,
        row.summary_en,
        row.industry,
        row.tier,
        row.position,
        industries,
        row.logo_upload_id,
    )


def order_of(sort: str, lang: str) -> list[Any]:
    if sort == "name":
        name = func.lower(col(Exhibitor.name_en)) if lang == "en" else col(Exhibitor.name_zh)
        return [name, col(Exhibitor.id)]
    return [TIER_RANK, POSITION, col(Exhibitor.id)]


async def count(db: AsyncSession, filters: Filters) -> int:
    where = conditions(dialect_of(db), filters)
    return int((await db.execute(_base([func.count()], where))).scalar_one())


async def page(
    db: AsyncSession, filters: Filters, sort: str, lang: str, offset: int, limit: int
) -> tuple[int, list[CardRow]]:
    """How many match, and a page of them in the order of `sort` ("tier" or "name").

    One pass over the matches: the ids are sorted narrow, counted by a window over the same
    rows, and only the page's cards are read whole."""
    where = conditions(dialect_of(db), filters)
    query = (
        _base([col(Exhibitor.id), func.count().over().label("total")], where)
        .order_by(*order_of(sort, lang))
        .offset(offset)
        .limit(limit)
    )
    rows = (await db.execute(query)).all()
    if not rows:  # nothing matches, or the page is past the end: count them on their own
        return (await count(db, filters) if offset else 0), []
    return int(rows[0].total), await cards(db, [r.id for r in rows])


async def all_ids(db: AsyncSession, filters: Filters) -> list[int]:
    """Every matching exhibitor's id in the hall's order (tier, then position): what "busy"
    sorts again by the audience, which only the broker knows."""
    where = conditions(dialect_of(db), filters)
    query = _base([col(Exhibitor.id)], where).order_by(*order_of("tier", "zh"))
    return [r for r in (await db.execute(query)).scalars().all()]


async def cards(db: AsyncSession, ids: Sequence[int]) -> list[CardRow]:
    """The cards of these exhibitors, in the order given."""
    if not ids:
        return []
    rows = (await db.execute(_base(CARD_COLUMNS, [col(Exhibitor.id).in_(ids)]))).all()
    by_id = {r.id: _card(r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


async def like_scan(db: AsyncSession, query: str) -> list[int]:
    """The baseline the index is measured against (bench/hall_search.py only): every word as
    `LIKE '%word%'` over names, descriptions and products, which reads every row."""
    words = like_words(query)
    where = []
    for word in words:
        pattern = f"%{word}%"
        products = select(Product.exhibitor_id).where(
            func.lower(col(Product.name_zh)).like(pattern)
            | func.lower(col(Product.name_en)).like(pattern)
            | func.lower(col(Product.description_zh)).like(pattern)
            | func.lower(col(Product.description_en)).like(pattern)
        )
        where.append(
            func.lower(col(Exhibitor.name_zh)).like(pattern)
            | func.lower(col(Exhibitor.name_en)).like(pattern)
            | func.lower(func.coalesce(col(Booth.description_zh), "")).like(pattern)
            | func.lower(func.coalesce(col(Booth.description_en), "")).like(pattern)
            | col(Exhibitor.id).in_(products)
        )
    query_ = _base([col(Exhibitor.id)], where).order_by(*order_of("tier", "zh"))
    return [r for r in (await db.execute(query_)).scalars().all()]
