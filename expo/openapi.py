"""The REST API described: an OpenAPI 3.1 document built from the app's ActionRoutes.

Each route declares its body, parameters and answers as pydantic models (see `expo.http.route`);
the refusals that follow from the route itself are added here, from the same facts the route
acts on, so the document cannot promise what the server does not do:

    400  a JSON body, a path parameter or a query parameter it reads is invalid
    401  its action needs signing in; or any route, when a bearer token is unknown or revoked
    403  a state-changing request with the session cookie from another site (CSRF); or a role
         the permission table refuses
    413  a JSON body over 64 KiB
    429  its rate limit is spent (with Retry-After)
    500  the server failed
    503  the database (every route checks the session) or the broker cannot be reached

and whatever else the handler raises (404, 409, 503, ...) comes from the route's `responses`.
Served as JSON at GET /openapi.json.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette.requests import Request
from starlette.routing import BaseRoute

from expo.http import (
    MAX_BODY_BYTES,
    SAFE_METHODS,
    ActionRoute,
    ErrorBody,
    JSONResponse,
    Raw,
    route,
    services,
)
from expo.permissions import ALL_ROLES, PermissionTable
from expo.security import SESSION_COOKIE

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{model}"
ID_MAX = 2**31 - 1  # ids are 32-bit serials: `expo.http.path_int` refuses the rest
PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The HttpOnly session cookie that POST /api/session and POST "
        "/api/accounts set. State-changing requests with it must come from this site.",
    },
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token an organiser issued (POST /api/tokens); it acts as one "
        "account. An unknown or revoked token is refused with 401 on every route.",
    },
}
SIGNED_IN_SECURITY: list[dict[str, list[str]]] = [{"sessionCookie": []}, {"bearerToken": []}]
OPTIONAL_SECURITY = [{}, *SIGNED_IN_SECURITY]

ERROR_DESCRIPTIONS = {
    400: "Invalid input: `bad_request` with `details` per field, or a more specific code.",
    401: "Not signed in or not recognised: `unauthorized` where signing in is needed, "
    "`auth.bad_token` for an unknown or revoked bearer token, or the handler's own code "
    "(such as `account.bad_credentials`).",
    403: "Refused: `csrf.cross_site` for a state-changing request with the session cookie from "
    "another site, `forbidden` for a role that may not do this, or the handler's own code.",
    404: "Not found.",
    409: "Conflicts with what exists.",
    410: "Gone.",
    413: f"The body is over {MAX_BODY_BYTES} bytes (`too_large`).",
    429: "Too many requests (`rate_limited`): `retry_after` and the Retry-After header say when "
    "to try again.",
    500: "The server failed (`internal`); nothing was changed.",
    503: "A service it needs cannot be reached (`unavailable`, `database.unavailable`) or is "
    "saturated (`database.busy`: try again after Retry-After).",
}


def build_document(
    routes: Iterable[BaseRoute], permissions: PermissionTable, *, title: str = "Shubo Live"
) -> dict[str, Any]:
    """The OpenAPI document of every ActionRoute among `routes`."""
    action_routes = [r for r in routes if isinstance(r, ActionRoute)]
    models = _Models()
    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    for r in action_routes:
        for method in sorted(r.methods or ()):
            if method == "HEAD":
                continue  # Starlette answers HEAD for every GET
            operation = _operation(r, method, permissions, models)
            operation_id = r.name
            if operation_id in operation_ids:
                operation_id = f"{r.handler.__module__.replace('.', '_')}_{r.name}_{method}"
            operation_ids.add(operation_id)
            operation["operationId"] = operation_id
            paths.setdefault(_openapi_path(r.path), {})[method.lower()] = operation
    schemas = models.schemas()
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": _version(),
            "description": "The online Big Data Expo platform's HTTP API. Every refusal is "
            '`{"error": {"code", "message", "details"?, "retry_after"?}}` with a stable code. '
            "Live events (chat, presence, the programme) go over the websocket at /ws.",
        },
        "paths": models.resolve(paths),
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


def _operation(
    r: ActionRoute, method: str, permissions: PermissionTable, models: _Models
) -> dict[str, Any]:
    rule = permissions.rule(r.action)
    signed_in = rule.roles is not None
    doc = (r.handler.__doc__ or "").strip()
    operation: dict[str, Any] = {
        "summary": r.summary or (doc.splitlines()[0] if doc else r.name.replace("_", " ")),
        "tags": list(r.tags) or [_default_tag(r)],
        "x-action": r.action,
    }
    if doc and " ".join(doc.split()) != operation["summary"]:
        operation["description"] = " ".join(doc.split())
    operation["security"] = SIGNED_IN_SECURITY if signed_in else OPTIONAL_SECURITY

    parameters = list(_path_parameters(r)) + list(_query_parameters(r))
    if parameters:
        operation["parameters"] = parameters
    if isinstance(r.body, Raw):  # a file as the body (the hall's uploads)
        operation["requestBody"] = {
            "required": True,
            "content": {r.body.media_type: {"schema": dict(r.body.schema)}},
        }
    elif r.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": models.ref(r.body, "validation")}},
        }

    # 401: a bad bearer token, on any route; 503: the database (sessions) cannot be reached.
    errors: set[int] = {401, 500, 503}
    if r.body is not None or r.query is not None or any(_is_integer(p) for p in parameters):
        errors.add(400)  # see `read_json`, `path_int` and `query_int`
    if r.body is not None:
        errors.add(413)
    if method not in SAFE_METHODS or (signed_in and rule.roles != ALL_ROLES) or rule.scoped:
        errors.add(403)  # CSRF, a role, or the object's rule (expo/permissions.py)
    if r.rate is not None:
        errors.add(429)

    responses: dict[str, Any] = {}
    for status in sorted({*r.responses, *errors}):
        declared = r.responses.get(status)
        if declared is None:
            declared = ErrorBody
        responses[str(status)] = _response(status, declared, models)
    operation["responses"] = responses
    return operation


def _response(status: int, declared: type[BaseModel] | Raw, models: _Models) -> dict[str, Any]:
    if isinstance(declared, Raw):
        content = {declared.media_type: {"schema": dict(declared.schema)}}
        description = "OK" if status < 400 else ERROR_DESCRIPTIONS.get(status, "Refused.")
    else:
        content = {"application/json": {"schema": models.ref(declared, "serialization")}}
        if status < 400 or declared is not ErrorBody:
            description = _first_line(declared.__doc__) or ("OK" if status < 400 else "Refused.")
        else:
            description = ERROR_DESCRIPTIONS.get(status, "Refused.")
    response: dict[str, Any] = {"description": description, "content": content}
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return response


def _path_parameters(r: ActionRoute) -> Iterator[dict[str, Any]]:
    declared = _fields(r.path_params, "validation") if r.path_params else {}
    for name in PATH_PARAM.findall(r.path):
        schema = declared.get(name)
        if schema is None:
            # The convention of `expo.http.path_int`: `*_id` is a positive 32-bit id.
            if name.endswith("_id"):
                schema = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
            else:
                schema = {"type": "string"}
        yield {"name": name, "in": "path", "required": True, "schema": schema}


def _is_integer(parameter: dict[str, Any]) -> bool:
    return bool(parameter["in"] == "path" and parameter["schema"].get("type") == "integer")


def _query_parameters(r: ActionRoute) -> Iterator[dict[str, Any]]:
    if r.query is None:
        return
    required = set(r.query.model_json_schema(mode="validation").get("required", ()))
    for name, schema in _fields(r.query, "validation").items():
        parameter = {"name": name, "in": "query", "required": name in required, "schema": schema}
        if "description" in schema:
            parameter["description"] = schema.pop("description")
        yield parameter


def _fields(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, dict[str, Any]]:
    """A flat model's properties as parameter schemas: a missing parameter is how one says
    "none", so `null` is no value a parameter takes."""
    properties = model.model_json_schema(mode=mode).get("properties", {})
    return {name: _without_null(schema) for name, schema in properties.items()}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    schema = {k: v for k, v in schema.items() if k != "title"}
    if schema.get("default", 0) is None:
        del schema["default"]
    options = schema.pop("anyOf", None)
    if options is not None:
        kept = [o for o in options if o.get("type") != "null"]
        if len(kept) == 1:
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept
    return schema


class _Models:
    """The models the document refers to, rendered together as `components/schemas`."""

    def __init__(self) -> None:
        self._wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
        self._refs: dict[str, str] = {}

    def ref(self, model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        self._wanted[(model, mode)] = None
        return {"$ref": f"__model__:{id(model)}:{mode}"}  # resolved in `schemas`

    def schemas(self) -> dict[str, Any]:
        if not self._wanted:
            return {}
        refs, definitions = models_json_schema(list(self._wanted), ref_template=REF)
        self._refs = {
            f"__model__:{id(model)}:{mode}": ref["$ref"] for (model, mode), ref in refs.items()
        }
        return {name: _tidy(schema) for name, schema in definitions.get("$defs", {}).items()}

    def resolve(self, document: Any) -> Any:
        """Replace the placeholders `ref` handed out by the names `schemas` chose."""
        if isinstance(document, dict):
            if set(document) == {"$ref"} and document["$ref"].startswith("__model__:"):
                return {"$ref": self._refs[document["$ref"]]}
            return {k: self.resolve(v) for k, v in document.items()}
        if isinstance(document, list):
            return [self.resolve(v) for v in document]
        return document


def _tidy(schema: Any) -> Any:
    """Drop `default: null` where null is not a value the schema takes (an optional key that
    is left out rather than sent as null)."""
    if isinstance(schema, list):
        return [_tidy(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    tidied = {k: _tidy(v) for k, v in schema.items()}
    if "default" in tidied and tidied["default"] is None and not _takes_null(tidied):
        del tidied["default"]
    return tidied


def _takes_null(schema: dict[str, Any]) -> bool:
    if "type" in schema:
        kind = schema["type"]
        return kind == "null" or (isinstance(kind, list) and "null" in kind)
    if "anyOf" in schema:
        return any(_takes_null(o) for o in schema["anyOf"])
    return not {"$ref", "enum", "const", "allOf", "oneOf"} & schema.keys()


def _openapi_path(path: str) -> str:
    return PATH_PARAM.sub(r"{\1}", path)


def _default_tag(r: ActionRoute) -> str:
    parts = r.handler.__module__.split(".")
    return parts[1] if parts[0] == "expo" and len(parts) > 1 else parts[0]


def _first_line(text: str | None) -> str:
    return (text or "").strip().split("\n")[0]


def _version() -> str:
    try:
        return version("shubo-live")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


async def openapi_json(request: Request) -> JSONResponse:
    """This document: the HTTP API in OpenAPI 3.1."""
    state = request.app.state
    document = getattr(state, "openapi_document", None)
    if document is None:
        document = build_document(request.app.routes, services(request).permissions)
        state.openapi_document = document
    return JSONResponse(document)


routes = [
    route(
        "/openapi.json",
        openapi_json,
        methods=["GET"],
        action="ops.openapi",
        responses={200: Raw("application/json", {"type": "object"})},
    ),
]
