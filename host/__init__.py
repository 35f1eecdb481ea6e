"""The booth host: answers a visitor's question from the booth's own material only.

Pure core, no I/O: `passages` cuts a booth's texts, products, releases and documents into
cited sentence-sized passages (`pdf_text` reads a PDF's pages), `index` ranks them with Okapi
BM25 per booth, `answer` quotes the best ones or declines, `evaluation` scores it against the
hand-written questions of tests/host_questions/.

The feature (found by entry point, like `streams/`): `models` and its migrations, `store` (the
queries), `indexes` (each booth's index, per process, rebuilt when its material or FAQ
changes), `live` (the `host.ask` command), `routes` (the booth's staff: the switch, the answers
log, corrections), `views`, and `seed` (the demo's hosts, on at every booth but one).
"""

from __future__ import annotations

from pathlib import Path

from expo.features import Feature
from host import indexes, live, routes, seed

feature = Feature(
    name="host",
    routes=routes.routes,
    commands=live.commands,
    models="host.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    permissions={**live.permissions, **routes.permissions},
    seed=seed.seed,
    startup=[indexes.listen_for_uploads],  # a PDF's text is read when it is uploaded
)
