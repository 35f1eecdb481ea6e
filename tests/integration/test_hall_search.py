"""The hall over real HTTP and sockets, on SQLite and on PostgreSQL: search in either language
(2-character Chinese inside longer words, English prefixes, product text), filters, paging,
sorts, refusals with codes, the index actually used, the public booth, and the live counts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from expo.hall import search_store
from expo.hall.models import Booth, Product, Upload
from expo.hall.search_index import reindex
from expo.hall.search_rules import query_terms
from expo.models import Exhibitor
from tests.hall_content import bare_booths
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

STAFF = "exhibitor@demo.shubo.live"  # staff of exhibitor 1 (黔算云)
ORGANIZER = "organizer@demo.shubo.live"
FREIGHT, CLOUD_RENDER, PANSHI = 10, 7, 5


async def add_content(server: LiveServer) -> int:
    """Products, documents and links on the demo booths (as the editing branch will), and an
    exhibitor made elsewhere with no booth row; each change reindexed in its transaction."""
    async with server.services.db() as db:
        db.add(
            Product(
                exhibitor_id=FREIGHT,
                name_zh="全国一体化算力网络调度",
                name_en="National compute network scheduler",
                description_zh="冷链运力的实时撮合。",
                description_en="Real-time matching of refrigerated capacity.",
                image_upload_id=41,
            )
        )
        db.add_all(
            [
                Upload(
                    exhibitor_id=FREIGHT,
                    kind="pdf",
                    content_type="application/pdf",
                    filename="brochure.pdf",
                    size=12345,
                    sha256="0" * 64,
                    title_zh="产品手册",
                    title_en="Brochure",
                    listed=True,
                ),
                Upload(
                    exhibitor_id=FREIGHT,
                    kind="pdf",
                    content_type="application/pdf",
                    filename="draft.pdf",
                    size=1,
                    sha256="1" * 64,
                    listed=False,
                ),
            ]
        )
        booth = await db.get(Booth, FREIGHT)
        assert booth is not None
        booth.links = [
            {"title_zh": "官网", "title_en": "Website", "url": "https://freight.example.org/"},
            {"title_zh": "坏", "title_en": "Bad", "url": "javascript:alert(1)"},
        ]
        booth.videos = [{"title_zh": "演示", "title_en": "Demo", "url": "/media/demo.mp4"}]
        await reindex(db, FREIGHT)
        elsewhere = Exhibitor(name_zh="无展台科技", name_en="Boothless Ltd", industry="blockchain")
        db.add(elsewhere)
        await db.flush()
        assert elsewhere.id is not None
        await reindex(db, elsewhere.id)
        await db.commit()
        return elsewhere.id


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def hall(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[LiveServer, int]]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('hall') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            await bare_booths(live)
            yield live, await add_content(live)
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url)) as live:
                await bare_booths(live)
                yield live, await add_content(live)


async def get(server: LiveServer, path: str, **params: Any) -> Any:
    async with server.http() as http:
        response = await http.get(path, params=params)
    return response.status_code, response.json()


async def found(server: LiveServer, **params: Any) -> list[int]:
    status, body = await get(server, "/api/exhibitors", per_page=48, **params)
    assert status == 200, body
    return [e["id"] for e in body["exhibitors"]]


async def test_two_chinese_characters_find_them_inside_longer_words(hall):
    server, _ = hall
    # 黔算云: 算力调度 in its description; 货运通: 全国一体化算力网络调度, a product's name.
    assert sorted(await found(server, q="算力")) == [1, FREIGHT]
    assert await found(server, q="一体化算力网络") == [FREIGHT]
    assert await found(server, q="力算") == []  # the same characters in another order
    assert await found(server, q="冷链") == [FREIGHT]  # a product's description
    assert sorted(await found(server, q="液冷")) == [3]  # 筑城液冷
    assert sorted(await found(server, q="冷")) == [3, FREIGHT]  # one character


async def test_english_words_are_prefixes_in_names_products_and_descriptions(hall):
    server, elsewhere = hall
    assert await found(server, q="secu") == [PANSHI]
    assert await found(server, q="Refrigerated") == [FREIGHT]
    assert await found(server, q="scheduler") == [FREIGHT]
    assert sorted(await found(server, q="cloud")) == [1, CLOUD_RENDER]  # name; industry label
    assert await found(server, q="boothless") == [elsewhere]  # no booth row: default content
    assert await found(server, q="cloud 影视") == [CLOUD_RENDER]  # both languages, every word
    assert len(await found(server, q="!!!")) == 13  # no word: no search


async def test_industry_and_tier_filter_and_combine_with_words(hall):
    server, elsewhere = hall
    assert await found(server, industry="data-security") == [PANSHI]
    assert await found(server, industry="blockchain") == [elsewhere]
    assert await found(server, industry="logistics", q="算力") == [FREIGHT]
    assert await found(server, industry="logistics", q="secu") == []
    assert await found(server, tier="platinum") == [1, 2]
    assert await found(server, tier="standard", q="算力") == [FREIGHT]


async def test_pages_and_sorts(hall):
    server, elsewhere = hall
    status, first = await get(server, "/api/exhibitors", per_page=5)
    assert (status, first["total"], first["page"], first["per_page"]) == (200, 13, 1, 5)
    assert [e["id"] for e in first["exhibitors"]] == [1, 2, 3, 4, 5]  # tier, then order
    _, third = await get(server, "/api/exhibitors", per_page=5, page=3)
    assert [e["id"] for e in third["exhibitors"]] == [11, 12, elsewhere]
    _, beyond = await get(server, "/api/exhibitors", per_page=5, page=9)
    assert (beyond["total"], beyond["exhibitors"]) == (13, [])
    by_name = await found(server, sort="name", lang="en")
    _, body = await get(server, "/api/exhibitors", sort="name", lang="en", per_page=48)
    names = [e["name"]["en"].lower() for e in body["exhibitors"]]
    assert names == sorted(names) and by_name[0] == elsewhere  # "boothless" first
    zh = await found(server, sort="name", lang="zh")
    assert len(zh) == 13 and zh != by_name


async def test_busy_sorts_by_visitors_now(hall):
    server, _ = hall
    async with server.connect() as a, server.connect() as b, server.connect() as c:
        for ws, topic in [(a, "booth:9"), (b, "booth:9"), (c, "booth:6")]:
            assert (await Peer(ws).command("subscribe", {"topic": topic}))["type"] == "ok"
        for _ in range(100):
            _, body = await get(server, "/api/exhibitors", sort="busy", per_page=3)
            if [e["id"] for e in body["exhibitors"]] == [9, 6, 1]:
                break
            await asyncio.sleep(0.05)
        assert [(e["id"], e["visitors_now"]) for e in body["exhibitors"]] == [
            (9, 2),
            (6, 1),
            (1, 0),
        ]
        assert body["total"] == 13
        _, searched = await get(server, "/api/exhibitors", sort="busy", q="算力")
        assert [e["id"] for e in searched["exhibitors"]] == [1, FREIGHT]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"industry": "nope"}, "hall.bad_industry"),
        ({"tier": "bronze"}, "hall.bad_tier"),
        ({"sort": "random"}, "hall.bad_sort"),
        ({"lang": "fr"}, "hall.bad_lang"),
        ({"page": "0"}, "hall.bad_page"),
        ({"page": "x"}, "hall.bad_page"),
        ({"per_page": "49"}, "hall.bad_per_page"),
        ({"q": "算" * 101}, "hall.query_too_long"),
        ({"color": "red"}, "hall.bad_query"),
        ({"sort": ["name", "tier"]}, "hall.bad_query"),
    ],
)
async def test_bad_parameters_are_refused_with_a_code(hall, params, code):
    server, _ = hall
    status, body = await get(server, "/api/exhibitors", **params)
    assert (status, body["error"]["code"]) == (400, code)


async def test_the_search_reads_the_index_not_every_row(hall):
    server, _ = hall
    async with server.services.read() as db:
        if db.get_bind().dialect.name == "sqlite":
            plan = (
                await db.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT rowid FROM booth_search"
                        " WHERE booth_search MATCH :q"
                    ),
                    {"q": '"算力"'},
                )
            ).all()
            assert "VIRTUAL TABLE INDEX" in " ".join(str(r[-1]) for r in plan)
        else:
            await db.execute(text("SET LOCAL enable_seqscan = off"))
            plan = (
                await db.execute(
                    text(
                        "EXPLAIN SELECT exhibitor_id FROM booth_search"
                        " WHERE tokens @@ CAST(:q AS tsquery)"
                    ),
                    {"q": "'算力'"},
                )
            ).all()
            assert "ix_booth_search_tokens" in " ".join(r[0] for r in plan)


async def test_a_change_reindexed_in_its_transaction_is_found_at_once(hall):
    server, _ = hall
    assert await found(server, q="量子") == []
    async with server.services.db() as db:
        booth = await db.get(Booth, 11)
        assert booth is not None
        old = booth.description_zh
        booth.description_zh = "量子计算与数字孪生"
        await reindex(db, 11)
        await db.commit()
    assert await found(server, q="量子") == [11]
    async with server.services.db() as db:
        booth = await db.get(Booth, 11)
        assert booth is not None
        booth.description_zh = old
        await reindex(db, 11)
        await db.commit()
    assert await found(server, q="量子") == []


async def test_the_public_booth(hall):
    server, _ = hall
    status, booth = await get(server, f"/api/exhibitors/{FREIGHT}")
    assert status == 200
    assert booth["name"] == {"zh": "货运通", "en": "FreightLink"}
    assert booth["industries"] == [
        {"key": "logistics", "zh": "物流与货运平台", "en": "Logistics and freight platforms"}
    ]
    assert booth["products"][0]["name"]["zh"] == "全国一体化算力网络调度"
    assert booth["products"][0]["image"] == "/api/uploads/41"
    assert [(d["title"]["en"], d["size"], d["url"][:13]) for d in booth["documents"]] == [
        ("Brochure", 12345, "/api/uploads/")
    ]
    assert booth["links"] == [
        {"title": {"zh": "官网", "en": "Website"}, "url": "https://freight.example.org/"}
    ]  # javascript: is never handed to the page
    assert booth["videos"] == [{"title": {"zh": "演示", "en": "Demo"}, "url": "/media/demo.mp4"}]
    assert booth["on_duty"] == [] and booth["version"] >= 1
    assert (await get(server, "/api/exhibitors/999"))[1]["error"]["code"] == "exhibitor.unknown"
    assert (await get(server, "/api/exhibitors/999"))[0] == 404
    assert (await get(server, f"/api/exhibitors/{2**31}"))[0] == 400


async def test_an_exhibitor_without_a_booth_row_shows_the_default_booth(hall):
    server, elsewhere = hall
    status, booth = await get(server, f"/api/exhibitors/{elsewhere}")
    assert status == 200
    assert (booth["tier"], booth["products"], booth["industries"][0]["key"]) == (
        "standard",
        [],
        "blockchain",
    )


async def test_staff_online_counts_that_exhibitors_staff_once_not_organisers(hall):
    server, _ = hall
    staff = await server.sign_in(STAFF)
    organiser = await server.sign_in(ORGANIZER)
    async with (
        server.connect(staff) as tab1,
        server.connect(staff) as tab2,
        server.connect(organiser) as boss,
        server.connect() as visitor,
        server.connect() as hall_page,
    ):
        for ws, topic in [
            (tab1, "booth-staff:1"),
            (tab2, "booth-staff:1"),
            (boss, "booth-staff:1"),
            (visitor, "booth:1"),
        ]:
            assert (await Peer(ws).command("subscribe", {"topic": topic}))["type"] == "ok"
        watcher = Peer(hall_page)
        assert (await watcher.command("subscribe", {"topic": "hall-live:0"}))["type"] == "ok"
        counts: dict[str, int] = {}
        async with asyncio.timeout(10):
            while counts.get("booth:1") != 1 or counts.get("booth-staff:1") != 1:
                counts = (await watcher.event("presence.summary"))["data"]["counts"]
        assert set(counts) == {f"{k}:{i}" for i in range(1, 14) for k in ("booth", "booth-staff")}
        status, booth = await get(server, "/api/exhibitors/1")
        assert (booth["visitors_now"], booth["staff_online"]) == (1, 1)
        _, page = await get(server, "/api/exhibitors", per_page=1)
        assert (page["exhibitors"][0]["visitors_now"], page["exhibitors"][0]["staff_online"]) == (
            1,
            1,
        )
    async with server.connect(staff) as ws:
        refused = Peer(ws)
        reply = await refused.command("subscribe", {"topic": "booth-staff:2"})
        assert reply["error"]["code"] == "forbidden"  # staff of another exhibitor
        bad = await refused.command("subscribe", {"topic": "hall-live:x"})
        assert bad["error"]["code"] == "hall.unknown_block"


async def test_products_in_the_database_are_the_index_source(hall):
    """The index holds what reindex read: a product deleted and reindexed is no longer found."""
    server, _ = hall
    async with server.services.db() as db:
        product = Product(exhibitor_id=12, name_zh="隐私计算盒子", name_en="Privacy box")
        db.add(product)
        await db.flush()
        await reindex(db, 12)
        await db.commit()
    assert await found(server, q="隐私") == [12]
    async with server.services.db() as db:
        for row in (await db.execute(select(Product).where(Product.exhibitor_id == 12))).scalars():
            await db.delete(row)
        await reindex(db, 12)
        await db.commit()
    assert await found(server, q="隐私") == []


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
async def test_the_migration_indexes_the_booths_that_exist(database, tmp_path):
    """Down to the hall's first revision (the index dropped), then up again: the booths already
    in the database are found at once, by words and by industry."""
    from alembic import command

    from expo.db import make_engine, make_sessionmaker
    from expo.features import load_features
    from expo.migrate import alembic_config, upgrade_async

    async def found_now(url: str) -> tuple[list[int], list[int]]:
        engine = make_engine(url)
        async with make_sessionmaker(engine)() as db:
            _, by_words = await search_store.page(
                db, search_store.Filters(query_terms("算力")), "tier", "zh", 0, 24
            )
            by_industry = search_store.Filters(industry="data-security")
            _, in_industry = await search_store.page(db, by_industry, "tier", "zh", 0, 24)
        await engine.dispose()
        return [r.id for r in by_words], [r.id for r in in_industry]

    async def check(url: str) -> None:
        await prepare_demo_database(url)
        seeded = await found_now(url)  # as the seed indexed them
        assert 1 in seeded[0] and seeded[1] == [PANSHI]
        config = alembic_config(url, load_features())
        await asyncio.to_thread(command.downgrade, config, "0001_hall")
        await upgrade_async(url)
        assert await found_now(url) == seeded

    if database == "sqlite":
        await check(f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}")
    else:
        async with fresh_postgres_database() as url:
            await check(url)
