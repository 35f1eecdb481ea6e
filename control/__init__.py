"""The organisers' control room (issue 13, docs/control.md): every stage, the hall and the
alerts on one page (`#/control`), live over the websocket.

Every process reports its heartbeat and counters each second; the one holding the lease sums
them with the database's figures, nginx's statistics and the audiences, and sends
`control.figures` on `control:all` (organisers only) at most once a second.
"""

from __future__ import annotations

from control import routes, runner
from expo.features import Feature

feature = Feature(
    name="control",
    routes=routes.routes,
    topics=routes.topics,
    permissions=routes.permissions,
    tasks=[runner.report, runner.aggregate],
)
