"""Features are plugins, found the way pretix and pretalx find theirs: by entry point.

A package declares `[project.entry-points."expo.features"] name = "package:feature"` and hands
over a `Feature`: its HTTP routes, websocket commands, topic kinds, tables, migrations and demo
seed. The core imports no feature; `create_app` loads whatever is installed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import BaseRoute

from expo.permissions import Rule

if TYPE_CHECKING:
    from expo.services import Services
from expo.realtime.gateway import CommandSpec, TopicGuard

GROUP = "expo.features"


@dataclass(frozen=True)
class Feature:
    name: str
    routes: Sequence[BaseRoute] = ()
    commands: Mapping[str, CommandSpec] = field(default_factory=dict)
    # Topic kind ("forum") -> guard deciding who may subscribe to `forum:<key>`.
    topics: Mapping[str, TopicGuard] = field(default_factory=dict)
    # The module holding the feature's tables, imported so migrations see them.
    models: str | None = None
    # Folder of the feature's Alembic revisions (a branch labelled with the feature's name).
    migrations: Path | None = None
    seed: Callable[[AsyncSession], Awaitable[None]] | None = None
    # Summary topic kinds ("lobby") -> the topics a key stands for (see Hub.add_summary).
    summaries: Mapping[str, Callable[[Services, str], Awaitable[list[str]]]] = field(
        default_factory=dict
    )
    # Topic kinds ("forum") whose audience is counted over all processes and shown
    # (`presence.changed`, summaries). No other kind is counted: an `account:<id>` topic, one
    # per signed-in page, would cost Redis work per user for a figure nobody sees.
    presence: frozenset[str] = frozenset()
    # Kinds of `presence` whose audience counts only the people of these roles, one per
    # account (a booth's "staff online": its staff, not the organisers looking on, nor tabs).
    presence_roles: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Topic kinds ("forum") -> roles whose members present are listed on `presence.roster`.
    rosters: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # The feature's actions in the one permission table (expo/permissions.py).
    permissions: Mapping[str, Rule] = field(default_factory=dict)
    # Run once per server process at start, before the first request and the tasks: what the
    # feature hands other features through `services` (a reader they call), settings checked.
    startup: Sequence[Callable[[Services], Awaitable[None]]] = ()
    # Background jobs, one task each per server process, from start-up to shutdown (reminders,
    # aggregation). They must tolerate running in several processes at once.
    tasks: Sequence[Callable[[Services], Awaitable[None]]] = ()
    # Subcommands of the `expo` command line (`expo match ...`): name -> (one line of help, a
    # main taking the rest of the arguments and returning the exit status).
    cli: Mapping[str, tuple[str, Callable[[Sequence[str]], int]]] = field(default_factory=dict)


def merged_parts(feature: str, parts: Sequence[ModuleType], part: str) -> dict[str, Any]:
    """One mapping of what a feature's modules declare under `part` (`commands`, `topics`,
    `permissions`, `summaries`): a feature is put together from small modules, each handing
    over its own, and a name declared twice is a mistake found at import."""
    merged: dict[str, Any] = {}
    for module in parts:
        for name, value in getattr(module, part, {}).items():
            assert name not in merged, f"{feature}: {part} {name!r} is declared twice"
            merged[name] = value
    return merged


def listed_parts(parts: Sequence[ModuleType], part: str) -> list[Any]:
    """Everything a feature's modules list under `part` (`routes`, `tasks`), in module order."""
    return [item for module in parts for item in getattr(module, part, [])]


def load_features() -> list[Feature]:
    features = []
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        feature = entry.load()
        assert isinstance(feature, Feature), f"{entry.value} is not an expo Feature"
        features.append(feature)
    return features


def import_models(features: Sequence[Feature]) -> None:
    import_module("expo.models")
    for feature in features:
        if feature.models:
            import_module(feature.models)
