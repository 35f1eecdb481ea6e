"""The eight forum rooms and the main stage: programme, chat and their live topics."""

from pathlib import Path

from expo.features import Feature
from expo.permissions import ANYONE, SIGNED_IN
from forums import live, routes, seed

feature = Feature(
    name="forums",
    routes=routes.routes,
    commands=live.commands,
    topics=live.topics,
    models="forums.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    seed=seed.seed,
    permissions={"forum.read": ANYONE, "chat.send": SIGNED_IN},
    summaries=live.summaries,
)
