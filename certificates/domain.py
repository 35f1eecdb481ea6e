"""What a certificate says and who has earned one: pure functions, no I/O.

Earn rules read facts the platform already stores (booth visits, meetings held); the documents
are W3C VC 2.0 / Open Badges 3.0 JSON, signed elsewhere (data_integrity.py). The issuer is the
platform as a did:web: its DID document lists every key not deleted, so a credential signed
before a rotation keeps verifying.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from certificates.status_list import status_list_entry, status_list_subject

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
STATUS_LIST_PATH = "/credentials/status/1"
ISSUER_NAME = "数博会 China International Big Data Industry Expo"


@dataclass(frozen=True, slots=True)
class Achievement:
    kind: str
    name_zh: str
    name_en: str
    criteria: str  # the narrative, in English and Chinese


# Minutes a person must be seen following the opening ceremony / any one session while it
# runs (forums/attendance.py counts them).
OPENING_MINUTES = 10
SESSION_MINUTES = 20

ACHIEVEMENTS: dict[str, Achievement] = {
    a.kind: a
    for a in (
        Achievement(
            "opening_ceremony",
            "开幕式观众",
            "Opening ceremony",
            f"Watched the opening ceremony on the main stage for at least {OPENING_MINUTES}"
            f" minutes. 在主会场观看开幕式至少 {OPENING_MINUTES} 分钟。",
        ),
        Achievement(
            "session_watched",
            "论坛听众",
            "Forum audience",
            f"Followed one forum session for at least {SESSION_MINUTES} minutes while it ran."
            f" 在论坛直播中完整收看一场活动至少 {SESSION_MINUTES} 分钟。",
        ),
        Achievement(
            "booths_3",
            "展馆访客",
            "Hall visitor",
            "Visited at least 3 exhibitors' booths. 参观了至少 3 个展位。",
        ),
        Achievement(
            "booths_10",
            "展馆探索者",
            "Hall explorer",
            "Visited at least 10 exhibitors' booths. 参观了至少 10 个展位。",
        ),
        Achievement(
            "meeting_held",
            "商务对接",
            "Business meeting",
            "Held a confirmed 1:1 business meeting whose slot has ended. 完成了一次商务对接。",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What an account did, as the stores count it."""

    booths_visited: int  # distinct booths opened
    meetings_held: int  # confirmed meetings whose slot has ended
    opening_minutes: int = 0  # minutes seen following the opening ceremony while it ran
    best_session_minutes: int = 0  # the most minutes seen following any one session


def earned(facts: Facts) -> list[str]:
    """The achievement kinds these facts earn, in ACHIEVEMENTS' order."""
    kinds = []
    if facts.opening_minutes >= OPENING_MINUTES:
        kinds.append("opening_ceremony")
    if facts.best_session_minutes >= SESSION_MINUTES:
        kinds.append("session_watched")
    if facts.booths_visited >= 3:
        kinds.append("booths_3")
    if facts.booths_visited >= 10:
        kinds.append("booths_10")
    if facts.meetings_held >= 1:
        kinds.append("meeting_held")
    return kinds


def did_web(public_url: str) -> str:
    """The did:web of a site's host (did:web §3.2: the port's ':' percent-encoded; a path in
    the URL is ignored: the document is served at the host's /.well-known/did.json)."""
    netloc = urlsplit(public_url).netloc
    assert netloc, f"not an absolute URL: {public_url!r}"
    return "did:web:" + quote(netloc.lower(), safe="")


def method_id(did: str, public_multibase: str) -> str:
    return f"{did}#{public_multibase}"


def did_document(did: str, public_keys: Iterable[str]) -> dict[str, Any]:
    """Every key as a Multikey, each an assertionMethod (old ones verify old credentials)."""
    methods = [
        {
            "id": method_id(did, key),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key,
        }
        for key in public_keys
    ]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_hash(email: str, salt: str) -> str:
    """Open Badges' salted `identityHash` of an email address (sha256$hex)."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def credential(
    *,
    credential_id: str,
    kind: str,
    base_url: str,
    did: str,
    email: str,
    display_name: str,
    status_index: int,
    issued: datetime,
) -> dict[str, Any]:
    """An unsecured OpenBadgeCredential for one achievement of one person."""
    achievement = ACHIEVEMENTS[kind]
    salt = secrets.token_hex(8)
    list_url = base_url + STATUS_LIST_PATH
    return {
        "@context": [VC_V2, OB_V3],
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did, "type": ["Profile"], "name": ISSUER_NAME, "url": base_url},
        "name": f"{achievement.name_zh} {achievement.name_en}",
        "validFrom": timestamp(issued),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": display_name,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(email, salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": f"{base_url}/achievements/{kind}",
                "type": ["Achievement"],
                "achievementType": "Achievement",
                "name": f"{achievement.name_zh} {achievement.name_en}",
                "description": achievement.criteria,
                "criteria": {"narrative": achievement.criteria},
            },
        },
        "credentialStatus": status_list_entry(
            f"{list_url}#{status_index}", "revocation", status_index, list_url
        ),
    }


def status_list_credential(
    *, base_url: str, did: str, encoded_list: str, issued: datetime
) -> dict[str, Any]:
    """The unsecured BitstringStatusListCredential of the revocation list."""
    list_url = base_url + STATUS_LIST_PATH
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": timestamp(issued),
        "credentialSubject": status_list_subject(f"{list_url}#list", "revocation", encoded_list),
    }
