"""Stateful runs over the REST API (issue 14, abuse): sequences of calls, each using what an
earlier answer gave (a ticket's id from joining a queue, a request's id from asking for a
meeting), against a real server over a real socket.

tests/integration/test_openapi.py fuzzes each operation alone; here schemathesis chains them.
The links between operations are not declared in our OpenAPI document: schemathesis (4.x)
infers them from the schemas (an operation answering `{"ticket": {"id"}}` feeds every
`{ticket_id}`), which covers the main flows, checked below. The run is signed in (a session
cookie, as the browser has) and bounded in scenarios and steps.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
import schemathesis.specs.openapi.schemas
import schemathesis.specs.openapi.stateful  # noqa: F401
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.live import LiveServer, live_server, make_settings

# schemathesis' OpenAPI modules are imported above, in the main thread, not on first use inside
# the worker thread each flow runs in: pytest rewrites a plugin's modules as they are imported,
# and CPython 3.11's parser used from two threads at once can fail with "SystemError: AST
# constructor recursion depth mismatch" (CPython gh-106905; failed so once in CI).

ATTENDEE = "attendee@demo.shubo.live"
# The flows a signed-in attendee walks, each run on its own (so that each gets its share of
# scenarios): a queue ticket, a meeting request, a room's chat. The rest of
# the API is fuzzed alone (test_openapi.py).
FLOWS = {
    # The hall's list gives the exhibitors' ids: with a producer of them, joining a queue is
    # where a scenario starts (schemathesis starts from operations whose inputs are produced).
    "queue": r"^/api/(exhibitors|match/(queues/\{exhibitor_id\}/tickets|queue-tickets(/.*)?))$",
    "meeting": r"^/api/match/(requests(/.*)?|meetings(/.*)?)$",
    "chat": r"^/api/(forums/\{forum_id\}(/chat|/questions)?|me)$",
}
# Transitions each flow needs: among those found (inferred or declared), or no run reaches them.
NEEDED = {
    "queue": {
        ("GET /api/exhibitors", "POST /api/match/queues/{exhibitor_id}/tickets"),
        (
            "POST /api/match/queues/{exhibitor_id}/tickets",
            "GET /api/match/queue-tickets/{ticket_id}",
        ),
        (
            "POST /api/match/queues/{exhibitor_id}/tickets",
            "DELETE /api/match/queue-tickets/{ticket_id}",
        ),
    },
    "meeting": {("POST /api/match/requests", "POST /api/match/requests/{request_id}/withdraw")},
    "chat": set(),
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
async def live(demo_sqlite: str) -> AsyncIterator[LiveServer]:
    async with live_server(make_settings(demo_sqlite)) as server:
        yield server


# The one link the flows need that schemathesis does not infer: the hall's list gives the
# exhibitor whose queue to join (it infers the rest, ticket and request ids included). Declared
# here, on the document as served, in OpenAPI's own `links` form.
LINKS = {
    ("/api/exhibitors", "get", "200"): {
        "JoinTheFirstBoothsQueue": {
            "operationId": None,  # filled in from the document: the join's own id
            "parameters": {"exhibitor_id": "$response.body#/exhibitors/0/id"},
        }
    }
}
JOIN = ("/api/match/queues/{exhibitor_id}/tickets", "post")


def flow(base: str, cookie: str, paths: str) -> Any:
    """The flows' operations, called signed in. Positive inputs only: a chain goes on from a
    call that succeeded (each operation's refusals are fuzzed in test_openapi.py), and no
    generated cookie replaces the session's."""
    document = httpx.get(f"{base}/openapi.json").json()
    join_id = document["paths"][JOIN[0]][JOIN[1]]["operationId"]
    for (path, method, status), links in LINKS.items():
        response = document["paths"][path][method]["responses"][status]
        response["links"] = {name: {**link, "operationId": join_id} for name, link in links.items()}
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=base, headers={"Cookie": cookie})
    schema.config.generation.update(modes=[GenerationMode.POSITIVE], with_security_parameters=False)
    # Organisers make exhibitors: refused to the attendee, a dead end for every scenario.
    return schema.include(path_regex=paths).exclude(method="POST", path="/api/exhibitors")


def transitions(schema: Any) -> set[tuple[str, str]]:
    collect_transitions = schemathesis.specs.openapi.stateful.collect_transitions
    schema.as_state_machine()  # infers the links, into the schema
    operations = [result.ok() for result in schema.get_all_operations()]
    found = set()
    for label, node in collect_transitions(operations).operations.items():
        for link in node.outgoing:
            found.add((label, link.target.label))
    return found


@pytest.mark.parametrize("name", sorted(FLOWS))
async def test_stateful_runs_over_the_main_flows_keep_the_document(live: LiveServer, name: str):
    cookie = await live.sign_in(ATTENDEE)
    answered: Counter[tuple[str, int]] = Counter()

    def run() -> None:
        schema = flow(live.base, cookie, FLOWS[name])
        found = transitions(schema)
        assert found >= NEEDED[name], NEEDED[name] - found

        class SignedIn(schema.as_state_machine()):  # type: ignore[misc]
            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return {"timeout": 10}

            def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
                answered[(case.operation.label, response.status_code)] += 1
                kwargs.pop("additional_checks", None)
                case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

        SignedIn.run(
            settings=hypothesis.settings(
                max_examples=10,
                stateful_step_count=5,
                deadline=None,
                derandomize=True,  # the same scenarios each run: a bounded, repeatable walk
                database=None,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
        )

    await asyncio.to_thread(run)
    walked = "\n".join(f"{k}: {v}" for k, v in sorted(answered.items()))
    assert sum(answered.values()) >= 10, walked
    if name == "queue":
        # The walk went through the links: a ticket's own operations answered with the ticket
        # that joining gave (a made-up id is 404).
        assert any("{ticket_id}" in op and status == 200 for op, status in answered), walked
