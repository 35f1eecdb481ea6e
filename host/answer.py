"""A visitor's question → the host's answer: quoted passages with their citations, or a
decline that offers the booth's queue. Never a word that is not in the booth's material.

Confidence is how much of the question the chosen passage covers: the idf-weighted share of the
question's terms found in the passage (with its title). A term the booth's material never uses
weighs as much as the rarest term, so "How much does the Render Farm cost?" covers "render" and
"farm" but not "cost", and is declined rather than answered with what the farm is. Below
`THRESHOLD` the host declines; the threshold was chosen on the hand-written questions of
tests/host_questions/ (`python bench/host.py` prints the sweep).

A staff-written FAQ entry that matches the question (both ways: the question covers the entry's
question and the entry's question covers it, `FAQ_THRESHOLD`) is preferred to the material: it
is what the staff corrected the host with.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from host.index import BoothIndex, terms, words
from host.passages import Citation, Language, Passage, SourceKind, language_of, sentences

THRESHOLD = 0.6
FAQ_THRESHOLD = 0.75
MAX_QUESTION_CHARS = 500
MAX_SENTENCES = 2
CANDIDATES = 8  # BM25's best passages, re-ranked by how much of the question they cover
SECOND_SCORE = 0.8  # a second sentence only when it scores nearly as well as the first


class Decline(StrEnum):
    EMPTY = "empty"  # the question holds no word to look for
    NO_MATCH = "no_match"  # no passage shares a word with it
    LOW_CONFIDENCE = "low_confidence"  # the best passage covers too little of it


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    citation: Citation
    passage_id: str  # "" for an FAQ entry's sentences


@dataclass(frozen=True, slots=True)
class Answer:
    declined: bool
    sentences: tuple[Sentence, ...]
    confidence: float  # 0..1; for a decline, the best confidence that was found
    language: Language  # the question's
    reason: Decline | None = None

    @property
    def offer_queue(self) -> bool:
        """Whether the visitor should be offered the booth's queue (a person answers)."""
        return self.declined


Words = tuple[tuple[str, tuple[str, ...]], ...]


def _weight(index: BoothIndex, word: str, pairs: tuple[str, ...]) -> float:
    if word in index.idf or not pairs:
        return index.idf_of(word)
    return max(index.idf_of(pair) for pair in pairs)


def coverage(index: BoothIndex, asked: Words, found: frozenset[str]) -> float:
    """The idf-weighted share of the asked words that `found` holds (a long Chinese word not
    found whole counts by the share of its bigrams found); 0 when nothing is asked."""
    total = held = 0.0
    for word, pairs in asked:
        weight = _weight(index, word, pairs)
        total += weight
        if word in found:
            held += weight
        elif pairs:
            held += weight * sum(pair in found for pair in pairs) / len(pairs)
    return held / total if total > 0 else 0.0


def _faq(index: BoothIndex, asked: Words, query: frozenset[str]) -> tuple[int, float] | None:
    best: tuple[int, float] | None = None
    for position, (entry_words, entry_terms) in enumerate(index.faq_words):
        similarity = min(coverage(index, asked, entry_terms), coverage(index, entry_words, query))
        if similarity >= FAQ_THRESHOLD and (best is None or similarity > best[1]):
            best = (position, similarity)
    return best


def _declined(language: Language, reason: Decline, confidence: float = 0.0) -> Answer:
    return Answer(True, (), confidence, language, reason)


def _sentence(passage: Passage) -> Sentence:
    return Sentence(passage.text, passage.citation, passage.id)


def answer(index: BoothIndex, question: str, threshold: float = THRESHOLD) -> Answer:
    """The host's answer to one question, from this booth's index only."""
    question = question[:MAX_QUESTION_CHARS]
    language = language_of(question)
    query = frozenset(terms(question))
    asked = tuple(words(question))
    if not query or not asked:
        return _declined(language, Decline.EMPTY)
    faq = _faq(index, asked, query)
    if faq is not None:
        entry = index.faqs[faq[0]]
        cited = Citation(SourceKind.FAQ, entry.id, "FAQ")
        written = tuple(Sentence(s, cited, "") for s in sentences(entry.answer))
        if written:
            return Answer(False, written, faq[1], language)
    hits = index.search(sorted(query), CANDIDATES)
    if not hits:
        return _declined(language, Decline.NO_MATCH)
    top = hits[0].score
    ranked = sorted(
        (
            (
                coverage(index, asked, index.terms[hit.position]),
                hit.score,
                index.passages[hit.position],
            )
            for hit in hits
        ),
        key=lambda c: (
            -(c[0] + 0.1 * c[1] / top + (0.05 if c[2].language == language else 0.0)),
            -c[1],
        ),
    )
    confidence, score, best = ranked[0]
    if confidence < threshold:
        return _declined(language, Decline.LOW_CONFIDENCE, confidence)
    said = [_sentence(best)]
    for other_confidence, other_score, passage in ranked[1:]:
        if len(said) >= MAX_SENTENCES:
            break
        if (
            passage.language == best.language
            and other_confidence >= threshold
            and other_score >= SECOND_SCORE * score
            and all(passage.text != s.text for s in said)
        ):
            said.append(_sentence(passage))
    return Answer(False, tuple(said), confidence, language)
