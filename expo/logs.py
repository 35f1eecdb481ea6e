"""Structured logs: one JSON object per line, with the fields a handler passed as `extra`.

What may never appear: tokens, cookies, passwords and message bodies. Handlers log ids
(`conn`, `account`, `topic`, `command`), not content.
"""

from __future__ import annotations

import logging
import logging.config
import re
import time
from datetime import UTC, datetime

import orjson

# PostgreSQL explains a constraint failure by echoing the row ("DETAIL:  Key (email)=(...)"
# already exists", "Failing row contains (...)"): the same content the engines' hidden parameters
# keep out of the logs (expo/db.py).
_ROW_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


# Secrets a caller can only send in the URL (nginx-rtmp's callbacks cannot set a header): the
# access log keeps the path, never their values.
_URL_SECRET = re.compile(r"((?:^|[?&])(?:secret|token)=)[^&\s]*")


def scrub(text: str) -> str:
    return _ROW_DETAIL.sub(r"\1 (hidden)", text)


class SecretsInUrls(logging.Filter):
    """uvicorn's access log lines with `secret=`/`token=` query values hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _URL_SECRET.sub(r"\1(hidden)", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


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
        "filters": {"secrets_in_urls": {"()": "expo.logs.SecretsInUrls"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            **{name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error")},
            "uvicorn.access": {"handlers": [], "propagate": True, "filters": ["secrets_in_urls"]},
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
