"""The Origin check at the websocket handshake. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin_allowed(origin: str | None, host: str, allowed: tuple[str, ...]) -> bool:
    """Browsers send Origin: allow our own host and the configured origins.

    A request without Origin comes from a non-browser client (no cookies ride along by
    accident), so it is allowed; authentication still applies to it.
    """
    if origin is None:
        return True
    if origin in allowed or "*" in allowed:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client's address: the peer's, or, when the peer is a trusted proxy (uvicorn's
    FORWARDED_ALLOW_IPS), the nearest X-Forwarded-For hop that is not a trusted proxy."""
    if not forwarded_for or (peer not in trusted and "*" not in trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted and "*" not in trusted:
            return hop
    return hops[0] if hops else peer
