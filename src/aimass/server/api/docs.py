"""``GET /docs``: the OpenAPI document as a readable page that works offline.

FastAPI's own docs page loads Swagger UI from a CDN and shows nothing without the internet. This
page is rendered on the server from ``app.openapi()``: every route with its method, summary,
description, required scope, parameters and answers. The machine-readable document stays at
``/openapi.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

__all__ = ["Operation", "Parameter", "describe_openapi", "router"]

router = APIRouter(tags=["docs"], include_in_schema=False)

_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Parameter:
    """One parameter of an operation."""

    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass(frozen=True)
class Operation:
    """One route of the OpenAPI document, flattened for display."""

    method: str
    path: str
    summary: str
    description: str
    tag: str
    auth: str
    parameters: list[Parameter] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type_of(item) for item in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(repr(item) for item in schema["enum"])
    kind = str(schema.get("type", "any"))
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    bounds = [f"{word} {schema[key]}" for key, word in (("minimum", "≥"), ("maximum", "≤")) if key in schema]
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def _auth_of(operation: dict[str, Any]) -> str:
    requirements = operation.get("security")
    if not requirements:
        return "open"
    scopes = sorted(
        {scope for requirement in requirements for values in requirement.values() for scope in values}
    )
    needed = " + ".join(scopes) if scopes else "any scope"
    return f"API key: {needed} (or admin)" if scopes and "admin" not in scopes else f"API key: {needed}"


def describe_openapi(document: dict[str, Any]) -> list[Operation]:
    """Flatten an OpenAPI document into one :class:`Operation` per method and path, in path order.

    Parameters
    ----------
    document : dict
        The OpenAPI document, as returned by ``app.openapi()``.

    Returns
    -------
    list of Operation
        Sorted by path, then method.
    """
    operations = []
    for path, item in sorted(document.get("paths", {}).items()):
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [
                Parameter(
                    name=str(parameter.get("name", "")),
                    location=str(parameter.get("in", "")),
                    required=bool(parameter.get("required", False)),
                    type=_type_of(parameter.get("schema", {})),
                    description=str(
                        parameter.get("description") or parameter.get("schema", {}).get("description", "")
                    ),
                )
                for parameter in operation.get("parameters", [])
            ]
            responses = [
                (str(code), str(answer.get("description", "")))
                for code, answer in operation.get("responses", {}).items()
            ]
            operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=str(operation.get("summary", "")),
                    description=str(operation.get("description", "")),
                    tag=str((operation.get("tags") or ["other"])[0]),
                    auth=_auth_of(operation),
                    parameters=parameters,
                    responses=responses,
                )
            )
    return operations


@router.get("/docs")
def docs_page(request: Request) -> Response:
    """The API reference page, rendered from the app's OpenAPI document."""
    from aimass.server.dashboard import render

    document = request.app.openapi()
    info = document.get("info", {})
    context = {
        "title": "API reference",
        "info": {"title": info.get("title", ""), "version": info.get("version", "")},
        "operations": describe_openapi(document),
        "schemes": document.get("components", {}).get("securitySchemes", {}),
    }
    return render(request, "docs.html", context)
