"""The access log never keeps a secret sent in a URL (nginx-rtmp's callbacks carry the hook
secret in their query: they cannot send a header)."""

from __future__ import annotations

import io
import logging
import logging.config

from expo.logs import log_config


def test_the_access_log_hides_secret_and_token_query_values() -> None:
    config = log_config(json=True)
    logging.config.dictConfig(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "POST",
            "/api/streams/hooks/publish?secret=s3cr3t-value&x=1&token=t0k3n",
            "1.1",
            302,
        )
    finally:
        root.removeHandler(handler)
    line = stream.getvalue()
    assert "/api/streams/hooks/publish?secret=(hidden)&x=1&token=(hidden)" in line
    assert "s3cr3t-value" not in line and "t0k3n" not in line
