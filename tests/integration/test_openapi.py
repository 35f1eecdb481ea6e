"""The OpenAPI document at /openapi.json: valid, complete, and true of the server.

The server runs in-process: schemathesis's ASGI client runs the app's lifespan (so handlers find
their services) on a thread of its own, and is shut down with the module.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta  # --- profiles ---
from pathlib import Path
from typing import Any

import hypothesis
import jsonschema_rs
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select  # --- room ---
from starlette.applications import Starlette

from expo.account_links import new_link
from expo.app import create_app
from expo.db import make_engine, make_sessionmaker
from expo.hall.console import fingerprint_of as exhibitors_fingerprint
from expo.hall.demo_content import minimal_pdf
from expo.hall.exhibitor_rules import check_rows, read_rows
from expo.hall.models import Conversation
from expo.http import ActionRoute
from expo.models import Account, LinkPurpose, utcnow
from forums.import_preview import Outcome, fingerprint_of
from matchmaking.models import Coffee, CoffeeStatus
from streams.keys import hook_secret  # --- streams ---
from tests.live import LiveServer, Peer, make_settings
from tests.meeting_rows import insert_meeting  # --- room ---

# Routes whose modules do not describe their answers yet: they are in the document (with their
# parameters and refusals) but not fuzzed. Describe them with `route(..., responses=...)` and
# take them off this list; test_every_route_describes_its_success_or_is_listed says when.
UNDESCRIBED: set[tuple[str, str]] = {
    # --- streams: nginx's on_publish allows with a 302 (a relay), by design never a 2xx; its
    # refusals are tested end to end (tests/integration/test_stream_ingest.py) ---
    ("POST", "/api/streams/hooks/publish"),
}
# --- streams: the app's secret key, so the fuzzer can send nginx's hook secret ---
FUZZ_SECRET_KEY = "openapi-fuzz-secret-key"
HOOK_FORM = {"app": "live", "name": "no-such-key", "addr": "127.0.0.1", "clientid": "1"}
# Operations only organisers may call: fuzzed signed in as the demo organiser.
ORGANISER_ONLY = {
    ("POST", "/api/credentials/{credential_id}/revoke"),  # --- certificates ---
    # --- streams: the rooms' stream keys ---
    ("GET", "/api/streams"),
    ("POST", "/api/streams/{forum_id}/keys/rotate"),
    ("POST", "/api/replays/{replay_id}/hidden"),  # --- replays ---
    ("GET", "/metrics"),  # or the metrics token, or a caller on the host itself
    ("GET", "/api/control/figures"),  # --- control room ---
    # --- chat: a booth's inbox and its conversations (the booth's staff, organisers) ---
    ("GET", "/api/exhibitors/{exhibitor_id}/conversations"),
    ("GET", "/api/exhibitors/{exhibitor_id}/conversations/{conversation_id}/messages"),
    ("POST", "/api/announcements"),
    ("POST", "/api/announcements/{announcement_id}/withdraw"),
    ("POST", "/api/tokens"),
    ("GET", "/api/tokens"),
    ("DELETE", "/api/tokens/{token_id}"),
    ("POST", "/api/invitations"),
    ("GET", "/api/invitations"),
    ("POST", "/api/invitations/bulk"),
    ("POST", "/api/invitations/{invitation_id}/resend"),
    ("DELETE", "/api/invitations/{invitation_id}"),
    ("GET", "/api/accounts"),
    ("PATCH", "/api/accounts/{account_id}"),
    ("POST", "/api/accounts/{account_id}/reset-link"),
    ("POST", "/api/forums/{forum_id}/sessions"),
    ("PATCH", "/api/sessions/{session_id}"),
    ("DELETE", "/api/sessions/{session_id}"),
    ("GET", "/api/programme/people"),
    ("POST", "/api/programme/import"),
    ("GET", "/api/moderation/log"),
    ("POST", "/api/service-accounts"),
    ("GET", "/api/service-accounts"),
    ("PATCH", "/api/forums/{forum_id}"),
    ("POST", "/api/forums/{forum_id}/move"),
    ("POST", "/api/programme/import/preview"),
    ("POST", "/api/programme/import/confirm"),
    # The hall's staff routes (leads part): organisers may act on every booth.
    ("GET", "/api/exhibitors/{exhibitor_id}/leads"),
    ("PATCH", "/api/exhibitors/{exhibitor_id}/leads/{lead_id}"),
    ("GET", "/api/exhibitors/{exhibitor_id}/leads.csv"),
    ("GET", "/api/exhibitors/{exhibitor_id}/dashboard"),
    # --- edit: a booth's own staff or organisers (fuzzed as the organiser) ---
    ("GET", "/api/exhibitors/{exhibitor_id}/booth/editor"),
    ("PATCH", "/api/exhibitors/{exhibitor_id}/booth"),
    ("POST", "/api/exhibitors/{exhibitor_id}/products"),
    ("POST", "/api/exhibitors/{exhibitor_id}/products/order"),
    ("PATCH", "/api/exhibitors/{exhibitor_id}/products/{product_id}"),
    ("DELETE", "/api/exhibitors/{exhibitor_id}/products/{product_id}"),
    ("GET", "/api/exhibitors/{exhibitor_id}/uploads"),
    ("POST", "/api/exhibitors/{exhibitor_id}/uploads"),
    ("POST", "/api/exhibitors/{exhibitor_id}/uploads/order"),
    ("PATCH", "/api/exhibitors/{exhibitor_id}/uploads/{upload_id}"),
    ("DELETE", "/api/exhibitors/{exhibitor_id}/uploads/{upload_id}"),
    ("PUT", "/api/exhibitors/{exhibitor_id}/duty"),
    ("PUT", "/api/exhibitors/{exhibitor_id}/roster"),
    # --- end edit ---
    # --- scheduler: organisers run the optimal scheduler ---
    ("POST", "/api/match/scheduler/runs"),
    ("GET", "/api/match/scheduler/runs/latest"),
    # --- releases: the console's hall pages; organisers act on every release and booth ---
    ("GET", "/api/hall/exhibitors"),
    ("POST", "/api/exhibitors"),
    ("POST", "/api/hall/exhibitors/import/preview"),
    ("POST", "/api/hall/exhibitors/import/confirm"),
    ("PATCH", "/api/hall/exhibitors/{exhibitor_id}"),
    ("GET", "/api/hall/report.csv"),
    ("GET", "/api/hall/releases"),
    ("GET", "/api/hall/settings"),
    ("PUT", "/api/hall/settings"),
    ("POST", "/api/releases"),
    ("PATCH", "/api/releases/{release_id}"),
    ("POST", "/api/releases/{release_id}/submit"),
    ("POST", "/api/releases/{release_id}/withdraw"),
    ("POST", "/api/releases/{release_id}/approve"),
    ("POST", "/api/releases/{release_id}/reject"),
    ("POST", "/api/releases/{release_id}/publish"),
    ("GET", "/api/exhibitors/{exhibitor_id}/releases"),
    ("POST", "/api/exhibitors/{exhibitor_id}/releases"),
    # --- profiles: matchmaking's organiser routes (and a booth's seats: its staff, organisers) ---
    ("GET", "/api/exhibitors/{exhibitor_id}/match-seats"),
    ("PUT", "/api/exhibitors/{exhibitor_id}/match-seats"),
    ("PUT", "/api/match/slots"),
    ("GET", "/api/match/settings"),
    ("PUT", "/api/match/settings"),
    ("GET", "/api/match/dashboard"),
    ("GET", "/api/match/meetings.csv"),
    ("GET", "/api/match/people/{account_id}/meetings.ics"),
    # --- end profiles ---
    # --- queues: every queue's length; a booth's line (its staff, organisers) ---
    ("GET", "/api/match/queues"),
    ("GET", "/api/match/queues/{exhibitor_id}/line"),
}
# --- queues: what only a booth's own staff do (the demo exhibitor serves booth 1) ---
BOOTH_STAFF_ONLY = {
    # --- host: the demo exhibitor's booth 1 ---
    ("GET", "/api/exhibitors/{exhibitor_id}/host"),
    ("PUT", "/api/exhibitors/{exhibitor_id}/host"),
    ("GET", "/api/exhibitors/{exhibitor_id}/host/answers"),
    ("POST", "/api/exhibitors/{exhibitor_id}/host/answers/{answer_id}/correction"),
    # --- end host ---
    ("PATCH", "/api/match/queues/{exhibitor_id}"),
    ("POST", "/api/match/queues/{exhibitor_id}/call"),
    ("POST", "/api/match/queue-tickets/{ticket_id}/served"),
    ("POST", "/api/match/queue-tickets/{ticket_id}/no-show"),
}
# Operations on one ticket: the attendee's fresh ticket at booth 1, called when they act on a call.
ON_A_TICKET = {
    ("GET", "/api/match/queue-tickets/{ticket_id}"): False,
    ("DELETE", "/api/match/queue-tickets/{ticket_id}"): False,
    ("GET", "/api/match/queue-tickets/{ticket_id}/room"): False,
    ("GET", "/api/match/queue-tickets/{ticket_id}/messages"): False,
    ("POST", "/api/match/queue-tickets/{ticket_id}/answer"): True,
    ("POST", "/api/match/queue-tickets/{ticket_id}/served"): True,
    ("POST", "/api/match/queue-tickets/{ticket_id}/no-show"): True,
}
# Operations that need a live invitation link to succeed (made fresh for each).
NEEDS_INVITATION = {("POST", "/api/invitations/open"), ("POST", "/api/invitations/accept")}
# Operations that change what signs an account in: fuzzed as a fresh account of their own (the
# demo accounts' passwords must keep working), those of a link with a fresh link for it.
OWN_ACCOUNT = {("POST", "/api/me/password"), ("POST", "/api/me/email")}
NEEDS_ACCOUNT_LINK = {
    ("POST", "/api/password/reset"): LinkPurpose.PASSWORD_RESET,
    ("POST", "/api/password/reset/open"): LinkPurpose.PASSWORD_RESET,
    ("POST", "/api/me/email/confirm"): LinkPurpose.EMAIL_CHANGE,
}
# --- releases: operations on one release, shown a fresh one in the state they act on ---
ON_A_RELEASE = {
    ("GET", "/api/releases/{release_id}"): "published",
    ("PATCH", "/api/releases/{release_id}"): "draft",
    ("POST", "/api/releases/{release_id}/submit"): "draft",
    ("POST", "/api/releases/{release_id}/publish"): "draft",
    ("POST", "/api/releases/{release_id}/withdraw"): "published",
    ("POST", "/api/releases/{release_id}/approve"): "pending",
    ("POST", "/api/releases/{release_id}/reject"): "pending",
}
RELEASE_BODIES = {
    "PATCH": {"title_en": "Fuzzed release"},
    "reject": {"reason": "请补充 Please add a summary"},
}
# Operations on one invitation: shown a fresh one (and whatever ids the fuzzer draws).
ON_AN_INVITATION = {
    ("POST", "/api/invitations/{invitation_id}/resend"),
    ("DELETE", "/api/invitations/{invitation_id}"),
}
# Changing an account (or making its reset link) is fuzzed on a fresh one: the demo accounts
# the other operations sign in as (ids 1 to 5) are never disabled or demoted, whichever ids the
# fuzzer draws.
ON_AN_ACCOUNT = {
    ("PATCH", "/api/accounts/{account_id}"): {"body": {"role": "speaker"}},
    ("POST", "/api/accounts/{account_id}/reset-link"): {},
    # --- profiles: the attendee blocks or hides a fresh account ---
    ("POST", "/api/match/blocks/{account_id}"): {},
    ("DELETE", "/api/match/blocks/{account_id}"): {},
    ("POST", "/api/match/hidden/{account_id}"): {},
    ("DELETE", "/api/match/hidden/{account_id}"): {},
    # --- end profiles ---
}
DEMO_ACCOUNTS = range(1, 6)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PASSWORD = "shubo-demo-2026"
REGISTRATION = {
    "email": "fuzz@example.org",
    "password": "correct horse battery",
    "display_name": "F",
}
# One new exhibitor, confirmed with the fingerprint its preview gives (its name not yet taken).
FUZZ_CSV = "模糊乙,Fuzz Beta,ai"


def import_fingerprint(csv_text: str) -> str:
    rows = check_rows(read_rows(csv_text), existing=())
    return exhibitors_fingerprint(csv_text, [r.as_dict() for r in rows])


EMPTY_SCHEDULE = {
    "schedule": {
        "version": "1",
        "conference": {
            "acronym": "shubo2026",
            "title": "数博会",
            "start": "2026-05-26",
            "end": "2026-05-26",
            "daysCount": 0,
            "timeslot_duration": "00:05",
            "days": [],
        },
    }
}
# Requests that succeed, sent signed in before the generated ones (which mostly do not).
EXAMPLES: dict[tuple[str, str], list[dict[str, Any]]] = {
    # --- host: booth 1's (the demo staff's; the demo switches its host on) ---
    ("GET", "/api/exhibitors/{exhibitor_id}/host/status"): [
        {"path_parameters": {"exhibitor_id": 1}}
    ],
    ("GET", "/api/exhibitors/{exhibitor_id}/host"): [{"path_parameters": {"exhibitor_id": 1}}],
    ("PUT", "/api/exhibitors/{exhibitor_id}/host"): [
        {"path_parameters": {"exhibitor_id": 1}, "body": {"enabled": True}}
    ],
    ("GET", "/api/exhibitors/{exhibitor_id}/host/answers"): [
        {"path_parameters": {"exhibitor_id": 1}}
    ],
    # --- end host ---
    # --- streams: nginx's callbacks, with the deployment's hook secret ---
    ("POST", "/api/streams/hooks/publish-done"): [
        {
            "query": {"secret": hook_secret(FUZZ_SECRET_KEY)},
            "body": {"call": "publish_done", **HOOK_FORM},
            "media_type": "application/x-www-form-urlencoded",
        }
    ],
    ("POST", "/api/streams/hooks/update"): [
        {
            "query": {"secret": hook_secret(FUZZ_SECRET_KEY)},
            "body": {"call": "update_play", **HOOK_FORM},
            "media_type": "application/x-www-form-urlencoded",
        }
    ],
    ("POST", "/api/streams/hooks/record-done"): [
        {
            "query": {"secret": hook_secret(FUZZ_SECRET_KEY)},
            "body": {
                "call": "record_done",
                **HOOK_FORM,
                "app": "hls",
                "name": "no-such-room",
                "path": "/srv/rtmp/recordings/no-such-room-1790000000.flv",
            },
            "media_type": "application/x-www-form-urlencoded",
        }
    ],
    ("POST", "/api/streams/{forum_id}/keys/rotate"): [
        {"path_parameters": {"forum_id": 2}, "body": {"which": "backup"}}
    ],
    # --- end streams ---
    # --- profiles: the attendee (account 1) sees their own public view, whoever blocked whom ---
    ("GET", "/api/match/profiles/{account_id}"): [{"path_parameters": {"account_id": 1}}],
    ("GET", "/api/match/people/{account_id}/meetings.ics"): [
        {"path_parameters": {"account_id": 1}}
    ],
    ("GET", "/api/exhibitors/{exhibitor_id}/match-seats"): [
        {"path_parameters": {"exhibitor_id": 1}}
    ],
    ("PUT", "/api/exhibitors/{exhibitor_id}/match-seats"): [
        {"path_parameters": {"exhibitor_id": 1}, "body": {"seats": 3}}
    ],
    # --- end profiles ---
    # --- queues: booth 1's (the demo staff's), the attendee joining booth 2's ---
    ("GET", "/api/match/queues/{exhibitor_id}"): [{"path_parameters": {"exhibitor_id": 1}}],
    ("PATCH", "/api/match/queues/{exhibitor_id}"): [
        {"path_parameters": {"exhibitor_id": 1}, "body": {"state": "open", "max_length": 300}}
    ],
    ("GET", "/api/match/queues/{exhibitor_id}/line"): [{"path_parameters": {"exhibitor_id": 1}}],
    ("POST", "/api/match/queues/{exhibitor_id}/call"): [{"path_parameters": {"exhibitor_id": 1}}],
    ("POST", "/api/match/queues/{exhibitor_id}/tickets"): [
        {"path_parameters": {"exhibitor_id": 2}, "body": {"share_card": True}}
    ],
    ("POST", "/api/session"): [
        {"body": {"email": "speaker@demo.shubo.live", "password": PASSWORD}}
    ],
    ("POST", "/api/accounts"): [{"body": REGISTRATION}, {"body": REGISTRATION}],  # 201, then 409
    ("PATCH", "/api/me"): [{"body": {"organisation": "贵阳大数据", "language": "en"}}],
    ("POST", "/api/announcements"): [{"body": {"text_zh": "午餐时间", "text_en": "Lunch"}}],
    ("POST", "/api/password/forgot"): [{"body": {"email": "attendee@demo.shubo.live"}}],
    ("POST", "/api/me/password"): [
        {"body": {"current_password": REGISTRATION["password"], "new_password": "fuzzy horse 2"}}
    ],
    ("POST", "/api/me/email"): [
        {"body": {"password": REGISTRATION["password"], "email": "fuzz-moved@example.org"}}
    ],
    ("POST", "/api/announcements/{announcement_id}/withdraw"): [
        {"path_parameters": {"announcement_id": 1}}
    ],
    ("GET", "/api/forums/{forum_id}"): [{"path_parameters": {"forum_id": 2}}],
    # --- hall search ---
    ("GET", "/api/exhibitors"): [{"query": {"q": "算力", "sort": "busy"}}],
    ("GET", "/api/exhibitors/{exhibitor_id}"): [{"path_parameters": {"exhibitor_id": 4}}],
    # The hall's leads part: a card left at booth 2 (then read, withdrawn), booth 1's leads.
    ("POST", "/api/exhibitors/{exhibitor_id}/card"): [
        {"path_parameters": {"exhibitor_id": 2}, "body": {"consent": True, "source": "chat"}}
    ],
    ("GET", "/api/exhibitors/{exhibitor_id}/card"): [{"path_parameters": {"exhibitor_id": 2}}],
    ("DELETE", "/api/exhibitors/{exhibitor_id}/card"): [{"path_parameters": {"exhibitor_id": 2}}],
    ("GET", "/api/exhibitors/{exhibitor_id}/leads"): [
        {"path_parameters": {"exhibitor_id": 1}, "query": {"source": "card", "q": "a"}}
    ],
    ("GET", "/api/exhibitors/{exhibitor_id}/leads.csv"): [{"path_parameters": {"exhibitor_id": 1}}],
    ("GET", "/api/exhibitors/{exhibitor_id}/dashboard"): [{"path_parameters": {"exhibitor_id": 1}}],
    ("PATCH", "/api/exhibitors/{exhibitor_id}/leads/{lead_id}"): [
        {"path_parameters": {"exhibitor_id": 1, "lead_id": 1}, "body": {"tags": ["fuzz"]}}
    ],
    ("GET", "/api/forums/{forum_id}/chat"): [
        {"path_parameters": {"forum_id": 2}, "query": {"limit": 200}}
    ],
    ("GET", "/api/forums/{forum_id}/questions"): [{"path_parameters": {"forum_id": 2}}],
    # --- chat: a booth's public chat, its inbox and one conversation ---
    ("GET", "/api/exhibitors/{exhibitor_id}/chat"): [
        {"path_parameters": {"exhibitor_id": 1}, "query": {"limit": 200}}
    ],
    ("GET", "/api/exhibitors/{exhibitor_id}/conversations"): [
        {"path_parameters": {"exhibitor_id": 1}}
    ],
    # (…/conversations/{conversation_id}/messages: conversation_example, a fresh one)
    ("GET", "/api/forums/{forum_id}/polls"): [{"path_parameters": {"forum_id": 2}}],
    ("POST", "/api/tokens"): [{"body": {"name": "大屏", "scope": "read"}}],
    ("POST", "/api/service-accounts"): [{"body": {"display_name": "数据大屏", "role": "attendee"}}],
    ("PATCH", "/api/forums/{forum_id}"): [
        {"path_parameters": {"forum_id": 8}, "body": {"title_en": "Fuzzed", "slow_mode_seconds": 5}}
    ],
    ("POST", "/api/forums/{forum_id}/move"): [
        {"path_parameters": {"forum_id": 8}, "body": {"direction": "down"}}
    ],
    ("DELETE", "/api/tokens/{token_id}"): [{"path_parameters": {"token_id": 1}}],
    ("POST", "/api/invitations"): [{"body": {"email": "guest@example.org", "role": "speaker"}}],
    ("POST", "/api/invitations/bulk"): [
        {"body": {"csv": "bulk-guest@example.org,speaker,", "confirm": True}}
    ],
    # The programme: a session in an empty hour of forum 9, then edited and taken off again.
    ("POST", "/api/forums/{forum_id}/sessions"): [
        {
            "path_parameters": {"forum_id": 9},
            "body": {
                "starts_at": "2031-05-26T09:00:00+08:00",
                "ends_at": "2031-05-26T10:00:00+08:00",
                "title": {"zh": "模糊测试", "en": "Fuzzing"},
            },
        }
    ],
    ("PATCH", "/api/sessions/{session_id}"): [
        {"path_parameters": {"session_id": 5}, "body": {"track": "fuzz"}}
    ],
    ("DELETE", "/api/sessions/{session_id}"): [{"path_parameters": {"session_id": 2}}],
    # A valid schedule with no sessions: imported, it changes nothing.
    ("POST", "/api/programme/import"): [{"body": EMPTY_SCHEDULE}],
    ("POST", "/api/programme/import/preview"): [{"body": EMPTY_SCHEDULE}],
    # --- releases ---
    ("POST", "/api/exhibitors"): [
        {"body": {"name_zh": "模糊展商", "name_en": "Fuzz Exhibitor", "industry": "ai"}}
    ],
    ("POST", "/api/hall/exhibitors/import/preview"): [{"body": {"csv": "甲,Alpha,ai"}}],
    ("POST", "/api/hall/exhibitors/import/confirm"): [
        {"body": {"csv": FUZZ_CSV, "fingerprint": import_fingerprint(FUZZ_CSV)}}
    ],
    ("PATCH", "/api/hall/exhibitors/{exhibitor_id}"): [
        {"path_parameters": {"exhibitor_id": 12}, "body": {"tier": "silver"}}
    ],
    ("POST", "/api/releases"): [{"body": {"title_zh": "组委会", "kind": "report"}}],
    ("GET", "/api/exhibitors/{exhibitor_id}/releases"): [{"path_parameters": {"exhibitor_id": 1}}],
    ("POST", "/api/exhibitors/{exhibitor_id}/releases"): [
        {"path_parameters": {"exhibitor_id": 1}, "body": {"title_zh": "新品"}}
    ],
    ("POST", "/api/programme/import/confirm"): [
        {
            "body": EMPTY_SCHEDULE,
            "query": {"fingerprint": fingerprint_of(EMPTY_SCHEDULE, False, Outcome())},
        }
    ],
    # --- edit: the demo booths (expo/hall/demo_content.py): exhibitor 1 has products 1-3 and
    # uploads 1-5 (logo, three pictures, a PDF), exhibitor 2 products 4-5 and uploads 6-9,
    # exhibitor 3 uploads 10-13; the demo exhibitor's account is 2. Booth 1 is at version 1.
    **{
        (method, f"/api/exhibitors/{{exhibitor_id}}{tail}"): [
            {"path_parameters": {"exhibitor_id": 1}}
        ]
        for method, tail in [("GET", "/booth"), ("GET", "/booth/editor"), ("GET", "/duty")]
        + [("GET", "/uploads")]
    },
    ("PATCH", "/api/exhibitors/{exhibitor_id}/booth"): [
        {"path_parameters": {"exhibitor_id": 1}, "body": {"version": 1, "description_en": "Fuzz"}}
    ],
    ("POST", "/api/exhibitors/{exhibitor_id}/products"): [
        {"path_parameters": {"exhibitor_id": 1}, "body": {"name_zh": "模糊", "name_en": "Fuzz"}}
    ],
    ("POST", "/api/exhibitors/{exhibitor_id}/products/order"): [
        {"path_parameters": {"exhibitor_id": 2}, "body": {"ids": [5, 4]}}
    ],
    ("PATCH", "/api/exhibitors/{exhibitor_id}/products/{product_id}"): [
        {"path_parameters": {"exhibitor_id": 2, "product_id": 4}, "body": {"name_en": "Fuzzed"}}
    ],
    ("DELETE", "/api/exhibitors/{exhibitor_id}/products/{product_id}"): [
        {"path_parameters": {"exhibitor_id": 2, "product_id": 5}}
    ],
    ("POST", "/api/exhibitors/{exhibitor_id}/uploads"): [
        {
            "path_parameters": {"exhibitor_id": 1},
            "query": {"filename": "fuzz.pdf"},
            "body": minimal_pdf(["Fuzz"]),
            "media_type": "application/octet-stream",
        }
    ],
    ("POST", "/api/exhibitors/{exhibitor_id}/uploads/order"): [
        {"path_parameters": {"exhibitor_id": 3}, "body": {"ids": [13, 12, 11, 10]}}
    ],
    ("PATCH", "/api/exhibitors/{exhibitor_id}/uploads/{upload_id}"): [
        {"path_parameters": {"exhibitor_id": 3, "upload_id": 13}, "body": {"title_en": "Sheet"}}
    ],
    ("DELETE", "/api/exhibitors/{exhibitor_id}/uploads/{upload_id}"): [
        {"path_parameters": {"exhibitor_id": 2, "upload_id": 8}}
    ],
    ("PUT", "/api/exhibitors/{exhibitor_id}/duty"): [
        {"path_parameters": {"exhibitor_id": 1}, "body": {"on": True, "account": 2}}
    ],
    ("PUT", "/api/exhibitors/{exhibitor_id}/roster"): [
        {"path_parameters": {"exhibitor_id": 1}, "body": {"shifts": []}}
    ],
    # Upload 1 may be gone: the fuzzer deletes the one its path examples name.
    ("GET", "/api/uploads/{upload_id}"): [{"path_parameters": {"upload_id": 6}}],
    # --- end edit ---
}


def invitation_example(client: asgi.ASGIClient, path: str) -> dict[str, Any]:
    """A request on a fresh invitation link, which succeeds (a new speaker for `accept`)."""
    organiser = sign_in(client, "organizer@demo.shubo.live")
    created = client.post(
        "/api/invitations",
        headers={"Cookie": organiser},
        json={"email": f"invitee-{secrets.token_hex(4)}@example.org", "role": "speaker"},
    )
    assert created.status_code == 201, created.text
    token = created.json()["link"].rsplit("/", 1)[1]
    if path.startswith("/api/invitations/{invitation_id}"):
        return {"path_parameters": {"invitation_id": created.json()["invitation"]["id"]}}
    body: dict[str, Any] = {"token": token}
    if path.endswith("/accept"):
        body |= {"display_name": "新嘉宾", "password": "correct horse battery"}
    return {"body": body}


def conversation_example(client: asgi.ASGIClient, database_url: str) -> dict[str, Any]:
    """--- chat: a fresh visitor's conversation with booth 1, which its staff may read ---"""
    visitor, _ = fresh_account(client)

    async def made() -> int:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as db:
                row = Conversation(exhibitor_id=1, visitor_id=visitor, visitor_name="fuzz")
                db.add(row)
                await db.commit()
                assert row.id is not None
                return row.id
        finally:
            await engine.dispose()

    return {"path_parameters": {"exhibitor_id": 1, "conversation_id": asyncio.run(made())}}


# --- replays: operations on a ready replay of the main stage, its MP4 in EXPO_REPLAY_DIR ---
ON_A_REPLAY = {
    ("GET", "/api/replays"),
    ("GET", "/api/replays/{replay_id}"),
    ("GET", "/api/replays/{replay_id}/media"),
    ("POST", "/api/replays/{replay_id}/hidden"),
}


def replay_example(database_url: str, replay_dir: Path, method: str, path: str) -> dict[str, Any]:
    """A fresh ready replay (shown), with a file to serve."""
    from streams.models import StreamReplay

    replay_dir.mkdir(parents=True, exist_ok=True)
    (replay_dir / "fuzz.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))

    async def made() -> int:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as db:
                start = datetime.now(UTC) - timedelta(hours=1)
                row = StreamReplay(
                    forum_id=1,
                    publisher="main",
                    started_at=start,
                    ended_at=start + timedelta(minutes=30),
                    duration=1800.0,
                    file="fuzz.mp4",
                    size=88,
                    state="ready",
                )
                db.add(row)
                await db.commit()
                assert row.id is not None
                return row.id
        finally:
            await engine.dispose()

    replay_id = asyncio.run(made())
    if path == "/api/replays":
        return {"query": {"forum": 1, "limit": 5}}
    example: dict[str, Any] = {"path_parameters": {"replay_id": replay_id}}
    return example | ({"body": {"hidden": True}} if method == "POST" else {})


# --- meetings: operations on a fresh request or meeting of the demo attendee (the fuzzer) ---
ON_A_MEETING = {
    ("POST", "/api/match/requests"),
    ("POST", "/api/match/requests/{request_id}/accept"),
    ("POST", "/api/match/requests/{request_id}/decline"),
    ("POST", "/api/match/requests/{request_id}/withdraw"),
    ("GET", "/api/match/meetings/{meeting_id}"),
    ("POST", "/api/match/meetings/{meeting_id}/cancel"),
    ("POST", "/api/match/meetings/{meeting_id}/reschedule"),
}


_MEETING_SLOTS = itertools.count()


def meeting_example(database_url: str, method: str, path: str) -> dict[str, Any]:
    """A fresh person (visible profile) and, as the operation needs, a request between them and
    the demo attendee (to them, or from them) or a meeting of the two in a fresh slot, with a
    second slot both are free in (to reschedule to)."""
    from sqlmodel import select

    from matchmaking.models import MatchAvailability, Meeting, MeetingPlace, MeetingRequest
    from tests.meetings_setup import new_people, new_slots

    async def made() -> dict[str, Any]:
        engine = make_engine(database_url)
        db = make_sessionmaker(engine)
        try:
            async with db() as session:
                found = await session.execute(
                    select(Account.id).where(Account.email == "attendee@demo.shubo.live")
                )
                me = int(found.scalar_one())
            later = 24 * 400 + 2 * next(_MEETING_SLOTS)  # never overlapping an earlier call's
            first, second = await new_slots(db, [later, later + 1])
            ((other, _),) = await new_people(db, 1, slots=[first, second])
            async with db() as session:
                session.add_all(
                    MatchAvailability(account_id=me, slot_id=s) for s in (first, second)
                )
                if path == "/api/match/requests":
                    await session.commit()
                    return {"body": {"recipient": other, "note": "fuzz"}}
                mine = path.endswith("/withdraw")
                request = MeetingRequest(
                    requester_id=me if mine else other,
                    recipient_id=other if mine else me,
                    status="pending" if "/requests/" in path else "accepted",
                )
                session.add(request)
                await session.flush()
                assert request.id is not None
                if "/requests/" in path:
                    await session.commit()
                    return {"path_parameters": {"request_id": request.id}}
                meeting = Meeting(
                    request_id=request.id,
                    requester_id=other,
                    recipient_id=me,
                    slot_id=first,
                )
                session.add(meeting)
                await session.flush()
                assert meeting.id is not None
                session.add_all(
                    MeetingPlace(account_id=a, slot_id=first, meeting_id=meeting.id)
                    for a in sorted((me, other))
                )
                await session.commit()
                body = {"slot": second} if path.endswith("/reschedule") else {}
                example: dict[str, Any] = {"path_parameters": {"meeting_id": meeting.id}}
                return example | ({"body": body} if method == "POST" else {})
        finally:
            await engine.dispose()

    return asyncio.run(made())


# --- end meetings ---
# --- host: an answer of booth 1's host to correct ---
def host_answer_example(database_url: str) -> dict[str, Any]:
    from host.models import HostAnswer

    async def made() -> int:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                row = HostAnswer(exhibitor_id=1, question="你们有什么产品？", language="zh")
                session.add(row)
                await session.commit()
                assert row.id is not None
                return row.id
        finally:
            await engine.dispose()

    answer_id = asyncio.run(made())
    return {
        "path_parameters": {"exhibitor_id": 1, "answer_id": answer_id},
        "body": {"answer": "我们的主要产品是算力调度平台。"},
    }


# --- certificates: a credential earned (three booths visited) by a fresh attendee ---
def credential_example(client: asgi.ASGIClient, database_url: str) -> tuple[str, str]:
    """(its id, its holder's Cookie header)."""
    from expo.hall.models import ActivityKind, BoothActivity

    account_id, cookie = fresh_account(client)

    async def visited() -> None:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                session.add_all(
                    BoothActivity(exhibitor_id=b, kind=ActivityKind.VISIT, account_id=account_id)
                    for b in (1, 2, 3)
                )
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(visited())
    issued = client.post("/api/me/credentials", headers={"Cookie": cookie})
    assert issued.status_code == 201, issued.text
    return issued.json()["credentials"][0]["id"], cookie


# --- profiles: replacing the slots keeps the stored ones (the demo's meetings hold some) ---
def slots_example(client: asgi.ASGIClient, organiser: str) -> dict[str, Any]:
    """The stored slots, as GET gives them, and one more after the last: a replacement that
    succeeds. Leaving out a slot that holds a meeting is refused (409 `match.slot_in_use`), and
    the demo seeds meetings, so what the fuzzer makes up alone never succeeds."""
    answer = client.get("/api/match/slots", headers={"Cookie": organiser})
    assert answer.status_code == 200, answer.text
    stored = answer.json()["slots"]
    last = max((datetime.fromisoformat(s["ends_at"]) for s in stored), default=None)
    starts = (last or datetime(2027, 5, 26, 1, tzinfo=UTC)) + timedelta(days=1)
    ends = starts + timedelta(minutes=30)
    added = {"starts_at": starts.isoformat(), "ends_at": ends.isoformat()}
    return {"body": {"slots": [*stored, added]}}


# --- end profiles ---
def with_the_demo_attendee(
    client: asgi.ASGIClient,
    database_url: str,
    make: Callable[[AsyncSession, int, int], Awaitable[int]],
) -> int:
    """`make(db, attendee, newcomer)`'s id: a row between the demo attendee (who the fuzz signs
    in as) and a fresh account."""
    other, _ = fresh_account(client)

    async def made() -> int:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as db:
                found = await db.execute(
                    select(Account.id).where(Account.email == "attendee@demo.shubo.live")
                )
                return await make(db, found.scalar_one(), other)
        finally:
            await engine.dispose()

    return asyncio.run(made())


def room_meeting_example(client: asgi.ASGIClient, database_url: str) -> dict[str, Any]:
    """--- room: a meeting of the demo attendee with a newcomer ---"""
    meeting = with_the_demo_attendee(client, database_url, insert_meeting)
    return {"path_parameters": {"meeting_id": meeting}}


async def insert_coffee(db: AsyncSession, me: int, other: int) -> int:
    now = utcnow()
    coffee = Coffee(
        low_id=min(me, other),
        high_id=max(me, other),
        status=CoffeeStatus.STARTED,
        low_accepted=True,
        high_accepted=True,
        accept_by=now,
        started_at=now,
        ends_at=now + timedelta(minutes=5),
    )
    db.add(coffee)
    await db.commit()
    assert coffee.id is not None
    return coffee.id


def coffee_example(client: asgi.ASGIClient, database_url: str) -> dict[str, Any]:
    """--- coffee: a coffee of the demo attendee with a newcomer, its room open for the next
    five minutes ---"""
    coffee = with_the_demo_attendee(client, database_url, insert_coffee)
    return {"path_parameters": {"coffee_id": coffee}}


def release_example(client: asgi.ASGIClient, method: str, path: str) -> dict[str, Any]:
    """A fresh release of exhibitor 1 in the state the operation acts on, which succeeds."""
    organiser = {"Cookie": sign_in(client, "organizer@demo.shubo.live")}
    staff = {"Cookie": sign_in(client, "exhibitor@demo.shubo.live")}
    state = ON_A_RELEASE[(method, path)]
    settings = {"require_release_approval": state == "pending"}
    assert client.put("/api/hall/settings", headers=organiser, json=settings).status_code == 200
    made = client.post(
        "/api/exhibitors/1/releases", headers=staff, json={"title_zh": "模糊", "title_en": "Fuzz"}
    )
    assert made.status_code == 201, made.text
    release_id = made.json()["release"]["id"]
    if state != "draft":
        moved = client.post(f"/api/releases/{release_id}/submit", headers=staff, json={})
        assert moved.json()["release"]["state"] == state, moved.text
    body = RELEASE_BODIES.get(method) or RELEASE_BODIES.get(path.rsplit("/", 1)[1]) or {}
    example: dict[str, Any] = {"path_parameters": {"release_id": release_id}}
    return example | ({"body": body} if method != "GET" else {})


def ticket_example(client: asgi.ASGIClient, attendee: str, called: bool) -> dict[str, Any]:
    """--- queues: a fresh ticket of the attendee at booth 1 (their earlier ones and the demo
    staff's earlier call ended first), called by the demo staff when `called`. ---"""
    staff = {"Cookie": sign_in(client, "exhibitor@demo.shubo.live")}
    mine = {"Cookie": attendee}
    client.patch("/api/match/queues/1", json={"state": "open"}, headers=staff)
    for call in client.get("/api/match/queues/1/line", headers=staff).json()["calls"]:
        client.post(f"/api/match/queue-tickets/{call['id']}/served", headers=staff)
    for ticket in client.get("/api/match/queue-tickets", headers=mine).json()["tickets"]:
        client.delete(f"/api/match/queue-tickets/{ticket['id']}", headers=mine)
    joined = client.post("/api/match/queues/1/tickets", json={}, headers=mine)
    assert joined.status_code == 201, joined.text
    if called:
        made = client.post("/api/match/queues/1/call", headers=staff)
        assert made.status_code == 200, made.text
    return {"path_parameters": {"ticket_id": joined.json()["ticket"]["id"]}}


def fresh_account(client: asgi.ASGIClient) -> tuple[int, str]:
    """A new attendee with REGISTRATION's password: its id and Cookie header."""
    email = f"fuzz-{secrets.token_hex(4)}@example.org"
    made = client.post("/api/accounts", json={**REGISTRATION, "email": email})
    assert made.status_code == 201, made.text
    return made.json()["account"]["id"], f"expo_session={made.cookies['expo_session']}"


def account_link_example(
    client: asgi.ASGIClient, database_url: str, purpose: LinkPurpose, path: str
) -> dict[str, Any]:
    """A request on a fresh one-time link of a fresh account, which succeeds."""
    account_id, _ = fresh_account(client)

    async def made() -> str:
        engine = make_engine(database_url)
        async with make_sessionmaker(engine)() as db:
            account = await db.get(Account, account_id)
            assert account is not None
            email = f"fuzz-new-{secrets.token_hex(4)}@example.org"
            token, row = new_link(account, purpose, email, 30)
            db.add(row)
            await db.commit()
        await engine.dispose()
        return token

    token = asyncio.run(made())
    if path == "/api/password/reset":
        return {"body": {"token": token, "password": "fuzzy horse 3"}}
    return {"body": {"token": token}}


# Generated requests per operation; the whole run takes about 15 s on two cores.
MAX_EXAMPLES = 30
MAX_EXAMPLES_WITHOUT_INPUT = 10  # only the credentials vary


@pytest.fixture(scope="module")
def replay_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("replays")  # --- replays ---


@pytest.fixture(scope="module")
def app(demo_sqlite: str, replay_dir: Path) -> Iterator[Starlette]:
    # `demo`: the email change is taken without SMTP (its link is logged), so it can succeed.
    app = create_app(make_settings(demo_sqlite, demo=True, secret_key=FUZZ_SECRET_KEY))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EXPO_REPLAY_DIR", str(replay_dir))  # --- replays: read at start-up ---
        yield app
    asgi.shutdown_lifespans()  # the lifespan the ASGI client started: engines, hub, keepalive


@pytest.fixture(scope="module")
def client(app: Starlette) -> Iterator[asgi.ASGIClient]:
    with asgi.get_client(app) as client:
        yield client


@pytest.fixture(scope="module")
def document(client: asgi.ASGIClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    return response.json()  # type: ignore[no-any-return]


def sign_in(client: asgi.ASGIClient, email: str = "attendee@demo.shubo.live") -> str:
    response = client.post("/api/session", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return f"expo_session={response.cookies['expo_session']}"


def operations_of(app: Starlette) -> set[tuple[str, str]]:
    return {
        (method, r.path)
        for r in app.routes
        if isinstance(r, ActionRoute)
        for method in r.methods or ()
        if method != "HEAD"
    }


# --- the document ----------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(app: Starlette, document: dict[str, Any]):
    assert document["openapi"].startswith("3.1.")
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI 3.1 meta-schema
    # ... which leaves the JSON Schemas inside alone: check those against their dialect.
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", ()):
                assert jsonschema_rs.meta.is_valid(parameter["schema"]), (method, path)
            assert len(operation["responses"]) >= 2, (method, path)
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_the_document_covers_every_route(app: Starlette, document: dict[str, Any]):
    described = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert described == operations_of(app)


def test_every_route_describes_its_success_or_is_listed(app: Starlette):
    missing = {
        (method, r.path)
        for r in app.routes
        if isinstance(r, ActionRoute) and not any(200 <= s < 300 for s in r.responses)
        for method in r.methods or ()
        if method != "HEAD"
    }
    assert missing <= UNDESCRIBED, f"describe what these answer: {sorted(missing - UNDESCRIBED)}"
    assert missing == UNDESCRIBED, f"described now, take off UNDESCRIBED: {UNDESCRIBED - missing}"


def test_refusals_follow_from_the_route(document: dict[str, Any]):
    paths = document["paths"]
    register = paths["/api/accounts"]["post"]["responses"]
    assert {"201", "400", "403", "409", "413", "429", "500"} <= register.keys()
    assert "Retry-After" in register["429"]["headers"]
    assert {"200", "401"} <= paths["/api/me"]["get"]["responses"].keys()
    assert "403" not in paths["/api/me"]["get"]["responses"]  # safe, and any role may
    assert "403" in paths["/api/me"]["patch"]["responses"]  # CSRF
    assert "429" not in paths["/api/me"]["patch"]["responses"]
    assert {"404", "503"} <= paths["/api/forums/{forum_id}/chat"]["get"]["responses"].keys()
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for operations in paths.values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and status != "503":
                    assert response["content"]["application/json"]["schema"] == error
    assert paths["/metrics"]["get"]["responses"]["200"]["content"].keys() == {"text/plain"}
    cookie = document["components"]["securitySchemes"]["sessionCookie"]
    assert (cookie["type"], cookie["in"], cookie["name"]) == ("apiKey", "cookie", "expo_session")
    assert paths["/api/me"]["get"]["security"] == [{"sessionCookie": []}, {"bearerToken": []}]


def parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    found = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name]
    assert len(found) == 1
    return found[0]["schema"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("path", "name", "url"),
    [
        ("/api/forums/{forum_id}", "forum_id", "/api/forums/{}"),
        ("/api/forums/{forum_id}/chat", "forum_id", "/api/forums/{}/chat"),
        ("/api/forums/{forum_id}/chat", "limit", "/api/forums/2/chat?limit={}"),
        ("/api/forums/{forum_id}/chat", "before", "/api/forums/2/chat?before={}"),
    ],
)
def test_bounds_are_the_ones_the_handlers_enforce(client, document, path, name, url):
    schema = parameter(document, path, name)
    assert schema["type"] == "integer"
    low, high = schema["minimum"], schema["maximum"]
    for value, inside in ((low - 1, False), (low, True), (high, True), (high + 1, False)):
        status = client.get(url.format(value)).status_code
        assert (status != 400) is inside, f"{name}={value}: {status}"


# --- the views build exactly what the models say ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "model"),
    [
        ("/healthz", 200, "Health"),
        ("/readyz", 200, "Ready"),
        ("/api/forums", 200, "ForumList"),
        ("/api/forums/2", 200, "ForumDetail"),
        ("/api/forums/1/chat?limit=200", 200, "ChatPage"),
        ("/api/forums/999", 404, "ErrorBody"),
        ("/api/forums/2/chat?limit=0", 400, "ErrorBody"),
        ("/api/me", 401, "ErrorBody"),
    ],
)
def test_responses_match_their_models_exactly(client, document, url, status, model):
    response = client.get(url)
    assert response.status_code == status
    conforms(document, model, response.json())


async def test_chat_messages_and_accounts_match_their_models(server: LiveServer, document):
    cookie = await server.sign_in("attendee@demo.shubo.live")
    async with server.connect(cookie) as ws:
        posted = await Peer(ws).command("chat.send", {"forum": 3, "text": "模型 model"})
    async with server.http(headers={"Cookie": cookie}) as http:
        page = (await http.get("/api/forums/3/chat")).json()
        patched = (await http.patch("/api/me", json={"title": "Analyst"})).json()
        me = (await http.get("/api/me")).json()
    assert page["messages"][-1] == posted["data"]["message"]
    conforms(document, "ChatPage", page)
    conforms(document, "ChatMessageOut", posted["data"]["message"])  # the websocket's view too
    conforms(document, "AccountEnvelope", patched)
    conforms(document, "MeEnvelope", me)


def conforms(document: dict[str, Any], model: str, body: Any) -> None:
    """`body` is what the document's schema `model` says, keys and formats included."""
    components = document["components"]
    schema = {**components["schemas"][model], "components": components}
    jsonschema_rs.validate(schema, body, validate_formats=True)


# --- schemathesis: the server does what the document says ------------------------------------


@pytest.fixture(scope="module")
def api(app: Starlette, client: asgi.ASGIClient) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def attendee(client: asgi.ASGIClient) -> str:
    return sign_in(client)


def fuzzed_operations() -> list[Any]:
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))  # its routes only
    return [
        pytest.param(method, path, id=f"{method} {path}")
        for method, path in sorted(operations_of(app) - UNDESCRIBED, key=lambda o: (o[1], o[0]))
    ]


@pytest.mark.parametrize(("method", "path"), fuzzed_operations())
def test_the_server_does_what_the_document_says(
    api, document, client, attendee, demo_sqlite, replay_dir, method, path
):
    """Valid and invalid requests, signed in and not: no server error, no undocumented status,
    content type or body."""
    operation = api[path][method]
    described = document["paths"][path][method.lower()]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    has_input = bool(described.get("parameters") or described.get("requestBody"))
    if has_input:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    examples = {
        p["name"]: p["schema"]["examples"][0]
        for p in described.get("parameters", ())
        if p["in"] == "path" and "examples" in p["schema"]
    }
    if examples:  # ids drawn at random name nothing: also ask about one that exists
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=examples))
    required_examples = {  # likewise a required query's (a room's slug)
        p["name"]: p["schema"]["examples"][0]
        for p in described.get("parameters", ())
        if p["in"] == "query" and p["required"] and "examples" in p["schema"]
    }
    if required_examples:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, query=required_examples))
    seen: Counter[int] = Counter()

    @hypothesis.given(case=st.one_of(strategies), signed_in=st.booleans())
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES if has_input else MAX_EXAMPLES_WITHOUT_INPUT,
        deadline=None,  # bounded by the number of examples; a slow argon2 hash is no failure
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # no shrinking
    )
    def check(case: schemathesis.Case, signed_in: bool) -> None:
        headers = {}
        if signed_in:  # instead of the made-up credentials the security schemes lead to
            if case.headers:
                case.headers.pop("Authorization", None)
            if case.cookies:
                case.cookies.pop("expo_session", None)
            # Signing out ends the session it is sent with: give it a session of its own.
            fresh = (method, path) == ("DELETE", "/api/session")
            if (method, path) in ORGANISER_ONLY:
                headers["Cookie"] = organiser
            elif (method, path) in BOOTH_STAFF_ONLY:  # --- queues ---
                headers["Cookie"] = staff
            elif (method, path) in OWN_ACCOUNT:
                headers["Cookie"] = own
            else:
                headers["Cookie"] = sign_in(client) if fresh else attendee
        if account is not None and (case.path_parameters or {}).get("account_id") in DEMO_ACCOUNTS:
            case.path_parameters["account_id"] = account  # type: ignore[index]
        response = case.call_and_validate(headers=headers, checks=CHECKS, timeout=10)
        seen[response.status_code] += 1

    organiser = sign_in(client, "organizer@demo.shubo.live")
    staff = sign_in(client, "exhibitor@demo.shubo.live")
    own = fresh_account(client)[1] if (method, path) in OWN_ACCOUNT else ""
    examples_for = EXAMPLES.get((method, path), [{}])
    if (method, path) in NEEDS_ACCOUNT_LINK:
        examples_for = [
            account_link_example(client, demo_sqlite, NEEDS_ACCOUNT_LINK[(method, path)], path)
        ]
    if (method, path) in NEEDS_INVITATION | ON_AN_INVITATION:
        examples_for = [invitation_example(client, path)]
    if path == "/api/exhibitors/{exhibitor_id}/conversations/{conversation_id}/messages":
        examples_for = [conversation_example(client, demo_sqlite)]  # --- chat ---
    if path.startswith("/api/match/meetings/{meeting_id}/"):  # --- room ---
        examples_for = [room_meeting_example(client, demo_sqlite)]
    if path.startswith("/api/match/coffee/{coffee_id}/"):  # --- coffee ---
        examples_for = [coffee_example(client, demo_sqlite)]
    if (method, path) in ON_A_RELEASE:  # --- releases ---
        examples_for = [release_example(client, method, path)]
    if (method, path) in ON_A_REPLAY:  # --- replays ---
        examples_for = [replay_example(demo_sqlite, replay_dir, method, path)]
    if (method, path) in ON_A_MEETING:  # --- meetings ---
        examples_for = [meeting_example(demo_sqlite, method, path)]
    if (method, path) == ("PUT", "/api/match/slots"):  # --- profiles ---
        examples_for = [slots_example(client, organiser)]
    if path.endswith("/host/answers/{answer_id}/correction"):  # --- host ---
        examples_for = [host_answer_example(demo_sqlite)]
    if path.startswith("/api/credentials/{credential_id}"):  # --- certificates ---
        credential, holder = credential_example(client, demo_sqlite)
        examples_for = [{"path_parameters": {"credential_id": credential}}]
        if method == "GET":
            attendee = holder  # the holder reads their own
    if (method, path) in ON_A_TICKET:  # --- queues ---
        examples_for = [ticket_example(client, attendee, ON_A_TICKET[(method, path)])]
    if (method, path) == ("POST", "/api/match/queues/{exhibitor_id}/call"):
        ticket_example(client, attendee, called=False)  # someone to call at booth 1
    account = fresh_account(client)[0] if (method, path) in ON_AN_ACCOUNT else None
    if account is not None:
        examples_for = [
            {"path_parameters": {"account_id": account}, **ON_AN_ACCOUNT[(method, path)]}
        ]
    for example in reversed(examples_for):
        check = hypothesis.example(case=operation.Case(**example), signed_in=True)(check)
    check()
    assert any(200 <= status < 300 for status in seen), f"never answered with success: {seen}"
