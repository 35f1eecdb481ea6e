"""Health, readiness and Prometheus metrics."""

from __future__ import annotations

import os
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response

from expo.errors import Forbidden, Unauthorized
from expo.http import (
    ErrorBody,
    JSONResponse,
    Raw,
    error_response,
    is_machine,
    principal,
    route,
    services,
)
from expo.models import Role
from expo.settings import Settings

# Addresses of this host: a scraper beside the server (the default when no token is set).
LOCAL_ADDRESSES = frozenset({"127.0.0.1", "::1"})
# Headers a proxy adds. A request carrying one came through a proxy, and behind a proxy on this
# host every request arrives from this host: it is nobody's local scraper, whatever it names.
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


class Health(BaseModel):
    """The process is up."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"]


class ReadyChecks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # "ok", or the name of the error that reaching it raised.
    database: str
    broker: str


class Ready(BaseModel):
    """Whether the process can do its work, and what each dependency answered."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok", "unavailable"]
    checks: ReadyChecks


async def healthz(request: Request) -> JSONResponse:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The process can do its work: the database and the broker answer."""
    svc = services(request)
    checks: dict[str, str] = {}
    try:
        async with svc.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any failure means not ready; say which kind
        checks["database"] = type(error).__name__
    try:
        await svc.hub.broker.ping()
        checks["broker"] = "ok"
    except Exception as error:
        checks["broker"] = type(error).__name__
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


async def metrics(request: Request) -> Response:
    """Prometheus text format; with several workers, summed over all of them.

    For the scraper with the metrics token (`EXPO_METRICS_TOKEN`), organisers, and, when no
    token is set, callers on this host that came through no proxy: the figures tell an outsider
    who is online and when."""
    refusal = _refuse_metrics_reader(request)
    if refusal is not None:
        return refusal
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _refuse_metrics_reader(request: Request) -> Response | None:
    who = principal(request)
    if is_machine(request) or (who is not None and who.role == Role.ORGANIZER):
        return None
    if services(request).settings.metrics_token is not None:
        response = error_response(
            Unauthorized(
                "metrics.unauthorized",
                "Send the metrics token: `Authorization: Bearer <EXPO_METRICS_TOKEN>`.",
            )
        )
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if not _from_this_host(request, services(request).settings):
        return error_response(
            Forbidden("metrics.forbidden", "Metrics are for this host or the metrics token.")
        )
    return None


def _from_this_host(request: Request, settings: Settings) -> bool:
    """A caller on this host, directly: not through a proxy, and not an address any client may
    claim (with `FORWARDED_ALLOW_IPS=*` uvicorn believes everyone's X-Forwarded-For)."""
    if "*" in settings.forwarded_allow_ips:
        return False
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    return request.client is not None and request.client.host in LOCAL_ADDRESSES


def _metrics_token(settings: Settings) -> str | None:
    return settings.metrics_token


routes = [
    route("/healthz", healthz, methods=["GET"], action="ops.health", responses={200: Health}),
    route(
        "/readyz", readyz, methods=["GET"], action="ops.health", responses={200: Ready, 503: Ready}
    ),
    route(
        "/metrics",
        metrics,
        methods=["GET"],
        action="ops.metrics",
        responses={200: Raw("text/plain", {"type": "string"}), 401: ErrorBody, 403: ErrorBody},
        machine_token=_metrics_token,
    ),
]
