from __future__ import annotations

from host.answer import Decline, answer
from host.index import build_index
from host.passages import Citation, Faq, Passage, SourceKind

PASSAGES = [
    Passage("product:1:0:0", Citation(SourceKind.PRODUCT, 1, "Render Farm"), "en",
            "Elastic rendering power."),
    Passage("product:1:0:1", Citation(SourceKind.PRODUCT, 1, "云渲染农场"), "zh", "弹性渲染算力。"),
    Passage("document:9:2:0", Citation(SourceKind.DOCUMENT, 9, "Product sheet", 2), "en",
            "Virtual Production: LED-wall virtual studios."),
]  # fmt: skip


def test_answers_with_the_passage_and_its_citation() -> None:
    got = answer(build_index(PASSAGES), "What does the Render Farm offer?")
    assert not got.declined and got.language == "en"
    assert got.sentences[0].text == "Elastic rendering power."
    assert got.sentences[0].citation == Citation(SourceKind.PRODUCT, 1, "Render Farm")


def test_answers_a_chinese_question_in_chinese() -> None:
    got = answer(build_index(PASSAGES), "云渲染农场提供什么？")
    assert got.sentences[0].text == "弹性渲染算力。"


def test_a_document_sentence_is_cited_with_its_page() -> None:
    got = answer(build_index(PASSAGES), "Do you have LED-wall virtual studios?")
    assert got.sentences[0].citation.label() == "Product sheet, p. 2"


def test_declines_what_the_material_does_not_say_and_offers_the_queue() -> None:
    got = answer(build_index(PASSAGES), "How much does the Render Farm cost per hour?")
    assert got.declined and got.offer_queue and got.sentences == ()
    assert got.reason is Decline.LOW_CONFIDENCE


def test_declines_without_a_match_or_a_word() -> None:
    index = build_index(PASSAGES)
    assert answer(index, "blockchain wallets?").reason is Decline.NO_MATCH
    assert answer(index, "what is it?").reason is Decline.EMPTY
    assert answer(build_index([]), "render farm").declined


def test_a_matching_faq_entry_is_preferred_and_cited_as_faq() -> None:
    faq = Faq(4, "How much does the Render Farm cost per hour?", "From 2 yuan per core hour.")
    got = answer(build_index(PASSAGES, [faq]), "how much does the render farm cost per hour")
    assert [(s.text, s.citation.label()) for s in got.sentences] == [
        ("From 2 yuan per core hour.", "FAQ")
    ]
    # A question that only shares some of its words with the entry is not answered by it.
    got = answer(build_index(PASSAGES, [faq]), "What does the Render Farm offer?")
    assert got.sentences[0].citation.kind is SourceKind.PRODUCT
