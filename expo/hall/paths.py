"""The path parameters of the hall's routes under `/api/exhibitors/{exhibitor_id}/...`, for the
OpenAPI document (the handlers read them with `expo.http.path_int`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

ID_MAX = 2**31 - 1


class ExhibitorPath(BaseModel):
    exhibitor_id: int = Field(ge=1, le=ID_MAX, examples=[1])


class ProductPath(ExhibitorPath):
    product_id: int = Field(ge=1, le=ID_MAX, examples=[1])


class UploadPath(ExhibitorPath):
    upload_id: int = Field(ge=1, le=ID_MAX, examples=[1])
