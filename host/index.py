"""A booth's passages as an Okapi BM25 index, in either language, built once per booth.

Words: text is read by the hall's rules (search_rules.runs: NFKC, case folded, Han runs apart
from words of other letters). A Han run is segmented by jieba in its search mode (交易平台 also
gives 交易 and 平台) and a word of three characters or more adds its character bigrams, so
浸没式液冷 meets a question that says 液冷; single characters and question words (什么, 多少,
你们) are dropped. Other words are lowercased, lightly stemmed (servers, server → server) and
dropped when they only ask (what, does, your).

Scores are BM25 (k1 1.2, b 0.75, Lucene's non-negative idf) over a passage's title and text.
Postings hold each term's precomputed per-passage weight, so a question costs one numpy add per
distinct term. An index is immutable: when the material changes, build a new one (a booth of a
few hundred passages takes milliseconds) and swap it in.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from expo.hall.search_rules import is_han, runs
from host.passages import Faq, Passage

K1 = 1.2
B = 0.75

ZH_STOP = frozenset(
    "的 了 吗 呢 吧 啊 呀 是 有 在 和 与 及 或 都 也 就 还 又 把 被 给 对 从 让 "
    "什么 哪些 哪个 哪里 哪儿 多少 几个 怎么 怎样 如何 为什么 为何 是否 是不是 有没有 有无 "
    "请问 请 一下 介绍 介绍一下 说说 讲讲 告诉 知道 了解 想 想要 想问 问 "
    "你们 您们 你 您 我 我们 他们 贵司 贵方 公司 这个 那个 这些 那些 这里 其中 "
    "能 能否 能不能 可以 可否 会 要 需要 一个 一些 具体 主要 相关 情况 东西 怎么样 多大 "
    "目前 现在 现场 展位 贵展位 上面 里面 方面 时候 "
    "提供 做 做什么 干什么 功能 业务 什么样 是什么 哪一级 实现 包括 用 用的 多少钱".split()
)
EN_STOP = frozenset(
    "a an and or the of for to in on at by with from as is are was were be been being am "
    "do does did doing done have has had can could will would shall should may might must "
    "what which who whom whose when where why how whats there here this that these those "
    "it its they them their we our ours us you your yours i me my he she his her "
    "tell say about any some much many more most kind sort please know "
    "if so than then too very just also not no yes one "
    "offer provide do work include run build hold use get give handle mean like able".split()
)
_lock = threading.Lock()
_jieba_tokenizer: Any = None


def _jieba() -> Any:
    """A private jieba tokenizer, made once per process (jieba's global one is left alone)."""
    import jieba  # type: ignore[import-untyped]  # ships no annotations

    global _jieba_tokenizer
    with _lock:
        if _jieba_tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            made = jieba.Tokenizer()
            made.initialize()
            _jieba_tokenizer = made
        return _jieba_tokenizer


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """Plurals and the commonest endings, so that English forms of one word meet."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ers", "er"),
        ("ed", ""),
        ("es", "e"),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + keep
    return word


@lru_cache(maxsize=65_536)
def _han_terms(run: str) -> tuple[str, ...]:
    terms: list[str] = []
    for word in _jieba().cut_for_search(run):
        if len(word) < 2 or word in ZH_STOP:
            continue
        terms.append(word)
        if len(word) >= 3:
            terms.extend(word[i : i + 2] for i in range(len(word) - 1))
    return tuple(terms)


@lru_cache(maxsize=65_536)
def _han_words(run: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    words: list[tuple[str, tuple[str, ...]]] = []
    for word in _jieba().cut(run):
        if len(word) >= 2 and word not in ZH_STOP:
            pairs = tuple(word[i : i + 2] for i in range(len(word) - 1)) if len(word) > 2 else ()
            words.append((word, pairs))
    return tuple(words)


def words(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """What a question asks about, word by word (jieba's precise cut for Chinese), each with
    its character bigrams (a long word the material cut differently still partly meets)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for run in runs(text):
        if is_han(run):
            out.extend(_han_words(run))
        elif run not in EN_STOP and (len(run) > 1 or run.isdigit()):
            out.append((stem(run), ()))
    return out


def terms(text: str) -> list[str]:
    """The index terms of a text, repeated as often as they occur."""
    out: list[str] = []
    for run in runs(text):
        if is_han(run):
            out.extend(_han_terms(run))
        elif run not in EN_STOP and (len(run) > 1 or run.isdigit()):
            out.append(stem(run))
    return out


def clear_caches() -> None:
    """Forget the words of runs read so far (the bench times questions read afresh)."""
    _han_terms.cache_clear()
    _han_words.cache_clear()
    stem.cache_clear()


@dataclass(frozen=True, slots=True)
class Hit:
    position: int  # the passage's place in `BoothIndex.passages`
    score: float


@dataclass(frozen=True, slots=True)
class BoothIndex:
    passages: tuple[Passage, ...]
    terms: tuple[frozenset[str], ...]  # each passage's terms (title and text)
    # term → (passage positions, BM25 weight of the term in each, before idf)
    postings: dict[str, tuple[NDArray[np.int32], NDArray[np.float32]]]
    idf: dict[str, float]
    unseen_idf: float  # the idf of a term no passage holds: what a question loses by it
    faqs: tuple[Faq, ...]
    # each FAQ entry's question: its words (answer.coverage) and its terms
    faq_words: tuple[tuple[tuple[tuple[str, tuple[str, ...]], ...], frozenset[str]], ...]

    def idf_of(self, term: str) -> float:
        return self.idf.get(term, self.unseen_idf)

    def search(self, query: Sequence[str], limit: int = 5) -> list[Hit]:
        """The best passages for the query's terms (each counted once), best first; none
        scoring zero."""
        n = len(self.passages)
        if n == 0:
            return []
        scores = np.zeros(n, dtype=np.float32)
        for term in set(query):
            posting = self.postings.get(term)
            if posting is not None:
                positions, weights = posting
                scores[positions] += self.idf[term] * weights
        count = min(limit, n)
        top = np.argpartition(-scores, count - 1)[:count] if count < n else np.arange(n)
        ordered = sorted(top.tolist(), key=lambda i: (-float(scores[i]), i))
        return [Hit(i, float(scores[i])) for i in ordered if scores[i] > 0]


def build_index(passages: Sequence[Passage], faqs: Sequence[Faq] = ()) -> BoothIndex:
    """The index of one booth's passages (and its staff's FAQ entries)."""
    counts = [Counter(terms(f"{p.citation.title}\n{p.text}")) for p in passages]
    n = len(passages)
    lengths = np.array([sum(c.values()) for c in counts], dtype=np.float32)
    average = float(lengths.mean()) if n and lengths.sum() else 1.0
    norm = K1 * (1 - B + B * lengths / average)
    by_term: dict[str, tuple[list[int], list[float]]] = {}
    for position, count in enumerate(counts):
        for term, tf in count.items():
            entry = by_term.setdefault(term, ([], []))
            entry[0].append(position)
            entry[1].append(tf)
    postings: dict[str, tuple[NDArray[np.int32], NDArray[np.float32]]] = {}
    idf: dict[str, float] = {}
    for term, (positions, tfs) in by_term.items():
        where = np.array(positions, dtype=np.int32)
        freq = np.array(tfs, dtype=np.float32)
        postings[term] = (where, (freq * (K1 + 1) / (freq + norm[where])).astype(np.float32))
        idf[term] = math.log(1 + (n - len(positions) + 0.5) / (len(positions) + 0.5))
    return BoothIndex(
        passages=tuple(passages),
        terms=tuple(frozenset(c) for c in counts),
        postings=postings,
        idf=idf,
        unseen_idf=math.log(1 + (n + 0.5) / 0.5),
        faqs=tuple(faqs),
        faq_words=tuple((tuple(words(f.question)), frozenset(terms(f.question))) for f in faqs),
    )
