"""Verifiable attendance certificates (issue 15): Open Badges 3.0 / W3C VC 2.0 credentials for
what attendees did, signed with eddsa-jcs-2022 (also as VC-JWT) by the platform as a did:web,
revoked through a Bitstring Status List, checked offline by `expo credential verify` and, for
anyone a holder shows one to, over HTTP (verifying.py); downloaded also as an Open Badges 3.0
baked PNG (baking.py) or a printable PDF certificate (artwork.py).

The pure core (multikey, data_integrity, vc_jwt, status_list, verification, offline, domain,
keys, baking) does no I/O; artwork.py looks for a font on disk; store.py, routes.py,
verifying.py and cli.py are the edges.
"""

from __future__ import annotations

from pathlib import Path

from certificates import cli, routes, verifying
from expo.features import Feature

feature = Feature(
    name="certificates",
    routes=[*routes.routes, *verifying.routes],
    models="certificates.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    permissions={**routes.permissions, **verifying.permissions},
    cli={"credential": ("certificates: verify one offline, rotate the issuer key", cli.main)},
)
