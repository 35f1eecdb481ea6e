"""OutageLog: a failure that keeps happening is warned about once per interval, with a count."""

from __future__ import annotations

import logging

import pytest

from expo.logs import OutageLog


def test_an_outage_is_warned_about_once_per_interval_with_how_often_it_happened(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    now = [1000.0]
    monkeypatch.setattr("expo.logs.time.monotonic", lambda: now[0])
    outage = OutageLog(logging.getLogger("test.outage"), "thing unavailable", every=60)
    caplog.set_level(logging.WARNING, logger="test.outage")
    for _ in range(100):  # a storm: one warning
        outage.happened(ConnectionError("refused"))
    now[0] += 59
    outage.happened(ConnectionError("refused"))
    now[0] += 2  # a minute after the first warning: the next one counts what was kept quiet
    outage.happened(ConnectionError("refused"))
    warned = [(r.getMessage(), r.__dict__["times"], r.__dict__["error"]) for r in caplog.records]
    assert warned == [("thing unavailable", 1, "refused"), ("thing unavailable", 101, "refused")]
