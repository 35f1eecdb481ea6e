"""nginx-rtmp's callbacks: `on_publish`, `on_update`, `on_publish_done` (form-encoded POSTs).

nginx reaches these with the deployment's hook secret in the URL (streams/keys.py
`hook_secret`, from the platform's secret key); without it the routes answer 404, as if they
did not exist. nginx allows a publish on 2xx and refuses it on anything else but a 3xx: a right
key is answered 302 to `rtmp://<relay>/hls/<slug>` (`relay`: nginx's own RTMP address, in the
URL `expo rtmp-config` writes), which nginx-rtmp carries out as a relay push into its `hls`
application under the room's slug, so the HLS files are `<slug>.m3u8` and the key never appears
in a public URL. The backup key's publisher goes to `<slug>-backup` (on air, or standing by
while main is live: streams/domain.py). nginx calls `on_update` every few seconds while a
stream is published (a refusal makes it drop the publisher) and `on_publish_done` when it
stops; both name the stream by the key it was published with.

The key is never logged (only the address and nginx's client id of a refused publisher).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from expo.errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from expo.http import ErrorBody, JSONResponse, Raw, route, services
from expo.models import utcnow
from expo.permissions import ANYONE
from streams import store
from streams.domain import Done, Publish, hls_name, role_of
from streams.keys import hook_secret_ok, match_key
from streams.nginx_conf import HLS_APPLICATION
from streams.routes import announce

log = logging.getLogger("expo.streams")
MAX_FORM_BYTES = 8 * 1024
RELAY = r"^[A-Za-z0-9.\-]+:[0-9]{1,5}$|^\[[0-9A-Fa-f:]+\]:[0-9]{1,5}$"


class HookQuery(BaseModel):
    secret: str = Field(max_length=128, description="The deployment's hook secret.")


class PublishQuery(HookQuery):
    relay: str = Field(
        default="127.0.0.1:1935",
        max_length=64,
        pattern=RELAY,
        description="nginx's own RTMP address (host:port), where allowed streams are relayed.",
    )


class HookForm(BaseModel):
    """What nginx-rtmp sends (it sends more: flashver, swfurl, tcurl, pageurl, type, args)."""

    model_config = ConfigDict(extra="ignore")

    call: str = Field(max_length=32)
    app: str = Field(default="", max_length=128)
    name: str = Field(max_length=256)  # the stream key on publish; the room's slug after it
    addr: str = Field(default="", max_length=64)
    clientid: str = Field(max_length=32, pattern=r"^[0-9]+$")
    path: str = Field(default="", max_length=1024)  # on_record_done: the recording's file


FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["call", "name", "clientid"],
    "properties": {
        "call": {"type": "string", "maxLength": 32},
        "app": {"type": "string", "maxLength": 128},
        "name": {"type": "string", "maxLength": 256},
        "addr": {"type": "string", "maxLength": 64},
        "clientid": {"type": "string", "pattern": "^[0-9]+$", "maxLength": 32},
        "path": {"type": "string", "maxLength": 1024},
    },
}


class HookDone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    live: bool  # whether the room is live after the call


async def hook_form(request: Request, *calls: str) -> HookForm:
    """nginx's form, from nginx (the hook secret), of one of these calls; else an error."""
    if not hook_secret_ok(
        request.query_params.get("secret"), services(request).settings.secret_key
    ):
        raise NotFound("stream.hook_unknown", "Not found.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise TooLarge(message=f"Callbacks are limited to {MAX_FORM_BYTES} bytes.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise TooLarge(message=f"Callbacks are limited to {MAX_FORM_BYTES} bytes.")
    try:
        fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        form = HookForm.model_validate(fields)
    except (UnicodeDecodeError, ValueError, ValidationError):
        raise BadRequest(message="Not an nginx-rtmp callback.") from None
    if form.call not in calls:
        raise BadRequest(message=f"This callback takes `call={calls[0]}`.")
    return form


async def on_publish(request: Request) -> Response:
    form = await hook_form(request, "publish")
    relay = request.query_params.get("relay", "127.0.0.1:1935")
    if not re.fullmatch(RELAY, relay):
        raise BadRequest(message="`relay` is nginx's own RTMP address, host:port.")
    svc = services(request)
    async with svc.read() as db:
        keys = await store.all_keys(db)
    found = match_key(form.name, keys)
    if found is None:
        log.warning(
            "stream publish refused: no room has this key",
            extra={"addr": form.addr, "clientid": form.clientid, "app": form.app},
        )
        raise Forbidden("stream.bad_key", "This stream key is not valid.")
    async with svc.db() as db:
        changed = await store.change(
            db, found.forum_id, Publish(found.which, form.clientid, utcnow())
        )
        forum = await store.forum_by_id(db, found.forum_id)
    assert forum is not None and changed is not None  # a key's room has its row
    role = role_of(changed.stream, form.clientid)
    if role is None:
        log.warning(
            "stream publish refused: the room has a live publisher with this key",
            extra={"forum": found.forum_id, "addr": form.addr, "clientid": form.clientid},
        )
        raise Conflict("stream.busy", "This room already has a live publisher.")
    log.info(
        "stream " + role,
        extra={"forum": forum.id, "publisher": found.which.value, "clientid": form.clientid},
    )
    if changed.announce:
        await announce(svc, forum, changed.row)
    # nginx-rtmp relays the stream to the Location: HLS files named by the slug, not the key.
    location = f"rtmp://{relay}/{HLS_APPLICATION}/{hls_name(forum.slug, found.which)}"
    return Response(status_code=302, headers={"Location": location})


async def _room_of_key(request: Request, key: str) -> int | None:
    async with services(request).read() as db:
        found = match_key(key, await store.all_keys(db))
    return None if found is None else found.forum_id


async def on_publish_done(request: Request) -> JSONResponse:
    """A publisher stopped: if it was on air the standby takes over or the room is interrupted;
    a standby is forgotten; a publisher already replaced or refused changes nothing."""
    form = await hook_form(request, "publish_done")
    svc = services(request)
    forum_id = await _room_of_key(request, form.name)
    async with svc.db() as db:
        if forum_id is None:  # a key rotated since: the room it held, by nginx's client id
            forum_id = await store.room_of_client(db, form.clientid)
        changed = None
        if forum_id is not None:
            changed = await store.change(db, forum_id, Done(form.clientid, utcnow()))
        forum = None if changed is None else await store.forum_by_id(db, changed.row.forum_id)
    if changed is None or forum is None or not changed.announce:
        return JSONResponse({"live": changed is not None and changed.row.state == "live"})
    log.info(
        "stream publisher gone",
        extra={"forum": forum.id, "clientid": form.clientid, "state": changed.row.state},
    )
    await announce(svc, forum, changed.row)
    return JSONResponse({"live": changed.row.state == "live"})


async def on_update(request: Request) -> JSONResponse:
    """Still publishing: kept as the room's publisher or standby, or refused (and dropped by
    nginx) when the room let it go (its key rotated, or it went stale). nginx's own relays
    into `hls` are asked about too (`update_play`): they go on."""
    form = await hook_form(request, "update_publish", "update_play")
    if form.call == "update_play":
        return JSONResponse({"live": True})
    forum_id = await _room_of_key(request, form.name)
    held = False
    if forum_id is not None:
        async with services(request).db() as db:
            held = await store.seen(db, forum_id, form.clientid, utcnow())
    if not held:
        log.warning(
            "stream publisher dropped: no longer the room's",
            extra={"addr": form.addr, "clientid": form.clientid},
        )
        raise Forbidden("stream.not_publishing", "This stream is not a room's publisher.")
    return JSONResponse({"live": True})


HOOK_ERRORS: dict[int, type[BaseModel] | Raw] = {
    400: ErrorBody,
    404: ErrorBody,
    413: ErrorBody,
    503: ErrorBody,
}
FORM = Raw("application/x-www-form-urlencoded", FORM_SCHEMA)

routes = [
    route(
        "/api/streams/hooks/publish",
        on_publish,
        methods=["POST"],
        action="stream.hook",
        query=PublishQuery,
        body=FORM,
        responses={302: Raw("text/plain", {}), 403: ErrorBody, 409: ErrorBody, **HOOK_ERRORS},
        summary="nginx-rtmp on_publish: allow a stream key (302 to the room's slug) or refuse it",
        tags=["streams"],
    ),
    route(
        "/api/streams/hooks/update",
        on_update,
        methods=["POST"],
        action="stream.hook",
        query=HookQuery,
        body=FORM,
        responses={200: HookDone, 403: ErrorBody, **HOOK_ERRORS},
        summary="nginx-rtmp on_update: a publisher still holds its room, or is dropped",
        tags=["streams"],
    ),
    route(
        "/api/streams/hooks/publish-done",
        on_publish_done,
        methods=["POST"],
        action="stream.hook",
        query=HookQuery,
        body=FORM,
        responses={200: HookDone, **HOOK_ERRORS},
        summary="nginx-rtmp on_publish_done: the room's publisher stopped",
        tags=["streams"],
    ),
]

# nginx has no account: the URL's hook secret decides (a wrong one reads as 404).
permissions = {"stream.hook": ANYONE}
