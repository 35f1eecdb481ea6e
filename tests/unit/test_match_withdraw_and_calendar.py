"""Pure rules behind the review's fixes: who may withdraw (either of the two backs out of an
accepted request still waiting for a slot), what the cap counts (and says it counts), and the
calendar entries built from rows read once (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from expo.errors import Conflict
from expo.models import Account
from matchmaking.meeting_rules import check_request, may_withdraw
from matchmaking.meeting_views import People
from matchmaking.meetings_ical import calendar_domain, calendar_entries, calendar_language
from matchmaking.models import MatchSlot, Meeting

START = datetime(2030, 6, 1, 2, 0, tzinfo=UTC)


def test_the_recipient_backs_out_only_of_an_accepted_request_waiting_for_a_slot():
    assert may_withdraw("accepted", False, by_requester=False)
    assert not may_withdraw("pending", False, by_requester=False)  # they decline it
    assert not may_withdraw("accepted", True, by_requester=False)  # a meeting: cancel it
    assert may_withdraw("pending", False, by_requester=True)
    assert may_withdraw("accepted", False, by_requester=True)
    for status in ("declined", "cancelled"):
        assert not may_withdraw(status, False, by_requester=False)


def test_the_cap_says_it_counts_requests_waiting_for_an_answer_only():
    with pytest.raises(Conflict) as refused:
        check_request(
            1, 2, recipient_visible=True, blocked=False, open_between=False, pending_sent=3, cap=3
        )
    assert refused.value.code == "match.cap"
    message = str(refused.value.message)
    assert "waiting for an answer" in message and "accepted" in message and "3" in message


def test_calendar_entries_come_from_the_rows_read_once():
    people = People()
    people.accounts = {
        1: Account(id=1, email="a@x", display_name="我", organisation=""),
        2: Account(id=2, email="b@x", display_name="刘洋 Liu Yang", organisation="黔算云"),
    }
    people.exhibitors = {5: {"id": 5, "name_zh": "黔算云展位", "name_en": "Qiansuan booth"}}
    people.slots = {
        9: MatchSlot(id=9, starts_at=START, ends_at=START + timedelta(minutes=30)),
    }
    meetings = [
        Meeting(
            id=7,
            request_id=1,
            requester_id=2,
            recipient_id=1,
            slot_id=9,
            exhibitor_id=5,
            version=3,
            updated_at=START,
        ),
        Meeting(id=8, request_id=2, requester_id=1, recipient_id=2, slot_id=404),  # slot gone
    ]
    (zh,) = calendar_entries(meetings, people, 1, lang="zh", base="https://expo.example")
    assert (zh.meeting_id, zh.version, zh.starts_at) == (7, 3, START)
    assert (zh.with_name, zh.with_organisation, zh.host) == (
        "刘洋 Liu Yang",
        "黔算云",
        "黔算云展位",
    )
    assert zh.room_url == "https://expo.example/#/meeting/7"
    (en,) = calendar_entries(meetings, people, 1, lang="en", base="https://expo.example")
    assert en.host == "Qiansuan booth"
    assert calendar_language("zh-CN") == "zh" and calendar_language("en") == "en"
    assert calendar_domain("https://expo.example:8443/base") == "expo.example"
