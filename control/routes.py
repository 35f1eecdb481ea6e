"""Who may see the control room: organisers only, over HTTP (the latest figures, for a page's
first paint) and on the websocket (`control:all`, where `control.figures` arrives each second)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import Response

from control.runner import state_of
from expo.errors import Forbidden, NotFound, Unauthorized
from expo.http import ErrorBody, route, services
from expo.models import Role
from expo.permissions import only
from expo.realtime.gateway import CommandContext

ORGANISERS_ONLY = "Only organisers see the control room."


class FiguresOut(BaseModel):
    """The latest `control.figures` data (docs/control.md), or null in the first second after
    start (or when no process has aggregated for ten seconds)."""

    model_config = ConfigDict(extra="forbid")

    figures: dict[str, Any] | None


async def read_figures(request: Request) -> Response:
    found = await state_of(services(request)).reports.figures()
    body = b'{"figures":' + (found if found is not None else b"null") + b"}"
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


async def control_guard(ctx: CommandContext, key: str) -> None:
    if key != "all":
        raise NotFound("topic.unknown", f"There is no control topic {key}.")
    who = ctx.principal
    if who is None:
        raise Unauthorized()
    if who.role != Role.ORGANIZER:
        raise Forbidden(message=ORGANISERS_ONLY)


routes = [
    route(
        "/api/control/figures",
        read_figures,
        methods=["GET"],
        action="control.read",
        responses={200: FiguresOut, 503: ErrorBody},
        summary="The control room's latest figures: every stage, the hall, the alerts (organisers)",
        tags=["control"],
    ),
]

permissions = {"control.read": only(Role.ORGANIZER)}
topics = {"control": control_guard}
