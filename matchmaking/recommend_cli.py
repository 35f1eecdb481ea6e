"""`expo match recommend PROFILES.json [-k 10]`: each participant's top k, as JSON on stdout.

The input is a JSON list of profiles in the profile's fields: `id` (a string or an integer),
`intents`, `industries`, `offer`, `need`, `languages`, and optionally `exhibitor` (colleagues
of one exhibitor are never recommended to each other) and `visible`. The output is
`{id: [{"id", "score", "reason": {"zh", "en"}}, ...]}`, scored by the app's own scorer.
Bad input: a message on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matchmaking.models import Intent
from matchmaking.recommend import Profile, build, profile_of, recommend

MAX_K = 50
TEXT_LIMIT = 500
INTENTS = {i.value for i in Intent}


class BadInput(ValueError):
    pass


def _strings(raw: dict[str, Any], name: str, where: str) -> list[str]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(f"{where}: `{name}` must be a list of strings")
    return value


def checked(data: Any) -> list[Profile]:
    """The profiles of a parsed PROFILES.json, or BadInput saying what is wrong and where."""
    if not isinstance(data, list):
        raise BadInput("the file must hold a JSON list of profiles")
    profiles, seen = [], set()
    for n, raw in enumerate(data):
        where = f"profile {n}"
        if not isinstance(raw, dict):
            raise BadInput(f"{where}: a profile is a JSON object")
        key = raw.get("id")
        if isinstance(key, bool) or not isinstance(key, str | int) or key == "":
            raise BadInput(f"{where}: `id` must be a non-empty string or an integer")
        where = f"profile {key!r}"
        if key in seen:
            raise BadInput(f"{where}: the id appears twice")
        seen.add(key)
        unknown = sorted(set(_strings(raw, "intents", where)) - INTENTS)
        if unknown:
            raise BadInput(f"{where}: unknown intents {unknown} (use {sorted(INTENTS)})")
        _strings(raw, "industries", where)
        _strings(raw, "languages", where)
        for text in ("offer", "need"):
            value = raw.get(text, "")
            if not isinstance(value, str):
                raise BadInput(f"{where}: `{text}` must be a string")
            if len(value) > TEXT_LIMIT:
                raise BadInput(f"{where}: `{text}` is longer than {TEXT_LIMIT} characters")
        exhibitor = raw.get("exhibitor")
        if exhibitor is not None and (
            isinstance(exhibitor, bool) or not isinstance(exhibitor, str | int)
        ):
            raise BadInput(f"{where}: `exhibitor` must be a string, an integer or null")
        profiles.append(profile_of(raw))
    return profiles


def rankings(profiles: list[Profile], k: int) -> dict[str, list[dict[str, Any]]]:
    index = build(profiles)
    return {
        str(p.id): [
            {"id": r.id, "score": r.score, "reason": r.reason} for r in recommend(index, p.id, k)
        ]
        for p in profiles
    }


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="expo match recommend", description="Each participant's top k, as JSON."
    )
    parser.add_argument("profiles", type=Path, help="a JSON list of profiles")
    parser.add_argument("-k", type=int, default=10, help=f"how many each (1..{MAX_K})")
    args = parser.parse_args(argv)
    if not 1 <= args.k <= MAX_K:
        print(f"expo match recommend: -k must be between 1 and {MAX_K}", file=sys.stderr)
        return 2
    try:
        data = json.loads(args.profiles.read_text(encoding="utf-8"))
        profiles = checked(data)
    except OSError as error:
        print(f"expo match recommend: cannot read {args.profiles}: {error}", file=sys.stderr)
        return 2
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        print(f"expo match recommend: {args.profiles} is not JSON: {error}", file=sys.stderr)
        return 2
    except BadInput as error:
        print(f"expo match recommend: {error}", file=sys.stderr)
        return 2
    json.dump(rankings(profiles, args.k), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0
