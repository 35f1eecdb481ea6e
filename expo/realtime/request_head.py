"""What an upgrade request's head must hold before anything reads it. Pure.

websockets' `Headers.get` and `Headers[...]` raise `MultipleValuesError` on a header that
appears twice; read anywhere later in the handshake, that becomes a socket left unanswered.
So the head is checked once, up front, and the handshake then reads it safely.
"""

from __future__ import annotations

from websockets.datastructures import Headers

# Headers that carry one value (RFC 9110 5.3: only list-valued fields may be repeated). Two
# Cookie lines are also refused: HTTP/1.1 clients send one (RFC 6265 5.4), and proxies from
# HTTP/2 join the pieces (RFC 9113 8.2.3). websockets checks the Sec-WebSocket-* ones too; they
# are listed so that every duplicate gets the same answer.
SINGLE_VALUED = (
    "Host",
    "Origin",
    "Cookie",
    "Authorization",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
)


def head_problem(headers: Headers) -> str | None:
    """Why this head gets a 400, or None when the handshake may read it."""
    for name in SINGLE_VALUED:
        if len(headers.get_all(name)) > 1:
            return f"The {name} header appears more than once."
    if "Host" not in headers:
        return "The Host header is missing."  # required in HTTP/1.1 (RFC 9112 3.2)
    return None


def forwarded_for(headers: Headers) -> str | None:
    """X-Forwarded-For is a list: several lines are one list, in order (RFC 9110 5.3)."""
    values = headers.get_all("X-Forwarded-For")
    return ", ".join(values) if values else None
