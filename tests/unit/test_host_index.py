from __future__ import annotations

from host.index import build_index, terms, words
from host.passages import Citation, Language, Passage, SourceKind


def passage(n: int, title: str, text: str) -> Passage:
    lang: Language = "en" if text.isascii() else "zh"
    return Passage(f"product:{n}:0:0", Citation(SourceKind.PRODUCT, n, title), lang, text)


def test_chinese_terms_are_words_and_bigrams_without_question_words() -> None:
    found = terms("你们的浸没式液冷是什么？")
    assert "液冷" in found and "浸没" in found
    assert not {"你们", "什么", "是什么"} & set(found)


def test_english_terms_are_stemmed_without_question_words() -> None:
    assert terms("What do the Servers schedule?") == ["server", "schedule"]
    assert words("Racks") == [("rack", ())]


def test_bm25_ranks_the_passage_that_holds_the_rare_term_first() -> None:
    index = build_index(
        [
            passage(1, "Render Farm", "Elastic rendering power."),
            passage(2, "Virtual Production", "LED-wall virtual studios."),
            passage(3, "云渲染农场", "弹性渲染算力。"),
        ]
    )
    hits = index.search(terms("virtual studios"))
    assert [h.position for h in hits] == [1]
    hits = index.search(terms("渲染算力"))
    assert hits[0].position == 2
    assert index.search(terms("blockchain")) == []


def test_an_empty_booth_finds_nothing() -> None:
    assert build_index([]).search(["anything"]) == []


def test_the_title_is_searched_with_the_text() -> None:
    index = build_index([passage(1, "Render Farm", "Elastic power."), passage(2, "Hall", "x")])
    assert index.search(terms("farm"))[0].position == 0
