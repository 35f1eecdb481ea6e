"""A PDF's pages read in a process of its own, within a time bound.

pypdf bounds what it decompresses but not the time a hostile file makes it spend: the reading
runs in a child process (`python -m host.pdf_text FILE`, its memory capped there) that is killed
once it has taken `PDF_SECONDS`. A PDF that could not be read in time yields no text, and the
log says so: the host then knows nothing from it, and never waits on it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from pathlib import Path

PDF_SECONDS = 20.0

log = logging.getLogger(__name__)


async def read_pages(path: Path, timeout: float = PDF_SECONDS) -> list[str] | None:
    """The PDF's pages (index 0 is page 1); None when the file is missing (it may come)."""
    if not await asyncio.to_thread(path.is_file):
        return None
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "host.pdf_text",
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        out, _ = await asyncio.wait_for(child.communicate(), timeout)
    except TimeoutError:
        log.warning("pdf text not read in time: no text kept", extra={"path": str(path)})
        return []
    finally:
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            await child.wait()
    if child.returncode != 0:
        log.warning("pdf text reader failed: no text kept", extra={"path": str(path)})
        return []
    pages = json.loads(out or b"[]")
    return [str(p) for p in pages] if isinstance(pages, list) else []
