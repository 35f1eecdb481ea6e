"""The composition root: settings, lifespan, and the features found by entry point."""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket

from expo import (
    accounts,
    credentials,
    invitations,
    openapi,
    ops,
    people,
    service_accounts,
    tokens,
)
from expo.db import (
    DATABASE_FAILURES,
    database_error,
    is_sqlite,
    make_engine,
    make_sessionmaker,
    pool_options,
)
from expo.errors import ExpoError, Unavailable
from expo.features import Feature, import_models, load_features
from expo.http import ActionRoute, error_response
from expo.passwords import PasswordPool
from expo.permissions import CORE, PermissionTable
from expo.ratelimit import MemoryLimiter, RedisLimiter
from expo.realtime import closecodes
from expo.realtime.broker import BrokerUnavailable, make_broker
from expo.realtime.gateway import ACCOUNT_CHANGED, EVICT, RECHECK, Gateway
from expo.realtime.hub import Hub
from expo.security import FAST_HASH_VARIABLE, TokenSigner, fast_hashing
from expo.services import STATE_KEY, Services
from expo.sessions import SessionStore
from expo.settings import Settings
from expo.web import SecurityHeaders, WebFiles

log = logging.getLogger("expo.app")

WS_CLASS = "expo.realtime.transport:ExpoWebSocketProtocol"
# Seconds between checks that open websockets' sessions still hold (besides the announcements).
SESSION_AUDIT_INTERVAL = 30.0
JOB_STOP_TIMEOUT = 5.0  # seconds the features' background jobs get to end at shutdown


def create_app(
    settings: Settings | None = None, features: Sequence[Feature] | None = None
) -> Starlette:
    settings = Settings.from_env() if settings is None else settings
    features = load_features() if features is None else list(features)
    import_models(features)
    permissions = PermissionTable({**CORE, **_merged(features, "permissions")})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        if fast_hashing():
            log.warning(
                "passwords are hashed with Argon2's lightest parameters (%s=1): for tests only",
                FAST_HASH_VARIABLE,
            )
        engine = make_engine(
            settings.database_url,
            **pool_options(
                settings.database_url,
                settings.database_pool_size,
                settings.database_max_overflow,
                settings.database_pool_timeout,
            ),
        )
        read_engine = (
            make_engine(settings.database_url, for_writes=False)
            if is_sqlite(settings.database_url)
            else engine
        )
        hub = Hub(
            make_broker(
                settings.redis_url,
                replay_window=settings.replay_window,
                replay_seconds=settings.replay_seconds,
                redis_pool_size=settings.redis_pool_size,
            ),
            presence_interval=settings.presence_interval,
            # Half the send budget: the kernel's half (expo/realtime/transport.py) may be full.
            replay_budget=settings.max_send_buffer // 2,
        )
        db, read = make_sessionmaker(engine), make_sessionmaker(read_engine)
        svc = Services(
            settings=settings,
            engine=engine,
            db=db,
            read=read,
            hub=hub,
            gateway=None,  # type: ignore[arg-type]
            sessions=SessionStore(TokenSigner(settings.secret_key), db, read),
            permissions=permissions,
            limiter=RedisLimiter(settings.redis_url, pool_size=settings.redis_pool_size)
            if settings.redis_url
            else MemoryLimiter(),
            passwords=PasswordPool(settings.password_workers, settings.password_queue),
        )
        svc.gateway = Gateway(
            svc,
            commands=_merged(features, "commands"),
            topic_guards={"account": accounts.account_guard, **_merged(features, "topics")},
        )
        hub.on_control(accounts.SESSION_ENDED, svc.gateway.end_session)
        hub.on_control(EVICT, svc.gateway.evicted)
        hub.on_control(ACCOUNT_CHANGED, svc.gateway.account_changed)
        for feature in features:
            for kind in feature.presence:
                hub.show_presence(kind, feature.presence_roles.get(kind))
        hub.on_control(RECHECK, svc.gateway.rechecked)
        for kind, roles in _merged(features, "rosters").items():
            hub.add_roster(kind, roles)
        for kind, topics in _merged(features, "summaries").items():
            hub.add_summary(kind, functools.partial(topics, svc))
        await hub.start()
        hub.on_resync(svc.gateway.resynced)
        keepalive = asyncio.create_task(svc.gateway.keepalive(settings.ping_interval))
        audit = asyncio.create_task(svc.gateway.audit_sessions(SESSION_AUDIT_INTERVAL))
        for feature in features:
            for hook in feature.startup:
                await hook(svc)
        jobs = [
            asyncio.create_task(_logged(job, svc), name=f"{feature.name}.{job.__name__}")
            for feature in features
            for job in feature.tasks
        ]
        try:
            yield {STATE_KEY: svc}
        finally:
            keepalive.cancel()
            audit.cancel()
            for job in jobs:
                job.cancel()
            await _stopped(jobs)
            await hub.close()
            if isinstance(svc.limiter, RedisLimiter):
                await svc.limiter.close()
            svc.passwords.close()
            await engine.dispose()
            if read_engine is not engine:
                await read_engine.dispose()

    routes: list[BaseRoute] = [
        *ops.routes,
        *openapi.routes,
        *accounts.routes,
        *credentials.routes,
        *people.routes,
        *tokens.routes,
        *service_accounts.routes,
        *invitations.routes,
        WebSocketRoute("/ws", _wrong_server),
    ]
    for feature in features:
        routes += feature.routes
    _check_actions(routes, features, permissions)
    permissions.mark_reading(_reading_actions(routes, features))
    routes.append(
        Mount("/", WebFiles(directory=str(files("frontend")), html=True), name="frontend")
    )
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders, hsts_max_age=settings.hsts_max_age)],
        exception_handlers={
            ExpoError: _expo_error,
            BrokerUnavailable: _broker_unavailable,
            **dict.fromkeys(DATABASE_FAILURES, _database_unavailable),
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )


def _check_actions(
    routes: Sequence[BaseRoute], features: Sequence[Feature], permissions: PermissionTable
) -> None:
    """Every route and command names an action the permission table knows, and loads the
    object of an object-scoped one: checked at start."""
    for r in routes:
        if isinstance(r, WebSocketRoute):
            continue  # the /ws fallback, which only explains how to serve it
        assert isinstance(r, ActionRoute), f"route {getattr(r, 'path', r)!r} names no action"
        assert r.action in permissions, f"action {r.action!r} is not in the permission table"
        permissions.require_target(r.action, r.target is not None, f"route {r.path}")
    for name, spec in _merged(features, "commands").items():
        assert spec.action in permissions, f"command {name!r}: unknown action {spec.action!r}"
        permissions.require_target(spec.action, spec.target is not None, f"command {name!r}")


def _reading_actions(routes: Sequence[BaseRoute], features: Sequence[Feature]) -> set[str]:
    """The actions a `read` token may do: those named only by routes that answer GET (HEAD
    follows), never by a route that changes something nor by a websocket command."""
    writing = {spec.action for spec in _merged(features, "commands").values()}
    reading = set()
    for r in routes:
        if isinstance(r, ActionRoute):
            if (r.methods or set()) <= {"GET", "HEAD"}:
                reading.add(r.action)
            else:
                writing.add(r.action)
    return reading - writing


async def _stopped(jobs: Sequence[asyncio.Task[None]], timeout: float = JOB_STOP_TIMEOUT) -> None:
    """Wait for the cancelled jobs to end, `timeout` seconds at most: one stuck in its cleanup
    is logged with where it is stuck, and shutdown goes on (a process that never exits is
    killed by its supervisor, its sockets cut without their close code)."""
    if not jobs:
        return
    _, stuck = await asyncio.wait(jobs, timeout=timeout)
    for job in stuck:
        where = io.StringIO()
        job.print_stack(limit=10, file=where)
        log.warning(
            "background job did not stop", extra={"job": job.get_name(), "where": where.getvalue()}
        )


async def _logged(job: Callable[[Services], Awaitable[None]], svc: Services) -> None:
    """A feature's background job; one that crashes is logged (and restarted after a pause)
    rather than dying silently with the process none the wiser."""
    while True:
        try:
            await job(svc)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background job failed; restarting", extra={"job": job.__name__})
            await asyncio.sleep(5)


def _merged(features: Sequence[Feature], part: str) -> dict[str, Any]:
    """Every feature's commands (or topic kinds) in one dict; a name claimed twice is a bug."""
    merged: dict[str, Any] = {}
    for feature in features:
        for name, value in getattr(feature, part).items():
            assert name not in merged, f"{part} {name!r} is declared by two features"
            merged[name] = value
    return merged


async def _wrong_server(websocket: WebSocket) -> None:
    """Only reached when uvicorn runs without our ws class (`expo serve` always sets it)."""
    log.error("websocket reached the ASGI app: serve with `expo serve` (uvicorn ws=%s)", WS_CLASS)
    await websocket.accept()
    await websocket.close(closecodes.INTERNAL, "This server was started without the expo ws class.")


async def _expo_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ExpoError)
    return error_response(exc)


async def _broker_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("broker unavailable", extra={"path": request.url.path})
    return error_response(Unavailable(message="The event broker cannot be reached."))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
    code = codes.get(exc.status_code, "http_error")
    response = error_response(ExpoError(code, str(exc.detail), status=exc.status_code))
    if exc.status_code == 405:
        # One path may be served by several routes (one per action): allow all their methods.
        response.headers["Allow"] = ", ".join(_methods_of(request))
    return response


def _methods_of(request: Request) -> list[str]:
    methods: set[str] = set()
    for candidate in request.app.routes:
        if isinstance(candidate, Route) and candidate.path_regex.match(request.url.path):
            methods |= candidate.methods or set()
    return sorted(methods)


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    log.error("database unavailable", extra={"path": request.url.path, "error": repr(exc)})
    return error_response(database_error(exc))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("request failed", exc_info=exc, extra={"path": request.url.path})
    return error_response(ExpoError("internal", "The server failed; nothing was changed."))
