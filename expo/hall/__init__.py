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

from expo.features import Feature, listed_parts, merged_parts
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
    return merged_parts("hall", PARTS, part)


feature = Feature(
    name="hall",
    routes=listed_parts(PARTS, "routes"),
    commands=_merged("commands"),
    topics=_merged("topics"),
    models="expo.hall.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    seed=seed.seed,
    permissions=_merged("permissions"),
    summaries=_merged("summaries"),
    tasks=listed_parts(PARTS, "tasks"),
    # A booth shows its audience ("visitors now") and its staff online, over all processes.
    presence=live_counts.presence,
    presence_roles=live_counts.presence_roles,
)
