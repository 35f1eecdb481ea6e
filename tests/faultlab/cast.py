"""Who plays in a scenario on the stage: a signed-in sender in each room, people waiting in a
booth's queue (each following their ticket and a room), and an audience, spread round robin over
the processes so that every room has clients on each of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.faultlab.client import Client
from tests.faultlab.crowd import Chat, Crowd, make_clients
from tests.faultlab.stage import Stage


@dataclass
class Cast:
    crowd: Crowd
    chat: Chat  # the senders, one per room
    queuers: list[Client]
    audience: list[Client]
    tickets: list[int]  # the queuers' tickets, in the order they joined


async def cast(
    stage: Stage,
    rooms: list[int],
    clients: int,
    *,
    booth: int | None = None,
    queuers: int = 0,
    signed_in: int = 0,
    watch_every: int = 0,
) -> Cast:
    """`clients` in all: a sender per room, `queuers` in `booth`'s queue, the rest audience
    (the first `signed_in` of them signed in, the others anonymous)."""
    urls = stage.ws_urls
    senders = await stage.people(len(rooms))
    waiting = await stage.people(queuers)
    tickets = []
    for i, (_, cookie) in enumerate(waiting):
        assert booth is not None
        tickets.append(await stage.join_queue(booth, cookie, urls[i % len(urls)]))
    people = [c for _, c in await stage.people(signed_in)]
    crowd = Crowd()
    talkers = make_clients(
        crowd,
        len(rooms),
        urls,
        stage.http,
        lambda i: [f"forum:{rooms[i]}"],
        prefix="sender",
        cookies=[c for _, c in senders],
    )
    in_line = make_clients(
        crowd,
        len(waiting),
        urls,
        stage.http,
        lambda i: [f"forum:{rooms[(i // 2) % len(rooms)]}", f"queue-ticket:{tickets[i]}"],
        prefix="queuer",
        first=len(rooms),
        cookies=[c for _, c in waiting],
    )
    others = clients - len(rooms) - len(waiting)
    audience = make_clients(
        crowd,
        others,
        urls,
        stage.http,
        lambda i: [f"forum:{rooms[(i // 2) % len(rooms)]}"],
        prefix="audience",
        first=len(rooms) + len(waiting),
        cookies=(people + [""] * others)[:others] if people else None,
        watch_every=watch_every,
    )
    chat = Chat({rooms[i]: talkers[i] for i in range(len(rooms))})
    return Cast(crowd, chat, in_line, audience, tickets)
