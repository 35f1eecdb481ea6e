"""A sign-in flood against `expo demo`: what it costs the server in memory, and how fast the
flood is answered.

    python bench/signin_flood.py                 # 64 wrong-password sign-ins at once
    python bench/signin_flood.py --attempts 128

Each attempt is a real `POST /api/session` (a real account, a wrong password, so Argon2 runs)
from its own X-Forwarded-For address; the sign-in rate limits are lifted, since they are
about people and this measures what is left when they are not enough (many addresses, many
accounts). Prints one JSON object: statuses, the wall time until every attempt was answered, and
the server's peak resident memory (VmHWM) before and after. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from expo.ratelimit import DEFAULT_RATES

HERE = Path(__file__).resolve().parent
ACCOUNTS = [f"{role}@demo.shubo.live" for role in ("attendee", "speaker", "moderator")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def flood(base: str, attempts: int) -> tuple[Counter[int], float]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:

        async def attempt(n: int) -> int:
            response = await http.post(
                "/api/session",
                json={"email": ACCOUNTS[n % len(ACCOUNTS)], "password": f"wrong-{n}"},
                headers={"X-Forwarded-For": f"10.9.{n // 250}.{n % 250 + 1}"},
            )
            return response.status_code

        started = time.perf_counter()
        statuses = await asyncio.gather(*(attempt(n) for n in range(attempts)))
        return Counter(statuses), time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=64)
    args = parser.parse_args()
    lifted = ",".join(f"{name}=1000000/1" for name in DEFAULT_RATES if name.startswith("sign_in"))
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        env = {**os.environ, "EXPO_RATE_LIMITS": lifted, "EXPO_LOG_JSON": "1"}
        env.pop("EXPO_DATABASE_URL", None)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "expo.cli", "demo", "--port", str(port)),
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base) as http:
                for _ in range(600):
                    try:
                        if (await http.get("/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
            before = peak_rss_mib(child.pid)
            statuses, seconds = await flood(base, args.attempts)
            after = peak_rss_mib(child.pid)
        finally:
            child.terminate()
            await asyncio.wait_for(child.wait(), 30)
    print(
        json.dumps(
            {
                "attempts": args.attempts,
                "statuses": dict(sorted(statuses.items())),
                "seconds_until_all_answered": round(seconds, 2),
                "peak_rss_mib_before": round(before, 1),
                "peak_rss_mib_after": round(after, 1),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
