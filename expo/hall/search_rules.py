"""How the hall's search reads text: one tokenizer for both databases, no I/O.

Chinese has no spaces, so a word cannot be found by splitting on them. A run of Han characters
is indexed as its overlapping character bigrams (全国一体化 → 全国 国一 一体 体化) plus its last
character on its own (化), so every character of the text starts some token. Latin and other
letters and digits form words, lowercased (NFKC first: full-width ＡＢＣ and ascii abc match).

A query is read the same way and every token must be found (AND):

- a Han run of two or more characters: each of its bigrams (算力 finds 全国一体化算力网络);
- a single Han character: as a prefix (算 finds 算力 and a run ending in 算);
- a Latin word: as a prefix (secu finds security), so one can search as one types.

The tokens hold only letters and digits, so they are safe inside an FTS5 MATCH string and a
PostgreSQL tsquery literal; both databases store exactly the tokens made here (FTS5 unicode61
splits them on the spaces between them; PostgreSQL stores them as lexemes as they are).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# CJK unified ideographs (with extension A, the compatibility block and the supplementary planes).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
RUN = re.compile(rf"[{HAN}]+|[^\W_{HAN}]+")
HAN_RUN = re.compile(rf"^[{HAN}]+$")

MAX_WORD = 40  # a longer "word" (a hash, a URL squashed) is cut to this; prefixes still match
MAX_QUERY_CHARS = 100
MAX_QUERY_TOKENS = 16  # a query of more tokens is cut: more would only narrow further


def normalise(text: str) -> str:
    """NFKC, case folded, accents dropped (café and cafe are one word on both databases)."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return unicodedata.normalize("NFC", "".join(c for c in folded if not unicodedata.combining(c)))


def runs(text: str) -> list[str]:
    """The runs of Han characters and the words of other letters and digits, in order."""
    return RUN.findall(normalise(text))


def is_han(run: str) -> bool:
    return bool(HAN_RUN.match(run))


def document_tokens(texts: Iterable[str]) -> list[str]:
    """What a booth's texts are indexed by: each token once, in the order first seen."""
    seen: dict[str, None] = {}
    for text in texts:
        for run in runs(text):
            if is_han(run):
                for i in range(len(run) - 1):
                    seen.setdefault(run[i : i + 2], None)
                seen.setdefault(run[-1], None)
            else:
                seen.setdefault(run[:MAX_WORD], None)
    return list(seen)


@dataclass(frozen=True, slots=True)
class Term:
    """One token of a query: found exactly, or as the start of an indexed token."""

    token: str
    prefix: bool


def query_terms(query: str) -> list[Term]:
    """The terms a query must all match; [] when it holds no letter or digit."""
    terms: dict[Term, None] = {}
    for run in runs(query[:MAX_QUERY_CHARS]):
        if is_han(run):
            if len(run) == 1:
                terms.setdefault(Term(run, prefix=True), None)
            for i in range(len(run) - 1):
                terms.setdefault(Term(run[i : i + 2], prefix=False), None)
        else:
            terms.setdefault(Term(run[:MAX_WORD], prefix=True), None)
    return list(terms)[:MAX_QUERY_TOKENS]


def fts5_match(terms: list[Term]) -> str:
    """The terms as an SQLite FTS5 MATCH expression (tokens hold no quote: see above)."""
    return " AND ".join(f'"{t.token}"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms: list[Term]) -> str:
    """The terms as a PostgreSQL tsquery literal, to be cast with `CAST(:q AS tsquery)`."""
    return " & ".join(f"'{t.token}'" + (":*" if t.prefix else "") for t in terms)


def like_words(query: str) -> list[str]:
    """The words a plain `LIKE '%word%'` scan would look for (the benchmark's baseline)."""
    return [w for w in normalise(query[:MAX_QUERY_CHARS]).split() if w][:MAX_QUERY_TOKENS]
