from __future__ import annotations

from expo.hall.demo_content import minimal_pdf
from expo.hall.models import Product, Release, ReleaseState
from host.passages import (
    MAX_SENTENCE_CHARS,
    BoothMaterial,
    Citation,
    Document,
    SourceKind,
    language_of,
    passages,
    sentences,
)
from host.pdf_text import MAX_PAGES, extract_pages


def test_sentences_split_in_both_languages_and_keep_decimals() -> None:
    text = "PUE 低于 1.2 的机房。机柜托管与运维！Halls with a PUE under 1.2. Racks, power."
    assert sentences(text) == [
        "PUE 低于 1.2 的机房。",
        "机柜托管与运维！",
        "Halls with a PUE under 1.2.",
        "Racks, power.",
    ]


def test_pdf_lines_wrapped_mid_sentence_are_joined_and_bullets_dropped() -> None:
    page = (
        "Product sheet\n- Green Halls: halls with a power usage effectiveness\n"
        "under 1.2 in every hall we run.\n"
    )
    assert sentences(page) == [
        "Product sheet",
        "Green Halls: halls with a power usage effectiveness under 1.2 in every hall we run.",
    ]


def test_a_long_sentence_is_cut_at_its_clauses() -> None:
    long = "，".join(["算力调度平台统一纳管通用算力"] * 40) + "。"
    cut = sentences(long)
    assert len(cut) > 1
    assert all(len(s) <= MAX_SENTENCE_CHARS for s in cut)
    assert "".join(cut) == long


def test_language() -> None:
    assert language_of("单柜 100 kW 散热。") == "zh"
    assert language_of("100 kW per rack.") == "en"


def test_every_passage_keeps_its_citation_and_pending_releases_are_left_out() -> None:
    material = BoothMaterial(
        exhibitor_id=7,
        name_zh="筑城液冷",
        name_en="Zhucheng",
        description_zh="服务器液冷。",
        products=[
            Product(
                id=3,
                exhibitor_id=7,
                name_zh="冷板",
                name_en="Cold Plates",
                description_en="Direct-to-chip cooling.",
            )
        ],  # fmt: skip
        releases=[
            Release(
                id=5,
                state=ReleaseState.PUBLISHED,
                title_zh="整机柜发布",
                title_en="Rack",
                body_zh="PUE 低至 1.1。",
            ),
            Release(
                id=6,
                state=ReleaseState.PENDING,
                title_zh="未审",
                title_en="Pending",
                body_zh="保密内容。",
            ),
        ],  # fmt: skip
        documents=[Document(9, "产品手册", "Product sheet", ("", "Page two text."))],
    )
    found = {(p.citation, p.language, p.text) for p in passages(material)}
    assert found == {
        (Citation(SourceKind.BOOTH, 7, "筑城液冷"), "zh", "服务器液冷。"),
        (Citation(SourceKind.PRODUCT, 3, "Cold Plates"), "en", "Direct-to-chip cooling."),
        (Citation(SourceKind.RELEASE, 5, "整机柜发布"), "zh", "整机柜发布"),
        (Citation(SourceKind.RELEASE, 5, "整机柜发布"), "zh", "PUE 低至 1.1。"),
        (Citation(SourceKind.RELEASE, 5, "Rack"), "en", "Rack"),
        (Citation(SourceKind.DOCUMENT, 9, "Product sheet", 2), "en", "Page two text."),
    }
    assert len({p.id for p in passages(material)}) == len(found)


def test_pdf_text_per_page() -> None:
    pdf = minimal_pdf(["Render Farm", "- Elastic rendering power."])
    assert extract_pages(pdf) == ["Render Farm\n- Elastic rendering power.\n"]


def test_pdf_text_refuses_what_is_no_pdf_and_survives_a_broken_one() -> None:
    assert extract_pages(b"hello") == []
    assert extract_pages(b"%PDF-1.4\n" + b"\x00garbage" * 100) == []
    assert extract_pages(minimal_pdf(["x"])[:-60]) in ([], ["x\n"])


def test_pdf_text_reads_at_most_max_pages() -> None:
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(MAX_PAGES + 5):
        writer.add_blank_page(100, 100)
    out = BytesIO()
    writer.write(out)
    assert len(extract_pages(out.getvalue())) == MAX_PAGES
