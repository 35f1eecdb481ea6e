"""HTTP routes over a real server: health, metrics, sign-in, forums, errors as codes."""

from __future__ import annotations

from tests.live import LiveServer, Peer


async def test_healthz(server: LiveServer):
    async with server.http() as http:
        response = await http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_checks_the_database_and_the_broker(server: LiveServer):
    async with server.http() as http:
        response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


async def test_metrics_count_connections_and_commands(server: LiveServer):
    async with server.connect() as ws:
        await Peer(ws).command("subscribe", {"topic": "forum:2"})
        async with server.http() as http:
            text = (await http.get("/metrics")).text
    assert "expo_ws_connections 1.0" in text
    assert 'expo_ws_commands_total{outcome="ok",type="subscribe"}' in text


async def test_sign_in_sets_an_httponly_cookie_and_me_answers(server: LiveServer):
    async with server.http() as http:
        response = await http.post(
            "/api/session",
            json={"email": "Organizer@demo.shubo.live ", "password": "shubo-demo-2026"},
        )
        assert response.status_code == 200
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        me = await http.get("/api/me")
    assert me.json()["account"]["role"] == "organizer"
    assert "password_hash" not in me.json()["account"] and "email" not in me.json()["account"]


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(server):
    async with server.http() as http:
        wrong = await http.post(
            "/api/session", json={"email": "attendee@demo.shubo.live", "password": "nope"}
        )
        unknown = await http.post(
            "/api/session", json={"email": "nobody@demo.shubo.live", "password": "nope"}
        )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {"error": {"code": "account.bad_credentials", "message": "Wrong email or password."}}
    )


async def test_bad_bodies_are_bad_requests(server: LiveServer):
    async with server.http() as http:
        json_type = {"Content-Type": "application/json"}
        not_json = await http.post("/api/session", content=b"{nope", headers=json_type)
        missing = await http.post("/api/session", json={"email": "a@b.c"})
        too_big = await http.post("/api/session", content=b"x" * 70_000, headers=json_type)
    assert (not_json.status_code, not_json.json()["error"]["code"]) == (400, "bad_request")
    assert missing.json()["error"]["details"][0]["field"] == "password"
    assert (too_big.status_code, too_big.json()["error"]["code"]) == (413, "too_large")


async def test_me_without_a_session_is_unauthorized(server: LiveServer):
    async with server.http() as http:
        response = await http.get("/api/me", headers={"Cookie": "expo_session=forged"})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthorized")


async def test_the_lobby_lists_the_rooms_with_now_next_and_audience(server: LiveServer):
    async with server.http() as http:
        rooms = (await http.get("/api/forums")).json()["forums"]
    assert len(rooms) == 9
    assert rooms[0]["title"] == {"zh": "开幕式 · 主会场", "en": "Opening Ceremony · Main Stage"}
    assert rooms[8]["title"]["en"] == "Metaverse"
    assert {"now", "next", "audience", "topic"} <= rooms[1].keys()


async def test_a_forum_has_its_programme(server: LiveServer):
    async with server.http() as http:
        forum = (await http.get("/api/forums/2")).json()
    assert forum["slug"] == "east-data-west-computing"
    assert len(forum["sessions"]) == 6


async def test_a_room_is_found_by_its_slug(server: LiveServer):
    """The web app addresses rooms by slug (#/forum/<slug>): stable, unlike the row ids."""
    async with server.http() as http:
        by_slug = await http.get("/api/forums/by-slug?slug=east-data-west-computing")
        missing = await http.get("/api/forums/by-slug?slug=no-such-room")
        malformed = await http.get("/api/forums/by-slug?slug=Not_A_Slug")
    assert by_slug.status_code == 200, by_slug.text
    assert (by_slug.json()["id"], by_slug.json()["slug"]) == (2, "east-data-west-computing")
    assert len(by_slug.json()["sessions"]) == 6
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "forum.unknown")
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (400, "bad_request")


async def test_errors_are_json_codes(server: LiveServer):
    async with server.http() as http:
        missing_forum = await http.get("/api/forums/999")
        bad_id = await http.get("/api/forums/abc")
        bad_query = await http.get("/api/forums/2/chat?limit=100000")
        no_route = await http.get("/api/nothing-here")
        wrong_method = await http.delete("/api/forums")
    assert (missing_forum.status_code, missing_forum.json()["error"]["code"]) == (
        404,
        "forum.unknown",
    )
    assert (bad_id.status_code, bad_query.status_code) == (400, 400)
    assert (no_route.status_code, no_route.json()["error"]["code"]) == (404, "not_found")
    assert (wrong_method.status_code, wrong_method.json()["error"]["code"]) == (
        405,
        "method_not_allowed",
    )


async def test_the_web_app_is_served(server: LiveServer):
    async with server.http() as http:
        page = await http.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()


async def test_chat_history_tells_where_to_resume_the_live_topic(server: LiveServer):
    cookie = await server.sign_in("attendee@demo.shubo.live")
    async with server.connect(cookie) as ws:
        posted = await Peer(ws).command("chat.send", {"forum": 8, "text": "历史"})
    async with server.http() as http:
        history = (await http.get("/api/forums/8/chat")).json()
    assert history["topic"] == "forum:8"
    assert history["seq"] == posted["data"]["seq"]
    assert history["messages"][-1] == posted["data"]["message"]
    async with server.connect() as ws:
        reply = await Peer(ws).command(
            "subscribe", {"topic": "forum:8", "since": history["seq"], "epoch": history["epoch"]}
        )
    assert (reply["data"]["reload"], reply["data"]["replayed"]) == (False, 0)


async def test_the_expo_hall_lists_a_dozen_exhibitors_in_both_languages(server: LiveServer):
    async with server.http() as http:
        hall = (await http.get("/api/exhibitors")).json()
    assert (hall["total"], hall["page"], hall["per_page"], hall["sort"]) == (12, 1, 24, "tier")
    exhibitors = hall["exhibitors"]
    assert len(exhibitors) == 12
    # The demo's first six stand at the front (platinum, gold, silver), the rest in order.
    assert [e["tier"] for e in exhibitors[:7]] == [
        *["platinum"] * 2,
        *["gold"] * 3,
        "silver",
        "standard",
    ]
    assert exhibitors[3] == {
        "id": 4,
        "name": {"zh": "贵阳大数据交易所", "en": "Guiyang Big Data Exchange"},
        "summary": {
            "zh": "数据要素登记、定价与交易服务。",
            "en": "Registration, pricing and trading of data assets.",
        },
        "logo": exhibitors[3]["logo"],  # the demo's drawn logo, if it has one
        "industries": [
            {"key": "data-trading", "zh": "数据流通交易", "en": "Data trading and exchanges"}
        ],
        "tier": "gold",
        "visitors_now": 0,
        "staff_online": 0,
    }


async def test_method_not_allowed_names_every_method_of_the_path(server: LiveServer):
    async with server.http() as http:
        response = await http.put("/api/session")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, POST"


async def test_a_database_that_cannot_be_reached_is_unavailable_not_a_crash(tmp_path):
    from tests.live import live_server, make_settings

    missing = tmp_path / "no-such-dir" / "expo.db"  # SQLite cannot open it
    async with live_server(make_settings(f"sqlite+aiosqlite:///{missing}")) as live:
        async with live.http() as http:
            forums = await http.get("/api/forums")
            ready = await http.get("/readyz")
    assert (forums.status_code, forums.json()["error"]["code"]) == (503, "database.unavailable")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] != "ok"


async def test_a_cross_site_form_cannot_sign_anyone_in(server: LiveServer):
    """Login CSRF: a form on another site posting the attacker's credentials as text/plain."""
    body = b'{"email": "attendee@demo.shubo.live", "password": "shubo-demo-2026"}'
    async with server.http() as http:
        form = await http.post("/api/session", content=body, headers={"Content-Type": "text/plain"})
        foreign = await http.post(
            "/api/session",
            content=body,
            headers={"Content-Type": "application/json", "Origin": "https://evil.example"},
        )
    assert (form.status_code, form.json()["error"]["code"]) == (400, "bad_request")
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (403, "csrf.cross_site")
    assert "set-cookie" not in form.headers and "set-cookie" not in foreign.headers


async def test_a_huge_body_is_refused_before_it_is_read(server: LiveServer):
    async def endless():
        for _ in range(1000):  # 64 MiB if it were all read
            yield b"x" * 65536

    async with server.http() as http:
        response = await http.post(
            "/api/accounts", content=endless(), headers={"Content-Type": "application/json"}
        )
    assert (response.status_code, response.json()["error"]["code"]) == (413, "too_large")


async def test_a_database_with_no_connection_free_is_busy_not_a_crash():
    """Every pooled PostgreSQL connection taken (here the only one): the next request is told
    `database.busy` with Retry-After once the pool's timeout passes; it used to be a 500 after
    30 s. Once the connection is back, requests are answered again."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from tests.live import live_server, make_settings, prepare_demo_database
    from tests.services import fresh_postgres_database

    async with fresh_postgres_database() as url:
        await prepare_demo_database(url)
        settings = make_settings(
            url, database_pool_size=1, database_max_overflow=0, database_pool_timeout=0.3
        )
        async with live_server(settings) as live, live.http() as http:
            connection = None
            for _ in range(20):  # the pool's only connection, once no background loop has it
                try:
                    connection = await live.services.engine.connect()
                    break
                except PoolTimeout:
                    pass
            assert connection is not None
            try:
                busy = await http.get("/api/forums")
            finally:
                await connection.close()
            after = await http.get("/api/forums")
    assert (busy.status_code, busy.json()["error"]["code"]) == (503, "database.busy")
    assert busy.headers["retry-after"] == "1" and busy.json()["error"]["retry_after"] == 1
    assert after.status_code == 200 and after.json()["forums"]
