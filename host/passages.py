"""A booth's material as passages: sentence-sized pieces of text, each with its citation.

The host answers only by quoting passages, so every sentence it says can name where it stands:
the booth's own text, a product, a published release, or a page of a listed document. A
passage's `title` (the product's name, the release's title, the document's title) is indexed
with it, so "what does the Render Farm do" finds the sentence that only says "Elastic
rendering power.", but the answer quotes the sentence alone.

Pure: the caller reads the rows (and the text extracted from each PDF at upload, pdf_text.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from expo.hall.models import Product, Release, ReleaseState
from expo.hall.search_rules import is_han, runs

Language = Literal["zh", "en"]

MAX_SENTENCE_CHARS = 300  # a longer sentence is cut at its clauses, then hard
MAX_PASSAGES = 5_000  # per booth: what a booth's material can make the index hold

# A sentence ends after 。！？；!?; (and a full stop followed by a space), and at a line break
# that the line's own text closes (see _lines): decimals (PUE 1.2, 3.0) stay whole.
_SENTENCE_BREAK = re.compile(r"(?<=[。！？；!?;])|(?<=\.)(?=\s)|\n+")
_CLAUSE_BREAK = re.compile(r"(?<=[，,、：:])")
_BULLET = re.compile(r"^\s*(?:[-–—•·*▪●○]|\d{1,2}[.)、])\s+")
_LINE_END = re.compile(r"[。！？；!?;.:：]$")


class SourceKind(StrEnum):
    BOOTH = "booth"  # the booth's own description (source id: the exhibitor's)
    PRODUCT = "product"
    RELEASE = "release"
    DOCUMENT = "document"  # a listed PDF (source id: the upload's), cited with its page
    FAQ = "faq"  # a staff-written answer (answer.py), cited as "FAQ"


@dataclass(frozen=True, slots=True)
class Citation:
    kind: SourceKind
    source_id: int
    title: str
    page: int | None = None  # 1-based, documents only

    def label(self) -> str:
        """How a visitor sees it: `Product sheet, p. 1`, `FAQ`."""
        if self.kind is SourceKind.FAQ:
            return "FAQ"
        return f"{self.title}, p. {self.page}" if self.page is not None else self.title


@dataclass(frozen=True, slots=True)
class Passage:
    id: str  # "<kind>:<source id>:<page or 0>:<n>": stable while the material is unchanged
    citation: Citation
    language: Language
    text: str


@dataclass(frozen=True, slots=True)
class Document:
    """A listed PDF: its titles and the text of each page (index 0 is page 1)."""

    upload_id: int
    title_zh: str
    title_en: str
    pages: Sequence[str]


@dataclass(frozen=True, slots=True)
class Faq:
    """A question the booth's staff answered themselves (a correction of the host, or a
    question they expect): preferred over the material when a visitor asks the same."""

    id: int
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class BoothMaterial:
    """Everything the host may quote for one booth. Releases other than published ones are
    left out by `passages` (a pending release is not public yet)."""

    exhibitor_id: int
    name_zh: str
    name_en: str
    description_zh: str = ""
    description_en: str = ""
    products: Sequence[Product] = field(default_factory=tuple)
    releases: Sequence[Release] = field(default_factory=tuple)
    documents: Sequence[Document] = field(default_factory=tuple)


def language_of(text: str) -> Language:
    """zh when Han characters make up a fifth or more of the letters, else en."""
    han = other = 0
    for run in runs(text):
        if is_han(run):
            han += len(run)
        else:
            other += len(run)
    return "zh" if han and han * 5 >= han + other else "en"


def _clean(sentence: str) -> str:
    return " ".join(_BULLET.sub("", sentence).split())


def _cut(sentence: str) -> Iterator[str]:
    """A sentence too long to quote, as clauses gathered up to the limit (hard cut beyond)."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        yield sentence
        return
    piece = ""
    for clause in _CLAUSE_BREAK.split(sentence):
        if piece and len(piece) + len(clause) > MAX_SENTENCE_CHARS:
            yield piece.strip()
            piece = ""
        piece += clause
        while len(piece) > MAX_SENTENCE_CHARS:
            yield piece[:MAX_SENTENCE_CHARS].strip()
            piece = piece[MAX_SENTENCE_CHARS:]
    if piece.strip():
        yield piece.strip()


def _lines(text: str) -> str:
    """Text whose line breaks are layout (a PDF page wraps mid-sentence) with the breaks that
    mean something kept: after a closed sentence, before a bullet, around a short heading."""
    out: list[str] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            if out and out[-1] != "\n":
                out.append("\n")
            continue
        if out and out[-1] != "\n":
            previous = out[-1]
            keeps = (
                _LINE_END.search(previous)
                or _BULLET.match(line)
                or len(previous) < 40
                or len(line) < 20
            )
            if keeps:
                out.append("\n")
            elif not (previous[-1:] and is_han(previous[-1]) and is_han(line[0])):
                out.append(" ")
        out.append(line)
    return "".join(out)


def sentences(text: str) -> list[str]:
    """The text's sentences, trimmed, bullets dropped, none empty, none over the limit."""
    found: list[str] = []
    for raw in _SENTENCE_BREAK.split(_lines(text)):
        cleaned = _clean(raw)
        if any(c.isalnum() for c in cleaned):
            found.extend(_cut(cleaned))
    return found


def _units(
    kind: SourceKind, source_id: int, title: str, text: str, page: int | None = None
) -> Iterator[tuple[Citation, Language, str]]:
    citation = Citation(kind, source_id, title, page)
    for sentence in sentences(text):
        yield citation, language_of(sentence), sentence


def _sources(material: BoothMaterial) -> Iterator[tuple[Citation, Language, str]]:
    booth = material.exhibitor_id
    yield from _units(SourceKind.BOOTH, booth, material.name_zh, material.description_zh)
    yield from _units(SourceKind.BOOTH, booth, material.name_en, material.description_en)
    for product in material.products:
        if product.id is None:
            continue
        for name, description in (
            (product.name_zh, product.description_zh),
            (product.name_en, product.description_en),
        ):
            yield from _units(SourceKind.PRODUCT, product.id, name, description)
    for release in material.releases:
        if release.id is None or release.state != ReleaseState.PUBLISHED:
            continue
        for title, summary, body in (
            (release.title_zh, release.summary_zh, release.body_zh),
            (release.title_en, release.summary_en, release.body_en),
        ):
            for part in (title, summary, body):  # apart: a title has no full stop to end it
                yield from _units(SourceKind.RELEASE, release.id, title, part)
    for document in material.documents:
        for number, page in enumerate(document.pages, start=1):
            for citation, language, sentence in _units(
                SourceKind.DOCUMENT, document.upload_id, "", page, number
            ):
                title = (
                    (document.title_zh if language == "zh" else document.title_en)
                    or document.title_en
                    or document.title_zh
                )
                yield Citation(citation.kind, citation.source_id, title, number), language, sentence


def passages(material: BoothMaterial) -> list[Passage]:
    """The booth's passages in the order of its material (at most `MAX_PASSAGES`)."""
    out: list[Passage] = []
    counters: dict[tuple[SourceKind, int, int], int] = {}
    for citation, language, text in _sources(material):
        if len(out) >= MAX_PASSAGES:
            break
        key = (citation.kind, citation.source_id, citation.page or 0)
        n = counters.get(key, 0)
        counters[key] = n + 1
        out.append(Passage(f"{key[0]}:{key[1]}:{key[2]}:{n}", citation, language, text))
    return out
