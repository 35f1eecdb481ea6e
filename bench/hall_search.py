"""The hall's search with 5,000 exhibitors, on SQLite and on PostgreSQL, against a LIKE scan.

For each database (a fresh SQLite file; a fresh PostgreSQL database on EXPO_TEST_POSTGRES_URL's
server) the bench migrates, writes 5,000 exhibitors with booths and three products each (texts
drawn from the expo's industries, in Chinese and English), builds the index the way the
migration does, and then times, `--repeat` times each after a warm-up:

  store   the search itself (search_store: count + one page of 24), and the same words as
          `LIKE '%word%'` over names, descriptions and products (the baseline: every row read);
  http    GET /api/exhibitors end to end on a real server (uvicorn, in-process broker):
          Chinese 2-character and longer words, an English word and prefix, an industry filter,
          the busy sort (every exhibitor's audience read), and a page far down.

p50/p95 in milliseconds go to stdout and to bench/results/hall_search.json.

    PYTHONPATH=. python bench/hall_search.py               # 5,000 exhibitors, 50 runs each
    PYTHONPATH=. python bench/hall_search.py --exhibitors 500 --repeat 10   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from expo.db import make_engine, make_sessionmaker
from expo.features import load_features
from expo.hall import search_store
from expo.hall.models import Booth, Product, Tier
from expo.hall.search_index import reindex_all_sync
from expo.hall.search_rules import query_terms
from expo.industries import INDUSTRIES
from expo.migrate import upgrade_async
from expo.models import Exhibitor
from tests.live import live_server, make_settings
from tests.services import fresh_postgres_database

RESULTS = Path(__file__).parent / "results" / "hall_search.json"

# Words to build texts from: the expo's own vocabulary (expo-facts.md), both languages.
ZH_WORDS = [
    "东数西算",
    "算力调度",
    "数据中心",
    "液冷服务器",
    "数据要素",
    "交易撮合",
    "数据安全",
    "攻防演练",
    "工业互联网",
    "标识解析",
    "云渲染",
    "数字孪生",
    "智慧城市",
    "医疗健康",
    "货运平台",
    "农业大数据",
    "区块链存证",
    "隐私计算",
    "国产数据库",
    "边缘计算",
    "绿色低碳",
    "一网统管",
    "运力调度",
    "人工智能",
]
EN_WORDS = [
    "compute",
    "scheduling",
    "datacentre",
    "cooling",
    "exchange",
    "pricing",
    "security",
    "ranges",
    "industrial",
    "identifier",
    "rendering",
    "twins",
    "city",
    "healthcare",
    "freight",
    "agriculture",
    "ledger",
    "privacy",
    "database",
    "edge",
    "green",
    "governance",
    "capacity",
    "intelligence",
]
NAME_ZH = ["黔", "筑", "云", "贵", "安", "数", "智", "磐", "元", "货", "链", "星", "川", "溪"]
NAME_EN = ["Qian", "Zhu", "Yun", "Gui", "An", "Shu", "Zhi", "Pan", "Yuan", "Huo", "Lian", "Xing"]
NEEDLE = "全国一体化算力网络"  # in a few products only: the 2-character query must find it inside

QUERIES: dict[str, dict[str, str]] = {
    "zh_2_chars": {"q": "算力"},
    "zh_longer": {"q": "一体化算力网络"},
    "en_word": {"q": "cooling"},
    "en_prefix": {"q": "secu"},
    "industry": {"industry": "data-security"},
    "industry_and_words": {"industry": "data-security", "q": "隐私"},
    "busy_sort": {"sort": "busy"},
    "far_page": {"page": "150"},
}
LIKE_QUERIES = ["zh_2_chars", "zh_longer", "en_word"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] hall_search: {message}", file=sys.stderr, flush=True)


def phrase(rng: random.Random, words: list[str], n: int, sep: str) -> str:
    return sep.join(rng.choice(words) for _ in range(n))


async def fill(url: str, exhibitors: int, seed: int) -> float:
    """Write the exhibitors, booths and products; index them as the migration does.
    Returns the seconds the index took to build."""
    rng = random.Random(seed)
    keys = list(INDUSTRIES)
    tiers = [Tier.PLATINUM] * 20 + [Tier.GOLD] * 80 + [Tier.SILVER] * 400
    engine = make_engine(url)
    exhibitor_rows, booth_rows, product_rows = [], [], []
    for i in range(1, exhibitors + 1):
        industry = keys[i % len(keys)]
        zh = "".join(rng.choice(NAME_ZH) for _ in range(2)) + rng.choice(
            ["科技", "数据", "云", "智能"]
        )
        en = rng.choice(NAME_EN) + rng.choice(NAME_EN).lower() + f" {i}"
        exhibitor_rows.append(
            {
                "id": i,
                "name_zh": zh,
                "name_en": en,
                "industry": industry,
                "summary_zh": phrase(rng, ZH_WORDS, 2, "与"),
                "summary_en": phrase(rng, EN_WORDS, 3, " "),
                "created_at": datetime.now(UTC),
            }
        )
        booth_rows.append(
            {
                "exhibitor_id": i,
                "tier": tiers[i] if i < len(tiers) else Tier.STANDARD,
                "position": i,
                "industries": [industry, keys[(i * 7) % len(keys)]],
                "description_zh": phrase(rng, ZH_WORDS, 8, "，"),
                "description_en": phrase(rng, EN_WORDS, 14, " "),
                "videos": [],
                "links": [],
                "version": 1,
                "updated_at": datetime.now(UTC),
            }
        )
        for p in range(3):
            product_rows.append(
                {
                    "exhibitor_id": i,
                    "position": p,
                    "name_zh": (NEEDLE + "平台")
                    if i % 500 == 0 and p == 0
                    else phrase(rng, ZH_WORDS, 2, ""),
                    "name_en": phrase(rng, EN_WORDS, 2, " ").title(),
                    "description_zh": phrase(rng, ZH_WORDS, 5, "，"),
                    "description_en": phrase(rng, EN_WORDS, 10, " "),
                    "created_at": datetime.now(UTC),
                }
            )
    async with engine.begin() as conn:
        await conn.execute(insert(Exhibitor), exhibitor_rows)
        await conn.execute(insert(Booth), booth_rows)
        await conn.execute(insert(Product), product_rows)
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.run_sync(reindex_all_sync)
    took = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")
    await engine.dispose()
    return took


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def timed(
    fn: Callable[[], Awaitable[Any]], repeat: int, warmup: int
) -> tuple[dict[str, float], Any]:
    result = None
    for _ in range(warmup):
        result = await fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = await fn()
        samples.append(time.perf_counter() - started)
    return summary(samples), result


async def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    features = load_features()
    await upgrade_async(url, features)
    index_seconds = await fill(url, args.exhibitors, args.seed)
    log(f"{args.exhibitors} exhibitors written, index built in {index_seconds:.2f} s")
    out: dict[str, Any] = {"index_build_s": round(index_seconds, 2), "store": {}, "http": {}}
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    for name in LIKE_QUERIES:
        words = QUERIES[name]["q"]
        filters = search_store.Filters(query_terms(words))

        async def indexed(filters: search_store.Filters = filters) -> int:
            async with sessions() as db:
                total, _ = await search_store.page(db, filters, "tier", "zh", 0, 24)
                return total

        async def scan(words: str = words) -> int:
            async with sessions() as db:
                return len(await search_store.like_scan(db, words))

        index_time, index_total = await timed(indexed, args.repeat, args.warmup)
        like_time, like_total = await timed(scan, args.repeat, args.warmup)
        out["store"][name] = {
            "q": words,
            "index": index_time | {"found": index_total},
            "like_scan": like_time | {"found": like_total},
            "speedup_p50": round(like_time["p50_ms"] / max(index_time["p50_ms"], 0.001), 1),
        }
        log(f"store {name}: index {index_time['p50_ms']} ms, LIKE {like_time['p50_ms']} ms")
    await engine.dispose()
    async with live_server(make_settings(url)) as server, server.http() as http:
        for name, params in QUERIES.items():

            async def get(params: dict[str, str] = params) -> int:
                response = await http.get("/api/exhibitors", params=params)
                response.raise_for_status()
                return int(response.json()["total"])

            took, total = await timed(get, args.repeat, args.warmup)
            out["http"][name] = {"params": params, "found": total} | took
            log(f"http {name}: {took['p50_ms']} ms p50, {took['p95_ms']} ms p95 ({total} found)")
    return out


async def main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    report: dict[str, Any] = {
        "bench": "hall_search",
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "exhibitors": args.exhibitors,
        "products": args.exhibitors * 3,
        "repeat": args.repeat,
        "databases": {},
    }
    with tempfile.TemporaryDirectory() as scratch:
        log("SQLite")
        report["databases"]["sqlite"] = await measure(
            f"sqlite+aiosqlite:///{scratch}/hall.db", args
        )
    log("PostgreSQL")
    async with fresh_postgres_database() as url:
        report["databases"]["postgresql"] = await measure(url, args)
    report["seconds"] = round(time.monotonic() - started, 1)
    # Other work on the machine shows in the figures (p95 above all): say how busy it was.
    report["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
    report["cpus"] = os.cpu_count()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_table(report)


def print_table(report: dict[str, Any]) -> None:
    print(f"hall search, {report['exhibitors']} exhibitors, {report['products']} products")
    for db, figures in report["databases"].items():
        print(f"\n{db} (index built in {figures['index_build_s']} s)")
        print(f"  {'store query':<22}{'index p50/p95 ms':>20}{'LIKE p50/p95 ms':>20}{'found':>12}")
        for name, row in figures["store"].items():
            i, s = row["index"], row["like_scan"]
            print(
                f"  {name:<22}{i['p50_ms']:>10}/{i['p95_ms']:<9}{s['p50_ms']:>10}/{s['p95_ms']:<9}"
                f"{i['found']:>6}/{s['found']}"
            )
        print(f"  {'GET /api/exhibitors':<22}{'p50 ms':>10}{'p95 ms':>10}{'found':>8}")
        for name, row in figures["http"].items():
            print(f"  {name:<22}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['found']:>8}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exhibitors", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=RESULTS)
    asyncio.run(asyncio.wait_for(main(parser.parse_args()), timeout=1800))
