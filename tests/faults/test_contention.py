"""Contention (issue 14, scenario 6), small: the same run as `bench/faults.py contention`, a
few dozen writers for seconds on SQLite and on PostgreSQL.

Every check must hold at this size too: no "database is locked" (or any driver text) reaches a
client, no 500 and no `internal`; `database.busy` is allowed (retried after its retry_after).
"""

from __future__ import annotations

import argparse

from tests.faultlab import contention


async def test_contention_small_keeps_every_promise():
    parser = argparse.ArgumentParser()
    contention.add_arguments(parser)
    options = parser.parse_args(["--writers=16", "--seconds=1.5"])
    outcome = await contention.run(options, lambda line: None)
    assert outcome.failed_checks == [], outcome.table()
