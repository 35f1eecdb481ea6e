"""The platform asked meanwhile, as pages do, round after round on each process in turn: a
room's chat and the rooms (reads), a queue join and its leave by people of the prober's own
(writes), and a fresh websocket's subscribe (the room's guard reads the database). Every
answer is kept with when it came, its status and its code."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus, WebSocketException

from tests.faultlab.stage import Stage
from tests.queue_crowd import error_code


@dataclass(frozen=True, slots=True)
class Answer:
    kind: str  # "GET /api/forums/<id>/chat", "ws subscribe", ...
    sent: float  # monotonic
    took: float
    status: int  # HTTP's; 0 for a transport failure; the websocket's reply: 200 or its HTTP
    code: str | None


@dataclass
class Prober:
    stage: Stage
    room: int
    people: list[str]  # Cookie headers
    booth: int  # a booth of the prober's own: its joins never touch the crowd's line
    answers: list[Answer] = field(default_factory=list)

    async def run(self, every: float, stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            url = self.stage.ws_urls[n % len(self.stage.ws_urls)]
            person = self.people[n % len(self.people)]
            await self._ask(url, "GET", f"/api/forums/{self.room}/chat?limit=5", "")
            await self._ask(url, "GET", "/api/forums", "")
            joined = await self._ask(
                url, "POST", f"/api/match/queues/{self.booth}/tickets", person, {}
            )
            if joined is not None and "ticket" in joined:
                path = f"/api/match/queue-tickets/{joined['ticket']['id']}"
                await self._ask(url, "DELETE", path, person)
            await self._subscribe(url)
            n += 1
            try:
                async with asyncio.timeout(every):
                    await stop.wait()
            except TimeoutError:
                pass

    async def _ask(
        self, url: str, method: str, path: str, cookie: str, body: Any = None
    ) -> dict[str, Any] | None:
        kind = re.sub(r"/\d+", "/<id>", f"{method} {path.split('?')[0]}")
        began = time.monotonic()
        try:
            status, data = await self.stage.http[url].send(method, path, cookie, body)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as error:
            self._keep(kind, began, 0, type(error).__name__)
            return None
        self._keep(kind, began, status, error_code(data))
        return data if status < 300 else None

    async def _subscribe(self, url: str) -> None:
        began = time.monotonic()
        try:
            async with connect(url, open_timeout=10, close_timeout=1) as ws:
                command = {"type": "subscribe", "id": 1, "data": {"topic": f"forum:{self.room}"}}
                await ws.send(json.dumps(command))
                async with asyncio.timeout(15):
                    while True:
                        frame = json.loads(await ws.recv())
                        if frame.get("id") == 1:
                            break
        except InvalidStatus as refused:
            self._keep("ws handshake", began, refused.response.status_code, None)
            return
        except (OSError, TimeoutError, WebSocketException) as error:
            self._keep("ws subscribe", began, 0, type(error).__name__)
            return
        if frame["type"] == "ok":
            self._keep("ws subscribe", began, 200, None)
        else:
            self._keep("ws subscribe", began, 400, frame["error"]["code"])

    def _keep(self, kind: str, began: float, status: int, code: str | None) -> None:
        self.answers.append(Answer(kind, began, time.monotonic() - began, status, code))

    # --- what the scenarios read of it -----------------------------------------------------

    def tally(self, between: tuple[float, float] = (0.0, float("inf"))) -> dict[str, int]:
        """Answers sent in `between`, by kind, status and code."""
        counts: Counter[str] = Counter()
        for a in self.answers:
            if between[0] <= a.sent < between[1]:
                counts[f"{a.kind}: {a.status} {a.code or ''}".strip()] += 1
        return dict(counts)

    def server_errors(self) -> list[Answer]:
        """500s (and any 5xx but 503's refusals with a code), and transport failures."""
        return [
            a
            for a in self.answers
            if a.status == 0 or (a.status >= 500 and not (a.status == 503 and a.code))
        ]

    def slowest(self) -> dict[str, str]:
        """Each kind's slowest answer: its seconds, status and code."""
        worst: dict[str, Answer] = {}
        for a in self.answers:
            if a.kind not in worst or a.took > worst[a.kind].took:
                worst[a.kind] = a
        return {k: f"{a.took:.3f} s: {a.status} {a.code or ''}".strip() for k, a in worst.items()}

    def working_again(self, since: float) -> float | None:
        """Seconds from `since` until every kind answered well (2xx) again, from an attempt
        sent after `since`, or None."""
        kinds = {
            a.kind
            for a in self.answers
            if 200 <= a.status < 300 and not a.kind.startswith("DELETE")  # a leave needs a join
        }
        first: dict[str, float] = {}
        for a in self.answers:
            if a.sent >= since and 200 <= a.status < 300 and a.kind in kinds:
                first.setdefault(a.kind, a.sent + a.took)
        if set(first) != kinds:
            return None
        return max(first.values()) - since
