"""What SQL a live server's requests run: the statements on its write and its read engine (on
SQLite reads have an engine of their own, expo/app.py), leaving out the features' background
jobs, which read on their own clock in tasks named after them (expo/app.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from expo.features import load_features
from tests.live import LiveServer

BACKGROUND_JOBS = {f"{f.name}.{job.__name__}" for f in load_features() for job in f.tasks}


@contextmanager
def statements(live: LiveServer) -> Iterator[list[str]]:
    """The SQL statements the server's requests and sockets run while inside."""
    seen: list[str] = []
    engines = {live.services.engine, live.services.read.kw["bind"]}

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        task = asyncio.current_task()
        if task is None or task.get_name() not in BACKGROUND_JOBS:
            seen.append(statement)

    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
