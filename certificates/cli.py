"""`expo credential ...`: certificates from the command line.

expo credential verify FILE [--did-document PATH] [--status-list PATH]
    check a credential (JSON with an eddsa-jcs-2022 proof, a VC-JWT, or a PNG badge with either
    baked in, Open Badges 3.0) with no network: the
    issuer's DID document is a file (default: did.json next to FILE); prints `verified` or the
    reason it is refused (tampered, revoked, unknown_key, malformed, ...); exit status 0 or 1
expo credential rotate-key [--force]
    a new signing key for the configured database (EXPO_DATABASE_URL, EXPO_SECRET_KEY); the old
    one is retired and stays in the DID document, so what it signed keeps verifying
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from certificates import baking
from certificates.offline import check

DEMO_SECRET_FILE = Path("./expo-demo.secret")


class _Unreadable(Exception):
    pass


def _read(path: Path, what: str, *, jwt: bool = False) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _Unreadable(f"cannot read the {what} {path}: {exc}") from None
    if jwt and raw.startswith(baking.SIGNATURE):  # a baked badge: its iTXt chunk's text
        try:
            text = baking.unbake(raw)
        except baking.BakingError as exc:
            raise _Unreadable(f"the {what} {path}: {exc}") from None
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Unreadable(f"cannot read the {what} {path}: {exc}") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        if jwt and text.strip().count(".") == 2:
            return text.strip()  # a VC-JWT
        raise _Unreadable(f"the {what} {path} is not JSON") from None


def _did_document_path(credential: Path, given: Path | None) -> Path | None:
    if given is not None:
        return given
    for candidate in (credential.with_suffix(".did.json"), credential.parent / "did.json"):
        if candidate.exists():
            return candidate
    return None


def verify(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="expo credential verify",
        description="Check a credential offline against its issuer's DID document.",
    )
    parser.add_argument(
        "file", type=Path, help="the credential: JSON, a VC-JWT, or a baked PNG badge"
    )
    parser.add_argument(
        "--did-document",
        type=Path,
        help="the issuer's /.well-known/did.json, saved (default: FILE.did.json or did.json "
        "next to FILE)",
    )
    parser.add_argument(
        "--status-list",
        type=Path,
        help="the issuer's status list credential, saved: checks revocation",
    )
    args = parser.parse_args(argv)
    did_path = _did_document_path(args.file, args.did_document)
    try:
        credential = _read(args.file, "credential", jwt=True)
        if did_path is None:
            print(
                "unknown_key: no DID document (give --did-document, or save did.json next to "
                "the credential)"
            )
            return 1
        did_document = _read(did_path, "DID document")
        listed = None if args.status_list is None else _read(args.status_list, "status list")
    except _Unreadable as exc:
        print(f"malformed: {exc}")
        return 1
    outcome = check(credential, did_document, listed)
    if not outcome.verified:
        print(f"{outcome.reason}: {outcome.detail}")
        return 1
    if outcome.revocation_checked:
        print("verified")
    else:
        print("verified (revocation not checked: no --status-list)")
    return 0


def _secret_key() -> str | None:
    if os.environ.get("EXPO_SECRET_KEY"):
        return os.environ["EXPO_SECRET_KEY"]
    if DEMO_SECRET_FILE.exists():
        return DEMO_SECRET_FILE.read_text().strip() or None
    return None


async def _rotate(url: str, secret_key: str, force: bool) -> int:
    from certificates import store
    from certificates.keys import KeyLocked
    from expo.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as db:
            if not force and await store.keys(db):
                try:
                    await store.active_key(db, secret_key)
                except KeyLocked:
                    print(
                        "expo: certificates.key_locked: the active key does not open with this "
                        "EXPO_SECRET_KEY (the servers' must be the same); --force to rotate "
                        "anyway",
                        file=sys.stderr,
                    )
                    return 1
            row = await store.rotate(db, secret_key)
            await db.commit()
    finally:
        await engine.dispose()
    print(row.public_multibase)
    return 0


def rotate_key(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="expo credential rotate-key",
        description="Make a new signing key; the old one stays published for verification.",
    )
    parser.add_argument("--force", action="store_true", help="even if the active key does not open")
    args = parser.parse_args(argv)
    secret_key = _secret_key()
    if secret_key is None:
        print("expo: EXPO_SECRET_KEY is not set (the servers' own)", file=sys.stderr)
        return 1
    from expo.settings import DEFAULT_DATABASE_URL

    url = os.environ.get("EXPO_DATABASE_URL") or DEFAULT_DATABASE_URL
    return asyncio.run(_rotate(url, secret_key, args.force))


SUBCOMMANDS = {"verify": verify, "rotate-key": rotate_key}


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="expo credential", description=__doc__.splitlines()[0])
    parser.add_argument("subcommand", choices=sorted(SUBCOMMANDS))
    parser.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    return SUBCOMMANDS[args.subcommand](args.args)
