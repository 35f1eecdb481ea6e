"""The public c3voc schedule schemas in ../shared/schemas/c3voc-schedule/, and what the
schedule interchange tests check with them.

The schemas are not part of the project: a missing folder skips these tests with a loud reason
on a developer's machine, and fails them under CI=true (as a missing service does).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator
from lxml import etree

from tests.services import IN_CI

# The workplace's shared/ folder: beside the repository (a developer's checkout and CI's), or
# where EXPO_SHARED_DIR says (a clone elsewhere), or the machine's /work/shared.
PLACES = [
    Path(__file__).resolve().parents[2] / "shared",
    *([Path(os.environ["EXPO_SHARED_DIR"])] if os.environ.get("EXPO_SHARED_DIR") else []),
    Path("/work/shared"),
]
SCHEMAS = next(
    (place / "schemas" / "c3voc-schedule" for place in PLACES if place.is_dir()),
    PLACES[0] / "schemas" / "c3voc-schedule",
)


def shared(name: str) -> Path:
    """A file of the public schemas; their absence skips loudly (fails under CI=true)."""
    path = SCHEMAS / name
    if not path.is_file():
        message = (
            f"MISSING SCHEMAS: {path} is not there (the c3voc schemas live in ../shared; "
            "EXPO_SHARED_DIR points elsewhere)."
        )
        if IN_CI:
            pytest.fail("CI needs the schemas: " + message, pytrace=False)
        pytest.skip(message)
    return path


def load(name: str) -> Any:
    return json.loads(shared(name).read_text(encoding="utf-8"))


def json_errors(document: Any) -> list[str]:
    schema = load("schema.json")
    validator = Draft6Validator(schema, format_checker=Draft6Validator.FORMAT_CHECKER)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def xml_errors(body: bytes) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(shared("schedule.xml.xsd"))))
    valid = schema.validate(etree.fromstring(body))
    return [] if valid else [str(e) for e in schema.error_log]


def events_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        event
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    ]


def comparable(events: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """What an event says, independent of how a system writes it (ids, urls, slugs, offsets)."""

    def instant(text: str) -> datetime:
        return datetime.fromisoformat(text).astimezone(UTC)

    def minutes(text: str) -> timedelta:
        hours, mins = text.split(":")
        return timedelta(hours=int(hours), minutes=int(mins))

    return {
        e["guid"]: (
            e["room"],
            instant(e["date"]),
            instant(e["date"]) + minutes(e["duration"]),
            e["title"],
            e["subtitle"] or "",
            e["track"] or "",
            e["type"],
            e["language"],
            e["abstract"] or "",
            e["description"] or "",
            bool(e["do_not_record"]),
            [
                (p.get("name") or p["public_name"], p.get("code", ""), p.get("biography") or "")
                for p in e["persons"]
            ],
        )
        for e in events
    }
