"""The host measured on the demo booths: their material built in memory as the demo seeds it
(expo/seed.py, expo/hall/demo_content.py, expo/hall/seed_people.py), asked the hand-written
questions of tests/host_questions/. Shared by bench/host.py and tests/unit/test_host_eval.py.

A question file is a booth's slug (its English name, letters and digits, lowercased) and a
list of questions: {"q", "lang": "zh"|"en", "expect": {"contains": "...", "kind": "..."}} or
{"q", "lang", "unanswerable": true}. An answerable question counts as answered right when the
host answers and its first sentence's passage contains `contains` (and comes from a source of
`kind`, when given).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from host.answer import THRESHOLD, Answer, answer
from host.index import BoothIndex, build_index
from host.passages import BoothMaterial, Document, passages
from host.pdf_text import extract_pages

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "host_questions"


def slug(name_en: str) -> str:
    """As demo_content names a booth's files: `Gui'an Data Center` → `guiandatacenter`."""
    return "".join(c for c in name_en.lower() if c.isalnum()) or "booth"


def demo_material() -> dict[str, BoothMaterial]:
    """Each demo booth's material by slug, with ids as a fresh demo database gives them."""
    from expo.hall.demo_content import PRODUCTS, minimal_pdf
    from expo.hall.models import Product, Release, ReleaseState
    from expo.hall.seed_people import RELEASES
    from expo.seed import EXHIBITORS

    booths: dict[str, BoothMaterial] = {}
    product_id = 0
    for number, (zh, en, _industry, szh, sen) in enumerate(EXHIBITORS, start=1):
        rows = PRODUCTS[number - 1] if number <= len(PRODUCTS) else PRODUCTS[0]
        products = []
        for position, (pzh, pen, dzh, den) in enumerate(rows):
            product_id += 1
            products.append(
                Product(
                    id=product_id,
                    exhibitor_id=number,
                    position=position,
                    name_zh=pzh,
                    name_en=pen,
                    description_zh=dzh,
                    description_en=den,
                )
            )
        releases = [
            Release(
                id=release_id,
                exhibitor_id=number,
                kind=kind,
                state=ReleaseState.PUBLISHED if live else ReleaseState.PENDING,
                title_zh=tzh,
                title_en=ten,
                summary_zh=rszh,
                summary_en=rsen,
                body_zh=bzh,
                body_en=ben,
            )
            for release_id, (name, kind, tzh, ten, rszh, rsen, bzh, ben, live) in enumerate(
                RELEASES, start=1
            )
            if name == zh
        ]
        sheet = minimal_pdf(["", en, "Product sheet", "", *(f"- {p[1]}: {p[3]}" for p in rows)][1:])
        # Upload ids: the logo, one picture per product, then the sheet (demo_content's order).
        document = Document(1000 * number + len(rows) + 1, "产品手册", "Product sheet",
                            tuple(extract_pages(sheet)))  # fmt: skip
        booths[slug(en)] = BoothMaterial(
            exhibitor_id=number,
            name_zh=zh,
            name_en=en,
            description_zh=szh,
            description_en=sen,
            products=tuple(products),
            releases=tuple(releases),
            documents=(document,),
        )
    return booths


def load_questions(folder: Path = QUESTIONS) -> dict[str, list[dict[str, Any]]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json"))
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    booth: str
    question: dict[str, Any]
    answer: Answer

    @property
    def right(self) -> bool:
        """An answerable question answered with the expected passage first."""
        expect = self.question.get("expect")
        if self.answer.declined or not expect or not self.answer.sentences:
            return False
        first = self.answer.sentences[0]
        kind = expect.get("kind")
        return expect["contains"] in first.text and (kind is None or first.citation.kind == kind)


@dataclass(frozen=True, slots=True)
class Report:
    answerable: int
    answered_right: int
    unanswerable: int
    declined: int
    uncited: int  # answers holding a sentence without a citation (must be 0)
    outcomes: Sequence[Outcome] = field(repr=False)

    @property
    def right_share(self) -> float:
        return self.answered_right / self.answerable if self.answerable else 0.0

    @property
    def declined_share(self) -> float:
        return self.declined / self.unanswerable if self.unanswerable else 0.0

    def misses(self) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if (o.question.get("unanswerable") and not o.answer.declined)
            or (not o.question.get("unanswerable") and not o.right)
        ]


def indexes(material: dict[str, BoothMaterial]) -> dict[str, BoothIndex]:
    return {name: build_index(passages(booth)) for name, booth in material.items()}


def evaluate(
    threshold: float = THRESHOLD,
    booths: dict[str, BoothIndex] | None = None,
    questions: dict[str, list[dict[str, Any]]] | None = None,
) -> Report:
    """Every question of every booth's file, asked of that booth's index."""
    booths = booths if booths is not None else indexes(demo_material())
    questions = questions if questions is not None else load_questions()
    outcomes: list[Outcome] = []
    for name, asked in questions.items():
        index = booths[name]
        outcomes.extend(Outcome(name, q, answer(index, q["q"], threshold)) for q in asked)
    answerable = [o for o in outcomes if not o.question.get("unanswerable")]
    unanswerable = [o for o in outcomes if o.question.get("unanswerable")]
    return Report(
        answerable=len(answerable),
        answered_right=sum(o.right for o in answerable),
        unanswerable=len(unanswerable),
        declined=sum(o.answer.declined for o in unanswerable),
        uncited=sum(
            1
            for o in outcomes
            if not o.answer.declined
            and (not o.answer.sentences or any(not s.citation.title for s in o.answer.sentences))
        ),
        outcomes=outcomes,
    )
