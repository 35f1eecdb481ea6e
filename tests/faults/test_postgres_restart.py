"""Scenario 3 of the fault suite, small (tests/faultlab/postgres_restart.py; full size:
`python bench/faults.py postgres-restart`): PostgreSQL (a cluster of the test's own) stops at
once mid-load and starts again."""

from __future__ import annotations

import argparse

from tests.faultlab import postgres_restart


async def test_postgresql_restarting_answers_database_unavailable_and_loses_nothing():
    parser = argparse.ArgumentParser()
    postgres_restart.add_arguments(parser)
    options = parser.parse_args(
        [
            "--clients=30",
            "--rooms=3",
            "--rate=6",
            "--down=2",
            "--before=1.5",
            "--after=3",
            "--settle=15",
            "--probe-every=0.1",
            "--at-once=30",
        ]
    )
    outcome = await postgres_restart.run(options, lambda line: None)
    assert outcome.failed_checks == [], outcome.table()
