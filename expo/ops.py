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

from expo.http import JSONResponse, Raw, route, services


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
    """Prometheus text format; with several workers, summed over all of them."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


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
        responses={200: Raw("text/plain", {"type": "string"})},
    ),
]
