"""The eight forum rooms and the main stage: programme, chat, Q&A, polls, reactions, moderation,
personal agendas and schedule interchange, each in its own module.

Every module hands over what it has (`commands`, `routes`, `permissions`, and optionally
`topics`, `summaries`, `tasks`); this one puts them together into the feature the app loads by
entry point.
"""

from pathlib import Path
from types import ModuleType
from typing import Any

from expo.features import Feature
from expo.models import Role
from expo.permissions import ANYONE, SIGNED_IN
from forums import (
    agenda,
    attendance,
    import_preview,
    interchange,
    live,
    moderation,
    moderation_log,
    my_sessions,
    polls,
    programme,
    qa,
    reactions,
    room_edit,
    routes,
    seed,
)

PARTS: list[ModuleType] = [
    live,
    qa,
    polls,
    reactions,
    moderation,
    programme,
    agenda,
    attendance,
    interchange,
    my_sessions,
    moderation_log,
    room_edit,
    import_preview,
]


def _merged(part: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for module in PARTS:
        for name, value in getattr(module, part, {}).items():
            assert name not in merged, f"forums: {part} {name!r} is declared twice"
            merged[name] = value
    return merged


feature = Feature(
    name="forums",
    routes=[*routes.routes, *(r for m in PARTS for r in getattr(m, "routes", []))],
    commands=_merged("commands"),
    topics=_merged("topics"),
    models="forums.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    seed=seed.seed,
    permissions={"forum.read": ANYONE, "chat.send": SIGNED_IN, **_merged("permissions")},
    summaries=_merged("summaries"),
    tasks=[t for m in PARTS for t in getattr(m, "tasks", [])],
    # A room (the stage is one) shows its audience (`presence.changed`, the lobby's summary)...
    presence=frozenset({"forum"}),
    # ...and lists the speakers and moderators present (`presence.roster`).
    rosters={"forum": frozenset({Role.SPEAKER, Role.MODERATOR})},
)
