"""Verifiable attendance certificates (issue 15): Open Badges 3.0 / W3C VC 2.0 credentials for
what attendees did, signed with eddsa-jcs-2022 (also as VC-JWT) by the platform as a did:web,
revoked through a Bitstring Status List, checked offline by `expo credential verify`.

The pure core (multikey, data_integrity, vc_jwt, status_list, verification, offline, domain,
keys) does no I/O; store.py, routes.py and cli.py are the edges.
"""

from __future__ import annotations

from pathlib import Path

from certificates import cli, routes
from expo.features import Feature

feature = Feature(
    name="certificates",
    routes=routes.routes,
    models="certificates.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    permissions=routes.permissions,
    cli={"credential": ("certificates: verify one offline, rotate the issuer key", cli.main)},
)
