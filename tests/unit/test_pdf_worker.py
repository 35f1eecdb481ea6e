"""A PDF's pages are read in a process of its own, bounded in time (host/pdf_worker.py)."""

from __future__ import annotations

from pathlib import Path

from expo.hall.demo_content import minimal_pdf
from host.pdf_worker import read_pages


async def test_the_pages_come_back_from_the_reading_process(tmp_path: Path):
    sheet = tmp_path / "sheet.pdf"
    sheet.write_bytes(minimal_pdf(["Computing power", "scheduled across hubs"]))
    pages = await read_pages(sheet)
    assert pages is not None and len(pages) == 1
    assert "Computing power" in pages[0] and "scheduled across hubs" in pages[0]


async def test_a_missing_file_is_none_and_a_non_pdf_has_no_pages(tmp_path: Path):
    assert await read_pages(tmp_path / "gone.pdf") is None
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    assert await read_pages(fake) == []


async def test_a_reading_that_takes_too_long_is_cut_and_yields_no_text(tmp_path: Path):
    sheet = tmp_path / "sheet.pdf"
    sheet.write_bytes(minimal_pdf(["too slow for the bound"]))
    # A bound shorter than the reading process takes to start: it is killed, nothing kept.
    assert await read_pages(sheet, timeout=0.001) == []
