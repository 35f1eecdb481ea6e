"""`expo match recommend PROFILES.json [-k 10]`: each participant's top k, as JSON on stdout.

The input is a JSON list of profiles in the profile's fields: `id` (a string or an integer),
`intents`, `industries`, `languages` (lists of strings), `offer`, `need` (strings), and
optionally `exhibitor` (colleagues of one exhibitor are never recommended to each other; 3 and
"3" are one exhibitor) and `visible` (true or false). Types are checked strictly and other
fields are refused; ids must stay distinct as output keys (3 and "3" are one id). The output is
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
TEXT_LIMIT = 500  # offer, need
WORD_LIMIT = 100  # one intent, industry or language
LIST_LIMIT = 50
ID_LIMIT = 200
FIELDS = {"id", "intents", "industries", "offer", "need", "languages", "exhibitor", "visible"}
INTENTS = {i.value for i in Intent}


class BadInput(ValueError):
    pass


def _strings(raw: dict[str, Any], name: str, where: str) -> list[str]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(f"{where}: `{name}` must be a list of strings")
    if len(value) > LIST_LIMIT:
        raise BadInput(f"{where}: `{name}` has more than {LIST_LIMIT} entries")
    if any(len(v) > WORD_LIMIT for v in value):
        raise BadInput(f"{where}: an entry of `{name}` is longer than {WORD_LIMIT} characters")
    return value


def _key(value: Any) -> str | None:
    """The output key of an id or exhibitor (JSON keys are texts), None when it is no id."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    key = str(value)
    return key if 0 < len(key) <= ID_LIMIT else None


def checked(data: Any) -> list[Profile]:
    """The profiles of a parsed PROFILES.json, or BadInput saying what is wrong and where.
    Every field's type is checked (a misspelt or mistyped field is refused, not ignored)."""
    if not isinstance(data, list):
        raise BadInput("the file must hold a JSON list of profiles")
    profiles: list[Profile] = []
    seen: set[str] = set()
    for n, raw in enumerate(data):
        where = f"profile {n}"
        if not isinstance(raw, dict):
            raise BadInput(f"{where}: a profile is a JSON object")
        extra = sorted(set(raw) - FIELDS)
        if extra:
            raise BadInput(f"{where}: unknown field `{extra[0]}` (use {', '.join(sorted(FIELDS))})")
        key = _key(raw.get("id"))
        if key is None:
            raise BadInput(
                f"{where}: `id` must be a non-empty string (at most {ID_LIMIT} characters) "
                "or an integer"
            )
        # 3 and "3" print under one JSON key "3": two people there would lose one list.
        if key in seen:
            raise BadInput(f"{where}: id {json.dumps(key, ensure_ascii=False)} is used twice")
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
        booth = None if exhibitor is None else _key(exhibitor)
        if exhibitor is not None and booth is None:
            raise BadInput(f"{where}: `exhibitor` must be a string, an integer or null")
        visible = raw.get("visible", True)
        if not isinstance(visible, bool):
            raise BadInput(f"{where}: `visible` must be true or false")
        # Exhibitor 3 and "3" are one booth (as for ids): colleagues are never recommended.
        profiles.append(profile_of({**raw, "exhibitor": booth}))
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
