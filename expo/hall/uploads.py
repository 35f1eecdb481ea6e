"""Exhibitor staff upload images (logos, product pictures) and PDF documents; anyone downloads
them as they were made safe.

Receiving (`POST /api/exhibitors/{id}/uploads?filename=…`, the file as the raw body, any
Content-Type): a declared length over the limit is refused (413 `too_large`) before a byte is
read; otherwise the body is streamed to a file beside the uploads and refused as soon as it
passes the limit, so no body is held in memory whole. Its type is then told from its bytes
(expo/hall/upload_rules.py): images are re-encoded from their pixels, PDFs checked; nothing else
is kept. The file is stored under its upload id, never under the name it came with.

Serving (`GET /api/uploads/{id}`): the stored type, `Content-Disposition` (inline for images,
attachment for PDFs, with an RFC 6266 `filename*`), `X-Content-Type-Options: nosniff` and
`Content-Security-Policy: default-src 'none'; sandbox`, so that even a file a browser misread
could run nothing. Images are public and cached for good (an upload's bytes never change);
documents are public once listed on the booth (its staff and organisers see them all), are
revalidated, and a signed-in visitor's download is counted (`BoothActivity` `download`).
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from expo.errors import BadRequest, NotFound, TooLarge
from expo.hall import booth_rules
from expo.hall import booth_store as store
from expo.hall import upload_rules as rules
from expo.hall import upload_store as files
from expo.hall.access import booth_of_path, is_staff_of
from expo.hall.booth_edit import ERRORS, Order, Strict
from expo.hall.document_hooks import StoredPdf, pdf_stored
from expo.hall.models import ActivityKind, BoothActivity, Product, Upload
from expo.hall.paths import ID_MAX, ExhibitorPath, UploadPath
from expo.http import ErrorBody, JSONResponse, Raw, path_int, principal, read_json, route, services
from expo.models import Role
from expo.permissions import ANYONE
from expo.ratelimit import Rate
from expo.realtime.broker import BrokerUnavailable
from expo.services import Services

CHUNK = 64 * 1024
OVERLAP = 32  # bytes each piece of a PDF shares with the next, so no name is cut in two


class UploadQuery(BaseModel):
    filename: str = Field(default="", max_length=400, description="What downloads are called.")


class UploadChanges(Strict):
    title_zh: str | None = Field(default=None, max_length=4 * booth_rules.MAX_TITLE)
    title_en: str | None = Field(default=None, max_length=4 * booth_rules.MAX_TITLE)
    listed: bool | None = None  # a PDF shown on the booth as a document


class ServePath(BaseModel):
    upload_id: int = Field(ge=1, le=ID_MAX, examples=[1])


class UploadOut(BaseModel):
    upload: dict[str, Any]


class UploadList(BaseModel):
    uploads: list[dict[str, Any]]


# --- receiving --------------------------------------------------------------------------------


async def receive(request: Request, root: Path, limit: int) -> tuple[Path, int, str]:
    """The body in a file of its own under `root`: (its path, size, sha256); `too_large` as
    soon as it is announced or read past `limit`, with nothing left behind."""
    too_large = TooLarge(
        message=f"Uploads are limited to {limit // (1024 * 1024)} MB ({limit} bytes)."
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    path = files.temporary(root)
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        files.remove(path)
        raise
    if size == 0:
        files.remove(path)
        raise BadRequest("upload.empty", "The upload is empty.")
    return path, size, digest.hexdigest()


def check_pdf_file(path: Path) -> None:
    """The PDF checks of upload_rules over a file, a piece at a time."""
    with path.open("rb") as source:
        previous = b""
        first = True
        while piece := source.read(CHUNK):
            rules.check_pdf_part(previous[-OVERLAP:] + piece, first=first)
            first = False
            previous = piece
        size = source.tell()
        source.seek(max(0, size - rules.HEAD_BYTES))
        rules.check_pdf_tail(source.read())


def made_safe(path: Path) -> tuple[rules.Kind, bytes | None]:
    """What the received file is, and for an image its re-encoded bytes (a PDF is kept as it
    came). Runs in a worker thread: Pillow decodes there."""
    with path.open("rb") as source:
        kind = rules.sniff(source.read(rules.HEAD_BYTES))
        if kind == "image":
            source.seek(0)
            picture = rules.reencode_image(source)
            return picture.kind, picture.data
    check_pdf_file(path)
    return rules.PDF_KIND, None


async def upload(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    filename = request.query_params.get("filename", "")
    if len(filename) > 400:
        raise BadRequest("upload.bad_filename", "The file name is too long.")
    svc = services(request)
    who = principal(request)
    root = files.folder_of(svc.settings)
    await svc.hub.announcer.ready()
    received, size, _ = await receive(request, root, svc.settings.max_upload_bytes)
    try:
        kind, encoded = await asyncio.to_thread(made_safe, received)
        if encoded is not None:
            size, sha256 = len(encoded), hashlib.sha256(encoded).hexdigest()
        else:
            sha256 = await asyncio.to_thread(_sha256_of, received)
        name = rules.clean_filename(filename or "upload", kind)
        title = name.rsplit(".", 1)[0][: booth_rules.MAX_TITLE] if kind.kind == "pdf" else ""
        async with svc.db() as db:
            booth = await store.locked_booth(db, exhibitor_id)
            existing = await store.uploads_of(db, exhibitor_id)
            if len(existing) >= booth_rules.MAX_UPLOADS:
                raise BadRequest(
                    "upload.too_many", f"At most {booth_rules.MAX_UPLOADS} uploads per booth."
                )
            row = Upload(
                exhibitor_id=exhibitor_id,
                kind=kind.kind,
                content_type=kind.content_type,
                filename=name,
                size=size,
                sha256=sha256,
                title_zh=title,
                title_en=title,
                listed=kind.kind == "pdf",  # a new document shows on the booth at once
                position=max((u.position for u in existing), default=-1) + 1,
                created_by=who.account_id if who else None,
            )
            db.add(row)
            await db.flush()
            assert row.id is not None
            files.put(root, row.id, encoded if encoded is not None else received)
            events: list[store.Announcement] = []
            if row.listed:
                _, events = await store.changed(db, booth)
            try:
                await db.commit()
            except BaseException:
                files.remove(files.path_of(root, row.id))
                raise
            view = store.upload_view(row)
    finally:
        files.remove(received)
    await svc.hub.publish_stored(events)
    if row.kind == "pdf" and row.id is not None:  # its text is read now, not at a question
        pdf_stored(svc, StoredPdf(exhibitor_id, row.id, sha256, files.path_of(root, row.id)))
    return JSONResponse({"upload": view}, status_code=201)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while piece := source.read(CHUNK):
            digest.update(piece)
    return digest.hexdigest()


# --- the staff's list ---------------------------------------------------------------------


async def list_uploads(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    async with services(request).read() as db:
        uploads = await store.uploads_of(db, exhibitor_id)
    return JSONResponse({"uploads": [store.upload_view(u) for u in uploads]})


async def edit_upload(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    upload_id = path_int(request, "upload_id")
    form = await read_json(request, UploadChanges)
    values: dict[str, Any] = {}
    for name in ("title_zh", "title_en"):
        text = getattr(form, name)
        if text is not None:
            values[name] = booth_rules.clean_text(text, booth_rules.MAX_TITLE, name)
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        booth = await store.locked_booth(db, exhibitor_id)
        row = await store.own_upload(db, exhibitor_id, upload_id)
        if form.listed is not None:
            if form.listed and row.kind != "pdf":
                raise BadRequest("upload.not_a_document", "Only PDFs are listed as documents.")
            values["listed"] = form.listed
        changes = {k: v for k, v in values.items() if getattr(row, k) != v}
        events: list[store.Announcement] = []
        if changes:
            shown_before = row.listed
            for key, value in changes.items():
                setattr(row, key, value)
            db.add(row)
            if shown_before or row.listed:
                _, events = await store.changed(db, booth)
            await db.commit()
        view = store.upload_view(row)
    await svc.hub.publish_stored(events)
    return JSONResponse({"upload": view})


async def delete_upload(request: Request) -> JSONResponse:
    """The upload is gone, and with it the logo or product pictures that showed it."""
    exhibitor_id = path_int(request, "exhibitor_id")
    upload_id = path_int(request, "upload_id")
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        booth = await store.locked_booth(db, exhibitor_id)
        row = await store.own_upload(db, exhibitor_id, upload_id)
        shown = row.listed or booth.logo_upload_id == upload_id
        card = booth.logo_upload_id == upload_id
        if card:
            booth.logo_upload_id = None
        pictured = await db.execute(
            select(Product).where(
                col(Product.exhibitor_id) == exhibitor_id,
                col(Product.image_upload_id) == upload_id,
            )
        )
        for product in pictured.scalars():
            product.image_upload_id = None
            db.add(product)
            shown = True
        await db.delete(row)
        events: list[store.Announcement] = []
        if shown:
            _, events = await store.changed(db, booth, card=card)
        await db.commit()
    files.remove(files.path_of(files.folder_of(svc.settings), upload_id))
    await svc.hub.publish_stored(events)
    return JSONResponse({"deleted": upload_id})


async def order_uploads(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    form = await read_json(request, Order)
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        booth = await store.locked_booth(db, exhibitor_id)
        uploads = await store.uploads_of(db, exhibitor_id)
        ids = [u.id for u in uploads if u.id is not None]
        order = booth_rules.reordered(ids, form.ids, "upload")
        by_id = {u.id: u for u in uploads}
        for position, upload_id in enumerate(order):
            by_id[upload_id].position = position
            db.add(by_id[upload_id])
        _, events = await store.changed(db, booth)
        await db.commit()
        views = [store.upload_view(by_id[i]) for i in order]
    await svc.hub.publish_stored(events)
    return JSONResponse({"uploads": views})


# --- serving --------------------------------------------------------------------------------

SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _may_see(row: Upload, request: Request) -> bool:
    if row.kind != "pdf" or row.listed:
        return True
    who = principal(request)
    return who is not None and (who.role == Role.ORGANIZER or is_staff_of(who, row.exhibitor_id))


async def serve(request: Request) -> Response:
    upload_id = path_int(request, "upload_id")
    svc = services(request)
    who = principal(request)
    async with svc.read() as db:
        row = await db.get(Upload, upload_id)
        if row is None or not _may_see(row, request):
            raise NotFound("upload.unknown", f"There is no upload {upload_id}.")
    path = files.path_of(files.folder_of(svc.settings), upload_id)
    if not path.is_file():
        raise NotFound("upload.missing", f"The file of upload {upload_id} is missing.")
    image = row.kind == "image"
    etag = f'"{row.sha256}"'
    headers = {
        **SAFE_HEADERS,
        "ETag": etag,
        "Content-Disposition": rules.content_disposition(row.filename, inline=image),
        "Cache-Control": "public, max-age=31536000, immutable" if image else "private, no-cache",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    # A PDF viewer fetches a document in ranges: the download is counted once, at its start.
    first_range = request.headers.get("range", "bytes=0-").replace(" ", "").startswith("bytes=0-")
    counted = (
        not image
        and request.method == "GET"
        and first_range
        and who is not None
        and who.role != Role.ORGANIZER
        and not is_staff_of(who, row.exhibitor_id)
    )
    if counted and who is not None and await _may_count(svc, who.account_id):
        await _count_download(svc, row.exhibitor_id, who.account_id)
    return FileResponse(path, media_type=row.content_type, headers=headers)


# Downloads counted per account, over all processes: a visitor fetching a document in a loop
# is served each time but stores a row (and moves the dashboard) only within this budget.
COUNTED_DOWNLOADS = Rate(30, 60, burst=10)


async def _may_count(svc: Services, account_id: int) -> bool:
    try:
        decision = await svc.limiter.hit(f"booth_download:{account_id}", COUNTED_DOWNLOADS)
    except BrokerUnavailable:
        return True
    return decision.allowed


async def _count_download(svc: Services, exhibitor_id: int, account_id: int | None) -> None:
    async with svc.db() as db:
        db.add(
            BoothActivity(
                exhibitor_id=exhibitor_id, kind=ActivityKind.DOWNLOAD, account_id=account_id
            )
        )
        await db.commit()


UPLOADS = "/api/exhibitors/{exhibitor_id}/uploads"
BINARY = {"type": "string", "format": "binary"}

routes = [
    route(
        UPLOADS,
        upload,
        methods=["POST"],
        action="booth.edit",
        rate="moderate",
        target=booth_of_path,
        query=UploadQuery,
        body=Raw("application/octet-stream", BINARY),
        path_params=ExhibitorPath,
        responses={201: UploadOut, 413: ErrorBody, **ERRORS},
        summary="Upload an image or a PDF (the raw file as the body)",
    ),
    route(
        UPLOADS,
        list_uploads,
        methods=["GET"],
        action="booth.edit",
        target=booth_of_path,
        path_params=ExhibitorPath,
        responses={200: UploadList, 404: ErrorBody},
        summary="A booth's uploads, listed as documents or not",
    ),
    route(
        f"{UPLOADS}/order",
        order_uploads,
        methods=["POST"],
        action="booth.edit",
        rate="moderate",
        target=booth_of_path,
        body=Order,
        path_params=ExhibitorPath,
        responses={200: UploadList, **ERRORS},
        summary="Put a booth's uploads (its documents) in a new order",
    ),
    route(
        f"{UPLOADS}/{{upload_id}}",
        edit_upload,
        methods=["PATCH"],
        action="booth.edit",
        rate="moderate",
        target=booth_of_path,
        body=UploadChanges,
        path_params=UploadPath,
        responses={200: UploadOut, **ERRORS},
        summary="Title an upload, or list it on the booth as a document",
    ),
    route(
        f"{UPLOADS}/{{upload_id}}",
        delete_upload,
        methods=["DELETE"],
        action="booth.edit",
        rate="moderate",
        target=booth_of_path,
        path_params=UploadPath,
        responses={200: Raw("application/json"), **ERRORS},
        summary="Delete an upload (and its place as logo or product picture)",
    ),
    route(
        "/api/uploads/{upload_id}",
        serve,
        methods=["GET"],
        action="upload.read",
        path_params=ServePath,
        # The stored type: image/png, image/jpeg or application/pdf (and 304 to a matching
        # If-None-Match).
        responses={200: Raw("*/*", BINARY), 404: ErrorBody},
        summary="An uploaded image or document, as it was made safe",
    ),
]

permissions = {"upload.read": ANYONE}
