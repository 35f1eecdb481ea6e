"""Text that the platform keeps in both of the expo's languages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Names(BaseModel):
    """A name in Chinese and in English, as every bilingual object shows it."""

    model_config = ConfigDict(extra="forbid")

    zh: str
    en: str


class ExhibitorRef(BaseModel):
    """An exhibitor as other objects name it: its id and its names."""

    model_config = ConfigDict(extra="forbid")

    id: int
    name: Names
