"""Where viewers fetch the rooms' HLS and where publishers push: read once per process."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from streams.domain import DEFAULT_HLS_BASE


@dataclass(frozen=True, slots=True)
class StreamsConfig:
    # Public base of the HLS files nginx writes (EXPO_HLS_BASE_URL): "/hls" when nginx serves
    # them under the platform's own origin, or "https://live.example.org/hls".
    hls_base: str = DEFAULT_HLS_BASE
    # The RTMP application publishers push to (EXPO_RTMP_URL); None: rtmp://<the host the
    # organiser reached the platform at>:1935/live.
    rtmp_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StreamsConfig:
        env = os.environ if environ is None else environ
        return cls(
            hls_base=(env.get("EXPO_HLS_BASE_URL") or DEFAULT_HLS_BASE).rstrip("/"),
            rtmp_url=(env.get("EXPO_RTMP_URL") or "").rstrip("/") or None,
        )
