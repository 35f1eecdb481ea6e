"""Alembic, configured in code so `expo db upgrade` works from an installed package.

The core's revisions live in expo/migrations/versions; each feature's in its own folder, as a
branch that depends on the core's. `upgrade heads` brings them all up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config

from expo.features import Feature, load_features

HERE = Path(__file__).parent


def alembic_config(database_url: str, features: Sequence[Feature] | None = None) -> Config:
    features = load_features() if features is None else features
    config = Config()
    config.set_main_option("script_location", str(HERE / "migrations"))
    locations = [HERE / "migrations" / "versions"]
    locations += [f.migrations for f in features if f.migrations is not None]
    config.set_main_option("version_locations", " ".join(str(p) for p in locations))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["features"] = features
    return config


def upgrade(database_url: str, features: Sequence[Feature] | None = None) -> None:
    command.upgrade(alembic_config(database_url, features), "heads")


async def upgrade_async(database_url: str, features: Sequence[Feature] | None = None) -> None:
    """Alembic's env runs its own event loop: keep it off the caller's."""
    await asyncio.to_thread(upgrade, database_url, features)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate's filter: leave alone the tables a feature makes by hand in its migration
    (named in `SQLModel.metadata.info["unmodelled"]`: a search index of each database's own
    kind, and an SQLite FTS5 table's shadow tables `<name>_data`, `<name>_idx`...)."""
    from sqlmodel import SQLModel

    if type_ != "table" or name is None:
        return True
    unmodelled: set[str] = SQLModel.metadata.info.get("unmodelled", set())
    return not any(name == t or name.startswith(f"{t}_") for t in unmodelled)
