"""Recommendations: whom a participant should meet, and why (pure: no I/O, no clock).

`build(profiles)` reads a population once into an `Index` (sparse TF-IDF vectors of every
offer and need, inverted lists, industry and intent members); `recommend(index, id, k,
exclude)` then scores one person against everyone with a few sparse dot products, in a
millisecond or two at 5,000 participants. The app keeps one index per process for each
population version (recommend_routes.py); `expo match recommend` and bench/recommend.py use
the same two calls.

A candidate's score adds, then multiplies by a language factor:

- my NEED against their OFFER: cosine of the TF-IDF vectors (the main signal), and my OFFER
  against their NEED, weaker (they may want what I have, but I came for what I need);
- industries we share (cosine of the two sets), and my need naming their industry;
- complementary intents (buy ↔ sell, invest ↔ those seeking investment or partners, ...),
  which only boost a candidate something else already recommends;
- no language in common: the score is cut (they could hardly talk).

Features are recommend_text.py's: jieba words and bigrams for Chinese, stemmed words for
English, and bilingual concepts (recommend_terms.py) weighted up, so the two languages meet.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from expo.industries import INDUSTRIES
from matchmaking.recommend_text import clauses, features

Key = Hashable  # a participant's id: an account id in the app, any JSON scalar in the CLI

# How much each signal weighs (tuned on tests/matchmaking_labels; see docs/matchmaking/).
W_NEED_OFFER = 1.0
W_OFFER_NEED = 0.45
W_INDUSTRY = 0.30
W_NEED_INDUSTRY = 0.20
W_INTENT = 0.15
CONCEPT_BOOST = 2.0  # a bilingual concept counts this many times a plain word
NO_COMMON_LANGUAGE = 0.85
# A feature found in more than this share of texts says nothing (提供, data): left out.
MAX_DOCUMENT_SHARE = 0.25

# my intent -> their intent -> how well the two fit
COMPLEMENTS: dict[str, dict[str, float]] = {
    "buy": {"sell": 1.0, "partner": 0.4},
    "sell": {"buy": 1.0, "partner": 0.4, "invest": 0.2},
    "invest": {"sell": 0.5, "partner": 0.8},
    "partner": {"partner": 1.0, "invest": 0.6, "sell": 0.4, "buy": 0.4},
    "hire": {"sell": 0.5, "partner": 0.5},
}
INTENT_WORDS = {
    "buy": ("采购", "buy"),
    "sell": ("销售", "sell"),
    "invest": ("投资", "invest"),
    "partner": ("合作", "partner"),
    "hire": ("招聘", "hire"),
}
LANGUAGES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Profile:
    """What the scorer reads of a matchmaking profile."""

    id: Key
    intents: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    offer: str = ""
    need: str = ""
    languages: tuple[str, ...] = ()
    exhibitor: Key | None = None  # their company: colleagues are never recommended
    visible: bool = True  # False: scored for themselves, never recommended to others

    @property
    def empty(self) -> bool:
        return not (self.offer.strip() or self.need.strip() or self.industries)


def profile_of(raw: Mapping[str, Any]) -> Profile:
    """A profile from its JSON fields (the CLI's input, the app's rows)."""
    return Profile(
        id=raw["id"],
        intents=tuple(raw.get("intents") or ()),
        industries=tuple(raw.get("industries") or ()),
        offer=str(raw.get("offer") or ""),
        need=str(raw.get("need") or ""),
        languages=tuple(raw.get("languages") or ()),
        exhibitor=raw.get("exhibitor"),
        visible=bool(raw.get("visible", True)),
    )


Vector = dict[str, float]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Read:
    """One text as read: its features, its clauses' features (for the reason line)."""

    counts: Counter[str]
    clauses: tuple[tuple[str, Counter[str]], ...]


def read(text: str) -> Read:
    return Read(features(text), tuple((c, features(c)) for c in clauses(text)))


@dataclass
class Index:
    """A population read once: vectors, inverted lists and members, by row."""

    profiles: list[Profile]
    row: dict[Key, int]
    idf: dict[str, float]
    needs: list[Vector]
    offers: list[Vector]
    need_reads: list[Read]
    offer_reads: list[Read]
    offer_lists: dict[str, tuple[IntArray, FloatArray]]
    need_lists: dict[str, tuple[IntArray, FloatArray]]
    industry_members: dict[str, IntArray]
    intent_members: dict[str, IntArray]
    industry_counts: FloatArray
    languages: IntArray  # bit per language; 0: not said
    company: IntArray  # a code per exhibitor; -1: none
    visible: npt.NDArray[np.bool_]
    need_concepts: list[frozenset[str]] = field(default_factory=list)


def _language_bits(languages: Iterable[str]) -> int:
    return sum(1 << i for i, code in enumerate(LANGUAGES) if code in languages)


def _weighted(counts: Counter[str], idf: Mapping[str, float]) -> Vector:
    """Sublinear TF times IDF, concepts boosted, L2-normalised."""
    vector = {
        f: (1.0 + math.log(n)) * idf[f] * (CONCEPT_BOOST if f.startswith("c:") else 1.0)
        for f, n in counts.items()
        if f in idf
    }
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {f: w / norm for f, w in vector.items()} if norm else {}


def _lists(vectors: Sequence[Vector]) -> dict[str, tuple[IntArray, FloatArray]]:
    rows: dict[str, list[int]] = {}
    weights: dict[str, list[float]] = {}
    for i, vector in enumerate(vectors):
        for f, w in vector.items():
            rows.setdefault(f, []).append(i)
            weights.setdefault(f, []).append(w)
    return {
        f: (np.array(rows[f], dtype=np.int64), np.array(weights[f], dtype=np.float64)) for f in rows
    }


def build(profiles: Iterable[Profile], cache: dict[Any, Read] | None = None) -> Index:
    """Read a population. `cache` (text -> Read) spares reading again texts already read
    when the index is rebuilt after a few profiles changed."""
    people = list(profiles)
    memo: dict[Any, Read] = cache if cache is not None else {}

    def reading(text: str) -> Read:
        found = memo.get(text)
        if found is None:
            found = memo[text] = read(text)
        return found

    need_reads = [reading(p.need) for p in people]
    offer_reads = [reading(p.offer) for p in people]
    documents = [r.counts for r in need_reads + offer_reads if r.counts]
    df: Counter[str] = Counter()
    for counts in documents:
        df.update(counts.keys())
    total = len(documents)
    limit = max(3.0, MAX_DOCUMENT_SHARE * total)
    idf = {
        f: math.log((1 + total) / (1 + n)) + 1.0
        for f, n in df.items()
        if n <= limit or f.startswith("c:")
    }
    needs = [_weighted(r.counts, idf) for r in need_reads]
    offers = [_weighted(r.counts, idf) for r in offer_reads]
    industry_rows: dict[str, list[int]] = {}
    intent_rows: dict[str, list[int]] = {}
    companies: dict[Key, int] = {}
    for i, p in enumerate(people):
        for key in set(p.industries):
            industry_rows.setdefault(key, []).append(i)
        for intent in set(p.intents):
            intent_rows.setdefault(intent, []).append(i)
        if p.exhibitor is not None:
            companies.setdefault(p.exhibitor, len(companies))
    return Index(
        profiles=people,
        row={p.id: i for i, p in enumerate(people)},
        idf=idf,
        needs=needs,
        offers=offers,
        need_reads=need_reads,
        offer_reads=offer_reads,
        offer_lists=_lists(offers),
        need_lists=_lists(needs),
        industry_members={k: np.array(v, dtype=np.int64) for k, v in industry_rows.items()},
        intent_members={k: np.array(v, dtype=np.int64) for k, v in intent_rows.items()},
        industry_counts=np.array([len(set(p.industries)) for p in people], dtype=np.float64),
        languages=np.array([_language_bits(p.languages) for p in people], dtype=np.int64),
        company=np.array(
            [-1 if p.exhibitor is None else companies[p.exhibitor] for p in people],
            dtype=np.int64,
        ),
        visible=np.array([p.visible for p in people], dtype=np.bool_),
        # The concepts a need names are among its features already (`c:...`).
        need_concepts=[
            frozenset(f[2:] for f in r.counts if f.startswith("c:")) for r in need_reads
        ],
    )


@dataclass(frozen=True, slots=True)
class Recommendation:
    id: Key
    score: float
    reason: dict[str, str]  # {"zh": ..., "en": ...}: one line each


def _dot_all(
    vector: Vector, lists: Mapping[str, tuple[IntArray, FloatArray]], size: int
) -> FloatArray:
    scores = np.zeros(size, dtype=np.float64)
    for f, w in vector.items():
        found = lists.get(f)
        if found is not None:
            rows, weights = found
            scores[rows] += w * weights  # rows are distinct within one list
    return scores


def scores(index: Index, who: int) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Everyone's score for row `who` (before exclusions), and its parts."""
    size = len(index.profiles)
    me = index.profiles[who]
    need_offer = _dot_all(index.needs[who], index.offer_lists, size)
    offer_need = _dot_all(index.offers[who], index.need_lists, size)
    shared = np.zeros(size, dtype=np.float64)
    mine = set(me.industries)
    for key in mine:
        members = index.industry_members.get(key)
        if members is not None:
            shared[members] += 1.0
    if mine:
        shared /= np.sqrt(np.maximum(index.industry_counts, 1.0) * len(mine))
    named = np.zeros(size, dtype=np.float64)
    for key in index.need_concepts[who]:
        members = index.industry_members.get(key)
        if members is not None:
            named[members] = 1.0
    intent = np.zeros(size, dtype=np.float64)
    for mine_intent in set(me.intents):
        for theirs, weight in COMPLEMENTS.get(mine_intent, {}).items():
            members = index.intent_members.get(theirs)
            if members is not None:
                intent[members] = np.maximum(intent[members], weight)
    content = (
        W_NEED_OFFER * need_offer
        + W_OFFER_NEED * offer_need
        + W_INDUSTRY * shared
        + W_NEED_INDUSTRY * named
    )
    total = np.where(content > 0, content + W_INTENT * intent, 0.0)
    my_languages = int(index.languages[who])
    if my_languages:
        common = (index.languages & my_languages) != 0
        said = index.languages != 0
        total = total * np.where(common | ~said, 1.0, NO_COMMON_LANGUAGE)
    parts = {"need_offer": need_offer, "offer_need": offer_need, "shared": shared}
    return total, parts


def recommend(
    index: Index, who: Key, k: int = 10, exclude: Iterable[Key] = ()
) -> list[Recommendation]:
    """`who`'s top `k`, best first (ties by population order), each with its reason. Never
    oneself, one's colleagues (same exhibitor), invisible profiles or anyone in `exclude`
    (those one hid, blocked or who blocked one: the app passes them)."""
    row = index.row.get(who)
    if row is None or k <= 0 or index.profiles[row].empty:
        return []
    total, parts = scores(index, row)
    allowed = index.visible.copy()
    allowed[row] = False
    if index.company[row] >= 0:
        allowed &= index.company != index.company[row]
    for key in exclude:
        other = index.row.get(key)
        if other is not None:
            allowed[other] = False
    total = np.where(allowed, total, 0.0)
    candidates = np.flatnonzero(total > 0)
    if len(candidates) > k:
        # The k best (argpartition), then sorted; a stable sort keeps ties in row order.
        top = candidates[np.argpartition(-total[candidates], k - 1)[:k]]
        candidates = np.sort(top)
    order = candidates[np.argsort(-total[candidates], kind="stable")]
    return [
        Recommendation(
            index.profiles[int(r)].id,
            round(float(total[r]), 4),
            reason(index, row, int(r), {name: float(part[r]) for name, part in parts.items()}),
        )
        for r in order
    ]


# --- the reason line --------------------------------------------------------------------------

QUOTE_CHARS = 24  # Chinese characters; English gets twice as many, cut at a space


def _quote(text: str) -> str:
    limit = QUOTE_CHARS * 2 if text.isascii() else QUOTE_CHARS
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text.isascii() and " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def _best_pair(index: Index, mine: Read, theirs: Read) -> tuple[str, str] | None:
    """The clause of mine and the clause of theirs that share the most weight."""
    best: tuple[float, str, str] | None = None
    for my_text, my_counts in mine.clauses:
        for their_text, their_counts in theirs.clauses:
            weight = sum(
                index.idf.get(f, 0.0) * (CONCEPT_BOOST if f.startswith("c:") else 1.0)
                for f in my_counts.keys() & their_counts.keys()
            )
            if weight > 0 and (best is None or weight > best[0]):
                best = (weight, my_text, their_text)
    return None if best is None else (_quote(best[1]), _quote(best[2]))


def _intent_note(me: Profile, them: Profile) -> tuple[str, str] | None:
    best: tuple[float, str, str] | None = None
    for mine in me.intents:
        for theirs, weight in COMPLEMENTS.get(mine, {}).items():
            if theirs in them.intents and weight >= 0.5 and (best is None or weight > best[0]):
                best = (weight, mine, theirs)
    if best is None:
        return None
    _, mine, theirs = best
    return (
        f"{INTENT_WORDS[mine][0]} ↔ {INTENT_WORDS[theirs][0]}",
        f"{INTENT_WORDS[mine][1]} ↔ {INTENT_WORDS[theirs][1]}",
    )


def reason(index: Index, me_row: int, them_row: int, parts: Mapping[str, float]) -> dict[str, str]:
    """One line in each language saying why `them` is recommended to `me`."""
    me, them = index.profiles[me_row], index.profiles[them_row]
    zh = en = ""
    if parts.get("need_offer", 0.0) > 0:
        pair = _best_pair(index, index.need_reads[me_row], index.offer_reads[them_row])
        if pair:
            zh = f"你的需求「{pair[0]}」↔ 对方提供「{pair[1]}」"
            en = f"Your need “{pair[0]}” ↔ their offer “{pair[1]}”"
    if not zh and parts.get("offer_need", 0.0) > 0:
        pair = _best_pair(index, index.offer_reads[me_row], index.need_reads[them_row])
        if pair:
            zh = f"你提供「{pair[0]}」↔ 对方需要「{pair[1]}」"
            en = f"Your offer “{pair[0]}” ↔ their need “{pair[1]}”"
    shared = [key for key in me.industries if key in them.industries]
    if not zh and shared:
        zh = "同属行业：" + "、".join(INDUSTRIES.get(k, (k, k))[0] for k in shared[:3])
        en = "Shared industries: " + ", ".join(INDUSTRIES.get(k, (k, k))[1] for k in shared[:3])
    if not zh:
        named = [k for k in them.industries if k in index.need_concepts[me_row]]
        labels = [INDUSTRIES.get(k, (k, k)) for k in named[:2]]
        if labels:
            need = _quote(me.need.strip())
            zh = f"你的需求「{need}」↔ 对方行业：" + "、".join(z for z, _ in labels)
            en = f"Your need “{need}” ↔ their industry: " + ", ".join(e for _, e in labels)
        else:
            zh, en = "与你的资料相关", "Related to your profile"
    note = _intent_note(me, them)
    if note:
        zh, en = f"{zh} · {note[0]}", f"{en} · {note[1]}"
    return {"zh": zh, "en": en}
