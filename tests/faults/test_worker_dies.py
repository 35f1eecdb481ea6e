"""Scenario 1 of the fault suite, small (tests/faultlab/worker_dies.py; full size:
`python bench/faults.py worker-dies`): one of two processes is killed under a chatting crowd."""

from __future__ import annotations

import argparse

from tests.faultlab import worker_dies


async def test_a_killed_process_loses_no_acknowledged_message_and_its_clients_resume():
    parser = argparse.ArgumentParser()
    worker_dies.add_arguments(parser)
    options = parser.parse_args(
        [
            "--clients=40",
            "--rooms=4",
            "--rate=8",
            "--queuers=6",
            "--meetings=3",
            "--meeting-rate=3",
            "--twice=3",
            "--away=2",
            "--replay-seconds=1.5",
            "--before=1.5",
            "--after=4",
            "--settle=15",
            "--at-once=40",
        ]
    )
    outcome = await worker_dies.run(options, lambda line: None)
    assert outcome.failed_checks == [], outcome.table()
