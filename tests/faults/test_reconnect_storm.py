"""Scenario 7 of the fault suite, small (tests/faultlab/reconnect_storm.py; full size:
`python bench/faults.py reconnect-storm`): every client drops at once and comes back; a venue's
clients share one address, whose `connect` budget (made small here) sheds them with 429."""

from __future__ import annotations

import argparse

from tests.faultlab import reconnect_storm


async def test_a_reconnect_storm_is_answered_and_every_client_resumes():
    parser = argparse.ArgumentParser()
    reconnect_storm.add_arguments(parser)
    options = parser.parse_args(
        [
            "--clients=60",
            "--rooms=3",
            "--rate=6",
            "--signed-in=10",
            "--venue=25",
            "--connect-rate=10/1/5",
            "--before=1",
            "--within=30",
            "--settle=10",
            "--at-once=30",
        ]
    )
    outcome = await reconnect_storm.run(options, lambda line: None)
    assert outcome.failed_checks == [], outcome.table()
    # The venue's address was refused past its budget (as all 25 arrive at once; in the storm
    # too, unless their backoff, grown by those refusals, spread them): politeness exercised.
    refused = outcome.figures["arrival_refusals"].get("429", 0)
    assert refused + outcome.figures["handshake_refusals"].get("429", 0) > 0, outcome.figures
