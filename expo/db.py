"""Database engines and sessions. SQLite (WAL) by default, PostgreSQL in production."""

from __future__ import annotations

from typing import Any, Protocol

from asyncpg.exceptions import (  # type: ignore[import-untyped]  # ships no annotations
    CannotConnectNowError,
    ConnectionDoesNotExistError,
)
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from expo.errors import Unavailable

# What a request or command may meet when the database is down or every pooled connection is
# taken: the client is told `database.unavailable` or `database.busy` (503), never `internal`.
DATABASE_FAILURES = (OperationalError, InterfaceError, PoolTimeout)

# A PostgreSQL server that refuses connections (down: OSError, passed through by SQLAlchemy's
# asyncpg adaptor untranslated; stopping or starting: CannotConnectNowError, wrapped in the
# adaptor's generic Error) got past DATABASE_FAILURES, and every request while PostgreSQL
# restarted answered 500 `internal` (tests/faults/test_postgres_restart.py). A failure to
# connect is raised as the adaptor's OperationalError: `database.unavailable`.
CONNECT_FAILURES = (OSError, CannotConnectNowError, ConnectionDoesNotExistError)


def busy() -> Unavailable:
    """Saturated, not down: a moment later a connection is free again."""
    return Unavailable(
        "database.busy", "The database is busy; try again in a moment.", retry_after=1
    )


def database_error(error: Exception) -> Unavailable:
    if isinstance(error, PoolTimeout):
        return busy()
    return Unavailable("database.unavailable", "The database cannot be reached.")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def pool_options(url: str, size: int, overflow: int, timeout: float) -> dict[str, Any]:
    """make_engine's pool arguments for `url` (SQLite's connections are files: none)."""
    if is_sqlite(url):
        return {}
    return {"pool_size": size, "max_overflow": overflow, "pool_timeout": timeout}


def make_engine(url: str, *, for_writes: bool = True, **kwargs: Any) -> AsyncEngine:
    """An engine for `url`. On SQLite, `for_writes=False` gives one whose transactions do not
    take the write lock: use it only with sessions that never write.

    Parameters are hidden from errors: they are chat text, emails and password hashes, and an
    error's text ends up in the logs."""
    kwargs.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_async_engine(url, **kwargs)
        _connect_failures_as_dbapi_errors(engine)
        return engine
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
    _tune_sqlite(engine, begin="BEGIN IMMEDIATE" if for_writes else "BEGIN")
    return engine


def _connect_failures_as_dbapi_errors(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "do_connect")
    def connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except dialect.loaded_dbapi.OperationalError:
            raise
        except Exception as error:
            # The adaptor passes OSError through and wraps CannotConnectNowError ("not yet
            # accepting connections") in its generic Error: SQLAlchemy's DBAPIError, which
            # no handler takes for the database being away.
            if isinstance(error, CONNECT_FAILURES) or isinstance(error.__cause__, CONNECT_FAILURES):
                raise dialect.loaded_dbapi.OperationalError(
                    f"cannot connect: {error!r}", error
                ) from error
            raise

    @event.listens_for(engine.sync_engine, "handle_error")
    def disconnected(context: Any) -> Any:
        # A statement whose connection died under it (the server stopped: "connection was
        # closed in the middle of operation") comes out as the adaptor's generic Error too.
        # Not a cancelled task, though: SQLAlchemy counts a CancelledError (or any exit
        # exception) mid-statement as a disconnect too, and turning it into OperationalError
        # kept cancelled tasks running (servers on PostgreSQL took 15 s to stop).
        error = context.sqlalchemy_exception
        if not isinstance(context.original_exception, Exception):
            return None
        if context.is_disconnect and not isinstance(error, DATABASE_FAILURES):
            return OperationalError(
                context.statement,
                context.parameters,
                context.original_exception,
                hide_parameters=True,
                connection_invalidated=True,
            )
        return None


def _tune_sqlite(engine: AsyncEngine, *, begin: str) -> None:
    """WAL for readers beside a writer. Writers BEGIN IMMEDIATE, so read-then-write transactions
    take the write lock up front instead of failing with "database is locked" halfway through;
    readers BEGIN deferred and never wait for a writer."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below rule
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class Row(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: Row) -> int:
    """The id of a row that is in the database. SQLModel types every `id` as `int | None`
    (None until the first flush), so the type cannot say that a row read back has one."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it is not stored yet")
    return row.id
