"""Operations and secrets over a real server: what the HTTP edge gives away and to whom."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from expo.db import make_engine
from expo.logs import JsonFormatter, PlainFormatter
from tests.services import fresh_postgres_database

SECRET = "hunter2-correct-horse-battery"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_failing_statement_logs_no_parameters(backend, tmp_path, caplog):
    async def fail(url: str) -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE t (email TEXT UNIQUE)"))
                for _ in range(2):  # the second one breaks the unique constraint
                    await connection.execute(
                        text("INSERT INTO t (email) VALUES (:v)"), {"v": SECRET}
                    )
        except Exception:
            logging.getLogger("expo.test").exception("statement failed")
        finally:
            await engine.dispose()

    if backend == "sqlite":
        await fail(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    else:
        async with fresh_postgres_database() as url:
            await fail(url)
    record = next(r for r in caplog.records if r.getMessage() == "statement failed")
    assert record.exc_info is not None
    for formatter in (JsonFormatter(), PlainFormatter()):
        logged = formatter.format(record)
        assert "INSERT INTO t" in logged  # the statement is named ...
        # ... its parameters are not, nor PostgreSQL's echo of the row (`DETAIL: Key ...=(...)`)
        assert SECRET not in logged
