"""Public verification over HTTP, for whoever a holder shows a credential to: one of ours by its
id (unguessable, a share link: anyone may ask), or a credential file someone uploads. Both are
checked by the CLI's own code (certificates.offline.check) against this platform's DID document
and status list, as served now.

    GET  /api/credentials/{id}/verification  -> 200 Verification | 404 | 503
    POST /api/credentials/verify  {credential} or {"jwt": "..."}  -> 200 Verification | 400 | 413

An upload that is JSON but no credential of ours is answered 200 with `verified: false` and the
reason (`malformed`, `tampered`, `unknown_key`, `wrong_purpose`, `revoked`, ...); only a body
that is not a JSON object (or `jwt` not a string) is a 400 `bad_request`, as on every route.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import Response

from certificates import domain, store
from certificates.offline import REVOKED, Outcome, check
from certificates.routes import (
    CREDENTIAL_ID,
    CredentialPath,
    platform_did_document,
    platform_status_list,
    unknown,
)
from certificates.verification import Reason
from expo.http import ErrorBody, JSONResponse, read_json, route, services
from expo.permissions import ANYONE

__all__ = ["permissions", "routes"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AchievementName(_Out):
    name_zh: str
    name_en: str


class IssuerOut(_Out):
    id: str  # the platform's did:web
    name: str | None


class VerificationOut(_Out):
    """The answer: verified, or the one reason it is not; what the credential says once its
    signature checks out (null otherwise: an unverified claim is not repeated)."""

    verified: bool
    reason: str | None  # tampered, revoked, unknown_key, malformed, wrong_purpose, ...
    holder: str | None  # the display name it was issued to
    achievement: AchievementName | None
    issued_at: datetime | None
    issuer: IssuerOut | None


class UploadIn(BaseModel):
    """A credential as JSON (with its eddsa-jcs-2022 proof), or `{"jwt": "<VC-JWT>"}`."""

    model_config = ConfigDict(extra="allow")

    jwt: str | None = None


def _achievement(subject: Mapping[str, Any]) -> AchievementName | None:
    achievement = subject.get("achievement")
    ref = achievement.get("id") if isinstance(achievement, Mapping) else None
    kind = ref.rsplit("/achievements/", 1)[-1] if isinstance(ref, str) else None
    known = domain.ACHIEVEMENTS.get(kind or "")
    return None if known is None else AchievementName(name_zh=known.name_zh, name_en=known.name_en)


def answer(outcome: Outcome) -> dict[str, Any]:
    """The response body of an outcome of `offline.check`."""
    document = outcome.document
    said = document is not None and (outcome.verified or outcome.reason == REVOKED)
    body = VerificationOut(
        verified=outcome.verified,
        reason=None if outcome.verified else outcome.reason,
        holder=None,
        achievement=None,
        issued_at=None,
        issuer=None,
    )
    if said and document is not None:
        subject = document.get("credentialSubject")
        subject = subject if isinstance(subject, Mapping) else {}
        issuer = document.get("issuer")
        issuer = issuer if isinstance(issuer, Mapping) else {"id": issuer}
        name = subject.get("name")
        issuer_name = issuer.get("name")
        valid_from = document.get("validFrom")
        try:
            issued_at = datetime.fromisoformat(valid_from) if isinstance(valid_from, str) else None
        except ValueError:
            issued_at = None
        body = body.model_copy(
            update={
                "holder": name if isinstance(name, str) else None,
                "achievement": _achievement(subject),
                "issued_at": issued_at,
                "issuer": IssuerOut(
                    id=str(issuer.get("id")),
                    name=issuer_name if isinstance(issuer_name, str) else None,
                ),
            }
        )
    return body.model_dump(mode="json")


async def _check_here(request: Request, credential: Any) -> Outcome:
    """`offline.check` against the platform's own DID document and status list."""
    svc = services(request)
    did = await platform_did_document(svc, request)
    listed = await platform_status_list(svc, request)
    try:
        return check(credential, did, listed)
    except RecursionError:  # nested deeper than canonicalization goes
        return Outcome.refused(Reason.MALFORMED, "nested too deeply")


async def verification(request: Request) -> Response:
    """Whether one of this platform's credentials verifies now (anyone with its id)."""
    svc = services(request)
    credential_id = request.path_params["credential_id"]
    if not CREDENTIAL_ID.fullmatch(credential_id):
        raise unknown(credential_id)
    async with svc.read() as db:
        row = await store.credential(db, credential_id)
    if row is None:
        raise unknown(credential_id)
    outcome = await _check_here(request, row.document)
    return JSONResponse(answer(outcome), headers={"Cache-Control": "no-cache"})


async def verify_upload(request: Request) -> Response:
    """Whether a credential file (JSON, or a VC-JWT as {"jwt": ...}) is one of ours, intact
    and not revoked."""
    upload = await read_json(request, UploadIn)  # 64 KiB at most (expo.http.MAX_BODY_BYTES)
    extra = dict(upload.model_extra or {})
    credential: Any = extra
    if upload.jwt is not None:  # {"jwt": ...} alone is a VC-JWT; beside more, a claim as is
        credential = {**extra, "jwt": upload.jwt} if extra else upload.jwt
    outcome = await _check_here(request, credential)
    return JSONResponse(answer(outcome))


ERRORS = {503: ErrorBody}  # the issuer key does not open: no status list to check against

routes = [
    route(
        "/api/credentials/{credential_id}/verification",
        verification,
        methods=["GET"],
        action="certificates.verification",
        path_params=CredentialPath,
        responses={200: VerificationOut, 404: ErrorBody, **ERRORS},
        summary="Verify one of our credentials by its id (anyone: the id is a share link)",
        tags=["certificates"],
    ),
    route(
        "/api/credentials/verify",
        verify_upload,
        methods=["POST"],
        action="certificates.verify_upload",
        body=UploadIn,
        responses={200: VerificationOut, **ERRORS},
        summary="Verify an uploaded credential (JSON, or {jwt}) against this platform",
        tags=["certificates"],
    ),
]

permissions = {
    "certificates.verification": ANYONE,
    "certificates.verify_upload": ANYONE,
}
