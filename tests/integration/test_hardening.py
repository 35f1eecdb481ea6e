"""Operations and secrets over a real server: what the HTTP edge gives away and to whom."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from expo.db import make_engine
from expo.logs import JsonFormatter, PlainFormatter
from tests.live import LiveServer, live_server, make_settings
from tests.services import fresh_postgres_database

SECRET = "hunter2-correct-horse-battery"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_failing_statement_logs_no_parameters(backend, tmp_path, caplog):
    async def fail(url: str) -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE t (email TEXT UNIQUE)"))
                for _ in range(2):  # the second one breaks the unique constraint
                    await connection.execute(
                        text("INSERT INTO t (email) VALUES (:v)"), {"v": SECRET}
                    )
        except Exception:
            logging.getLogger("expo.test").exception("statement failed")
        finally:
            await engine.dispose()

    if backend == "sqlite":
        await fail(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    else:
        async with fresh_postgres_database() as url:
            await fail(url)
    record = next(r for r in caplog.records if r.getMessage() == "statement failed")
    assert record.exc_info is not None
    for formatter in (JsonFormatter(), PlainFormatter()):
        logged = formatter.format(record)
        assert "INSERT INTO t" in logged  # the statement is named ...
        # ... its parameters are not, nor PostgreSQL's echo of the row (`DETAIL: Key ...=(...)`)
        assert SECRET not in logged


# --- security headers ----------------------------------------------------------------------

FAR = {"X-Forwarded-For": "203.0.113.9"}  # a client elsewhere, through the trusted local proxy


@pytest.fixture(scope="module")
async def hardened(demo_sqlite: str) -> AsyncIterator[LiveServer]:
    settings = make_settings(demo_sqlite, hsts_max_age=31_536_000, metrics_token="scrape-me")
    async with live_server(settings) as live:
        yield live


@pytest.mark.parametrize("path", ["/", "/js/app.js", "/api/forums", "/nowhere", "/healthz"])
async def test_every_response_forbids_framing_and_sniffing(server: LiveServer, path: str):
    async with server.http() as http:
        response = await http.get(path)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # off unless EXPO_HSTS


async def test_hsts_is_sent_when_the_setting_asks(hardened: LiveServer):
    async with hardened.http() as http:
        response = await http.get("/")
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_the_header_policy_keeps_what_the_page_policy_allows():
    """index.html's own <meta> policy is what the pages are tested under; the header may only
    add to it what a <meta> cannot say (frame-ancestors)."""
    from importlib.resources import files

    from expo.web import CONTENT_SECURITY_POLICY

    html = files("frontend").joinpath("index.html").read_text()
    meta = html.split('http-equiv="Content-Security-Policy"')[1].split('content="')[1]
    meta_policy = meta.split('"')[0]
    assert CONTENT_SECURITY_POLICY == f"{meta_policy}; frame-ancestors 'none'"


# --- the web root ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/__init__.py", "/vendor/vendor.lock.json", "/vendor/hls.js/LICENSE"]
)
async def test_only_web_files_are_served(server: LiveServer, path: str):
    async with server.http() as http:
        response = await http.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    ["/", "/index.html", "/js/app.js", "/style.css", "/favicon.svg", "/vendor/hls.js/hls.min.mjs"],
)
async def test_the_web_files_are_served(server: LiveServer, path: str):
    async with server.http() as http:
        response = await http.get(path)
    assert response.status_code == 200


# --- /metrics --------------------------------------------------------------------------------


async def test_metrics_answer_the_local_scraper_without_a_token(server: LiveServer):
    async with server.http() as http:
        response = await http.get("/metrics")
    assert response.status_code == 200 and "expo_ws_connections" in response.text


async def test_metrics_are_refused_to_other_addresses_without_a_token(server: LiveServer):
    async with server.http() as http:
        response = await http.get("/metrics", headers=FAR)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "metrics.forbidden"


@pytest.mark.parametrize(
    "forwarded",
    [
        {"X-Forwarded-For": "127.0.0.1"},  # believed from the trusted proxy: looks local
        {"Forwarded": "for=127.0.0.1"},
        {"X-Real-IP": "127.0.0.1"},
    ],
    ids=["x-forwarded-for", "forwarded", "x-real-ip"],
)
async def test_metrics_without_a_token_are_refused_to_anything_that_came_through_a_proxy(
    server: LiveServer, forwarded: dict[str, str]
):
    """Behind a proxy on this host every request arrives from this host: with no token, a
    forwarded request is nobody's local scraper, whatever address it names."""
    async with server.http() as http:
        response = await http.get("/metrics", headers=forwarded)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "metrics.forbidden"


async def test_metrics_without_a_token_are_refused_to_all_when_every_proxy_is_believed(
    demo_sqlite: str,
):
    """`FORWARDED_ALLOW_IPS=*`: anyone can say they are 127.0.0.1, so no address is local."""
    async with live_server(make_settings(demo_sqlite, forwarded_allow_ips=("*",))) as live:
        async with live.http() as http:
            response = await http.get("/metrics")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "metrics.forbidden"


async def test_metrics_with_a_token_set_want_it_from_everyone(hardened: LiveServer):
    async with hardened.http() as http:
        local = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer guess"})
        right = await http.get("/metrics", headers={**FAR, "Authorization": "Bearer scrape-me"})
    assert local.status_code == 401 and local.json()["error"]["code"] == "metrics.unauthorized"
    assert local.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401
    assert right.status_code == 200 and "expo_ws_connections" in right.text


async def test_an_organiser_may_read_the_metrics_from_anywhere(hardened: LiveServer):
    cookie = await hardened.sign_in("organizer@demo.shubo.live")
    attendee = await hardened.sign_in("attendee@demo.shubo.live")
    async with hardened.http() as http:
        organiser = await http.get("/metrics", headers={**FAR, "Cookie": cookie})
        other = await http.get("/metrics", headers={**FAR, "Cookie": attendee})
    assert organiser.status_code == 200
    assert other.status_code == 401 and other.json()["error"]["code"] == "metrics.unauthorized"
