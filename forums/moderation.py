"""(Being built in session 2; see issue 4.)"""

from __future__ import annotations

from typing import Any

commands: dict[str, Any] = {}
routes: list[Any] = []
permissions: dict[str, Any] = {}
