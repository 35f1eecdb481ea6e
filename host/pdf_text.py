"""A PDF's text, page by page, read once at upload with pypdf, within bounds.

An uploaded PDF is untrusted: it may claim a million pages, hold one page of endless text or
be no PDF at all. Reading stops at `MAX_PAGES` pages and `MAX_CHARS` characters in all (a page
at `MAX_PAGE_CHARS`); pypdf itself caps every decompressed stream (75 MB by default). A file
pypdf cannot read yields the pages read before the failure, possibly none: the host then simply
knows nothing from it. CPU time is not bounded here: host/pdf_worker.py runs this in a process
of its own (`python -m host.pdf_text FILE`, memory capped) with a timeout, at upload and never
on the event loop nor at question time.
"""

from __future__ import annotations

import io
import logging

MAX_BYTES = 20 * 1024 * 1024  # the hall's upload limit is lower; this guards direct callers
MAX_PAGES = 200
MAX_PAGE_CHARS = 20_000
MAX_CHARS = 300_000
# The reading process's address space (host/pdf_worker.py): pypdf's stream cap is per stream.
MEMORY_CAP_BYTES = 1024 * 1024 * 1024

log = logging.getLogger(__name__)


def extract_pages(data: bytes) -> list[str]:
    """The text of each page (index 0 is page 1); [] for a file that is not a readable PDF."""
    if len(data) > MAX_BYTES or not data.lstrip()[:5].startswith(b"%PDF-"):
        return []
    # Imported here: only the upload path reads PDFs, and pypdf is a tenth of a second to load.
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    pages: list[str] = []
    total = 0
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        for number, page in enumerate(reader.pages):
            if number >= MAX_PAGES or total >= MAX_CHARS:
                break
            text = (page.extract_text() or "")[:MAX_PAGE_CHARS][: MAX_CHARS - total]
            pages.append(text)
            total += len(text)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # pypdf raises more than its own errors on malformed files; what was read is kept.
        log.info("pdf text stopped after %d pages: %s", len(pages), exc)
    return pages


def main(argv: list[str]) -> int:
    """`python -m host.pdf_text FILE`: the pages as JSON on stdout, in a process of its own
    (host/pdf_worker.py) whose memory is capped here, before the file is opened."""
    import json
    import resource
    import sys

    cap = MEMORY_CAP_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    with open(argv[0], "rb") as source:
        data = source.read(MAX_BYTES + 1)
    sys.stdout.write(json.dumps(extract_pages(data), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
