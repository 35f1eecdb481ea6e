"""Structured logs: one JSON object per line, with the fields a handler passed as `extra`.

What may never appear: tokens, cookies, passwords and message bodies. Handlers log ids
(`conn`, `account`, `topic`, `command`), not content.
"""

from __future__ import annotations

import logging
import logging.config
import re
from datetime import UTC, datetime

import orjson

# PostgreSQL explains a constraint failure by echoing the row ("DETAIL:  Key (email)=(...)"
# already exists", "Failing row contains (...)"): the same content the engines' hidden parameters
# keep out of the logs (expo/db.py).
_ROW_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def scrub(text: str) -> str:
    return _ROW_DETAIL.sub(r"\1 (hidden)", text)


class PlainFormatter(logging.Formatter):
    """Plain text lines (`expo demo`), with the same scrubbed exceptions as the JSON ones."""

    def format(self, record: logging.LogRecord) -> str:
        # The whole line: logging caches a record's formatted exception (`exc_text`) for every
        # handler, so another handler may have rendered it unscrubbed already.
        return scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


def configure(*, json: bool = True, level: str = "INFO") -> None:
    logging.config.dictConfig(log_config(json=json, level=level))


def log_config(*, json: bool = True, level: str = "INFO") -> dict[str, object]:
    """The same setup as a dictConfig, for uvicorn to apply in every worker process."""
    formatter = (
        {"()": "expo.logs.JsonFormatter"}
        if json
        else {
            "()": "expo.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
