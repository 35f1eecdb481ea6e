"""Who plays in a scenario on the stage: a signed-in sender in each room, people waiting in a
booth's queue (each following their ticket and a room), pairs in their meeting rooms (each
following the meeting and a room), and an audience, spread round robin over the processes so
that every room has clients on each of them.
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
    parties: list[Client]  # both people of each meeting, the pairs side by side
    talk: Chat  # in the meeting rooms: one of each pair talks (kind "meeting")


async def cast(
    stage: Stage,
    rooms: list[int],
    clients: int,
    *,
    booth: int | None = None,
    queuers: int = 0,
    meetings: int = 0,
    signed_in: int = 0,
    watch_every: int = 0,
) -> Cast:
    """`clients` in all: a sender per room, `queuers` in `booth`'s queue, the two people of
    each of `meetings` meetings, the rest audience (the first `signed_in` of them signed in,
    the others anonymous)."""
    urls = stage.ws_urls
    senders = await stage.people(len(rooms))
    waiting = await stage.people(queuers)
    tickets = []
    for i, (_, cookie) in enumerate(waiting):
        assert booth is not None
        tickets.append(await stage.join_queue(booth, cookie, urls[i % len(urls)]))
    pairs = await stage.people(2 * meetings)
    rooms_of_meetings = [
        await stage.meeting(pairs[2 * m][0], pairs[2 * m + 1][0]) for m in range(meetings)
    ]
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
    parties = make_clients(
        crowd,
        len(pairs),
        urls,
        stage.http,
        lambda i: [f"forum:{rooms[(i // 2) % len(rooms)]}", f"meeting:{rooms_of_meetings[i // 2]}"],
        prefix="party",
        first=len(rooms) + len(waiting),
        cookies=[c for _, c in pairs],
    )
    others = clients - len(rooms) - len(waiting) - len(pairs)
    audience = make_clients(
        crowd,
        others,
        urls,
        stage.http,
        lambda i: [f"forum:{rooms[(i // 2) % len(rooms)]}"],
        prefix="audience",
        first=len(rooms) + len(waiting) + len(pairs),
        cookies=(people + [""] * others)[:others] if people else None,
        watch_every=watch_every,
    )
    chat = Chat({rooms[i]: talkers[i] for i in range(len(rooms))})
    talk = Chat({m: parties[2 * i] for i, m in enumerate(rooms_of_meetings)}, kind="meeting")
    return Cast(crowd, chat, in_line, audience, tickets, parties, talk)
