"""The password pool: a bounded number of hashes at once, a bounded wait, refusals at once."""

from __future__ import annotations

import asyncio
import threading

import pytest

from expo.errors import Unavailable
from expo.passwords import PasswordPool


async def test_past_the_workers_and_the_queue_a_hash_is_refused_at_once(monkeypatch):
    release = threading.Event()
    started = threading.Semaphore(0)

    def slow_hash(password: str) -> str:
        started.release()
        release.wait(10)
        return f"hashed:{password}"

    monkeypatch.setattr("expo.passwords.hash_password", slow_hash)
    pool = PasswordPool(workers=1, queue=1)
    try:
        running = asyncio.ensure_future(pool.hash("a"))
        waiting = asyncio.ensure_future(pool.hash("b"))
        assert await asyncio.to_thread(started.acquire, True, 10)  # "a" is on the worker
        with pytest.raises(Unavailable) as refused:
            await pool.hash("c")
        assert (refused.value.code, refused.value.status) == ("account.busy", 503)
        assert refused.value.retry_after == 1
        release.set()
        assert await asyncio.gather(running, waiting) == ["hashed:a", "hashed:b"]
        assert await pool.hash("d") == "hashed:d"  # the slots came back
    finally:
        release.set()
        pool.close()


async def test_a_slot_stays_taken_until_the_hash_ends_even_if_its_request_went_away(
    monkeypatch,
):
    release = threading.Event()
    started = threading.Semaphore(0)

    def slow_hash(password: str) -> str:
        started.release()
        release.wait(10)
        return password

    monkeypatch.setattr("expo.passwords.hash_password", slow_hash)
    pool = PasswordPool(workers=1, queue=0)
    try:
        gone = asyncio.ensure_future(pool.hash("a"))
        assert await asyncio.to_thread(started.acquire, True, 10)
        gone.cancel()  # the client hung up; Argon2 still holds its memory on the thread
        with pytest.raises(Unavailable):
            await pool.hash("b")
        release.set()
    finally:
        release.set()
        pool.close()


async def test_an_unknown_account_is_verified_against_a_dummy_hash():
    pool = PasswordPool()
    try:
        assert await pool.verify(None, "anything") is False
    finally:
        pool.close()


async def test_the_dummy_hash_is_made_on_the_pool_never_on_the_event_loop(monkeypatch):
    """The first unknown email makes the dummy hash (64 MiB, tens of milliseconds): on the
    event loop it would stall every socket of the process while it runs."""
    import expo.passwords as passwords

    made_on: list[str] = []

    def recording_hash(password: str) -> str:
        made_on.append(threading.current_thread().name)
        return f"dummy:{password}"

    monkeypatch.setattr(passwords, "hash_password", recording_hash)
    monkeypatch.setattr(passwords, "verify_password", lambda stored, password: False)
    passwords._dummy_hash.cache_clear()
    pool = PasswordPool()
    try:
        assert await pool.verify(None, "anything") is False
    finally:
        pool.close()
        passwords._dummy_hash.cache_clear()  # not the recording one for the tests after
    assert len(made_on) == 1 and made_on[0].startswith("argon2"), made_on


def test_production_hashes_with_argon2id_at_64_mib_and_the_suite_with_the_lightest(monkeypatch):
    """The suite's light hashing (EXPO_TEST_FAST_PASSWORD_HASH, tests/conftest.py) must never be
    what a server without it does."""
    from expo.security import FAST_HASH_VARIABLE, hash_password, verify_password

    monkeypatch.delenv(FAST_HASH_VARIABLE, raising=False)
    standard = hash_password("黔山秀水 2026")
    assert standard.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setenv(FAST_HASH_VARIABLE, "1")
    light = hash_password("黔山秀水 2026")
    assert light.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert verify_password(standard, "黔山秀水 2026") and verify_password(light, "黔山秀水 2026")
