"""Scenario 2 of the fault suite, small (tests/faultlab/redis_restart.py; full size:
`python bench/faults.py redis-restart`): Redis restarts mid-load with its data, then empty."""

from __future__ import annotations

import argparse

from tests.faultlab import redis_restart


async def test_redis_restarting_with_or_without_its_data_loses_nothing_silently():
    parser = argparse.ArgumentParser()
    redis_restart.add_arguments(parser)
    options = parser.parse_args(
        [
            "--clients=40",
            "--rooms=4",
            "--rate=8",
            "--queuers=6",
            "--down=1",
            "--before=1.5",
            "--after=3",
            "--settle=15",
            "--watch-every=1",
            "--probe-every=0.1",
            "--at-once=40",
        ]
    )
    outcome = await redis_restart.run(options, lambda line: None)
    assert outcome.failed_checks == [], outcome.table()
