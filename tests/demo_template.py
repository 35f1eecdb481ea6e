"""The demo database, migrated and seeded once and copied: the suite makes a fresh demo database
for nearly every module (SQLite for one process, PostgreSQL for two), and migrating plus
seeding costs a second or two each time; a copy costs milliseconds (a file copy for SQLite,
`CREATE DATABASE ... TEMPLATE` for PostgreSQL).

A template serves a test process for at most MAX_AGE seconds and never past the hour: the demo
seed places its day of sessions around the hour it runs in (forums/seed.py `day_opening`), so a
copy is the database a fresh seed would have made a moment ago, as it always was for a module
whose tests run a while after its database was made.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from expo.hall.upload_store import seed_folder

MAX_AGE = 180.0  # seconds a template is copied from
_lock = asyncio.Lock()


@dataclass
class _Template:
    made: float  # time.monotonic()
    hour: str  # the UTC hour it was seeded in
    where: str  # a SQLite file, or a PostgreSQL database's name


_templates: dict[str, _Template] = {}  # "sqlite" | the PostgreSQL server's URL -> its template


def _hour() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H")


def _fresh(template: _Template | None) -> bool:
    return (
        template is not None
        and time.monotonic() - template.made < MAX_AGE
        and template.hour == _hour()
    )


def _dsn(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


async def copy_demo(url: str, prepare: Callable[[str], Awaitable[None]]) -> None:
    """Make the empty database at `url` (a SQLite file not yet written, or a PostgreSQL database
    nobody is connected to) the demo's, from a template `prepare` made."""
    parsed = make_url(url)
    async with _lock:
        if parsed.get_backend_name() == "sqlite":
            await _copy_sqlite(parsed.database or "", prepare)
        else:
            await _copy_postgres(url, parsed.database or "", prepare)


async def _copy_sqlite(target: str, prepare: Callable[[str], Awaitable[None]]) -> None:
    target_url = f"sqlite+aiosqlite:///{target}"
    template = _templates.get("sqlite")
    if not _fresh(template):
        folder = tempfile.mkdtemp(prefix="expo-demo-template-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = os.path.join(folder, "demo.db")
        await prepare(f"sqlite+aiosqlite:///{path}")
        if template is not None:
            shutil.rmtree(os.path.dirname(template.where), ignore_errors=True)
        template = _templates["sqlite"] = _Template(time.monotonic(), _hour(), path)
    assert template is not None
    await asyncio.to_thread(_copy_files, template.where, target)
    await asyncio.to_thread(_copy_uploads, f"sqlite+aiosqlite:///{template.where}", target_url)


def _copy_files(source: str, target: str) -> None:
    for suffix in ("", "-wal", "-shm"):  # the engine is closed: normally one file
        if os.path.exists(source + suffix):
            shutil.copyfile(source + suffix, target + suffix)


def _copy_uploads(template_url: str, target_url: str) -> None:
    """The files the seed uploaded (the booths' brochures) go with the rows naming them."""
    source, target = seed_folder(template_url), seed_folder(target_url)
    # EXPO_UPLOADS_DIR set: one folder for every database, the seed's files are there already.
    if source.is_dir() and source.resolve() != target.resolve():
        shutil.copytree(source, target, dirs_exist_ok=True)


def _gone(pid: str) -> bool:
    return pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists()


async def _copy_postgres(url: str, target: str, prepare: Callable[[str], Awaitable[None]]) -> None:
    server = make_url(url).set(database="").render_as_string(hide_password=False)
    template = _templates.get(server)
    admin = await asyncpg.connect(_dsn(url, "postgres" if target != "postgres" else "template1"))
    try:
        if not _fresh(template):
            name = f"expo_template_{os.getpid()}_{int(time.time())}"
            await _drop_leftovers(admin)
            await admin.execute(f'CREATE DATABASE "{name}"')
            await prepare(make_url(url).set(database=name).render_as_string(hide_password=False))
            if template is not None:
                await admin.execute(f'DROP DATABASE IF EXISTS "{template.where}" WITH (FORCE)')
            template = _templates[server] = _Template(time.monotonic(), _hour(), name)
        assert template is not None
        await admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{template.where}"')
        template_url = make_url(url).set(database=template.where)
        await asyncio.to_thread(
            _copy_uploads, template_url.render_as_string(hide_password=False), url
        )
    finally:
        await admin.close()


async def _drop_leftovers(admin: asyncpg.Connection) -> None:
    """Templates of test processes that are gone (killed before they could drop theirs)."""
    names = await admin.fetch(
        "SELECT datname FROM pg_database WHERE datname LIKE 'expo\\_template\\_%'"
    )
    for (name,) in names:
        if await asyncio.to_thread(_gone, name.split("_")[2]):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
