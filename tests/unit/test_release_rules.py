"""The rules of releases and of the exhibitor import, without I/O."""

from __future__ import annotations

import pytest

from expo.errors import BadRequest, Conflict, Forbidden
from expo.hall.exhibitor_rules import check_rows, industry_key, read_rows
from expo.hall.release_rules import Move, clean_ids, clean_text, decide, paragraphs

STATES = ["draft", "pending", "published", "rejected", "withdrawn"]


def outcome(state: str, move: Move, *, organiser: bool = False, approval: bool = False) -> object:
    try:
        d = decide(state, move, organiser=organiser, approval_required=approval)
    except (Conflict, Forbidden) as error:
        return error.code
    return (str(d.state), d.announce, d.keep_reason)


def test_staff_submit_goes_live_or_waits_for_approval():
    assert outcome("draft", Move.SUBMIT) == ("published", "release.published", False)
    assert outcome("draft", Move.SUBMIT, approval=True) == ("pending", None, False)
    assert outcome("rejected", Move.SUBMIT, approval=True) == ("pending", None, False)
    assert outcome("withdrawn", Move.SUBMIT) == ("published", "release.published", False)
    # Organisers never wait for themselves.
    assert outcome("draft", Move.SUBMIT, organiser=True, approval=True)[0] == "published"  # type: ignore[index]
    assert outcome("pending", Move.SUBMIT) == "release.bad_state"
    assert outcome("published", Move.SUBMIT) == "release.bad_state"


@pytest.mark.parametrize("move", [Move.APPROVE, Move.REJECT, Move.PUBLISH])
@pytest.mark.parametrize("state", STATES)
def test_only_organisers_approve_reject_and_publish(move: Move, state: str):
    assert outcome(state, move) == "release.organisers_only"


def test_organisers_moves_from_each_state():
    table = {
        (s, m): outcome(s, m, organiser=True)
        for s in STATES
        for m in (Move.APPROVE, Move.REJECT, Move.PUBLISH, Move.WITHDRAW)
    }
    assert table[("pending", Move.APPROVE)] == ("published", "release.published", False)
    assert table[("pending", Move.REJECT)] == ("rejected", None, True)
    assert table[("published", Move.WITHDRAW)] == ("withdrawn", "release.withdrawn", False)
    assert table[("pending", Move.WITHDRAW)] == ("withdrawn", None, False)
    for s in ("draft", "pending", "rejected", "withdrawn"):
        assert table[(s, Move.PUBLISH)][0] == "published"  # type: ignore[index]
    for s in ("draft", "published", "rejected", "withdrawn"):
        assert table[(s, Move.APPROVE)] == table[(s, Move.REJECT)] == "release.bad_state"
    assert table[("published", Move.PUBLISH)] == "release.bad_state"
    assert table[("draft", Move.WITHDRAW)] == "release.bad_state"


def test_edits_by_staff_send_a_release_back_to_draft_and_never_touch_a_live_one():
    assert outcome("draft", Move.EDIT) == ("draft", None, True)
    assert outcome("pending", Move.EDIT) == ("draft", None, False)
    assert outcome("rejected", Move.EDIT) == ("draft", None, True)  # the reason stays shown
    assert outcome("withdrawn", Move.EDIT) == ("draft", None, False)
    assert outcome("published", Move.EDIT) == "release.bad_state"
    # Organisers edit in place; a live one is announced again (its new version).
    assert outcome("published", Move.EDIT, organiser=True) == (
        "published",
        "release.published",
        True,
    )
    assert outcome("pending", Move.EDIT, organiser=True) == ("pending", None, True)


def test_texts_are_cleaned_and_measured():
    assert clean_text("  a\u200b  b\n c ", 10, "title_zh") == "a b c"
    body = clean_text("one\r\n\r\n\r\n  two  \n\u0007three\n\n", 100, "body", lines=True)
    assert body == "one\n\ntwo\nthree"
    assert paragraphs(body) == ["one", "two", "three"]
    assert clean_text("长" * 60, 60, "t") == "长" * 60
    with pytest.raises(BadRequest) as error:
        clean_text("长" * 61, 60, "title_zh")
    assert error.value.code == "release.too_long"
    with pytest.raises(BadRequest) as error:
        clean_text(" \u200b ", 60, "reason", required=True)
    assert error.value.code == "release.empty"
    assert clean_ids([3, 1, 3, 2], 3, "images") == [3, 1, 2]
    with pytest.raises(BadRequest):
        clean_ids([1, 2, 3, 4], 3, "images")


def test_import_rows_are_read_and_each_is_told_its_faults():
    text = (
        "\ufeff中文名,name_en,industry\n"
        "甲,Alpha,数据安全,金\n"
        "\n"
        "乙\tBeta\tai\n"  # a comma file: one cell, so no English name, no industry
        "丙,alpha,AI,silver\n"
        "丁,Delta,ai,铜\n"
        "戊,=cmd,ai,,,,x\n"
    )
    rows = check_rows(read_rows(text), existing={"existing co"})
    assert [(r.line, r.name_zh, r.errors) for r in rows] == [
        (2, "甲", []),
        (4, "乙 Beta ai", ["exhibitor.empty_name", "exhibitor.bad_industry"]),
        (5, "丙", ["exhibitor.duplicate"]),  # Alpha, case aside
        (6, "丁", ["exhibitor.bad_tier"]),
        (7, "戊", ["exhibitor.extra_columns"]),
    ]
    assert (rows[0].industry_key, rows[0].tier_value) == ("data-security", "gold")
    assert rows[4].name_en == "=cmd"  # stored as written; the report's CSV neutralises it
    assert check_rows(read_rows("Existing Co,X,ai"), existing={"existing co"})[0].errors == [
        "exhibitor.exists"
    ]
    assert industry_key(" Computing power NETWORK ") == "computing-power"
    with pytest.raises(BadRequest) as error:
        read_rows("\n\n")
    assert error.value.code == "exhibitor.no_rows"
    with pytest.raises(BadRequest) as error:
        read_rows("a,b,ai\n" * 1001)
    assert error.value.code == "exhibitor.too_many_rows"
