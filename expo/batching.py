"""Lookups batched under load: the keys asked for while one query runs go together in the next.

A reconnect storm brings hundreds of handshakes at once, each asking the database the same kind
of question about a different key (whose session is this cookie?). One query per key costs a
round trip through the database driver's thread each; one query for every key that is waiting
costs about the same as one. With no load a key is looked up alone, at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Keys per query at most: an IN (...) list stays well below SQLite's and PostgreSQL's bounds.
MAX_BATCH = 500


class BatchedLookup(Generic[K, V]):
    """`get(key)` answers from `lookup(keys)`, a query for many keys at once that returns the
    found ones. One query runs at a time; keys asked for meanwhile wait for the next."""

    def __init__(self, lookup: Callable[[list[K]], Awaitable[Mapping[K, V]]]) -> None:
        self._lookup = lookup
        self._waiting: dict[K, list[asyncio.Future[V | None]]] = {}
        self._running = False
        self._task: asyncio.Future[None] | None = None  # kept: the loop holds tasks weakly

    async def get(self, key: K) -> V | None:
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        if not self._running:
            self._running = True
            self._task = asyncio.ensure_future(self._run())
        return await future

    async def _run(self) -> None:
        try:
            # Let the handshakes that arrived together ask first: they share this query.
            await asyncio.sleep(0)
            while self._waiting:
                keys = list(self._waiting)[:MAX_BATCH]
                batch = {key: self._waiting.pop(key) for key in keys}
                try:
                    found = await self._lookup(keys)
                except Exception as error:
                    for futures in batch.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(error)
                    continue
                for key, futures in batch.items():
                    for future in futures:
                        if not future.done():
                            future.set_result(found.get(key))
        finally:
            self._running = False
