"""The hall's search index: what a booth can be found by (its names, description, industries
and products in both languages), kept in step with the booth by whoever changes it.

Callers that change a booth's texts, its industries, its products or its exhibitor's names call
`reindex` in the same transaction, so the index never answers with a booth's old words.

One tokenizer (search_rules.py) for both databases, each with an index of its own kind:

- SQLite: an FTS5 table `booth_search(tokens)` (unicode61), rowid = the exhibitor's id;
- PostgreSQL: `booth_search(exhibitor_id, tokens tsvector)` with a GIN index, the tokens stored
  as lexemes as they are (`array_to_tsvector`: no stemming, no stop words).

Industries are rows of `booth_industry` (indexed), kept here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import TextClause
from sqlmodel import col, select

from expo.hall.models import SEARCH_TABLE, Booth, Product
from expo.hall.search_rules import document_tokens
from expo.industries import INDUSTRIES
from expo.models import Exhibitor

CREATE: dict[str, list[str]] = {
    "sqlite": [
        f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(tokens, tokenize='unicode61')",
    ],
    "postgresql": [
        f"CREATE TABLE {SEARCH_TABLE} (exhibitor_id INTEGER PRIMARY KEY"
        " REFERENCES exhibitor (id) ON DELETE CASCADE, tokens TSVECTOR NOT NULL)",
        f"CREATE INDEX ix_{SEARCH_TABLE}_tokens ON {SEARCH_TABLE} USING GIN (tokens)",
    ],
}

Statements = list[tuple[TextClause, Any]]


def booth_texts(
    exhibitor: Exhibitor, booth: Booth | None, products: Iterable[Product]
) -> tuple[list[str], list[str]]:
    """The texts a booth is found by, and its industries (a missing booth: the exhibitor's)."""
    industries = list(dict.fromkeys(booth.industries if booth else [exhibitor.industry]))
    texts = [exhibitor.name_zh, exhibitor.name_en]
    if booth is not None:
        texts += [booth.description_zh, booth.description_en]
    else:
        texts += [exhibitor.summary_zh, exhibitor.summary_en]
    for key in industries:
        texts += list(INDUSTRIES.get(key, ()))
    for product in products:
        texts += [product.name_zh, product.name_en, product.description_zh, product.description_en]
    return texts, [k for k in industries if isinstance(k, str) and 0 < len(k) <= 60]


def entry_statements(
    dialect: str, exhibitor_id: int, tokens: Sequence[str] | None, industries: Sequence[str]
) -> Statements:
    """Replace the booth's entry (tokens None: the exhibitor is gone, drop it)."""
    statements: Statements = [
        (text("DELETE FROM booth_industry WHERE exhibitor_id = :id"), {"id": exhibitor_id}),
    ]
    if dialect == "sqlite":
        statements.append(
            (text(f"DELETE FROM {SEARCH_TABLE} WHERE rowid = :id"), {"id": exhibitor_id})
        )
        if tokens is not None:
            statements.append(
                (
                    text(f"INSERT INTO {SEARCH_TABLE} (rowid, tokens) VALUES (:id, :tokens)"),
                    {"id": exhibitor_id, "tokens": " ".join(tokens)},
                )
            )
    elif tokens is None:
        statements.append(
            (text(f"DELETE FROM {SEARCH_TABLE} WHERE exhibitor_id = :id"), {"id": exhibitor_id})
        )
    else:
        statements.append(
            (
                text(
                    f"INSERT INTO {SEARCH_TABLE} (exhibitor_id, tokens)"
                    " VALUES (:id, array_to_tsvector(CAST(:tokens AS TEXT[])))"
                    " ON CONFLICT (exhibitor_id) DO UPDATE SET tokens = EXCLUDED.tokens"
                ),
                {"id": exhibitor_id, "tokens": list(tokens)},
            )
        )
    if tokens is not None and industries:
        statements.append(
            (
                text("INSERT INTO booth_industry (exhibitor_id, industry) VALUES (:id, :industry)"),
                [{"id": exhibitor_id, "industry": k} for k in industries],
            )
        )
    return statements


def dialect_of(db: AsyncSession) -> str:
    return db.get_bind().dialect.name


async def reindex(db: AsyncSession, exhibitor_id: int) -> None:
    """Rebuild the booth's entry in the index, in the caller's transaction."""
    exhibitor = await db.get(Exhibitor, exhibitor_id)
    if exhibitor is None:
        statements = entry_statements(dialect_of(db), exhibitor_id, None, [])
    else:
        booth = await db.get(Booth, exhibitor_id)
        products = (
            (await db.execute(select(Product).where(Product.exhibitor_id == exhibitor_id)))
            .scalars()
            .all()
        )
        texts, industries = booth_texts(exhibitor, booth, products)
        statements = entry_statements(
            dialect_of(db), exhibitor_id, document_tokens(texts), industries
        )
    for statement, params in statements:
        await db.execute(statement, params)


async def reindex_all(db: AsyncSession) -> int:
    """Index every exhibitor (the demo seed; a repair). Returns how many."""
    ids = (await db.execute(select(Exhibitor.id).order_by(col(Exhibitor.id)))).scalars().all()
    for exhibitor_id in ids:
        assert exhibitor_id is not None
        await reindex(db, exhibitor_id)
    return len(ids)


def reindex_all_sync(connection: Connection) -> None:
    """The migration's pass over the booths that exist already (plain SQL on its connection)."""
    dialect = connection.dialect.name
    exhibitors = connection.execute(
        text("SELECT id, name_zh, name_en, industry, summary_zh, summary_en FROM exhibitor")
    ).all()
    booths = {
        row.exhibitor_id: Booth(
            exhibitor_id=row.exhibitor_id,
            industries=row.industries if isinstance(row.industries, list) else [],
            description_zh=row.description_zh,
            description_en=row.description_en,
        )
        for row in connection.execute(
            select(
                col(Booth.exhibitor_id),
                col(Booth.industries),
                col(Booth.description_zh),
                col(Booth.description_en),
            )
        ).all()
    }
    products: dict[int, list[Product]] = {}
    for row in connection.execute(
        text("SELECT exhibitor_id, name_zh, name_en, description_zh, description_en FROM product")
    ).all():
        products.setdefault(row.exhibitor_id, []).append(Product(**row._mapping))
    for row in exhibitors:
        exhibitor = Exhibitor(**row._mapping)
        texts, industries = booth_texts(exhibitor, booths.get(row.id), products.get(row.id, []))
        for statement, params in entry_statements(
            dialect, row.id, document_tokens(texts), industries
        ):
            connection.execute(statement, params)
