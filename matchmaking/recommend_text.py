"""Reading an offer or a need: the features recommendations weigh (pure; no I/O after jieba's
dictionary is loaded, once per process).

Text is cut into runs of Chinese and of Latin letters and digits, never at whitespace alone:

- Chinese runs are segmented by jieba (its search mode, so 交易平台 also yields 交易 and 平台),
  with the vocabulary's terms added to its dictionary (区块链 stays whole). Each word is a
  feature `w:…`; words of three characters or more add their character bigrams `b:…`, so a
  word jieba cut differently in two texts still meets (区块链 ↔ 区块链溯源).
- Latin runs are lower-cased words, stemmed by a few suffix rules (`e:…`): "servers",
  "server" and "serving" meet; English needs no more for short business texts.
- Terms of the bilingual vocabulary (recommend_terms.py) add the concept `c:…` in either
  language: this is how "liquid cooling" meets 液冷.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

from matchmaking.recommend_terms import TERMS

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:[-+.][a-z0-9]+)*")
_HAS_CJK = re.compile(rf"[{_CJK}]")
# Where a text divides into clauses (the reason line quotes one of each side).
_CLAUSE_BREAK = re.compile(r"[，,;；。！!？?\n]+|\.\s+|\s+[-–—]\s+")

# Words that say nothing about the trade: how people phrase offers and needs.
ZH_STOP = frozenset(
    "我们 我司 本公司 公司 提供 寻找 需要 希望 寻求 相关 以及 可以 能够 进行 一个 一些 "
    "各类 各种 主要 专业 优质 领先 合作 伙伴 合作伙伴 欢迎 洽谈 对接 有意 意向 业务 服务 "
    "解决方案 方案 产品 项目 我们的 我方 面向 用于 基于 支持 我 你 您 贵司 等".split()
)
EN_STOP = frozenset(
    "a an and or the of for to in on at by with from as we our us you your they their is are "
    "be been being this that these those it its looking look seek seeking need needs needed "
    "want wants provide provides providing offer offers offering solution solutions service "
    "services company companies partner partners partnership business product products based "
    "help helps support supports into across new more most any all can will who which what "
    "also such other etc via per about".split()
)
# Chinese single characters that mean something alone in this trade (others are dropped).
ZH_SINGLE = frozenset("云链")

_lock = threading.Lock()
_tokenizer: Any = None  # a jieba.Tokenizer, once made


def _jieba() -> Any:
    """jieba's own tokenizer, made once per process, with the vocabulary's Chinese terms added
    (a private instance: jieba's global one is left as other code expects it)."""
    # Imported here, not at the top: jieba (and the pkg_resources it pulls in) is a fifth of a
    # second of every process's start, and most processes never tokenise.
    import jieba  # type: ignore[import-untyped]  # ships no annotations

    global _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            made = jieba.Tokenizer()
            made.initialize()
            for zh_terms, _ in TERMS.values():
                for term in zh_terms:
                    if _HAS_CJK.search(term):
                        made.add_word(term, freq=20000)
            _tokenizer = made
        return _tokenizer


def normalised(text: str) -> str:
    """Full-width letters and digits made plain (ＧＰＵ → gpu), Latin lower-cased."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stemmer: plurals and the commonest verb and noun endings."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (
        ("ations", "ate"),
        ("ation", "ate"),
        ("ising", "ise"),
        ("izing", "ise"),
        ("ized", "ise"),
        ("ises", "ise"),
        ("izes", "ise"),
        ("ize", "ise"),
        ("ies", "y"),
        ("sses", "ss"),
        ("ings", ""),
        ("ing", ""),
        ("ers", ""),
        ("er", ""),
        ("ed", ""),
        ("es", "e"),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            word = word[: len(word) - len(suffix)] + keep
            break
    # "trade" and "trading", "service" and "services": one stem.
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _english_words(text: str) -> list[str]:
    return [stem(w) for w in re.findall(r"[a-z0-9]+(?:[-+][a-z0-9]+)*", text)]


def _phrase(term: str) -> tuple[str, ...]:
    return tuple(_english_words(normalised(term)))


@lru_cache(maxsize=1)
def _concept_tables() -> tuple[
    tuple[tuple[str, str], ...], dict[str, list[tuple[tuple[str, ...], str]]]
]:
    """Chinese terms (longest first) and English phrases by their first stemmed word."""
    chinese: list[tuple[str, str]] = []
    english: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for concept, (zh_terms, en_terms) in TERMS.items():
        for term in zh_terms:
            if _HAS_CJK.search(term):
                chinese.append((normalised(term), concept))
            else:  # a Latin term in the Chinese list ("GPU"): read as English
                en_terms = (*en_terms, term)
        for term in en_terms:
            words = _phrase(term)
            if words:
                english.setdefault(words[0], []).append((words, concept))
    chinese.sort(key=lambda pair: -len(pair[0]))
    return tuple(chinese), english


def concepts(text: str) -> set[str]:
    """The vocabulary's concepts a text names, in either language."""
    plain = normalised(text)
    chinese, english = _concept_tables()
    found = {concept for term, concept in chinese if term in plain}
    words = _english_words(plain)
    for i, word in enumerate(words):
        for phrase, concept in english.get(word, ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                found.add(concept)
    return found


def features(text: str) -> Counter[str]:
    """The text's features and how often each occurs (see the module's docstring)."""
    plain = normalised(text)
    counts: Counter[str] = Counter()
    for run in _RUNS.findall(plain):
        if _HAS_CJK.match(run):
            for word in _jieba().cut_for_search(run):
                if word in ZH_STOP or (len(word) < 2 and word not in ZH_SINGLE):
                    continue
                counts["w:" + word] += 1
                if len(word) >= 3:
                    counts.update("b:" + word[i : i + 2] for i in range(len(word) - 1))
        else:
            for word in re.split(r"[-+.]", run):
                if word and word not in EN_STOP and not (len(word) == 1 and word.isalpha()):
                    counts["e:" + stem(word)] += 1
    counts.update("c:" + c for c in concepts(plain))
    return counts


def clauses(text: str) -> list[str]:
    """The text's clauses (at commas, full stops, semicolons, in either script), trimmed."""
    parts = [p.strip(" \t、:：()（）\"'“”「」") for p in _CLAUSE_BREAK.split(text)]
    return [p for p in parts if p] or ([text.strip()] if text.strip() else [])
