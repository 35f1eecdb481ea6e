"""Errors with stable, machine-readable codes, the same over HTTP and the websocket.

    ExpoError(code, message)          raised anywhere a request or command is refused
      ├─ BadRequest       bad_request      400
      ├─ Unauthorized     unauthorized     401
      ├─ Forbidden        forbidden        403
      ├─ NotFound         not_found        404
      ├─ Conflict         conflict         409
      ├─ TooLarge         too_large        413
      ├─ RateLimited      rate_limited     429
      └─ Unavailable      unavailable      503
Features raise `ExpoError("chat.slow_mode", "...", status=429)` for their own reasons.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class ExpoError(Exception):
    code = "internal"
    status = 500

    def __init__(
        self,
        code: str | None = None,
        message: str = "",
        *,
        status: int | None = None,
        details: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message or code or self.code)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.message = message or self.code
        self.details = details
        self.retry_after = retry_after

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return body


class BadRequest(ExpoError):
    code, status = "bad_request", 400


class Unauthorized(ExpoError):
    code, status = "unauthorized", 401


class Forbidden(ExpoError):
    code, status = "forbidden", 403


class NotFound(ExpoError):
    code, status = "not_found", 404


class Conflict(ExpoError):
    code, status = "conflict", 409


class TooLarge(ExpoError):
    code, status = "too_large", 413


class RateLimited(ExpoError):
    code, status = "rate_limited", 429


class Unavailable(ExpoError):
    code, status = "unavailable", 503


def from_validation(error: ValidationError) -> BadRequest:
    """A pydantic error as `bad_request`, naming each field without echoing the input."""
    details = [
        {"field": ".".join(str(p) for p in e["loc"]), "reason": e["type"], "message": e["msg"]}
        for e in error.errors(include_url=False, include_input=False)
    ]
    return BadRequest(
        message="Invalid fields: " + ", ".join(d["field"] or "(body)" for d in details),
        details=details,
    )
