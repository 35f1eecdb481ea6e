"""Password hashing on threads of its own, bounded: Argon2 takes 64 MiB and tens of milliseconds
a hash on purpose, so a sign-in flood in the shared thread pool would push memory past a GiB and
starve every other `to_thread` (mail, imports, migrations).

`workers` hashes run at once and `queue` more may wait; past that the request is refused at once
(`account.busy`, 503 with Retry-After) instead of piling up behind the others.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from expo.errors import Unavailable
from expo.security import hash_password, verify_password

T = TypeVar("T")


class PasswordPool:
    def __init__(self, workers: int = 2, queue: int = 16) -> None:
        assert workers >= 1 and queue >= 0, "at least one worker, and no negative queue"
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        # Held from submission until the hash is done on its thread, even if the request that
        # asked went away meanwhile: the memory is in use until then.
        self._slots = threading.BoundedSemaphore(workers + queue)

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches; with no hash (an unknown email) a dummy one is verified
        anyway, so an unknown email takes as long to refuse as a wrong password."""
        if password_hash is None:
            await self._run(_verify_unknown, password)
            return False
        return await self._run(verify_password, password_hash, password)

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        if not self._slots.acquire(blocking=False):
            raise Unavailable(
                "account.busy",
                "Too many sign-ins at once; try again in a moment.",
                retry_after=1,
            )
        try:
            future: Future[T] = self._executor.submit(work, *args)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _verify_unknown(password: str) -> bool:
    # On the pool's thread, dummy hash included: made on the event loop, the first unknown
    # email would stall every socket of the process for a whole Argon2 hash.
    return verify_password(_dummy_hash(), password)


@functools.cache
def _dummy_hash() -> str:
    # Made with the same parameters as real hashes (so it costs the same to verify), once per
    # process, the first time an unknown email signs in (two workers may both make one then:
    # harmless, the cache keeps one).
    return hash_password(secrets.token_urlsafe(16))
