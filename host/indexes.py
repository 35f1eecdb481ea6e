"""Each booth's index, built once per process on the booth's first question and rebuilt when
its material or its FAQ changes (a version check per question: one small read).

A PDF's pages are read when it is uploaded (`extract_at_upload`, the hall's hook) and kept in
`host_document` by the file's sha256, so no process reads the same PDF twice; one listed before
(or whose reading another process has not finished) is read the first time an index needs it.
Reading happens in a process of its own with a time bound (host/pdf_worker.py); building the
index and jieba's first load (a second or so) in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from expo.errors import NotFound
from expo.hall.public import (
    BoothContent,
    DocumentFile,
    StoredPdf,
    booth_material,
    material_version,
    on_pdf_stored,
)
from expo.services import Services
from host import store
from host.index import BoothIndex, build_index, terms
from host.models import HostDocument
from host.passages import BoothMaterial, Document, Faq, passages
from host.pdf_worker import read_pages

CACHE = "host.indexes"  # services.cache: this process's Indexes

Version = tuple[tuple[int, int, str], tuple[int, int]]


def _built(content: BoothContent, pages: dict[int, list[str]], faqs: list[Faq]) -> BoothIndex:
    terms("数博")  # jieba's first load, here in the worker thread rather than at a question
    material = BoothMaterial(
        exhibitor_id=content.card.id,
        name_zh=content.card.name_zh,
        name_en=content.card.name_en,
        description_zh=content.description_zh,
        description_en=content.description_en,
        products=tuple(content.products),
        releases=tuple(content.releases),
        documents=tuple(
            Document(d.upload_id, d.title_zh, d.title_en, tuple(pages.get(d.upload_id, ())))
            for d in content.documents
        ),
    )
    return build_index(passages(material), faqs)


@dataclass
class Indexes:
    """This process's indexes by booth, each with the version it was built at."""

    built: dict[int, tuple[Version, BoothIndex]] = field(default_factory=dict)
    locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    builds: int = 0  # how many were built (tests see a rebuild)

    async def of(self, svc: Services, exhibitor_id: int) -> BoothIndex:
        async with svc.read() as db:
            version = (
                await material_version(db, exhibitor_id),
                await store.faq_version(db, exhibitor_id),
            )
        found = self.built.get(exhibitor_id)
        if found is not None and found[0] == version:
            return found[1]
        async with self.locks.setdefault(exhibitor_id, asyncio.Lock()):
            found = self.built.get(exhibitor_id)
            if found is not None and found[0] == version:
                return found[1]
            # Read after the version: a change in between only makes the next question rebuild.
            index = await self._build(svc, exhibitor_id)
            self.built[exhibitor_id] = (version, index)
            self.builds += 1
            return index

    async def _build(self, svc: Services, exhibitor_id: int) -> BoothIndex:
        async with svc.read() as db:
            content = await booth_material(db, svc.settings, exhibitor_id)
            faqs = await store.faqs_of(db, exhibitor_id)
            if content is None:
                raise NotFound("exhibitor.unknown", f"There is no exhibitor {exhibitor_id}.")
            kept = await store.documents_of(db, [d.upload_id for d in content.documents])
        pages = {
            d.upload_id: kept[d.upload_id].pages
            for d in content.documents
            if d.upload_id in kept and kept[d.upload_id].sha256 == d.sha256
        }
        for document in content.documents:
            if document.upload_id not in pages:
                read = await self._extract(svc, exhibitor_id, document)
                if read is not None:
                    pages[document.upload_id] = read
        cited = [Faq(f.id, f.question, f.answer) for f in faqs if f.id is not None]
        return await asyncio.to_thread(_built, content, pages, cited)

    async def _extract(
        self, svc: Services, exhibitor_id: int, document: DocumentFile
    ) -> list[str] | None:
        return await read_and_keep(
            svc, exhibitor_id, document.upload_id, document.sha256, document.path
        )


async def read_and_keep(
    svc: Services, exhibitor_id: int, upload_id: int, sha256: str, path: Path
) -> list[str] | None:
    """The PDF's pages, read (bounded) and kept for every process; None when its file is
    missing (nothing kept: it may come)."""
    pages = await read_pages(path)
    if pages is not None:
        async with svc.db() as db:
            await store.keep_document(
                db,
                HostDocument(
                    upload_id=upload_id, exhibitor_id=exhibitor_id, sha256=sha256, pages=pages
                ),
            )
    return pages


async def extract_at_upload(svc: Services, pdf: StoredPdf) -> None:
    """The hall's hook: a PDF just stored is read now, so no visitor's question waits on it."""
    await read_and_keep(svc, pdf.exhibitor_id, pdf.upload_id, pdf.sha256, pdf.path)


async def listen_for_uploads(svc: Services) -> None:
    """The host's startup: hear of the hall's PDFs as they are stored."""
    on_pdf_stored(svc, extract_at_upload)


def indexes(svc: Services) -> Indexes:
    found: Indexes | None = svc.cache.get(CACHE)
    if found is None:
        found = svc.cache[CACHE] = Indexes()
    return found
