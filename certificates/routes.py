"""The certificates over HTTP: the issuer's DID document, the revocation status list, my
credentials (list, issue what I have earned), one credential's download (JSON, VC-JWT, a baked
PNG badge, a PDF certificate), an organiser's revoke. Public verification is verifying.py's.

The issuer is the platform's host as a did:web (settings.public_url, else the request's own
origin); every document is signed with the active key, made on first use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from certificates import artwork, baking, data_integrity, domain, store, vc_jwt
from certificates.keys import KeyLocked, open_key
from certificates.models import IssuedCredential, IssuerKey
from certificates.status_list import encode_list, new_bitstring, set_bit
from expo.errors import BadRequest, ExpoError, NotFound
from expo.http import ErrorBody, JSONResponse, Raw, principal, route, services
from expo.models import Account, Role, utcnow
from expo.permissions import ANYONE, SIGNED_IN, only
from expo.security import Principal
from expo.services import Services

CREDENTIAL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FORMATS = ("json", "jwt", "png", "pdf")
ISSUE_ATTEMPTS = 3  # a race on a status index or a kind issued twice: try again


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CredentialOut(_Out):
    id: str
    kind: str
    name: dict[str, str]
    issued_at: datetime
    revoked_at: datetime | None
    download: str
    credential: dict[str, Any]


class CredentialsOut(_Out):
    credentials: list[CredentialOut]
    issued: list[str] = []  # the kinds this request issued (POST)


class CredentialPath(BaseModel):
    credential_id: str = Field(pattern=CREDENTIAL_ID.pattern, examples=["3f0c..."])


class FormatQuery(BaseModel):
    # jwt: the same credential as a VC-JWT; png: a badge with it baked in (Open Badges 3.0);
    # pdf: a printable certificate with a QR code of its public verification
    format: Literal["json", "jwt", "png", "pdf"] = "json"


def unknown(credential_id: str) -> NotFound:
    return NotFound("certificates.unknown", f"There is no credential {credential_id}.")


def key_locked() -> ExpoError:
    return ExpoError(
        "certificates.key_locked",
        "The issuer key does not open with this server's secret key; run "
        "`expo credential rotate-key`.",
        status=503,
    )


def base_url(svc: Services, request: Request) -> str:
    return svc.settings.public_url or f"{request.url.scheme}://{request.url.netloc}"


def issuer_did(svc: Services, request: Request) -> str:
    return domain.did_web(base_url(svc, request))


async def signing_key(svc: Services) -> tuple[IssuerKey, Ed25519PrivateKey]:
    """The active key, read without the write lock; made (under it) on first use."""
    async with svc.read() as db:
        row = await store.active_row(db)
    try:
        if row is None:
            async with svc.db() as db:
                return await store.active_key(db, svc.settings.secret_key)
        return row, open_key(row.sealed_private, row.public_multibase, svc.settings.secret_key)
    except KeyLocked:
        raise key_locked() from None


def view(row: IssuedCredential) -> dict[str, Any]:
    achievement = domain.ACHIEVEMENTS[row.kind]
    return {
        "id": row.id,
        "kind": row.kind,
        "name": {"zh": achievement.name_zh, "en": achievement.name_en},
        "issued_at": row.issued_at,
        "revoked_at": row.revoked_at,
        "download": f"/api/credentials/{row.id}",
        "credential": row.document,
    }


async def platform_did_document(svc: Services, request: Request) -> dict[str, Any]:
    """The issuer's DID document as served: every key not deleted."""
    try:
        await signing_key(svc)  # the first, on first use
    except ExpoError:
        pass  # locked: the public halves are published all the same
    async with svc.read() as db:
        found = await store.keys(db)
    return domain.did_document(issuer_did(svc, request), [k.public_multibase for k in found])


async def platform_status_list(svc: Services, request: Request) -> dict[str, Any]:
    """The revocation list as served: signed now with the active key."""
    key, private = await signing_key(svc)
    async with svc.read() as db:
        revoked = await store.revoked_indexes(db)
    bits = new_bitstring()
    for index in revoked:
        set_bit(bits, index)
    did = issuer_did(svc, request)
    unsigned = domain.status_list_credential(
        base_url=base_url(svc, request), did=did, encoded_list=encode_list(bits), issued=utcnow()
    )
    return data_integrity.sign(
        unsigned, private, verification_method=domain.method_id(did, key.public_multibase)
    )


async def did_document(request: Request) -> Response:
    body = await platform_did_document(services(request), request)
    return JSONResponse(body, headers={"Cache-Control": "no-cache"})


async def status_list(request: Request) -> Response:
    signed = await platform_status_list(services(request), request)
    return JSONResponse(signed, headers={"Cache-Control": "no-cache"})


def _who(request: Request) -> Principal:
    who = principal(request)
    assert who is not None, "a signed-in action"
    return who


async def my_credentials(request: Request) -> Response:
    svc = services(request)
    async with svc.read() as db:
        rows = await store.credentials_of(db, _who(request).account_id)
    return JSONResponse({"credentials": [view(r) for r in rows], "issued": []})


async def _issue_once(svc: Services, request: Request, account_id: int) -> list[str]:
    now = utcnow()
    key, private = await signing_key(svc)
    async with svc.db() as db:
        account = await db.get(Account, account_id)
        assert account is not None, "a signed-in account exists"
        held = {row.kind for row in await store.credentials_of(db, account_id)}
        due = [k for k in domain.earned(await store.facts(db, account_id, now)) if k not in held]
        did = issuer_did(svc, request)
        method = domain.method_id(did, key.public_multibase)
        for kind in due:
            credential_id = store.new_credential_id()
            index = await store.free_index(db)
            unsigned = domain.credential(
                credential_id=credential_id,
                kind=kind,
                base_url=base_url(svc, request),
                did=did,
                email=account.email,
                display_name=account.display_name,
                status_index=index,
                issued=now,
            )
            signed = data_integrity.sign(unsigned, private, verification_method=method)
            assert key.id is not None
            await store.add_credential(
                db,
                credential_id=credential_id,
                account_id=account_id,
                kind=kind,
                key_id=key.id,
                document=signed,
                status_index=index,
                issued_at=now,
            )
        await db.commit()
    return due


async def issue_mine(request: Request) -> Response:
    """Issue every credential I have earned and do not hold yet (none twice)."""
    svc = services(request)
    account_id = _who(request).account_id
    for attempt in range(ISSUE_ATTEMPTS):
        try:
            issued = await _issue_once(svc, request, account_id)
            break
        except IntegrityError:
            if attempt == ISSUE_ATTEMPTS - 1:
                raise
    async with svc.read() as db:
        rows = await store.credentials_of(db, account_id)
    body = {"credentials": [view(r) for r in rows], "issued": issued}
    return JSONResponse(body, status_code=201 if issued else 200)


@dataclass(frozen=True, slots=True)
class CredentialObject:
    """A credential that exists, as loaded for a permission check."""

    credential_id: str
    account_id: int


def _holder_or_organiser(who: Principal, obj: CredentialObject) -> bool:
    return who.role == Role.ORGANIZER or who.account_id == obj.account_id


async def credential_of_path(request: Request) -> CredentialObject:
    """The credential of `/api/credentials/{credential_id}`; to whoever may not read it, it does
    not exist (404, as an unknown id): its holder's achievements are not anyone's business."""
    svc = services(request)
    credential_id = request.path_params["credential_id"]
    if not CREDENTIAL_ID.fullmatch(credential_id):
        raise unknown(credential_id)
    async with svc.read() as db:
        row = await store.credential(db, credential_id)
    if row is None:
        raise unknown(credential_id)
    found = CredentialObject(row.id, row.account_id)
    who = await svc.sessions.principal(
        request.headers.get("cookie"), request.headers.get("authorization")
    )
    if who is None or not _holder_or_organiser(who, found):
        raise unknown(credential_id)
    return found


def _filename(row: IssuedCredential, extension: str) -> str:
    return f'attachment; filename="shubo-{row.kind}-{row.id[:8]}.{extension}"'


def verification_url(svc: Services, request: Request, credential_id: str) -> str:
    """The page that says whether it holds (frontend/js/certificates.js, `#/verify/<id>`),
    for the PDF's QR code: a person scans it, not a program."""
    return f"{base_url(svc, request)}/#/verify/{credential_id}"


def _badge_png(row: IssuedCredential) -> bytes:
    picture = artwork.badge(domain.ACHIEVEMENTS[row.kind])
    return baking.bake(picture, json.dumps(row.document, ensure_ascii=False))


def _certificate_pdf(row: IssuedCredential, verify_url: str) -> bytes:
    subject = row.document.get("credentialSubject", {})
    cert = artwork.Certificate(
        holder=str(subject.get("name", "")),
        achievement=domain.ACHIEVEMENTS[row.kind],
        issued_at=row.issued_at,
        credential_id=str(row.document.get("id", row.id)),
        verify_url=verify_url,
    )
    return artwork.certificate_pdf(cert)


async def download(request: Request) -> Response:
    """The signed credential as a file: JSON (eddsa-jcs-2022 proof), `?format=jwt`, a baked
    badge `?format=png` or a printable certificate `?format=pdf`."""
    svc = services(request)
    credential_id = request.path_params["credential_id"]
    fmt = request.query_params.get("format", "json")
    if fmt not in FORMATS:
        raise BadRequest(message="format is json, jwt, png or pdf.")
    async with svc.read() as db:
        row = await store.credential(db, credential_id)
        key = None if row is None else await db.get(IssuerKey, row.key_id)
    if row is None or key is None:
        raise unknown(credential_id)
    if fmt == "jwt":
        try:
            private = open_key(key.sealed_private, key.public_multibase, svc.settings.secret_key)
        except KeyLocked:
            raise key_locked() from None
        method = row.document["proof"]["verificationMethod"]
        token = vc_jwt.encode(row.document, private, kid=method)
        headers = {"Content-Disposition": _filename(row, "jwt")}
        return Response(token, media_type="application/vc+jwt", headers=headers)
    if fmt == "png":  # drawing is CPU work: off the event loop
        png = await run_in_threadpool(_badge_png, row)
        headers = {"Content-Disposition": _filename(row, "png")}
        return Response(png, media_type="image/png", headers=headers)
    if fmt == "pdf":
        url = verification_url(svc, request, row.id)
        pdf = await run_in_threadpool(_certificate_pdf, row, url)
        headers = {"Content-Disposition": _filename(row, "pdf")}
        return Response(pdf, media_type="application/pdf", headers=headers)
    headers = {"Content-Disposition": _filename(row, "json")}
    return JSONResponse(row.document, headers=headers)


async def revoke(request: Request) -> Response:
    svc = services(request)
    credential_id = request.path_params["credential_id"]
    if not CREDENTIAL_ID.fullmatch(credential_id):
        raise unknown(credential_id)
    async with svc.db() as db:
        row = await store.revoke(db, credential_id, utcnow())
        if row is None:
            raise unknown(credential_id)
        await db.commit()
    return JSONResponse(view(row))


routes = [
    route(
        "/.well-known/did.json",
        did_document,
        methods=["GET"],
        action="certificates.did_document",
        responses={200: Raw("application/json")},
        summary="The issuer's DID document (did:web): every key not deleted, as Multikey",
        tags=["certificates"],
    ),
    route(
        domain.STATUS_LIST_PATH,
        status_list,
        methods=["GET"],
        action="certificates.status_list",
        responses={200: Raw("application/json"), 503: ErrorBody},
        summary="The revocation list: a signed BitstringStatusListCredential",
        tags=["certificates"],
    ),
    route(
        "/api/me/credentials",
        my_credentials,
        methods=["GET"],
        action="certificates.read_mine",
        responses={200: CredentialsOut},
        summary="My credentials",
        tags=["certificates"],
    ),
    route(
        "/api/me/credentials",
        issue_mine,
        methods=["POST"],
        action="certificates.issue_mine",
        responses={200: CredentialsOut, 201: CredentialsOut, 503: ErrorBody},
        summary="Issue the credentials I have earned and do not hold yet",
        tags=["certificates"],
    ),
    route(
        "/api/credentials/{credential_id}",
        download,
        methods=["GET"],
        action="certificates.read",
        path_params=CredentialPath,
        query=FormatQuery,
        target=credential_of_path,
        responses={
            # application/json, application/vc+jwt, image/png or application/pdf, by ?format
            200: Raw("*/*", {}),
            400: ErrorBody,
            404: ErrorBody,
            503: ErrorBody,
        },
        summary="Download a credential (its holder, organisers): JSON, or ?format=jwt, "
        "png (a baked Open Badge) or pdf (a certificate)",
        tags=["certificates"],
    ),
    route(
        "/api/credentials/{credential_id}/revoke",
        revoke,
        methods=["POST"],
        action="certificates.revoke",
        path_params=CredentialPath,
        responses={200: CredentialOut, 404: ErrorBody},
        summary="Revoke a credential: its bit is set in the status list (organisers)",
        tags=["certificates"],
    ),
]

permissions = {
    "certificates.did_document": ANYONE,
    "certificates.status_list": ANYONE,
    "certificates.read_mine": SIGNED_IN,
    "certificates.issue_mine": SIGNED_IN,
    "certificates.read": SIGNED_IN.given(
        CredentialObject, _holder_or_organiser, "Only its holder sees a credential."
    ),
    "certificates.revoke": only(Role.ORGANIZER),
}
