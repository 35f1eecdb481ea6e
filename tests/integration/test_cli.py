"""The `expo` command as an operator runs it: a real process, its exit code and its words."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
from sqlmodel import select

from expo.db import make_engine, make_sessionmaker
from expo.migrate import upgrade_async
from expo.models import Account
from tests.cluster import free_port
from tests.live import live_server, make_settings

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


async def migrated_sqlite(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'expo.db'}"
    await upgrade_async(url)
    return url


async def roles(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as db:
            rows = (await db.execute(select(Account))).scalars().all()
    finally:
        await engine.dispose()
    return {a.email: a.role for a in rows}


STRONG = "granite-lantern-forty-2"


async def test_create_organiser_reads_the_password_from_stdin_and_the_account_signs_in(tmp_path):
    url = await migrated_sqlite(tmp_path)
    code, out = await expo(
        "admin",
        "create-organiser",
        "--email",
        "Ops@Example.org",
        "--name",
        "运营 Ops",
        env=clean_env(EXPO_DATABASE_URL=url),
        stdin=f"{STRONG}\n".encode(),
    )
    assert code == 0, out
    assert STRONG not in out
    assert await roles(url) == {"ops@example.org": "organizer"}
    async with live_server(make_settings(url)) as live:
        cookie = await live.sign_in("ops@example.org", STRONG)
        async with live.http(headers={"Cookie": cookie}) as http:
            me = (await http.get("/api/me")).json()["account"]
    assert (me["role"], me["display_name"]) == ("organizer", "运营 Ops")


async def test_create_organiser_reads_a_password_file(tmp_path):
    url = await migrated_sqlite(tmp_path)
    secret = tmp_path / "password"
    secret.write_text(f"{STRONG}\n")
    code, out = await expo(
        "admin",
        "create-organiser",
        "--email",
        "ops@example.org",
        "--password-file",
        str(secret),
        env=clean_env(EXPO_DATABASE_URL=url),
    )
    assert code == 0, out
    assert await roles(url) == {"ops@example.org": "organizer"}


async def test_create_organiser_takes_no_password_on_the_command_line(tmp_path):
    url = await migrated_sqlite(tmp_path)
    code, out = await expo(
        "admin",
        "create-organiser",
        "--email",
        "ops@example.org",
        "--password",
        STRONG,
        env=clean_env(EXPO_DATABASE_URL=url),
    )
    assert code == 2 and "unrecognized arguments" in out
    assert await roles(url) == {}


async def test_create_organiser_refuses_weak_passwords_and_taken_emails(tmp_path):
    url = await migrated_sqlite(tmp_path)
    env = clean_env(EXPO_DATABASE_URL=url)
    args = ("admin", "create-organiser", "--email", "ops@example.org")
    weak = await expo(*args, env=env, stdin=b"password123\n")
    first = await expo(*args, env=env, stdin=f"{STRONG}\n".encode())
    again = await expo(*args, env=env, stdin=f"{STRONG}-x\n".encode())
    assert weak[0] == 1 and "account.weak_password" in weak[1], weak
    assert first[0] == 0, first
    assert again[0] == 1 and "account.email_taken" in again[1], again
    assert "Traceback" not in weak[1] + again[1]


async def test_demo_refuses_a_database_with_accounts_it_did_not_seed(tmp_path):
    url = await migrated_sqlite(tmp_path)
    created = await expo(
        "admin",
        "create-organiser",
        "--email",
        "ops@example.org",
        env=clean_env(EXPO_DATABASE_URL=url),
        stdin=f"{STRONG}\n".encode(),
    )
    assert created[0] == 0, created
    code, out = await expo("demo", "--port", "1", env=clean_env(EXPO_DATABASE_URL=url))
    assert code == 2, out
    assert "not a demo database" in out and "Traceback" not in out
    assert await roles(url) == {"ops@example.org": "organizer"}  # no demo account added


async def test_demo_refuses_a_shared_database_unless_told_it_is_not_production():
    code, out = await expo(
        "demo", "--port", "1", env=clean_env(EXPO_DATABASE_URL=POSTGRES, EXPO_SECRET_KEY="k" * 32)
    )
    assert code == 2, out
    assert "--not-production" in out and "Traceback" not in out


async def test_demo_needs_no_settings_and_starts_again_on_its_own_database(tmp_path):
    """The embedded default: no EXPO_* at all, a database and a key file in the working folder."""
    for _ in range(2):  # the second start finds its own demo database and serves it again
        port = free_port()
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "expo.cli",
            "demo",
            "--port",
            str(port),
            env=clean_env(),
            cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                for _ in range(300):
                    assert child.returncode is None, "expo demo exited"
                    try:
                        if (await http.get("/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                signed_in = await http.post(
                    "/api/session",
                    json={"email": "organizer@demo.shubo.live", "password": "shubo-demo-2026"},
                )
            assert signed_in.status_code == 200
        finally:
            child.terminate()
            await asyncio.wait_for(child.wait(), 15)
    assert (tmp_path / "expo-demo.db").exists() and (tmp_path / "expo-demo.secret").exists()


async def test_demo_greets_first_with_no_migration_log_before_the_welcome(tmp_path: Path) -> None:
    """A newcomer's first screen is the welcome with the demo accounts, not a dozen lines of
    Alembic telling which revisions it ran (its warnings would still show)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "expo.cli",
        "demo",
        "--port",
        str(free_port()),
        env=clean_env(),
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert child.stderr is not None
    before: list[str] = []
    try:
        while "Shubo Live demo expo" not in (line := await _next_line(child.stderr)):
            before.append(line)
    finally:
        child.terminate()
        await asyncio.wait_for(child.wait(), 15)
    assert [line for line in before if line.strip()] == []


async def test_the_demo_logs_a_reset_link_as_it_has_no_mail_server(tmp_path: Path) -> None:
    """The demo's accounts are public and it sends no mail: whoever runs it reads a forgotten
    password's link from its log (the README says so), as `expo demo` runs with EXPO_DEMO."""
    port = free_port()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "expo.cli",
        "demo",
        "--port",
        str(port),
        env=clean_env(),
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert child.stderr is not None
    try:
        while "Shubo Live demo expo" not in await _next_line(child.stderr):
            pass
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(300):
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            asked = await http.post(
                "/api/password/forgot", json={"email": "attendee@demo.shubo.live"}
            )
        assert asked.status_code == 202
        for _ in range(200):  # bounded: the log line comes after the answer
            if "/#/reset/" in await _next_line(child.stderr):
                break
        else:
            raise AssertionError("no reset link in the demo's log")
    finally:
        child.terminate()
        await asyncio.wait_for(child.wait(), 15)


async def _next_line(stream: asyncio.StreamReader) -> str:
    line = await asyncio.wait_for(stream.readline(), 60)
    assert line, "expo demo ended before its welcome"
    return line.decode()


async def test_reset_link_prints_a_one_time_link_that_sets_the_password(tmp_path):
    url = await migrated_sqlite(tmp_path)
    env = clean_env(EXPO_DATABASE_URL=url)
    code, out = await expo(
        "admin",
        "create-organiser",
        "--email",
        "ops@example.org",
        env=env,
        stdin=f"{STRONG}\n".encode(),
    )
    assert code == 0, out
    unknown, said = await expo("admin", "reset-link", "nobody@example.org", env=env)
    code, out = await expo(
        "admin", "reset-link", "ops@example.org", "--base-url", "https://expo.example/", env=env
    )
    assert (unknown, "account.unknown" in said) == (1, True)
    assert code == 0, out
    link = next(
        line for line in out.splitlines() if line.startswith("https://expo.example/#/reset/")
    )
    token = link.rsplit("/", 1)[1]
    async with live_server(make_settings(url)) as live:
        async with live.http() as http:
            reset = await http.post(
                "/api/password/reset", json={"token": token, "password": STRONG + "-new"}
            )
            again = await http.post(
                "/api/password/reset", json={"token": token, "password": STRONG + "-2"}
            )
        await live.sign_in("ops@example.org", STRONG + "-new")
    assert reset.status_code == 200, reset.text
    assert again.json()["error"]["code"] == "account_link.used"


async def test_python_dash_m_expo_is_the_expo_command():
    """`python -m expo demo` works where the `expo` script is not on PATH (a venv not
    activated, `pip install --user`)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "expo",
        "--help",
        env=clean_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == 0, out.decode()
    assert out.decode().startswith("usage: expo ")
    assert "demo" in out.decode()
