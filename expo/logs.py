"""Structured logs: one JSON object per line, with the fields a handler passed as `extra`.

What may never appear: tokens, cookies, passwords and message bodies. Handlers log ids
(`conn`, `account`, `topic`, `command`), not content.
"""

from __future__ import annotations

import logging
import logging.config
import time
from datetime import UTC, datetime

import orjson

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


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
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure(*, json: bool = True, level: str = "INFO") -> None:
    logging.config.dictConfig(log_config(json=json, level=level))


def log_config(*, json: bool = True, level: str = "INFO") -> dict[str, object]:
    """The same setup as a dictConfig, for uvicorn to apply in every worker process."""
    formatter = (
        {"()": "expo.logs.JsonFormatter"}
        if json
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
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


class OutageLog:
    """A warning about something that keeps failing, logged at most once per `every` seconds
    with how many times it happened meanwhile: an outage under a reconnect storm must show in
    the log without burying it."""

    def __init__(self, logger: logging.Logger, message: str, every: float = 60.0) -> None:
        self._log, self._message, self._every = logger, message, every
        self._last: float | None = None
        self._count = 0

    def happened(self, error: BaseException) -> None:
        self._count += 1
        now = time.monotonic()
        if self._last is not None and now - self._last < self._every:
            return
        self._log.warning(self._message, extra={"error": str(error), "times": self._count})
        self._last, self._count = now, 0
