"""The browser's realtime client (frontend/js/realtime.js) asked to wait: a subscribe refused
with `rate_limited` is asked again after the `retry_after` the server gave (in a reconnect storm
every tab is refused at once, and retrying on a fixed clock only spends the budget again), and
the topic is followed once the budget allows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from expo.ratelimit import DEFAULT_RATES, Rate
from tests.browser.web import Pages
from tests.live import LiveServer, live_server, make_settings

REFILL = 6.0  # seconds: one subscribe at once, then one per REFILL (per anonymous connection)


@pytest.fixture(scope="module")
async def server(demo_sqlite: str) -> AsyncIterator[LiveServer]:
    limits = {name: Rate(100_000, 1) for name in DEFAULT_RATES} | {"subscribe": Rate(1, REFILL)}
    async with live_server(make_settings(demo_sqlite, rate_limits=limits)) as live:
        yield live


async def test_a_rate_limited_subscribe_waits_the_retry_after_it_was_given(pages: Pages) -> None:
    page = await pages.new(locale="en-GB")
    asked: list[dict[str, Any]] = []

    def on_socket(ws: Any) -> None:
        def sent(payload: str | bytes) -> None:
            frame = json.loads(payload)
            if frame.get("type") == "subscribe" and frame["data"]["topic"] == "forum:2":
                asked.append(frame)

        ws.on("framesent", sent)

    page.on("websocket", on_socket)
    await page.goto("/api/forums")  # a page of the origin with no client of its own
    result = await page.evaluate(
        """async () => {
          const { Realtime } = await import('/js/realtime.js');
          const rt = new Realtime();
          rt.start();
          await rt.waitOpen(10_000);
          const errors = [];
          const followed = (topic) => new Promise((resolve) => {
            rt.subscribe(topic, {
              onFollowing: () => resolve(Date.now()),
              onError: (error) => errors.push(error.code),
            });
          });
          const first = followed('forum:1');
          await first;
          const began = Date.now();
          const second = await Promise.race([
            followed('forum:2'),
            new Promise((resolve) => setTimeout(() => resolve(null), 20_000)),
          ]);
          return { errors, waited: second === null ? null : (second - began) / 1000 };
        }"""
    )
    assert result["errors"] == [], result  # rate_limited is no reason to give the topic up
    assert result["waited"] is not None, "forum:2 was never followed"
    # Asked once and refused (retry_after ~6 s), then once more when told: followed. A fixed
    # 3 s retry asked three times (refused at 3 s, told to wait 3 s more).
    assert len(asked) == 2, asked
