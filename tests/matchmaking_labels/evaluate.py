"""Ranking the labelled set (ours and two baselines) and measuring it: NDCG@10, recall@30.

Each participant is ranked against the offering profiles only (the other participants are
excluded), over a population of all of them: the TF-IDF of every method is fitted on the same
texts. Shared by bench/recommend.py and tests/unit/test_recommend_quality.py.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from matchmaking.recommend import Profile, build, profile_of, recommend
from tests.matchmaking_labels import OFFERS, PARTICIPANTS

Ranking = dict[str, list[str]]  # participant -> offer ids, best first
DEPTH = 30


def population() -> list[Profile]:
    return [profile_of(o) for o in OFFERS] + [profile_of(p) for p in PARTICIPANTS]


def rank_ours(depth: int = DEPTH) -> Ranking:
    index = build(population())
    people = {p["id"] for p in PARTICIPANTS}
    return {
        p["id"]: [str(r.id) for r in recommend(index, p["id"], depth, exclude=people - {p["id"]})]
        for p in PARTICIPANTS
    }


def rank_shared_industries(depth: int = DEPTH) -> Ranking:
    """Baseline (a): offers by the number of industries shared; ties in the set's order."""
    ranking: Ranking = {}
    for p in PARTICIPANTS:
        mine = set(p["industries"])
        scored = [(len(mine & set(o["industries"])), i, o["id"]) for i, o in enumerate(OFFERS)]
        ranking[p["id"]] = [oid for n, _, oid in sorted(scored, key=lambda s: (-s[0], s[1])) if n]
    return {k: v[:depth] for k, v in ranking.items()}


def _whitespace_vector(text: str, idf: Mapping[str, float]) -> dict[str, float]:
    counts = Counter(text.lower().split())
    vector = {t: (1 + math.log(n)) * idf[t] for t, n in counts.items() if t in idf}
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def rank_whitespace_tfidf(depth: int = DEPTH) -> Ranking:
    """Baseline (b): TF-IDF over whitespace tokens, my need against their offer (cosine) plus
    my offer against their need at the same weight ours gives it."""
    texts = [x["need"] for x in OFFERS + PARTICIPANTS] + [x["offer"] for x in OFFERS + PARTICIPANTS]
    documents = [set(t.lower().split()) for t in texts if t.strip()]
    df: Counter[str] = Counter(t for d in documents for t in d)
    idf = {t: math.log((1 + len(documents)) / (1 + n)) + 1 for t, n in df.items()}
    offers = [
        (o["id"], _whitespace_vector(o["offer"], idf), _whitespace_vector(o["need"], idf))
        for o in OFFERS
    ]
    ranking: Ranking = {}
    for p in PARTICIPANTS:
        need, offer = _whitespace_vector(p["need"], idf), _whitespace_vector(p["offer"], idf)
        scored = []
        for i, (oid, their_offer, their_need) in enumerate(offers):
            s = sum(w * their_offer.get(t, 0.0) for t, w in need.items())
            s += 0.45 * sum(w * their_need.get(t, 0.0) for t, w in offer.items())
            if s > 0:
                scored.append((-s, i, oid))
        ranking[p["id"]] = [oid for _, _, oid in sorted(scored)][:depth]
    return ranking


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    gains = [(2 ** relevant.get(oid, 0) - 1) / math.log2(i + 2) for i, oid in enumerate(ranked[:k])]
    ideal = sorted(relevant.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return sum(gains) / best if best else 0.0


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 30) -> float:
    wanted = {oid for oid, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def measure(ranking: Ranking) -> dict[str, float]:
    people = PARTICIPANTS
    return {
        "ndcg@10": round(
            sum(ndcg_at(ranking[p["id"]], p["relevant"]) for p in people) / len(people), 4
        ),
        "recall@30": round(
            sum(recall_at(ranking[p["id"]], p["relevant"]) for p in people) / len(people), 4
        ),
    }


METHODS: dict[str, Callable[[], Ranking]] = {
    "ours": rank_ours,
    "shared_industries": rank_shared_industries,
    "whitespace_tfidf": rank_whitespace_tfidf,
}


def evaluate() -> dict[str, dict[str, float]]:
    return {name: measure(method()) for name, method in METHODS.items()}


def per_person(ranking: Ranking) -> list[dict[str, Any]]:
    """Each participant's figures (to find where a method fails)."""
    return [
        {
            "id": p["id"],
            "ndcg@10": round(ndcg_at(ranking[p["id"]], p["relevant"]), 3),
            "recall@30": round(recall_at(ranking[p["id"]], p["relevant"]), 3),
            "top3": ranking[p["id"]][:3],
        }
        for p in PARTICIPANTS
    ]
