"""The expo hall: exhibitors' booths (content, staff on duty, booth chat, private chats, leads,
the live dashboard) and the 数博发布 releases, each in its own module.

A feature like `forums/`, found by entry point: the core modules of `expo/` never import it.
Every module hands over what it has (`commands`, `routes`, `permissions`, and optionally
`topics`, `summaries`, `tasks`); this one puts them together. Other features use the hall
through `expo.hall.public` only.
"""

from pathlib import Path
from types import ModuleType
from typing import Any

from expo.features import Feature
from expo.hall import (
    booth_chat,
    booth_edit,
    console,
    dashboard,
    duty,
    leads,
    live_counts,
    private_chat,
    releases,
    routes,
    seed,
    topics,
    uploads,
    visits,
)

PARTS: list[ModuleType] = [routes, topics, live_counts]
# --- chat ---
PARTS += [booth_chat, private_chat]
# --- leads ---
PARTS += [leads, visits, dashboard]
# --- edit: booth editing, uploads, duty ---
PARTS += [booth_edit, uploads, duty]
# --- releases and the organisers' hall console ---
PARTS += [releases, console]


def _merged(part: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for module in PARTS:
        for name, value in getattr(module, part, {}).items():
            assert name not in merged, f"hall: {part} {name!r} is declared twice"
            merged[name] = value
    return merged


feature = Feature(
    name="hall",
    routes=[r for m in PARTS for r in getattr(m, "routes", [])],
    commands=_merged("commands"),
    topics=_merged("topics"),
    models="expo.hall.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    seed=seed.seed,
    permissions=_merged("permissions"),
    summaries=_merged("summaries"),
    tasks=[t for m in PARTS for t in getattr(m, "tasks", [])],
    # A booth shows its audience ("visitors now") and its staff online, over all processes.
    presence=live_counts.presence,
    presence_roles=live_counts.presence_roles,
)
