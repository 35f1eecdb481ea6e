"""Business matchmaking (商务撮合): profiles, recommendations, 1:1 meetings and their rooms,
the optimal scheduler and the organisers' dashboard, each in its own module.

A feature like `forums/` and the hall, found by entry point: the core never imports it. It uses
the hall through `expo.hall.public` only. Every module hands over what it has (`commands`,
`routes`, `permissions`, and optionally `topics`, `tasks`); this one puts them together.
"""

from pathlib import Path
from types import ModuleType
from typing import Any

from expo.features import Feature, listed_parts, merged_parts
from matchmaking import (
    block_routes,
    cli,
    coffee,
    coffee_room,
    dashboard,
    meeting_reminders,
    meetings,
    profiles,
    queue_room,
    queue_sweeper,
    queue_topics,
    queues,
    recommend_routes,
    room,
    scheduler,
    seed,
    slots,
    topics,
)

PARTS: list[ModuleType] = [topics]
# --- profiles ---
PARTS += [profiles, block_routes, slots, dashboard]
# --- recommend ---
PARTS += [recommend_routes]
# --- meetings ---
PARTS += [meetings, meeting_reminders]
# --- room ---
PARTS += [room]
# --- scheduler ---
PARTS += [scheduler]
# --- queues ---
PARTS += [queue_topics, queues, queue_room, queue_sweeper]
# --- random coffees ---
PARTS += [coffee, coffee_room]


def _merged(part: str) -> dict[str, Any]:
    return merged_parts("matchmaking", PARTS, part)


feature = Feature(
    name="matchmaking",
    routes=listed_parts(PARTS, "routes"),
    commands=_merged("commands"),
    topics=_merged("topics"),
    models="matchmaking.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    seed=seed.seed,
    permissions=_merged("permissions"),
    summaries=_merged("summaries"),
    tasks=listed_parts(PARTS, "tasks"),
    # A queue ticket's audience, over all processes: a ticket nobody follows is dropped after
    # the grace period (matchmaking/queue_sweeper.py).
    presence=frozenset({queue_topics.TICKET}),
    cli={"match": ("business matchmaking: recommend, solve", cli.main)},
)
