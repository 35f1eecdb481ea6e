"""CSV exports open in Excel with Chinese intact, and nothing a person typed runs as a formula."""

import csv
import io

import pytest

from expo.spreadsheet import BOM, csv_response, csv_text, safe_cell


@pytest.mark.parametrize(
    "typed",
    ["=1+2", "+86 851", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")'],
)
def test_a_cell_a_spreadsheet_would_run_is_prefixed(typed: str):
    assert safe_cell(typed) == "'" + typed


@pytest.mark.parametrize("plain", ["黔算云", "Qiansuan Cloud", "a=b", "", "1-2"])
def test_plain_text_is_kept(plain: str):
    assert safe_cell(plain) == plain


def test_numbers_stay_numbers():
    assert safe_cell(-3) == "-3"
    assert safe_cell(None) == ""


def test_the_file_starts_with_a_bom_and_reads_back():
    text = csv_text(["名字", "note"], [["刘洋", '=cmd|" /C calc"!A0'], ["Li, Wei", 'say "hi"']])
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    assert rows == [["名字", "note"], ["刘洋", '\'=cmd|" /C calc"!A0'], ["Li, Wei", 'say "hi"']]


def test_a_chinese_filename_has_an_ascii_fallback():
    response = csv_response("线索.csv", ["a"], [])
    disposition = response.headers["content-disposition"]
    assert 'filename="__.csv"' in disposition
    assert "filename*=UTF-8''%E7%BA%BF%E7%B4%A2.csv" in disposition
    assert response.body.startswith(BOM.encode())
