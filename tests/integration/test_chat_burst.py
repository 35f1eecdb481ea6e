"""A burst of chat reaches every viewer of a room, in order, with gap-free seqs."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack

from tests.live import LiveServer, Peer

VIEWERS = 40
MESSAGES = 150
WINDOW = 16


async def test_a_burst_of_chat_reaches_every_viewer_in_order(server: LiveServer):
    cookie = await server.sign_in("attendee@demo.shubo.live")
    async with AsyncExitStack() as stack:
        viewers = [Peer(await stack.enter_async_context(server.connect())) for _ in range(VIEWERS)]
        for viewer in viewers:
            await viewer.command("subscribe", {"topic": "forum:6"})
        author_ws = await stack.enter_async_context(server.connect(cookie))
        # Sent back to back, WINDOW commands ahead of the replies (a connection may have
        # EXPO_MAX_PENDING_COMMANDS waiting; more are refused, which is tested elsewhere).
        replies = []
        for i in range(MESSAGES):
            data = {"forum": 6, "text": f"第 {i} 条"}
            await author_ws.send(json.dumps({"type": "chat.send", "id": f"m{i}", "data": data}))
            if i >= WINDOW:
                replies.append(json.loads(await author_ws.recv()))
        replies += [json.loads(await author_ws.recv()) for _ in range(MESSAGES - len(replies))]

        async def read(viewer: Peer) -> list[dict]:
            return [await viewer.event("chat.message_posted") for _ in range(MESSAGES)]

        received = await asyncio.gather(*(read(v) for v in viewers))
    assert [r["id"] for r in replies] == [f"m{i}" for i in range(MESSAGES)]
    seqs = [r["data"]["seq"] for r in replies]
    assert seqs == list(range(seqs[0], seqs[0] + MESSAGES))
    for events in received:
        assert [e["seq"] for e in events] == seqs
        assert [e["data"]["text"] for e in events] == [f"第 {i} 条" for i in range(MESSAGES)]
