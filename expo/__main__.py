"""`python -m expo …`: the `expo` command, where its script is not on PATH."""

from expo.cli import main

raise SystemExit(main())
