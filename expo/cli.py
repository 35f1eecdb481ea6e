"""The `expo` command: serve, demo, db upgrade, admin create-organiser."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import secrets
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from expo import logs
from expo.app import WS_CLASS
from expo.head_deadline import HTTP_CLASS

DEMO_DATABASE_URL = "sqlite+aiosqlite:///./expo-demo.db"
DEMO_SECRET_FILE = "./expo-demo.secret"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="expo", description="Shubo Live, the online Big Data Expo."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (settings from EXPO_* variables)")
    _server_options(serve, workers=True)

    demo = sub.add_parser("demo", help="migrate, seed the demo expo and serve it")
    _server_options(demo, workers=False)
    demo.add_argument(
        "--not-production",
        action="store_true",
        help="allow a database other than SQLite (EXPO_DATABASE_URL) for the demo",
    )

    admin = sub.add_parser("admin", help="accounts, from the operator's shell")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    organiser = admin_sub.add_parser(
        "create-organiser",
        help="create an organiser (the password is read from a prompt, stdin or a file)",
        allow_abbrev=False,  # `--password x` must not pass for `--password-file x`
    )
    organiser.add_argument("--email", required=True)
    organiser.add_argument("--name", default="", help="display name (default: the email's name)")
    organiser.add_argument(
        "--password-file", type=Path, help="read the password from the file's first line"
    )

    reset = admin_sub.add_parser(
        "reset-link",
        help="print a one-time password reset link for an account (for servers without SMTP)",
    )
    reset.add_argument("email")
    reset.add_argument(
        "--base-url",
        default=os.environ.get("EXPO_PUBLIC_URL") or "http://127.0.0.1:8000",
        help="the address people reach the platform at (default: EXPO_PUBLIC_URL)",
    )

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply every Alembic migration (core and features)")

    # Features' own subcommands (`expo match recommend ...`), found by entry point like the rest
    # of a feature; each takes the remaining arguments and parses them itself.
    feature_mains = _feature_commands()
    for name, (help_text, _) in feature_mains.items():
        feature_parser = sub.add_parser(name, help=help_text, add_help=False)
        feature_parser.add_argument("args", nargs=argparse.REMAINDER)

    given = list(sys.argv[1:] if argv is None else argv)
    if given and given[0] in feature_mains:  # its options are its own (`expo match -h`)
        return feature_mains[given[0]][1](given[1:])
    args = parser.parse_args(given)
    if args.command == "demo":
        # A demo runs in someone's terminal: plain log lines unless asked otherwise.
        os.environ.setdefault("EXPO_LOG_JSON", "0")
    json_logs = os.environ.get("EXPO_LOG_JSON", "1") not in ("0", "false", "no")
    logs.configure(json=json_logs)
    if args.command == "db":
        return _db_upgrade()
    if args.command == "admin" and args.admin_command == "reset-link":
        return _reset_link(args)
    if args.command == "admin":
        return _create_organiser(args)
    if args.command == "demo":
        return _demo(args)
    return _serve(args.host, args.port, args.workers, json_logs)


def _feature_commands() -> dict[str, tuple[str, Callable[[Sequence[str]], int]]]:
    from expo.features import load_features

    found: dict[str, tuple[str, Callable[[Sequence[str]], int]]] = {}
    for feature in load_features():
        for name, command in feature.cli.items():
            assert name not in found, f"two features declare `expo {name}`"
            found[name] = command
    return found


def _server_options(parser: argparse.ArgumentParser, *, workers: bool) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    if workers:
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="server processes; more than one needs EXPO_REDIS_URL",
        )


def _db_upgrade() -> int:
    from expo.migrate import upgrade
    from expo.settings import DEFAULT_DATABASE_URL

    # Only the database is needed: migrating signs no cookie (no EXPO_SECRET_KEY asked for).
    upgrade(os.environ.get("EXPO_DATABASE_URL") or DEFAULT_DATABASE_URL)
    print("database schema is up to date", file=sys.stderr)
    return 0


def _create_organiser(args: argparse.Namespace) -> int:
    from expo.admin import create_organiser
    from expo.errors import ExpoError
    from expo.settings import DEFAULT_DATABASE_URL

    url = os.environ.get("EXPO_DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        password = _read_password(args.password_file)
        account = asyncio.run(create_organiser(url, args.email, args.name, password))
    except ExpoError as error:
        print(f"expo: {error.code}: {error.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"expo: {error}", file=sys.stderr)
        return 1
    print(f"organiser {account.email} created (account {account.id})", file=sys.stderr)
    return 0


def _reset_link(args: argparse.Namespace) -> int:
    from expo.admin import reset_link
    from expo.errors import ExpoError
    from expo.settings import DEFAULT_DATABASE_URL

    url = os.environ.get("EXPO_DATABASE_URL") or DEFAULT_DATABASE_URL
    minutes = float(os.environ.get("EXPO_ACCOUNT_LINK_MINUTES") or 30)
    try:
        link = asyncio.run(reset_link(url, args.email, args.base_url, minutes))
    except ExpoError as error:
        print(f"expo: {error.code}: {error.message}", file=sys.stderr)
        return 1
    print(link)  # stdout alone: the operator hands it over; it works once, for `minutes`
    print(f"valid for {minutes:g} minutes, once", file=sys.stderr)
    return 0


def _read_password(path: Path | None) -> str:
    """From a file, a prompt (asked twice) or stdin's first line: never from argv."""
    if path is not None:
        lines = path.read_text().splitlines()
        return lines[0] if lines else ""
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _demo(args: argparse.Namespace) -> int:
    # Which plugins Alembic set up (on import) and which revisions it ran are for operators
    # (`expo db upgrade` still says); a newcomer's first screen is the welcome below. Alembic's
    # warnings still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from expo.db import is_sqlite, make_engine, make_sessionmaker
    from expo.features import load_features
    from expo.migrate import upgrade
    from expo.seed import ACCOUNTS, DEMO_PASSWORD, is_demo_or_empty, seed_demo

    os.environ.setdefault("EXPO_DATABASE_URL", DEMO_DATABASE_URL)
    # A demo is tried from one machine as five accounts in several browsers: sign-ins per
    # address get room for that (production keeps the tight default against guessing).
    os.environ.setdefault("EXPO_RATE_LIMITS", DEMO_RATE_LIMITS)
    url = os.environ["EXPO_DATABASE_URL"]
    if not is_sqlite(url) and not args.not_production:
        # An exported production EXPO_DATABASE_URL must not get the README's demo passwords.
        print(
            "expo: the demo seeds accounts whose password is in the README; it runs on SQLite. "
            "For a demo on EXPO_DATABASE_URL's server, add --not-production.",
            file=sys.stderr,
        )
        return 2
    # The server knows it is a demo: with no mail server, a forgotten password's link is
    # written to this terminal's log (the demo's accounts are public anyway).
    os.environ.setdefault("EXPO_DEMO", "1")
    if not os.environ.get("EXPO_SECRET_KEY"):
        # Keep the demo's sign-ins across restarts: its key lives beside its database.
        os.environ["EXPO_SECRET_KEY"] = _demo_secret(Path(DEMO_SECRET_FILE))
    features = load_features()
    upgrade(url, features)

    async def seed() -> bool:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as db:
                if not await is_demo_or_empty(db):
                    return False
                await seed_demo(db, features)
        finally:
            await engine.dispose()
        return True

    if not asyncio.run(seed()):
        print(
            f"expo: {url} is not a demo database: it has accounts, none of them the demo's. "
            "Serve it with `expo serve`, or point EXPO_DATABASE_URL elsewhere for a demo.",
            file=sys.stderr,
        )
        return 2
    base = f"http://{args.host}:{args.port}"
    print(f"\n  Shubo Live demo expo · 数博会线上展 演示  →  {base}\n", file=sys.stderr)
    print(f"  demo accounts (password: {DEMO_PASSWORD})", file=sys.stderr)
    for email, role, name, _org, _title in ACCOUNTS:
        print(f"    {role.value:<10} {email:<28} {name}", file=sys.stderr)
    print("", file=sys.stderr)
    return _serve(args.host, args.port, 1, os.environ.get("EXPO_LOG_JSON", "1") != "0")


DEMO_RATE_LIMITS = "sign_in=60/300/30"


def _demo_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(secret)
    return secret


def _serve(host: str, port: int, workers: int, json_logs: bool) -> int:
    import uvicorn

    from expo.settings import Settings, SettingsError

    if workers > 1 and not os.environ.get("EXPO_REDIS_URL"):
        print(
            "expo: several workers share presence, sequence numbers and fanout through Redis; "
            "set EXPO_REDIS_URL (or run one worker)",
            file=sys.stderr,
        )
        return 2
    try:
        Settings.from_env()  # refuse here, before uvicorn, what every worker would refuse
    except (SettingsError, ValueError) as error:
        print(f"expo: {error}", file=sys.stderr)
        return 2
    if not os.environ.get("EXPO_SECRET_KEY"):
        # The embedded default (SQLite, no Redis): one process, whose key must outlive
        # create_app (uvicorn's reloads and factory calls read the environment again).
        os.environ["EXPO_SECRET_KEY"] = secrets.token_urlsafe(32)
        print(
            "expo: EXPO_SECRET_KEY is unset; sessions will not survive a restart", file=sys.stderr
        )
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="expo-metrics-")
    uvicorn.run(
        "expo.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ws=WS_CLASS,
        http=HTTP_CLASS,
        lifespan="on",
        log_config=logs.log_config(json=json_logs),
        proxy_headers=True,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
