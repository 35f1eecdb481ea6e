"""Verifiable attendance certificates over a real server on the demo database: the DID
document, issuing what an attendee earned, who may read a credential, revocation through the
served status list, key rotation by `expo credential rotate-key`, and `expo credential verify`
run with the network unplugged."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlmodel import col, select

from certificates import artwork, baking, data_integrity, vc_jwt
from certificates import cli as certificates_cli
from certificates.domain import ACHIEVEMENTS, did_web
from certificates.models import IssuerKey
from certificates.offline import check, resolver_of
from certificates.status_list import decode_list, get_bit
from expo.db import stored_id
from expo.hall.models import ActivityKind, BoothActivity
from expo.models import utcnow
from matchmaking.models import MatchSlot, Meeting, MeetingRequest, MeetingStatus
from tests.live import LiveServer, live_server, make_settings, prepare_demo_database

PASSWORD = "云上贵州-数据之都-2026"
ORGANIZER = "organizer@demo.shubo.live"
# `expo credential ...` in a process of its own whose sockets cannot connect anywhere.
UNPLUGGED = """
import socket, sys
def unplugged(*args, **kwargs):
    raise OSError("the network is unplugged")
socket.socket.connect = unplugged
socket.socket.connect_ex = unplugged
socket.create_connection = unplugged
socket.getaddrinfo = unplugged
from expo.cli import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Platform:
    live: LiveServer
    url: str  # the database's

    @property
    def secret_key(self) -> str:
        return str(self.live.services.settings.secret_key)


@pytest.fixture(scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('certificates') / 'expo.db'}"
    await prepare_demo_database(url)
    async with live_server(make_settings(url)) as live:
        yield Platform(live, url)


async def attendee(platform: Platform, booths_visited: int = 0) -> tuple[int, str]:
    """A fresh attendee who opened this many booths: (account id, cookie)."""
    body = {
        "email": f"cert-{secrets.token_hex(5)}@example.com",
        "password": PASSWORD,
        "display_name": "证书 Holder",
    }
    async with platform.live.http() as http:
        response = await http.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    account_id = response.json()["account"]["id"]
    async with platform.live.services.db() as db:
        for booth in range(1, booths_visited + 1):
            db.add(
                BoothActivity(exhibitor_id=booth, kind=ActivityKind.VISIT, account_id=account_id)
            )
        await db.commit()
    return account_id, f"expo_session={response.cookies['expo_session']}"


async def get(platform: Platform, path: str, cookie: str | None = None) -> Any:
    headers = {"Cookie": cookie} if cookie else {}
    async with platform.live.http(headers=headers) as http:
        return await http.get(path)


async def post(platform: Platform, path: str, cookie: str | None = None) -> Any:
    headers = {"Cookie": cookie} if cookie else {}
    async with platform.live.http(headers=headers) as http:
        return await http.post(path)


async def did_document(platform: Platform) -> dict[str, Any]:
    response = await get(platform, "/.well-known/did.json")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def earned_credential(platform: Platform, booths: int = 3) -> tuple[dict[str, Any], str]:
    """A fresh attendee's first credential, issued: (the credential's view, their cookie)."""
    _, cookie = await attendee(platform, booths)
    response = await post(platform, "/api/me/credentials", cookie)
    assert response.status_code == 201, response.text
    return response.json()["credentials"][0], cookie


def cli(tmp: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", UNPLUGGED, "credential", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp,
        env={**os.environ, **(env or {})},
    )
    assert not done.stderr or done.returncode != 0, done.stderr
    return done.returncode, (done.stdout + done.stderr).strip()


def verify_here(tmp: Path, *args: str) -> tuple[int, str]:
    """`expo credential verify` in this process (it does no I/O but reading its files)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.chdir(tmp):
        code = certificates_cli.verify(args)
    return code, out.getvalue().strip()


def save(path: Path, value: Any) -> Path:
    path.write_text(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return path


async def test_the_did_document_lists_the_active_key(platform: Platform) -> None:
    did = await did_document(platform)
    port = platform.live.base.rsplit(":", 1)[1]
    assert did["id"] == did_web(platform.live.base) == f"did:web:127.0.0.1%3A{port}"
    async with platform.live.services.read() as db:
        active = (await db.execute(select(IssuerKey).where(col(IssuerKey.active)))).scalars().one()
    method = f"{did['id']}#{active.public_multibase}"
    assert {
        "id": method,
        "type": "Multikey",
        "controller": did["id"],
        "publicKeyMultibase": active.public_multibase,
    } in did["verificationMethod"]
    assert method in did["assertionMethod"]
    # Only the public half is served; the private one is sealed at rest.
    assert active.public_multibase not in active.sealed_private
    assert "privateKeyMultibase" not in json.dumps(did)


async def test_an_attendee_gets_what_they_earned_once_and_it_verifies(platform: Platform) -> None:
    _, nothing = await attendee(platform, booths_visited=2)
    response = await post(platform, "/api/me/credentials", nothing)
    assert (response.status_code, response.json()) == (200, {"credentials": [], "issued": []})

    _, cookie = await attendee(platform, booths_visited=3)
    response = await post(platform, "/api/me/credentials", cookie)
    assert response.status_code == 201, response.text
    assert response.json()["issued"] == ["booths_3"]
    [mine] = response.json()["credentials"]
    again = await post(platform, "/api/me/credentials", cookie)
    assert (again.status_code, again.json()["issued"]) == (200, [])
    listed = await get(platform, "/api/me/credentials", cookie)
    assert listed.json()["credentials"] == [mine]

    download = await get(platform, mine["download"], cookie)
    assert download.status_code == 200
    assert download.headers["content-disposition"] == (
        f'attachment; filename="shubo-booths_3-{mine["id"][:8]}.json"'
    )
    credential = download.json()
    assert credential == mine["credential"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "Achievement"
    did = await did_document(platform)
    result = data_integrity.verify(credential, resolver_of(did))  # type: ignore[arg-type]
    assert (result.verified, result.reason) == (True, None)
    assert check(credential, did).verified

    token = (await get(platform, mine["download"] + "?format=jwt", cookie)).text
    as_jwt = vc_jwt.verify(token, resolver_of(did))  # type: ignore[arg-type]
    assert as_jwt.verified and as_jwt.document == {
        k: v for k, v in credential.items() if k != "proof"
    }


async def test_a_meeting_held_earns_its_credential_for_both_people(platform: Platform) -> None:
    first, first_cookie = await attendee(platform)
    second, second_cookie = await attendee(platform)
    now = utcnow()
    async with platform.live.services.db() as db:
        ended = MatchSlot(starts_at=now - timedelta(hours=1), ends_at=now - timedelta(minutes=30))
        later = MatchSlot(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2))
        db.add_all([ended, later])
        await db.flush()
        for slot, status in ((ended, MeetingStatus.CANCELLED), (later, MeetingStatus.CONFIRMED)):
            request = MeetingRequest(requester_id=first, recipient_id=second, status="accepted")
            db.add(request)
            await db.flush()
            db.add(
                Meeting(
                    request_id=stored_id(request),
                    requester_id=first,
                    recipient_id=second,
                    slot_id=stored_id(slot),
                    status=status,
                )
            )
        await db.commit()
    # A cancelled meeting and one still to come earn nothing.
    assert (await post(platform, "/api/me/credentials", first_cookie)).json()["issued"] == []
    async with platform.live.services.db() as db:
        request = MeetingRequest(requester_id=first, recipient_id=second, status="accepted")
        db.add(request)
        await db.flush()
        db.add(
            Meeting(
                request_id=stored_id(request),
                requester_id=first,
                recipient_id=second,
                slot_id=stored_id(ended),
            )
        )
        await db.commit()
    for cookie in (first_cookie, second_cookie):
        response = await post(platform, "/api/me/credentials", cookie)
        assert (response.status_code, response.json()["issued"]) == (201, ["meeting_held"])


async def test_another_attendee_cannot_read_a_credential(platform: Platform) -> None:
    mine, _ = await earned_credential(platform)
    _, other = await attendee(platform)
    response = await get(platform, mine["download"], other)
    assert (response.status_code, response.json()["error"]["code"]) == (
        404,
        "certificates.unknown",
    )
    unknown = await get(platform, "/api/credentials/00000000-0000-4000-8000-000000000000", other)
    assert unknown.json() == {
        "error": {
            "code": "certificates.unknown",
            "message": "There is no credential 00000000-0000-4000-8000-000000000000.",
        }
    }
    assert (await get(platform, mine["download"])).status_code == 401
    organiser = await platform.live.sign_in(ORGANIZER)
    assert (await get(platform, mine["download"], organiser)).json() == mine["credential"]
    revoke = await post(platform, mine["download"] + "/revoke", other)
    assert (revoke.status_code, revoke.json()["error"]["code"]) == (403, "forbidden")


async def test_revoking_flips_its_bit_and_the_cli_says_revoked(
    platform: Platform, tmp_path: Path
) -> None:
    revoked, _ = await earned_credential(platform)
    kept, _ = await earned_credential(platform)
    organiser = await platform.live.sign_in(ORGANIZER)
    response = await post(platform, revoked["download"] + "/revoke", organiser)
    assert response.status_code == 200, response.text
    assert response.json()["revoked_at"] is not None

    status = await get(platform, "/credentials/status/1")
    assert status.status_code == 200
    status_list = status.json()
    did = await did_document(platform)
    assert data_integrity.verify(status_list, resolver_of(did)).verified  # type: ignore[arg-type]
    bits = decode_list(status_list["credentialSubject"]["encodedList"])
    index_of = {
        c["id"]: int(c["credential"]["credentialStatus"]["statusListIndex"])
        for c in (revoked, kept)
    }
    assert get_bit(bits, index_of[revoked["id"]]) is True
    assert get_bit(bits, index_of[kept["id"]]) is False

    save(tmp_path / "did.json", did)
    save(tmp_path / "status.json", status_list)
    save(tmp_path / "revoked.json", revoked["credential"])
    save(tmp_path / "kept.json", kept["credential"])
    code, out = cli(tmp_path, "verify", "revoked.json", "--status-list", "status.json")
    assert (code, out) == (1, f"revoked: revoked (status list index {index_of[revoked['id']]})")
    assert verify_here(tmp_path, "kept.json", "--status-list", "status.json") == (0, "verified")
    assert verify_here(tmp_path, "kept.json") == (
        0,
        "verified (revocation not checked: no --status-list)",
    )


async def test_after_a_rotation_old_credentials_verify_and_new_ones_use_the_new_key(
    platform: Platform, tmp_path: Path
) -> None:
    old, _ = await earned_credential(platform)
    before = await did_document(platform)
    code, out = cli(
        tmp_path,
        "rotate-key",
        env={"EXPO_DATABASE_URL": platform.url, "EXPO_SECRET_KEY": platform.secret_key},
    )
    assert code == 0, out
    after = await did_document(platform)
    assert after["verificationMethod"][:-1] == before["verificationMethod"]
    assert after["verificationMethod"][-1]["publicKeyMultibase"] == out
    new, _ = await earned_credential(platform)
    assert old["credential"]["proof"]["verificationMethod"] in before["assertionMethod"]
    assert new["credential"]["proof"]["verificationMethod"] == after["assertionMethod"][-1]
    assert check(old["credential"], after).verified
    assert check(new["credential"], after).verified

    save(tmp_path / "old.json", old["credential"])
    save(tmp_path / "new.json", new["credential"])
    save(tmp_path / "before.json", before)
    save(tmp_path / "after.json", after)
    assert verify_here(tmp_path, "old.json", "--did-document", "after.json")[0] == 0
    code, out = verify_here(tmp_path, "new.json", "--did-document", "before.json")
    assert code == 1 and out.startswith("unknown_key: unknown verificationMethod did:web:"), out

    wrong = cli(
        tmp_path,
        "rotate-key",
        env={"EXPO_DATABASE_URL": platform.url, "EXPO_SECRET_KEY": "another"},
    )
    assert wrong[0] == 1 and "certificates.key_locked" in wrong[1], wrong


async def test_tampering_with_a_credential_is_told_as_tampered(
    platform: Platform, tmp_path: Path
) -> None:
    mine, cookie = await earned_credential(platform)
    save(tmp_path / "did.json", await did_document(platform))
    tampered = json.loads(json.dumps(mine["credential"]))
    tampered["credentialSubject"]["achievement"]["name"] = "展馆探索者 Hall explorer"
    save(tmp_path / "tampered.json", tampered)
    assert cli(tmp_path, "verify", "tampered.json") == (
        1,
        "tampered: the signature does not verify",
    )
    token = (await get(platform, mine["download"] + "?format=jwt", cookie)).text
    header, payload, signature = token.split(".")
    save(tmp_path / "ok.jwt", token)
    assert verify_here(tmp_path, "ok.jwt") == (
        0,
        "verified (revocation not checked: no --status-list)",
    )
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["name"] = "Hall explorer"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    save(tmp_path / "forged.jwt", f"{header}.{forged}.{signature}")
    assert verify_here(tmp_path, "forged.jwt") == (1, "tampered: the signature does not verify")
    save(tmp_path / "broken.json", "{not json")
    code, out = verify_here(tmp_path, "broken.json")
    assert code == 1 and out.startswith("malformed: "), out


def baked_text(png: bytes) -> str:
    """The `openbadgecredential` iTXt chunk, as Pillow reads it."""
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        assert image.format == "PNG"
        text = image.text[baking.KEYWORD]  # type: ignore[attr-defined]
    assert text == baking.unbake(png)
    return str(text)


async def test_a_png_badge_has_the_credential_baked_in_and_the_cli_verifies_it(
    platform: Platform, tmp_path: Path
) -> None:
    mine, cookie = await earned_credential(platform)
    response = await get(platform, mine["download"] + "?format=png", cookie)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="shubo-booths_3-{mine["id"][:8]}.png"'
    )
    assert json.loads(baked_text(response.content)) == mine["credential"]

    (tmp_path / "badge.png").write_bytes(response.content)
    save(tmp_path / "did.json", await did_document(platform))
    save(tmp_path / "status.json", (await get(platform, "/credentials/status/1")).json())
    assert verify_here(tmp_path, "badge.png", "--did-document", "did.json") == (
        0,
        "verified (revocation not checked: no --status-list)",
    )
    assert cli(tmp_path, "verify", "badge.png", "--status-list", "status.json") == (0, "verified")

    tampered = json.loads(baked_text(response.content))
    tampered["credentialSubject"]["name"] = "Someone Else"
    with Image.open(io.BytesIO(response.content)) as image:
        forged = baking.bake(image, json.dumps(tampered))
    (tmp_path / "forged.png").write_bytes(forged)
    assert verify_here(tmp_path, "forged.png") == (1, "tampered: the signature does not verify")
    Image.new("RGB", (4, 4)).save(tmp_path / "plain.png")
    code, out = verify_here(tmp_path, "plain.png")
    assert (code, out) == (
        1,
        "malformed: the credential plain.png: no openbadgecredential iTXt chunk in the PNG",
    )

    _, other = await attendee(platform)
    for fmt in ("png", "pdf"):
        refused = await get(platform, mine["download"] + f"?format={fmt}", other)
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            404,
            "certificates.unknown",
        )
        assert (await get(platform, mine["download"] + f"?format={fmt}")).status_code == 401


def test_without_a_cjk_font_the_badge_is_drawn_in_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    achievement = ACHIEVEMENTS["booths_3"]
    monkeypatch.setenv("EXPO_CJK_FONT", "/nonexistent/font.ttc")
    assert artwork.cjk_font_path() is None
    english = artwork.badge(achievement)
    assert english.size == (600, 600)
    installed = next((p for p in artwork.CJK_FONT_PATHS if Path(p).is_file()), None)
    if installed is None:
        pytest.skip("no CJK font installed here")
    monkeypatch.setenv("EXPO_CJK_FONT", installed)
    assert artwork.cjk_font_path() == installed
    assert artwork.badge(achievement).tobytes() != english.tobytes()


def page_image(pdf: bytes) -> Image.Image:
    """The one picture a Pillow PDF's page is (a JPEG stream)."""
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    assert re.search(rb"/Subtype\s*/Image", pdf)
    image = Image.open(io.BytesIO(pdf[pdf.index(b"\xff\xd8\xff") :]))
    image.load()
    return image


async def test_a_pdf_certificate_is_one_page_with_a_qr_code(platform: Platform) -> None:
    mine, cookie = await earned_credential(platform)
    response = await get(platform, mine["download"] + "?format=pdf", cookie)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="shubo-booths_3-{mine["id"][:8]}.pdf"'
    )
    page = page_image(response.content).convert("L")
    assert page.size == artwork.PAGE
    # The QR code's corner: black modules on white, where the page draws it.
    width, height = artwork.PAGE
    corner = page.crop((width - 560, height - 560, width - 100, height - 100))
    low, high = corner.getextrema()  # type: ignore[misc]
    assert low < 60 and high > 200


UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def unverified(reason: str) -> dict[str, Any]:
    return {
        "verified": False,
        "reason": reason,
        "holder": None,
        "achievement": None,
        "issued_at": None,
        "issuer": None,
    }


async def test_anyone_verifies_a_credential_by_its_id_until_it_is_revoked(
    platform: Platform,
) -> None:
    mine, _ = await earned_credential(platform)
    url = f"/api/credentials/{mine['id']}/verification"
    did = (await did_document(platform))["id"]
    said = {
        "holder": "证书 Holder",
        "achievement": {"name_zh": "展馆访客", "name_en": "Hall visitor"},
        "issued_at": mine["credential"]["validFrom"],
        "issuer": {"id": did, "name": "数博会 China International Big Data Industry Expo"},
    }
    response = await get(platform, url)  # no one signed in
    assert (response.status_code, response.json()) == (
        200,
        {"verified": True, "reason": None, **said},
    )
    organiser = await platform.live.sign_in(ORGANIZER)
    assert (await post(platform, mine["download"] + "/revoke", organiser)).status_code == 200
    response = await get(platform, url)
    assert (response.status_code, response.json()) == (
        200,
        {"verified": False, "reason": "revoked", **said},
    )
    missing = await get(
        platform, "/api/credentials/00000000-0000-4000-8000-000000000000/verification"
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "certificates.unknown")


async def upload(platform: Platform, body: Any, **kwargs: Any) -> Any:
    async with platform.live.http() as http:
        if isinstance(body, bytes):
            headers = {"Content-Type": "application/json"}
            return await http.post("/api/credentials/verify", content=body, headers=headers)
        return await http.post("/api/credentials/verify", json=body, **kwargs)


async def test_an_uploaded_credential_is_verified_or_told_why_not(platform: Platform) -> None:
    mine, cookie = await earned_credential(platform)
    ok = await upload(platform, mine["credential"])
    assert ok.status_code == 200, ok.text
    assert (ok.json()["verified"], ok.json()["reason"], ok.json()["holder"]) == (
        True,
        None,
        "证书 Holder",
    )
    token = (await get(platform, mine["download"] + "?format=jwt", cookie)).text
    assert (await upload(platform, {"jwt": token})).json() == ok.json()

    tampered = json.loads(json.dumps(mine["credential"]))
    tampered["credentialSubject"]["achievement"]["name"] = "展馆探索者 Hall explorer"
    answered = await upload(platform, tampered)
    assert (answered.status_code, answered.json()) == (200, unverified("tampered"))
    # JSON that is no credential: a verified:false answer, 200, reason `malformed` ...
    for garbage in ({}, {"hello": "世界"}, {"jwt": "a.b.c"}, {"proof": 1, "issuer": []}):
        answered = await upload(platform, garbage)
        assert (answered.status_code, answered.json()) == (200, unverified("malformed")), garbage
    # ... a body that is not a JSON object is refused as every route refuses it: 400.
    for body in (b"{not json", b"[1, 2]", b'"text"', b'{"jwt": 7}'):
        answered = await upload(platform, body)
        assert (answered.status_code, answered.json()["error"]["code"]) == (400, "bad_request")
    too_large = await upload(platform, {"padding": "x" * 70_000})
    assert (too_large.status_code, too_large.json()["error"]["code"]) == (413, "too_large")
