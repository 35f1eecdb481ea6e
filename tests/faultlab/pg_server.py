"""A PostgreSQL cluster of the scenario's own, on a free port, that it may stop and start again
(the machine's, on 5432, is shared: never stopped).

initdb refuses to run as root, so the cluster is the `postgres` user's (runuser when this runs
as root), in a temporary folder given to that user, with trust authentication on 127.0.0.1 and
its socket in the folder. `stop()` is `pg_ctl stop -m immediate`: the postmaster and its
backends are gone at once, as in a crash; `start()` recovers from the WAL as after one.
fsync is off: a process crash keeps what the kernel was given, and only the machine's own crash
would need it.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from tests.cluster import free_port
from tests.services import IN_CI

OWNER = "postgres"


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PostgresServer:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.url = f"postgresql+asyncpg://{OWNER}@127.0.0.1:{port}/postgres"

    async def _as_owner(self, *argv: str) -> None:
        command = list(argv)
        if os.geteuid() == 0:  # initdb refuses root
            command = ["runuser", "-u", OWNER, "--", *command]
        child = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {out.decode(errors='replace')[-2000:]}")

    async def init(self) -> None:
        initdb = _bin("initdb")
        assert initdb is not None
        await self._as_owner(
            initdb, "-D", str(self.data), "-A", "trust", "-U", OWNER, "--no-sync", "-E", "UTF8"
        )

    async def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=200"
        )
        pg_ctl = _bin("pg_ctl")
        assert pg_ctl is not None
        log = str(self.folder / "postgres.log")
        await self._as_owner(pg_ctl, "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    async def stop(self) -> None:
        """Immediate: no checkpoint, every backend dropped; recovery runs at the next start."""
        pg_ctl = _bin("pg_ctl")
        assert pg_ctl is not None
        await self._as_owner(pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")

    async def create_database(self, name: str) -> str:
        admin = await asyncpg.connect(host="127.0.0.1", port=self.port, user=OWNER)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        return f"postgresql+asyncpg://{OWNER}@127.0.0.1:{self.port}/{name}"


def _missing(what: str) -> None:
    """Skipped on a developer's machine; under CI=true a failure, as tests/services.py does."""
    if IN_CI:
        pytest.fail(f"CI needs every service: {what}", pytrace=False)
    pytest.skip(f"MISSING SERVICE: {what}")


@asynccontextmanager
async def postgres_server() -> AsyncIterator[PostgresServer]:
    if _bin("initdb") is None or _bin("pg_ctl") is None:
        _missing("PostgreSQL's initdb and pg_ctl are not installed")
    folder = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(OWNER)
        except KeyError:
            _missing(f"no {OWNER} user to own a PostgreSQL cluster")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    server = PostgresServer(folder, free_port())
    try:
        await server.init()
        await server.start()
        yield server
    finally:
        try:
            await server.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(folder, ignore_errors=True)
