"""HTTP helpers shared by every feature's routes: JSON in and out, errors as codes."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.json_schema import SkipJsonSchema
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.errors import BadRequest, ExpoError, Forbidden, TooLarge, from_validation
from expo.ratelimit import enforce
from expo.realtime.origins import origin_allowed
from expo.security import Principal
from expo.services import STATE_KEY, Services
from expo.settings import Settings

Model = TypeVar("Model", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str  # stable and machine-readable: `bad_request`, `forum.unknown`, `csrf.cross_site`
    message: str  # for people; may change
    # Per-field problems of a `bad_request` ({field, reason, message}), or a feature's own data.
    details: Any | SkipJsonSchema[None] = None
    retry_after: float | SkipJsonSchema[None] = None  # seconds, with `rate_limited`


class ErrorBody(BaseModel):
    """Every refusal, over HTTP as over the websocket: `{"error": {"code", "message", ...}}`."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


def error_response(error: ExpoError) -> JSONResponse:
    headers = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(max(1, round(error.retry_after)))
    return JSONResponse({"error": error.as_dict()}, status_code=error.status, headers=headers)


def services(request: Request) -> Services:
    return request.scope["state"][STATE_KEY]  # type: ignore[no-any-return]


Endpoint = Callable[[Request], Awaitable[Response]]
# Loads the object an object-scoped route acts on (from its path), for the permission table.
Target = Callable[[Request], Awaitable[object]]
PRINCIPAL_KEY = "expo.principal"


@dataclass(frozen=True, slots=True)
class Raw:
    """A response that is not one of the JSON models: its media type and JSON Schema."""

    media_type: str
    schema: Mapping[str, Any] = field(default_factory=dict)


# What a route declares it answers: a model (sent as JSON) or a `Raw` body, by status.
Responses = Mapping[int, type[BaseModel] | Raw]


class ActionRoute(Route):
    """A route that names its action in the permission table and is checked before it runs.

    The rest describes it for the OpenAPI document (expo/openapi.py): the JSON body it reads,
    its path and query parameters as models, and what it answers. Refusals that follow from the
    route itself (bad input, signing in, CSRF, the rate limit) are added there; `responses`
    lists the successes and the handler's own refusals (404, 409, 503, ...).

    `machine_token` names a settings token that a machine may send as its bearer instead of an
    account's (`is_machine(request)` tells the handler); any other bearer is an API token.
    """

    def __init__(
        self,
        path: str,
        endpoint: Endpoint,
        *,
        methods: Sequence[str],
        action: str,
        rate: str | None = None,
        body: type[BaseModel] | Raw | None = None,
        query: type[BaseModel] | None = None,
        path_params: type[BaseModel] | None = None,
        responses: Responses | None = None,
        summary: str | None = None,
        tags: Sequence[str] = (),
        machine_token: Callable[[Settings], str | None] | None = None,
        target: Target | None = None,
    ):
        self.action = action
        self.target = target  # for an object-scoped action: loads its object (a room, a booth)
        self.rate = rate  # a rate limit of the settings, spent per client address
        self.handler = endpoint
        self.body = body
        self.query = query
        self.path_params = path_params
        self.responses: dict[int, type[BaseModel] | Raw] = dict(responses or {})
        self.summary = summary
        self.tags = tuple(tags)

        async def checked(request: Request) -> Response:
            svc = services(request)
            cookie = request.headers.get("cookie")
            authorization = request.headers.get("authorization")
            if request.method not in SAFE_METHODS:
                # Also without a cookie: a cross-site form must not sign a victim in (login CSRF).
                _refuse_cross_site(request, svc.settings.allowed_origins)
            if machine_token is not None and bearer_matches(
                authorization, machine_token(svc.settings)
            ):
                # A machine (a metrics scraper) with the settings' own token: no account.
                request.scope[MACHINE_KEY] = True
                authorization = None
            who = await svc.sessions.principal(cookie, authorization)
            # The role first: one that may never do it learns nothing about the object.
            svc.permissions.check_role(action, who)
            if rate is not None:
                await enforce(
                    svc.limiter,
                    f"{rate}:{client_address(request)}",
                    svc.settings.rate_limits[rate],
                    "requests",
                )
            svc.permissions.check(action, who, None if target is None else await target(request))
            request.scope[PRINCIPAL_KEY] = who
            return await endpoint(request)

        super().__init__(path, checked, methods=list(methods), name=endpoint.__name__)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MACHINE_KEY = "expo.machine"


def bearer_matches(authorization: str | None, token: str | None) -> bool:
    """`Authorization: Bearer <token>` with this token (compared in constant time)."""
    if not authorization or not token:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def client_address(request: Request) -> str:
    """The address per-address rate limits are kept under (the trusted proxy's
    X-Forwarded-For already applied by uvicorn)."""
    return request.client.host if request.client else "unknown"


def is_machine(request: Request) -> bool:
    """The request came with its route's machine token (see `ActionRoute.machine_token`)."""
    return bool(request.scope.get(MACHINE_KEY))


def _refuse_cross_site(request: Request, allowed: tuple[str, ...]) -> None:
    """CSRF: a browser names the page a state-changing request comes from; refuse other sites.

    SameSite=Lax already keeps the cookie off most cross-site requests; this check covers the
    rest (and same-site subdomains). Clients that send no Origin are not browsers.
    """
    if request.headers.get("sec-fetch-site") == "cross-site" and not allowed:
        raise Forbidden("csrf.cross_site", "Requests from other sites are refused.")
    origin = request.headers.get("origin")
    if origin is not None and not origin_allowed(origin, request.headers.get("host", ""), allowed):
        raise Forbidden("csrf.cross_site", "Requests from other sites are refused.")


# Routes are data: `route(path, endpoint, methods=[...], action=...)` in each module's list.
route = ActionRoute


def principal(request: Request) -> Principal | None:
    """Who sent the request, as its route's permission check found."""
    return request.scope.get(PRINCIPAL_KEY)


async def read_json(
    request: Request, model: type[Model], *, max_bytes: int = MAX_BODY_BYTES
) -> Model:
    """The JSON body as `model`; `max_bytes` lifts the limit for a route that takes documents
    (a schedule import), every other route keeps MAX_BODY_BYTES."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        # HTML forms cannot send this type across sites without a CORS preflight.
        raise BadRequest(message="Send the body as `Content-Type: application/json`.")
    body = await _read_bounded(request, max_bytes)
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest(message="The body is not valid JSON.") from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise from_validation(error) from None


async def _read_bounded(request: Request, max_bytes: int) -> bytes:
    """The body, refused as `too_large` as soon as it passes the limit (never buffered whole)."""
    too_large = TooLarge(message=f"Request bodies are limited to {max_bytes} bytes.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def path_int(request: Request, name: str) -> int:
    try:
        value = int(request.path_params[name])
    except (KeyError, ValueError):
        raise BadRequest(message=f"`{name}` is a number.") from None
    if not 0 < value < 2**31:
        raise BadRequest(message=f"`{name}` is out of range.")
    return value


def query_int(
    request: Request, name: str, default: int | None, *, low: int, high: int
) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(message=f"`{name}` is a number.") from None
    if not low <= value <= high:
        raise BadRequest(message=f"`{name}` is between {low} and {high}.")
    return value
