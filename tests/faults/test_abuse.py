"""Abuse (issue 14, scenario 4), small: the same run as `bench/faults.py abuse`, in seconds.

Every check must hold at this size too: the server lives on, each malformed message and
handshake gets its documented answer, nothing aimed at other people's objects acts, and the
well-behaved clients get every message. Timings are the bench's (full size), never asserted here.
"""

from __future__ import annotations

import argparse

from tests.faultlab import abuse


async def test_abuse_small_keeps_every_promise():
    parser = argparse.ArgumentParser()
    abuse.add_arguments(parser)
    options = parser.parse_args(
        [
            "--messages=1200",
            "--connections=6",
            "--handshakes=200",
            "--fragments=20000",
            "--slowloris=3",
            "--slowloris-seconds=4",
            "--head-timeout=1",
            "--watchers=2",
            "--chat-rate=20",
            "--baseline-seconds=1",
            "--max-seconds=60",
            "--tarpit-seconds=0.1",  # held, as at the default (0.5), in a fifth of the time
        ]
    )
    outcome = await abuse.run(options, lambda line: None)
    assert outcome.failed_checks == [], outcome.table()
