"""Slow consumers (issue 14, scenario 5), small: the same run as `bench/faults.py
slow-consumers`, with a send budget small enough that the slow clients are cut in seconds.

Every check must hold at this size too: each slow client is cut with a documented code and
catches up by seq when it comes back; no well-behaved client is cut or misses a message.
"""

from __future__ import annotations

import argparse

from tests.faultlab import slow_consumers


async def test_slow_consumers_small_keeps_every_promise():
    parser = argparse.ArgumentParser()
    slow_consumers.add_arguments(parser)
    options = parser.parse_args(
        [
            "--clients=60",
            "--slow=5",
            "--rate=10",
            "--send-buffer=32768",
            "--baseline-seconds=2",
            "--slow-seconds=40",
            "--away-seconds=3",  # 30 messages of 1.3 KB: more than a replay may carry here
        ]
    )
    outcome = await slow_consumers.run(options, lambda line: None)
    assert outcome.failed_checks == [], outcome.table()
    # Those away longer than the budget's replay were told to reload, not cut again by it.
    assert outcome.figures["caught_up_late"] == ["reload"], outcome.figures
