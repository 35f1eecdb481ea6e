"""Health, readiness and Prometheus metrics."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response

from expo.http import JSONResponse, route, services


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
    route("/healthz", healthz, methods=["GET"], action="ops.health"),
    route("/readyz", readyz, methods=["GET"], action="ops.health"),
    route("/metrics", metrics, methods=["GET"], action="ops.metrics"),
]
