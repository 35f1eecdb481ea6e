"""Where uploads' bytes are kept: one file per upload, named by its id (never by the name it
came with), in one folder.

The folder is the settings' `uploads_dir` (`EXPO_UPLOADS_DIR`); unset, an `uploads` folder
next to the SQLite file, or `uploads/<database name>` in the working directory when the
database is PostgreSQL. Several
server processes must share it (a network volume), as they share the database. The demo seed,
which has no settings, finds the same folder from its database URL and the environment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from expo.settings import Settings

ENV = "EXPO_UPLOADS_DIR"


def folder(database_url: str, configured: str | None) -> Path:
    if configured:
        return Path(configured)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            return Path(url.database).parent / "uploads"
        return Path("uploads")
    # One folder per database: two expos run from one directory never share upload ids.
    return Path("uploads") / (url.database or "expo")


def folder_of(settings: Settings) -> Path:
    return folder(settings.database_url, settings.uploads_dir)


def seed_folder(database_url: str) -> Path:
    """The folder as the server will find it, for the demo seed (which has no settings)."""
    return folder(database_url, os.environ.get(ENV) or None)


def path_of(root: Path, upload_id: int) -> Path:
    return root / str(int(upload_id))


def temporary(root: Path) -> Path:
    """A fresh name for a file being received (renamed to its id once stored)."""
    root.mkdir(parents=True, exist_ok=True)
    return root / f".incoming-{secrets.token_hex(8)}"


def put(root: Path, upload_id: int, source: Path | bytes) -> None:
    """The upload's bytes in place, atomically (a reader sees the whole file or none)."""
    root.mkdir(parents=True, exist_ok=True)
    final = path_of(root, upload_id)
    if isinstance(source, Path):
        os.replace(source, final)
        return
    staging = temporary(root)
    staging.write_bytes(source)
    os.replace(staging, final)


def remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
