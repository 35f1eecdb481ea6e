"""The path parameters of the hall's routes under `/api/exhibitors/{exhibitor_id}/...`, for the
OpenAPI document (the handlers read them with `expo.http.path_int`), and the one place an
upload's address is made."""

from __future__ import annotations

from typing import overload

from pydantic import BaseModel, Field

ID_MAX = 2**31 - 1


class ExhibitorPath(BaseModel):
    exhibitor_id: int = Field(ge=1, le=ID_MAX, examples=[1])


class ProductPath(ExhibitorPath):
    product_id: int = Field(ge=1, le=ID_MAX, examples=[1])


class UploadPath(ExhibitorPath):
    upload_id: int = Field(ge=1, le=ID_MAX, examples=[1])


@overload
def upload_url(upload_id: int) -> str: ...
@overload
def upload_url(upload_id: None) -> None: ...
@overload
def upload_url(upload_id: int | None) -> str | None: ...
def upload_url(upload_id: int | None) -> str | None:
    """Where an upload is served (`GET /api/uploads/{upload_id}`, expo/hall/uploads.py)."""
    return None if upload_id is None else f"/api/uploads/{upload_id}"
