"""`expo match ...`: matchmaking from the command line, with no server.

expo match recommend PROFILES.json [-k 10]     each participant's top k, as JSON
expo match solve IN.json OUT.json [--time-limit S]   the optimal scheduler on an instance
expo match schedule [--time-limit S]   the scheduler over the database's accepted requests
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

# Subcommand -> (help, main over its own arguments); each part adds its own under a marked line.
SUBCOMMANDS: dict[str, tuple[str, Callable[[Sequence[str]], int]]] = {}
# --- recommend ---
from matchmaking import recommend_cli  # noqa: E402  (kept inside this part's marked lines)

SUBCOMMANDS["recommend"] = ("each participant's top k, as JSON", recommend_cli.main)
# --- scheduler ---
from matchmaking import solve_cli  # noqa: E402

SUBCOMMANDS["solve"] = ("the optimal scheduler on an instance", solve_cli.main)
from matchmaking import schedule_cli  # noqa: E402

SUBCOMMANDS["schedule"] = ("the scheduler over the database's requests", schedule_cli.main)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="expo match", description=__doc__.splitlines()[0])
    parser.add_argument("subcommand", choices=sorted(SUBCOMMANDS))
    parser.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    return SUBCOMMANDS[args.subcommand][1](args.args)
