"""The rules of leads with no I/O: consent is the literal true, sources, notes and tags, the
CSV's rows (formula-safe through expo/spreadsheet.py), the expo's day and its hours, dwell time,
and the visit tokens that let a page resume its visit and nobody else's."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from expo.errors import BadRequest
from expo.hall.leads_rules import (
    CSV_HEADER,
    MAX_DWELL,
    Source,
    clean_notes,
    clean_tags,
    csv_row,
    dwell_seconds,
    expo_day,
    require_consent,
    source_of,
    visit_of_token,
    visit_token,
)
from expo.spreadsheet import csv_text


def test_consent_is_the_literal_true_and_nothing_else():
    require_consent(True)
    for value in (False, None, "true", 1, "yes", [True], {"consent": True}):
        with pytest.raises(BadRequest) as refused:
            require_consent(value)
        assert refused.value.code == "lead.consent_required"


def test_sources_default_to_the_card_and_refuse_the_unknown():
    assert source_of(None) is Source.CARD
    assert [source_of(s).value for s in ("card", "chat", "download", "meeting")] == [
        "card",
        "chat",
        "download",
        "meeting",
    ]
    for value in ("Card", "spam", "", 3):
        with pytest.raises(BadRequest) as refused:
            source_of(value)
        assert refused.value.code == "lead.source_unknown"


def test_tags_are_trimmed_deduplicated_and_bounded():
    assert clean_tags([" 热 hot ", "热 HOT", "", "算力", "a\u200bb"]) == ["热 hot", "算力", "ab"]
    assert len(clean_tags([f"t{i}" for i in range(10)])) == 10
    assert clean_tags(["x"] * 20) == ["x"]  # duplicates do not count against the ten
    with pytest.raises(BadRequest, match="at most 10"):
        clean_tags([f"t{i}" for i in range(11)])
    assert clean_tags(["字" * 30]) == ["字" * 30]
    with pytest.raises(BadRequest) as refused:
        clean_tags(["字" * 31])
    assert refused.value.code == "lead.tag_too_long"


def test_notes_keep_lines_and_are_bounded():
    assert clean_notes("  第一行\n第二行\u202e  ") == "第一行\n第二行"
    assert len(clean_notes("x" * 2000)) == 2000
    with pytest.raises(BadRequest) as refused:
        clean_notes("x" * 2001)
    assert refused.value.code == "lead.notes_too_long"


def lead(**fields: object) -> SimpleNamespace:
    base = {
        "consented_at": datetime(2026, 5, 26, 1, 30, tzinfo=UTC),
        "source": "card",
        "name": "张三",
        "organisation": '=HYPERLINK("http://evil.example","点我")',
        "title": "+CTO",
        "email": "zs@example.com",
        "tags": ["热门", "-1"],
        "notes": "@SUM(A1)\n跟进",
    }
    return SimpleNamespace(**(base | fields))


def test_a_csv_row_is_the_lead_in_the_expos_time_and_its_cells_are_made_safe():
    row = csv_row(lead())
    assert row[0] == "2026-05-26T09:30:00+08:00"
    assert len(row) == len(CSV_HEADER)
    text = csv_text(CSV_HEADER, [row])
    assert text.startswith("\ufeff")
    [header, cells] = list(csv.reader(io.StringIO(text[1:])))
    assert header == list(CSV_HEADER)
    assert cells[3] == "'" + '=HYPERLINK("http://evil.example","点我")'
    assert cells[4] == "'+CTO"
    assert cells[6] == "热门; -1"  # joined, so it does not start with the minus
    assert cells[7] == "'@SUM(A1)\n跟进"
    assert cells[2] == "张三" and cells[5] == "zs@example.com"


def test_the_expos_day_is_beijings_and_has_24_hours():
    # 23:30 UTC on the 25th is 07:30 on the 26th in Guiyang.
    start, edges = expo_day(datetime(2026, 5, 25, 23, 30, tzinfo=UTC))
    assert start == datetime(2026, 5, 25, 16, 0, tzinfo=UTC)
    assert len(edges) == 25 and edges[-1] - edges[0] == timedelta(hours=24)
    start, _ = expo_day(datetime(2026, 5, 26, 15, 59, tzinfo=UTC))
    assert start == datetime(2026, 5, 25, 16, 0, tzinfo=UTC)


def test_dwell_time_is_whole_seconds_never_negative_and_capped():
    at = datetime(2026, 5, 26, 2, 0, tzinfo=UTC)
    assert dwell_seconds(at, at + timedelta(seconds=95.7)) == 95
    assert dwell_seconds(at, at - timedelta(seconds=5)) == 0
    assert dwell_seconds(at, at + timedelta(days=1)) == MAX_DWELL
    assert dwell_seconds(at.replace(tzinfo=None), at + timedelta(seconds=3)) == 3


def test_a_visit_token_names_its_visit_for_that_booth_and_person_only():
    token = visit_token("secret", 42, 1, 7)
    assert visit_of_token("secret", token, 1, 7) == 42
    assert visit_of_token("secret", token, 2, 7) is None  # another booth
    assert visit_of_token("secret", token, 1, 8) is None  # another person
    assert visit_of_token("secret", token, 1, None) is None  # anonymous
    assert visit_of_token("other", token, 1, 7) is None  # another server's secret
    forged = "43." + token.partition(".")[2]
    assert visit_of_token("secret", forged, 1, 7) is None
    for junk in ("", "x", "0.abc", "99999999999.abc", "42"):
        assert visit_of_token("secret", junk, 1, 7) is None
    anonymous = visit_token("secret", 5, 1, None)
    assert visit_of_token("secret", anonymous, 1, None) == 5
