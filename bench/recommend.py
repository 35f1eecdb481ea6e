"""Recommendations: quality on the hand-labelled set against two baselines, and speed at 5,000
participants.

Quality (tests/matchmaking_labels: 65 participants graded against 165 offering profiles, zh, en
and mixed): NDCG@10 and recall@30 of

  ours               matchmaking/recommend.py, as the app and `expo match recommend` run it;
  shared_industries  offers ranked by the number of industries shared (baseline a);
  whitespace_tfidf   TF-IDF over whitespace tokens, need against offer (baseline b).

Speed: a seeded synthetic population (default 5,000) whose offers and needs are drawn from the
labelled set's clauses and the vocabulary, in both languages; the index is built once (timed),
then `--people` random participants' top 10 are timed one by one: p50/p95/max in ms.

    python bench/recommend.py                    # everything, about half a minute
    python bench/recommend.py --participants 1000 --people 100   # quick

End to end (`--http`, on by default): the same population written to a fresh SQLite database
(accounts and profiles), a real server (uvicorn, tests/live.py); `--http-people` of them sign
in and ask GET /api/match/recommendations?k=10 in turn: the first answer (the index built) is
reported apart, then p50/p95 over the rest, with a profile changed midway (one rebuild).

Figures go to stdout and to bench/results/recommend.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# `python bench/recommend.py` from anywhere: the repo's packages first, and never this folder,
# whose bench/matchmaking.py would stand in for the matchmaking package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() not in (HERE, ROOT)]

from expo.industries import INDUSTRIES  # noqa: E402
from matchmaking.recommend import Profile, build, recommend  # noqa: E402
from matchmaking.recommend_terms import TERMS  # noqa: E402
from matchmaking.recommend_text import clauses  # noqa: E402
from tests.matchmaking_labels import OFFERS, PARTICIPANTS  # noqa: E402
from tests.matchmaking_labels.evaluate import evaluate  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "recommend.json"
INTENTS = ["buy", "sell", "invest", "partner", "hire"]


def synthetic(count: int, seed: int) -> list[Profile]:
    """`count` profiles: 1-3 clauses each for offer and need, from the labelled texts and the
    vocabulary's terms; 1-3 industries; 1-2 intents; a few share an exhibitor."""
    rng = random.Random(seed)
    pool = [c for x in OFFERS + PARTICIPANTS for t in (x["offer"], x["need"]) for c in clauses(t)]
    terms = [t for zh, en in TERMS.values() for t in (*zh, *en)]
    keys = sorted(INDUSTRIES)

    def text() -> str:
        parts = rng.sample(pool, rng.randint(1, 3)) + rng.sample(terms, rng.randint(0, 2))
        return "，".join(parts)[:500]

    return [
        Profile(
            id=i,
            intents=tuple(rng.sample(INTENTS, rng.randint(1, 2))),
            industries=tuple(rng.sample(keys, rng.randint(1, 3))),
            offer=text() if rng.random() < 0.9 else "",
            need=text(),
            languages=tuple(rng.sample(["zh", "en"], rng.randint(1, 2))),
            exhibitor=rng.randrange(count // 10) if rng.random() < 0.4 else None,
            visible=rng.random() < 0.97,
        )
        for i in range(count)
    ]


def speed(count: int, people: int, seed: int) -> dict[str, Any]:
    profiles = synthetic(count, seed)
    started = time.perf_counter()
    index = build(profiles)
    built = time.perf_counter() - started
    rng = random.Random(seed + 1)
    chosen = rng.sample(range(count), min(people, count))
    for who in chosen[:5]:  # warm-up (first numpy calls)
        recommend(index, who, 10)
    timings = []
    for who in chosen:
        exclude = set(rng.sample(range(count), 5))  # hidden and blocked, as the app passes them
        started = time.perf_counter()
        recommend(index, who, 10, exclude)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "participants": count,
        "people_timed": len(timings),
        "index_build_s": round(built, 2),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "max_ms": round(timings[-1], 2),
    }


async def http_speed(count: int, people: int, rounds: int, seed: int) -> dict[str, Any]:
    import httpx
    from sqlalchemy import insert

    from expo.features import load_features
    from expo.migrate import upgrade_async
    from expo.models import Account, Role
    from expo.security import hash_password
    from matchmaking.models import MatchProfile
    from tests.live import live_server, make_settings

    profiles = synthetic(count, seed)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await upgrade_async(url, load_features())
        settings = make_settings(url)
        async with live_server(settings) as live:
            password = hash_password("bench-password")
            async with live.services.db() as db:
                await db.execute(
                    insert(Account),
                    [
                        {
                            "id": p.id + 1,
                            "email": f"p{p.id}@bench.shubo.live",
                            "password_hash": password,
                            "display_name": f"参会者 {p.id}",
                            "role": Role.ATTENDEE,
                        }
                        for p in profiles
                    ],
                )
                await db.execute(
                    insert(MatchProfile),
                    [
                        {
                            "account_id": p.id + 1,
                            "intents": list(p.intents),
                            "industries": list(p.industries),
                            "offer": p.offer,
                            "need": p.need,
                            "languages": list(p.languages),
                            "visible": p.visible,
                        }
                        for p in profiles
                    ],
                )
                await db.commit()
            rng = random.Random(seed + 2)
            chosen = rng.sample([p.id for p in profiles if p.need], people)
            cookies = [
                await live.sign_in(f"p{i}@bench.shubo.live", "bench-password") for i in chosen
            ]
            timings: list[float] = []
            async with httpx.AsyncClient(base_url=live.base, timeout=120) as http:

                async def ask(cookie: str) -> float:
                    started = time.perf_counter()
                    response = await http.get(
                        "/api/match/recommendations", params={"k": 10}, headers={"Cookie": cookie}
                    )
                    response.raise_for_status()
                    assert response.json()["recommendations"]
                    return (time.perf_counter() - started) * 1000

                first = await ask(cookies[0])  # builds the index
                for n in range(rounds):
                    if n == rounds // 2:  # someone saves their profile: one rebuild
                        async with live.services.db() as db:
                            row = await db.get(MatchProfile, chosen[0] + 1)
                            assert row is not None
                            row.offer += "，液冷服务器"
                            row.version += 1
                            row.updated_at = datetime.now(UTC)
                            db.add(row)
                            await db.commit()
                    for cookie in cookies:
                        timings.append(await ask(cookie))
    timings.sort()
    return {
        "participants": count,
        "requests": len(timings),
        "first_request_ms": round(first, 1),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "max_ms": round(timings[-1], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--people", type=int, default=300, help="participants timed")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--http", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--http-people", type=int, default=20)
    parser.add_argument("--http-rounds", type=int, default=10)
    args = parser.parse_args()
    quality = evaluate()
    print(f"labelled set: {len(PARTICIPANTS)} participants x {len(OFFERS)} offers")
    print(f"{'method':<20}{'NDCG@10':>10}{'recall@30':>12}")
    for name, figures in quality.items():
        print(f"{name:<20}{figures['ndcg@10']:>10.3f}{figures['recall@30']:>12.3f}")
    fast = speed(args.participants, args.people, args.seed)
    print(
        f"speed: {fast['participants']} participants, index built in {fast['index_build_s']} s; "
        f"top 10 per person p50 {fast['p50_ms']} ms, p95 {fast['p95_ms']} ms, "
        f"max {fast['max_ms']} ms ({fast['people_timed']} people)"
    )
    through_http = None
    if args.http:
        through_http = asyncio.run(
            http_speed(args.participants, args.http_people, args.http_rounds, args.seed)
        )
        print(
            f"http: GET /api/match/recommendations?k=10 at {through_http['participants']}: "
            f"first {through_http['first_request_ms']} ms (index built), then p50 "
            f"{through_http['p50_ms']} ms, p95 {through_http['p95_ms']} ms, max "
            f"{through_http['max_ms']} ms ({through_http['requests']} requests, one rebuild)"
        )
    report = {
        "bench": "recommend",
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "labelled_set": {"participants": len(PARTICIPANTS), "offers": len(OFFERS)},
        "quality": quality,
        "speed": fast,
        "http": through_http,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
