"""The `expo` command as an operator runs it: a real process, its exit code and its words."""

from __future__ import annotations

import asyncio
import os
import sys

POSTGRES = "postgresql+asyncpg://expo@127.0.0.1:1/expo"  # never reached: refused before


async def expo(*args: str, env: dict[str, str], stdin: bytes = b"") -> tuple[int, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "expo.cli",
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(child.communicate(stdin), 60)
    assert child.returncode is not None
    return child.returncode, out.decode()


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPO_")}
    return {**env, "EXPO_LOG_JSON": "0", **values}


async def test_serve_refuses_shared_services_without_a_secret_key():
    for shared in ({"EXPO_DATABASE_URL": POSTGRES}, {"EXPO_REDIS_URL": "redis://127.0.0.1:1/0"}):
        code, out = await expo("serve", "--port", "1", env=clean_env(**shared))
        assert code == 2, out
        assert "EXPO_SECRET_KEY is not set" in out and "Traceback" not in out
