"""What other features hear of the hall's uploads: a PDF stored for a booth. A feature registers
a hook at its startup (`on_pdf_stored`, re-exported by expo/hall/public.py); the upload calls
them after its commit, each in a task of its own, so its answer never waits on them and a hook
that fails is logged, not the upload's failure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from expo.services import Services

log = logging.getLogger(__name__)

HOOKS = "hall.pdf_hooks"  # services.cache: this app's hooks


@dataclass(frozen=True, slots=True)
class StoredPdf:
    exhibitor_id: int
    upload_id: int
    sha256: str
    path: Path


PdfHook = Callable[[Services, StoredPdf], Awaitable[None]]
_running: set[asyncio.Task[None]] = set()  # kept until done (the loop holds tasks weakly)


def on_pdf_stored(svc: Services, hook: PdfHook) -> None:
    svc.cache.setdefault(HOOKS, []).append(hook)


def pdf_stored(svc: Services, pdf: StoredPdf) -> None:
    for hook in svc.cache.get(HOOKS, []):
        task = asyncio.create_task(_guarded(hook, svc, pdf))
        _running.add(task)
        task.add_done_callback(_running.discard)


async def _guarded(hook: PdfHook, svc: Services, pdf: StoredPdf) -> None:
    try:
        await hook(svc, pdf)
    except Exception:
        log.exception("a pdf hook failed", extra={"upload": pdf.upload_id})
