"""Exhibitor staff edit their own booth (organisers may too): its texts, industries, links,
videos and logo, and its products.

Every route is object-scoped (`STAFF_OF_BOOTH`, the booth loaded from the path), so staff of
another exhibitor are refused before anything is read. Sub-objects are checked against the
path's exhibitor: a product or upload of another exhibitor is `404`, and nothing changes.

Each change is stored with the booth's version bumped and the search index refreshed in the
same transaction, then announced as `booth.changed` {exhibitor, version, booth} on
`booth:<id>` (and `booth.card_changed` on `hall:all` when what the hall's card shows changed).
`PATCH .../booth` takes the version the editor saw: a booth changed since is refused
(`booth.stale`, 409) rather than overwritten unseen; product changes may give it too.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from expo.errors import BadRequest, Conflict, NotFound
from expo.hall import booth_rules as rules
from expo.hall import booth_store as store
from expo.hall import duty
from expo.hall.access import STAFF_OF_BOOTH, booth_of_path
from expo.hall.models import Booth, Product
from expo.hall.paths import ID_MAX, ExhibitorPath, ProductPath
from expo.http import ErrorBody, JSONResponse, path_int, read_json, route, services
from expo.industries import INDUSTRIES, industry_label

# Bounds of what is read at all (the rules then refuse too long with `booth.too_long`).
LOOSE = 4 * rules.MAX_DESCRIPTION


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Item(Strict):
    title_zh: str = Field(default="", max_length=4 * rules.MAX_TITLE)
    title_en: str = Field(default="", max_length=4 * rules.MAX_TITLE)
    url: str = Field(max_length=2 * rules.MAX_URL)


class BoothChanges(Strict):
    """What to change; what is left out stays. `version` is the one the editor saw."""

    version: int = Field(ge=1, le=ID_MAX)
    description_zh: str | None = Field(default=None, max_length=LOOSE)
    description_en: str | None = Field(default=None, max_length=LOOSE)
    industries: list[str] | None = Field(default=None, max_length=len(INDUSTRIES))
    links: list[Item] | None = Field(default=None, max_length=4 * rules.MAX_LINKS)
    videos: list[Item] | None = Field(default=None, max_length=4 * rules.MAX_VIDEOS)
    logo_upload_id: int | None = Field(default=None, ge=0, le=ID_MAX)  # 0: no logo


class ProductFields(Strict):
    name_zh: str | None = Field(default=None, max_length=LOOSE)
    name_en: str | None = Field(default=None, max_length=LOOSE)
    description_zh: str | None = Field(default=None, max_length=LOOSE)
    description_en: str | None = Field(default=None, max_length=LOOSE)
    image_upload_id: int | None = Field(default=None, ge=0, le=ID_MAX)  # 0: no image
    version: int | None = Field(default=None, ge=1, le=ID_MAX)


class ProductNew(ProductFields):
    name_zh: str = Field(max_length=LOOSE)
    name_en: str = Field(max_length=LOOSE)


class Order(Strict):
    ids: list[int] = Field(max_length=rules.MAX_UPLOADS)
    version: int | None = Field(default=None, ge=1, le=ID_MAX)


class Versioned(Strict):
    version: int | None = Field(default=None, ge=1, le=ID_MAX)


def _check_version(booth: Booth, version: int | None) -> None:
    if version is not None and version != booth.version:
        raise Conflict("booth.stale", "Someone changed this booth meanwhile; look again.")


async def _image_or_none(db: AsyncSession, exhibitor_id: int, upload_id: int) -> int | None:
    """0 is none; any other id must be an image upload of this exhibitor."""
    if upload_id == 0:
        return None
    await store.own_upload(db, exhibitor_id, upload_id, kind="image")
    return upload_id


async def read_booth(request: Request) -> JSONResponse:
    """The booth as its page shows it (and `booth.changed` carries it)."""
    exhibitor_id = path_int(request, "exhibitor_id")
    async with services(request).read() as db:
        booth = await store.read_booth(db, exhibitor_id)
        return JSONResponse({"booth": await store.booth_view(db, booth)})


async def read_editor(request: Request) -> JSONResponse:
    """What the booth's editor needs: the booth, every upload (listed or not), the staff's duty
    and roster."""
    exhibitor_id = path_int(request, "exhibitor_id")
    async with services(request).read() as db:
        booth = await store.read_booth(db, exhibitor_id)
        view = await store.booth_view(db, booth)
        uploads = [store.upload_view(u) for u in await store.uploads_of(db, exhibitor_id)]
        duty_state = await duty.duty_view(db, exhibitor_id)
    return JSONResponse(
        {
            "booth": view,
            "uploads": uploads,
            "duty": duty_state,
            # What the editor offers and checks before sending (the server checks again).
            "vocabulary": [industry_label(key) for key in INDUSTRIES],
            "limits": {
                "max_upload_bytes": services(request).settings.max_upload_bytes,
                "max_industries": rules.MAX_INDUSTRIES,
                "max_links": rules.MAX_LINKS,
                "max_videos": rules.MAX_VIDEOS,
            },
        }
    )


async def edit_booth(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    form = await read_json(request, BoothChanges)
    values: dict[str, Any] = {}
    if form.description_zh is not None:
        values["description_zh"] = rules.clean_text(
            form.description_zh, rules.MAX_DESCRIPTION, "description_zh", lines=True
        )
    if form.description_en is not None:
        values["description_en"] = rules.clean_text(
            form.description_en, rules.MAX_DESCRIPTION, "description_en", lines=True
        )
    if form.industries is not None:
        values["industries"] = rules.clean_industries(form.industries)
    if form.links is not None:
        values["links"] = rules.clean_items(form.links, video=False)
    if form.videos is not None:
        values["videos"] = rules.clean_items(form.videos, video=True)
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        booth = await store.locked_booth(db, exhibitor_id)
        _check_version(booth, form.version)
        if form.logo_upload_id is not None:
            values["logo_upload_id"] = await _image_or_none(db, exhibitor_id, form.logo_upload_id)
        changes = {k: v for k, v in values.items() if getattr(booth, k) != v}
        if not changes:
            return JSONResponse({"booth": await store.booth_view(db, booth)})
        for key, value in changes.items():
            setattr(booth, key, value)
        card = bool({"industries", "logo_upload_id"} & set(changes))
        view, events = await store.changed(db, booth, card=card)
        await db.commit()
    await svc.hub.publish_stored(events)
    return JSONResponse({"booth": view})


async def _product_values(
    db: AsyncSession, exhibitor_id: int, form: ProductFields
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("name_zh", "name_en"):
        text = getattr(form, name)
        if text is not None:
            values[name] = rules.clean_name(text, name)
    for name in ("description_zh", "description_en"):
        text = getattr(form, name)
        if text is not None:
            values[name] = rules.clean_text(text, rules.MAX_PRODUCT_DESCRIPTION, name, lines=True)
    if form.image_upload_id is not None:
        values["image_upload_id"] = await _image_or_none(db, exhibitor_id, form.image_upload_id)
    return values


async def _own_product(db: AsyncSession, exhibitor_id: int, product_id: int) -> Product:
    product = await db.get(Product, product_id)
    if product is None or product.exhibitor_id != exhibitor_id:
        raise NotFound("product.unknown", f"This booth has no product {product_id}.")
    return product


async def add_product(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    form = await read_json(request, ProductNew)
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        booth = await store.locked_booth(db, exhibitor_id)
        _check_version(booth, form.version)
        values = await _product_values(db, exhibitor_id, form)
        existing = await store.products_of(db, exhibitor_id)
        if len(existing) >= rules.MAX_PRODUCTS:
            raise BadRequest("product.too_many", f"At most {rules.MAX_PRODUCTS} products.")
        position = max((p.position for p in existing), default=-1) + 1
        product = Product(exhibitor_id=exhibitor_id, position=position, **values)
        db.add(product)
        await db.flush()
        view, events = await store.changed(db, booth)
        await db.commit()
    await svc.hub.publish_stored(events)
    return JSONResponse({"product": store.product_view(product), "booth": view}, status_code=201)


async def edit_product(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    product_id = path_int(request, "product_id")
    form = await read_json(request, ProductFields)
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        booth = await store.locked_booth(db, exhibitor_id)
        product = await _own_product(db, exhibitor_id, product_id)
        _check_version(booth, form.version)
        values = await _product_values(db, exhibitor_id, form)
        changes = {k: v for k, v in values.items() if getattr(product, k) != v}
        if not changes:
            view = await store.booth_view(db, booth)
            return JSONResponse({"product": store.product_view(product), "booth": view})
        for key, value in changes.items():
            setattr(product, key, value)
        db.add(product)
        view, events = await store.changed(db, booth)
        await db.commit()
    await svc.hub.publish_stored(events)
    return JSONResponse({"product": store.product_view(product), "booth": view})


async def delete_product(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    product_id = path_int(request, "product_id")
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        booth = await store.locked_booth(db, exhibitor_id)
        product = await _own_product(db, exhibitor_id, product_id)
        await db.delete(product)
        view, events = await store.changed(db, booth)
        await db.commit()
    await svc.hub.publish_stored(events)
    return JSONResponse({"booth": view})


async def order_products(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    form = await read_json(request, Order)
    svc = services(request)
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        booth = await store.locked_booth(db, exhibitor_id)
        _check_version(booth, form.version)
        products = await store.products_of(db, exhibitor_id)
        order = rules.reordered([p.id for p in products if p.id is not None], form.ids, "product")
        by_id = {p.id: p for p in products}
        for position, product_id in enumerate(order):
            by_id[product_id].position = position
            db.add(by_id[product_id])
        view, events = await store.changed(db, booth)
        await db.commit()
    await svc.hub.publish_stored(events)
    return JSONResponse({"booth": view})


class BoothEnvelope(BaseModel):
    booth: dict[str, Any]


class EditorEnvelope(BaseModel):
    booth: dict[str, Any]
    uploads: list[dict[str, Any]]
    duty: dict[str, Any]
    vocabulary: list[dict[str, str]]
    limits: dict[str, int]


class ProductEnvelope(BaseModel):
    product: dict[str, Any]
    booth: dict[str, Any]


ERRORS = {404: ErrorBody, 409: ErrorBody, 503: ErrorBody}
BOOTH = "/api/exhibitors/{exhibitor_id}/booth"
PRODUCTS = "/api/exhibitors/{exhibitor_id}/products"

routes = [
    route(
        BOOTH,
        read_booth,
        methods=["GET"],
        action="hall.read",
        path_params=ExhibitorPath,
        responses={200: BoothEnvelope, 404: ErrorBody},
        summary="A booth as its page shows it",
    ),
    route(
        f"{BOOTH}/editor",
        read_editor,
        methods=["GET"],
        action="booth.edit",
        target=booth_of_path,
        path_params=ExhibitorPath,
        responses={200: EditorEnvelope, 404: ErrorBody},
        summary="What the booth's editor shows: the booth, all its uploads, duty and roster",
    ),
    route(
        BOOTH,
        edit_booth,
        methods=["PATCH"],
        action="booth.edit",
        rate="moderate",
        target=booth_of_path,
        body=BoothChanges,
        path_params=ExhibitorPath,
        responses={200: BoothEnvelope, **ERRORS},
        summary="Change a booth's texts, industries, links, videos or logo",
    ),
    route(
        PRODUCTS,
        add_product,
        methods=["POST"],
        action="booth.edit",
        rate="moderate",
        target=booth_of_path,
        body=ProductNew,
        path_params=ExhibitorPath,
        responses={201: ProductEnvelope, **ERRORS},
        summary="Add a product to a booth",
    ),
    route(
        f"{PRODUCTS}/order",
        order_products,
        methods=["POST"],
        action="booth.edit",
        rate="moderate",
        target=booth_of_path,
        body=Order,
        path_params=ExhibitorPath,
        responses={200: BoothEnvelope, **ERRORS},
        summary="Put a booth's products in a new order",
    ),
    route(
        f"{PRODUCTS}/{{product_id}}",
        edit_product,
        methods=["PATCH"],
        action="booth.edit",
        rate="moderate",
        target=booth_of_path,
        body=ProductFields,
        path_params=ProductPath,
        responses={200: ProductEnvelope, **ERRORS},
        summary="Change a product of a booth",
    ),
    route(
        f"{PRODUCTS}/{{product_id}}",
        delete_product,
        methods=["DELETE"],
        action="booth.edit",
        rate="moderate",
        target=booth_of_path,
        path_params=ProductPath,
        responses={200: BoothEnvelope, **ERRORS},
        summary="Remove a product from a booth",
    ),
]

permissions = {"booth.edit": STAFF_OF_BOOTH}
